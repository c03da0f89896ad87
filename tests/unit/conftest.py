"""Unit tests run without the network (tests/support/network.py).

From the setup of each test here to the end of its teardown (fixtures of any scope included), an
internet connection or a name lookup raises ``NetworkBlockedError``; an attempt that the code
under test caught and swallowed still fails the test when the phase ends. Unix sockets and moto
in-process are unaffected. A test that talks to a server it starts on 127.0.0.1 itself (the shop
simulator, a socket server) is marked ``@pytest.mark.loopback``: 127.0.0.1 / ::1 open, nothing else.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import pytest

from tests.support.network import NetworkGuard

_GUARD = pytest.StashKey[NetworkGuard]()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "loopback: a unit test that may connect to 127.0.0.1 / ::1 (a server it starts); nothing else"
    )


def _checked(guard: NetworkGuard) -> Generator[None, Any, Any]:
    """One phase of a test: an attempt that did not already fail the phase fails it now."""
    try:
        result = yield
    except BaseException:
        guard.take()  # the phase failed anyway, with the blocking error if that was the cause
        raise
    if blocked := guard.take():
        pytest.fail(f"network access was blocked and the error swallowed: {'; '.join(blocked)}", pytrace=False)
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, Any, Any]:
    guard = NetworkGuard(allow_loopback=item.get_closest_marker("loopback") is not None)
    item.stash[_GUARD] = guard
    guard.install()
    return (yield from _checked(guard))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, Any, Any]:
    return (yield from _checked(item.stash[_GUARD]))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Generator[None, Any, Any]:
    guard = item.stash[_GUARD]
    try:
        return (yield from _checked(guard))
    finally:
        guard.uninstall()


@pytest.fixture
def network_guard(request: pytest.FixtureRequest) -> NetworkGuard:
    """The guard of the running test, for tests of the guard itself."""
    return request.node.stash[_GUARD]
