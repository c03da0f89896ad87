"""The HTTP transport of every shop request: the URL guard enforced at connect time, one deadline.

* :class:`GuardedTransport` dials the vetted address itself: the name is resolved and checked
  (:func:`shophub.security.url_guard.resolve_public`) inside the connect call and the socket is
  opened to that checked IP, so nothing can rebind the name between the check and the request.
  The ``Host`` header and the TLS SNI / certificate check still use the hostname;
* every socket read and write made inside :func:`io_deadline` is bounded by one absolute
  deadline, so a shop trickling its status line, headers or body (each read well within the read
  timeout) cannot hold a worker past its deadline.
"""

from __future__ import annotations

import contextvars
import functools
import math
import ssl
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import httpcore
import httpx

from shophub.errors import UnsafeShopUrlError
from shophub.security.url_guard import Resolver, resolve_public

# --- one deadline for all the I/O of a request -------------------------------------------------

_io_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar("shop_io_deadline", default=None)


@contextmanager
def io_deadline(seconds_left: float) -> Iterator[None]:
    """Socket reads and writes of guarded connections inside the block end ``seconds_left`` from
    now (a timeout error after that); an infinite value sets no bound."""
    end = time.monotonic() + seconds_left if math.isfinite(seconds_left) else None
    token = _io_deadline.set(end)
    try:
        yield
    finally:
        _io_deadline.reset(token)


def _clamped(timeout: float | None, expired: type[Exception]) -> float | None:
    end = _io_deadline.get()
    if end is None:
        return timeout
    left = end - time.monotonic()
    if left <= 0:
        raise expired("the deadline passed while the shop was still answering")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    """A connection whose every read and write also ends at the current :func:`io_deadline`."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _clamped(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _clamped(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        bounded = _clamped(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, bounded))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


# --- dialling the vetted address ----------------------------------------------------------------


class _PinnedBackend(httpcore.NetworkBackend):
    """Resolves, vets and connects in one step, to the vetted IP (never the name)."""

    def __init__(self, resolver: Resolver | None, allow_local: bool) -> None:
        self._resolver = resolver
        self._allow_local = allow_local
        self._inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        name = host.strip("[]").rstrip(".").lower()
        addresses = resolve_public(name, port, resolver=self._resolver, allow_local=self._allow_local)
        last_error: Exception | None = None
        for ip in addresses:
            try:
                stream = self._inner.connect_tcp(
                    str(ip),
                    port,
                    timeout=_clamped(timeout, httpcore.ConnectTimeout),
                    local_address=local_address,
                    socket_options=socket_options,
                )
                return _DeadlineStream(stream)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last_error = exc
        assert last_error is not None
        raise last_error

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        raise UnsafeShopUrlError(
            "unix sockets are not allowed", params={"detail": "unix sockets", "reason": "not_public"}
        )

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


@functools.cache
def default_tls_context() -> ssl.SSLContext:
    """The verifying TLS context every shop client shares: building one reads the whole trust
    store (tens of milliseconds of CPU), and a context is safe to share between connections
    and threads, so a process builds it once rather than once per shop client."""
    return httpx.create_ssl_context(verify=True, trust_env=False)


class GuardedTransport(httpx.HTTPTransport):
    """An ``httpx`` transport that only ever connects to vetted public addresses.

    TLS verification is always on (system trust store via httpx defaults); proxies from the
    environment are never used.
    """

    def __init__(
        self,
        *,
        resolver: Resolver | None = None,
        allow_local: bool = False,
        verify: ssl.SSLContext | bool = True,
        limits: httpx.Limits | None = None,
    ) -> None:
        limits = limits or httpx.Limits(max_connections=10, max_keepalive_connections=5)
        ssl_context = default_tls_context() if verify is True else httpx.create_ssl_context(verify=verify)
        super().__init__(verify=ssl_context, trust_env=False, limits=limits)
        self._pool = httpcore.ConnectionPool(
            ssl_context=ssl_context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=_PinnedBackend(resolver, allow_local),
        )


def guarded_client(
    *,
    resolver: Resolver | None = None,
    allow_local: bool = False,
    timeout: httpx.Timeout | None = None,
) -> httpx.Client:
    """An ``httpx.Client`` for talking to a shop: guarded transport, no redirects, no env proxies."""
    return httpx.Client(
        transport=GuardedTransport(resolver=resolver, allow_local=allow_local),
        timeout=timeout or httpx.Timeout(30.0, connect=10.0),
        follow_redirects=False,
        trust_env=False,
    )
