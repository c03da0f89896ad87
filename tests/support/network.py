"""No network for unit tests: internet connections and name lookups raise while the guard is on.

:class:`NetworkGuard` patches ``socket.socket.connect`` / ``connect_ex``, ``socket.create_connection``
and ``socket.getaddrinfo``, so every client (httpx, urllib, boto3 outside moto, asyncio) goes
through it, in every thread of the process:

* an AF_INET / AF_INET6 connection raises :class:`NetworkBlockedError`, except to 127.0.0.1 / ::1
  (or ``localhost``) when the guard allows the loopback (a test talking to a server it started);
* a lookup of a name other than ``localhost`` raises too (an IP literal is not a lookup);
* Unix sockets are left alone, and moto in-process opens no socket at all.

The error is a ``RuntimeError``, not an ``OSError``, so that no client turns it into a "shop
unreachable" that a test might expect; every attempt is also recorded, so that code that
swallows the error still fails the test (see tests/unit/conftest.py).
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from typing import Any

import pytest

_INET = frozenset({socket.AF_INET, socket.AF_INET6})
_LOCAL_NAMES = frozenset({"localhost", "localhost."})


class NetworkBlockedError(RuntimeError):
    """A unit test tried to reach the network."""


def _text(host: object) -> str:
    return host.decode() if isinstance(host, bytes) else str(host)


def _ip(host: object) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(_text(host).split("%", 1)[0])  # without an IPv6 scope ("fe80::1%eth0")
    except ValueError:
        return None


def _local_name(host: object) -> bool:
    return _text(host).lower() in _LOCAL_NAMES


class NetworkGuard:
    """Blocks the network while installed; :meth:`take` hands over what it blocked."""

    def __init__(self, *, allow_loopback: bool = False) -> None:
        self.allow_loopback = allow_loopback
        self._blocked: list[str] = []
        self._lock = threading.Lock()
        self._patch = pytest.MonkeyPatch()

    # --- what is allowed ------------------------------------------------------------------------

    def _loopback(self, host: object) -> bool:
        ip = _ip(host)
        return ip.is_loopback if ip is not None else _local_name(host)

    def _block(self, attempt: str) -> NetworkBlockedError:
        with self._lock:
            self._blocked.append(attempt)
        hint = (
            "only 127.0.0.1 / ::1 are open to this test"
            if self.allow_loopback
            else "fake the shop (httpx.MockTransport) or, for a server the test starts on 127.0.0.1 itself, "
            "mark the test @pytest.mark.loopback"
        )
        return NetworkBlockedError(f"unit tests do not use the network: {attempt} was blocked; {hint}")

    def _check_address(self, address: Any) -> None:
        host, port = address[0], address[1]
        if not (self.allow_loopback and self._loopback(host)):
            raise self._block(f"a connection to {host}:{port}")

    def _check_lookup(self, host: object) -> None:
        if host not in (None, "", b"") and _ip(host) is None and not _local_name(host):
            raise self._block(f"a lookup of {host!r}")

    # --- on and off -----------------------------------------------------------------------------

    def install(self) -> None:
        real_connect = socket.socket.connect
        real_connect_ex = socket.socket.connect_ex
        real_create_connection = socket.create_connection
        real_getaddrinfo = socket.getaddrinfo

        def connect(sock: socket.socket, address: Any) -> None:
            if sock.family in _INET:
                self._check_address(address)
            real_connect(sock, address)

        def connect_ex(sock: socket.socket, address: Any) -> int:
            if sock.family in _INET:
                self._check_address(address)
            return real_connect_ex(sock, address)

        def create_connection(address: Any, *args: Any, **kwargs: Any) -> socket.socket:
            self._check_address(address)  # before the name is looked up
            return real_create_connection(address, *args, **kwargs)

        def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
            self._check_lookup(host)
            return real_getaddrinfo(host, *args, **kwargs)

        self._patch.setattr(socket.socket, "connect", connect)
        self._patch.setattr(socket.socket, "connect_ex", connect_ex)
        self._patch.setattr(socket, "create_connection", create_connection)
        self._patch.setattr(socket, "getaddrinfo", getaddrinfo)

    def uninstall(self) -> None:
        self._patch.undo()

    def take(self) -> list[str]:
        """The attempts blocked so far (the caller has dealt with them: they are forgotten)."""
        with self._lock:
            blocked, self._blocked = self._blocked, []
        return blocked
