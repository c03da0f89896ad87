"""Unit tests run without the network (tests/unit/conftest.py): an internet connection or a name
lookup fails the test, even when the code under test swallows the error; Unix sockets and a marked
test's own server on 127.0.0.1 stay open."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.network import NetworkBlockedError, NetworkGuard

pytest_plugins = ["pytester"]

DOCUMENTATION_ADDRESS = "192.0.2.10"  # TEST-NET-1: never a real host


@pytest.fixture
def local_server() -> Iterator[tuple[str, int]]:
    with socket.create_server(("127.0.0.1", 0)) as server:
        yield server.getsockname()


def test_a_connection_to_an_internet_address_raises_the_blocking_error(network_guard: NetworkGuard) -> None:
    with (
        socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock,
        pytest.raises(NetworkBlockedError, match=re.escape(f"a connection to {DOCUMENTATION_ADDRESS}:443 was blocked")),
    ):
        sock.connect((DOCUMENTATION_ADDRESS, 443))

    assert network_guard.take() == [f"a connection to {DOCUMENTATION_ADDRESS}:443"]


def test_an_http_request_fails_loudly_before_the_shops_name_is_looked_up(network_guard: NetworkGuard) -> None:
    # Not an httpx.ConnectError, which the connector would report as an unreachable shop
    with httpx.Client(trust_env=False, timeout=1) as client, pytest.raises(NetworkBlockedError):
        client.get("https://shop.example/api/")
    with pytest.raises(NetworkBlockedError, match=re.escape("a lookup of 'shop.example'")):
        socket.getaddrinfo("shop.example", 443)

    assert network_guard.take() == ["a connection to shop.example:443", "a lookup of 'shop.example'"]


def test_the_loopback_is_blocked_too_unless_the_test_is_marked(
    network_guard: NetworkGuard, local_server: tuple[str, int]
) -> None:
    with pytest.raises(NetworkBlockedError, match=re.escape("mark the test @pytest.mark.loopback")):
        socket.create_connection(local_server, timeout=1)

    assert network_guard.take() == [f"a connection to 127.0.0.1:{local_server[1]}"]


@pytest.mark.loopback
def test_a_marked_test_reaches_its_own_server_on_127_0_0_1_and_nothing_else(
    network_guard: NetworkGuard, local_server: tuple[str, int]
) -> None:
    with socket.create_connection(local_server, timeout=1) as connection:
        assert connection.getpeername() == local_server

    with pytest.raises(NetworkBlockedError, match=re.escape("only 127.0.0.1 / ::1 are open")):
        socket.create_connection((DOCUMENTATION_ADDRESS, 443), timeout=1)
    assert network_guard.take() == [f"a connection to {DOCUMENTATION_ADDRESS}:443"]


def test_unix_sockets_stay_open(tmp_path: Path) -> None:
    path = str(tmp_path / "s")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        server.bind(path)
        server.listen()
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
            client.connect(path)
            peer, _ = server.accept()
            with peer:
                client.sendall(b"ping")
                assert peer.recv(4) == b"ping"


def test_a_test_whose_code_swallows_the_blocking_error_still_fails(pytester: pytest.Pytester) -> None:
    # Given this directory's conftest and a test whose code catches every error
    pytester.makeconftest(Path(__file__).with_name("conftest.py").read_text())
    pytester.makepyfile(
        f"""
        import socket

        def test_catches_everything():
            try:
                socket.create_connection(("{DOCUMENTATION_ADDRESS}", 443), timeout=1)
            except Exception:
                pass
        """
    )

    # When
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-p", "no:playwright")

    # Then
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [f"*network access was blocked and the error swallowed: a connection to {DOCUMENTATION_ADDRESS}:443*"]
    )
