"""HTTP client for one PrestaShop webservice.

* one injectable :class:`httpx.Client` (by default a guarded one: public https addresses only,
  see :mod:`shophub.security.url_guard` and :mod:`shophub.security.transport`) with explicit timeouts;
* the key travels as HTTP Basic user with an empty password; it never appears in an exception,
  a ``repr`` or a log line (messages are scrubbed as well, in case a shop echoes it);
* answers are JSON (data reads, ``output_format=JSON``) or XML (``GET /api/``); bodies sent are
  always XML;
* retries only timeouts, connection errors, 429 (``Retry-After`` honoured) and 5xx, with
  exponential backoff and jitter, and never sleeps past the caller's deadline; a write is retried
  after it may have reached the shop only when the caller says it is idempotent;
* redirects are never followed blindly: one same-host https redirect of a read is followed,
  anything else is a :class:`ShopResponseError`;
* the body is streamed and cut off at ``max_response_bytes`` or at the deadline (a shop trickling
  bytes slower than the read timeout cannot hold a worker past it);
* every error is a typed :class:`shophub.errors.ShopError` with ``http_status``, ``shop_codes``,
  ``shop_messages`` and ``request_id``; what a webservice code means is the profile's table
  (:data:`shophub.connectors.prestashop.profile.ERROR_CODES`);
* ``request_count`` counts every HTTP request sent (retries included).
"""

from __future__ import annotations

import base64
import email.utils
import logging
import math
import random
import ssl
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import urljoin, urlsplit
from xml.etree.ElementTree import Element

import httpx

from shophub.clock import Deadline
from shophub.connectors.prestashop.parse import error_entries, load_json, load_xml, looks_like_html
from shophub.connectors.prestashop.profile import PLATFORM, PROFILE
from shophub.connectors.prestashop.query import Query
from shophub.errors import (
    ShopApiDisabledError,
    ShopAuthError,
    ShopBlockedError,
    ShopError,
    ShopMethodNotSupportedError,
    ShopNotFoundError,
    ShopPermissionError,
    ShopRateLimitedError,
    ShopRequestRejectedError,
    ShopResponseError,
    ShopServerError,
    ShopTimeoutError,
    ShopTlsError,
    ShopUnreachableError,
)
from shophub.retry import EQUAL_JITTER, Backoff
from shophub.security.transport import guarded_client, io_deadline
from shophub.security.url_guard import Resolver, ShopUrl, parse_shop_url

logger = logging.getLogger("shophub.connectors.prestashop")

Output = Literal["json", "xml", "auto", "none"]

DEFAULT_TIMEOUT = httpx.Timeout(connect=10.0, read=30.0, write=30.0, pool=10.0)
DEFAULT_MAX_RESPONSE_BYTES = 20 * 1024 * 1024
#: Codes that, even with a 5xx status, mean "this request is wrong" (retrying the same request
#: cannot help): e.g. an unknown filter or sort (a date without date=1), a required field.
_REQUEST_CODES_ON_5XX = PROFILE.codes_meaning(ShopRequestRejectedError)
_PHP_WARNING = 3
_MAX_MESSAGE = 300


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try. Total time is further bounded by the caller's deadline."""

    max_attempts: int = 4
    backoff_base: float = 0.5
    backoff_max: float = 8.0
    #: a longer ``Retry-After`` is not waited for: the error goes back to the caller
    max_retry_after: float = 60.0
    #: an attempt is not started with less time than this left before the deadline
    min_attempt_time: float = 1.0
    #: extra attempts for a read whose answer was cut off or unreadable
    garbled_retries: int = 1

    def backoff(self, attempt: int, rnd: float) -> float:
        """The wait after failed attempt ``attempt``: exponential backoff with "equal jitter"
        (half fixed, half random), as :class:`shophub.retry.Backoff` computes it."""
        return self.waits.delay(attempt, rnd)

    @property
    def waits(self) -> Backoff:
        return Backoff(
            base=self.backoff_base, cap=self.backoff_max, jitter=EQUAL_JITTER, attempts=max(1, self.max_attempts)
        )


@dataclass(frozen=True)
class ShopResponse:
    status: int
    headers: httpx.Headers
    body: bytes
    request_id: str
    payload: Any = None

    @property
    def shop_version(self) -> str | None:
        version = self.headers.get("PSWS-Version")
        return version if version and version != "0" else None


class _Retryable(Exception):
    """Internal: a failed attempt and whether it may be tried again."""

    def __init__(self, error: ShopError, *, safe_to_repeat: bool, retry_after: float | None = None):
        super().__init__(error.detail)
        self.error = error
        self.safe_to_repeat = safe_to_repeat
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class _Call:
    """Internal: one logical request, the same on every attempt."""

    method: str
    url: str
    request_id: str
    #: ``"GET /api/orders"``: what logs and errors name the request by (no query, no key)
    label: str
    is_read: bool
    #: whether an attempt that may have reached the shop can be sent again
    repeatable: bool


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if math.isnan(seconds) or math.isinf(seconds):
        return None
    return max(0.0, seconds)


class PrestaShopClient:
    """Talks HTTP to one shop's ``/api/``; knows nothing about resources' meaning."""

    def __init__(
        self,
        shop_url: str,
        api_key: str,
        *,
        http: httpx.Client | None = None,
        timeout: httpx.Timeout | None = None,
        deadline: Deadline | None = None,
        retry: RetryPolicy | None = None,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        allow_local: bool = False,
        resolver: Resolver | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: Callable[[], float] = random.random,
    ) -> None:
        self._url: ShopUrl = parse_shop_url(shop_url, allow_local=allow_local)
        if not isinstance(api_key, str) or not api_key:
            raise ShopAuthError("the webservice key is empty", params={"detail": "empty key"})
        token = base64.b64encode(f"{api_key}:".encode()).decode("ascii")
        self.__authorization = f"Basic {token}"
        self._secrets = tuple(s for s in {api_key, token, self.__authorization} if len(s) >= 4)
        self._owns_http = http is None
        self._timeout = timeout or DEFAULT_TIMEOUT
        self._http = http or guarded_client(resolver=resolver, allow_local=allow_local, timeout=self._timeout)
        self._deadline = deadline
        self._retry = retry or RetryPolicy()
        self._max_bytes = max_response_bytes
        self._allow_local = allow_local
        self._sleep = sleep
        self._rng = rng
        self.request_count = 0
        self.shop_version: str | None = None

    def __repr__(self) -> str:
        return f"PrestaShopClient({self._url.base_url!r})"

    @property
    def api_root(self) -> str:
        return self._url.base_url + "/api/"

    @property
    def host(self) -> str:
        return self._url.host

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def remaining(self) -> float:
        """Seconds left before the caller's deadline (infinite without one)."""
        return math.inf if self._deadline is None else float(self._deadline())

    def scrub(self, text: str) -> str:
        """``text`` with every form of the key replaced (defence in depth)."""
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, "***")
        return text

    # --- public calls ------------------------------------------------------------------------------

    def get_json(self, path: str, query: Query | None = None) -> Any:
        return self.request("GET", path, query, output="json").payload

    def get_xml(self, path: str, query: Query | None = None) -> Element:
        payload: Element = self.request("GET", path, query, output="xml").payload
        return payload

    def request(
        self,
        method: str,
        path: str,
        query: Query | None = None,
        *,
        body: bytes | None = None,
        idempotent: bool | None = None,
        output: Output = "json",
    ) -> ShopResponse:
        """Send one logical request (with retries) and return the decoded answer.

        ``path`` is relative to ``/api/`` (``"orders"``, ``"stock_availables/20"``, ``""`` for the
        root). ``output="json"`` adds ``output_format=JSON`` and requires JSON back; ``"auto"``
        asks for JSON but accepts XML or an empty body too (write answers); ``"xml"`` requires XML;
        ``"none"`` ignores the body unless it is an HTML page.
        """
        call = self._call(method, path, query, idempotent, output)
        attempt = 0
        garbled = 0
        last_error: ShopError | None = None
        while True:
            attempt += 1
            remaining = self.remaining()
            if remaining < self._retry.min_attempt_time:
                if last_error is not None:
                    raise last_error
                raise self._error(
                    ShopTimeoutError,
                    f"{call.label}: no time left before the deadline",
                    request_id=call.request_id,
                )
            try:
                return self._attempt(
                    call.method, call.url, body, output, call.request_id, call.label, attempt, remaining
                )
            except _Retryable as exc:
                failed = exc
            # Decided and raised outside the ``except`` block so that no exception carries the
            # low-level one (which may quote headers or URLs) as its context.
            last_error = failed.error
            delay = self._retry_delay(failed, attempt, call.is_read, call.repeatable, garbled)
            if isinstance(failed.error, ShopResponseError):
                garbled += 1
            if delay is None:
                raise failed.error
            logger.warning(
                "shop request %s failed (%s), retrying in %.2fs (attempt %d, request %s)",
                call.label,
                failed.error.code,
                delay,
                attempt,
                call.request_id,
            )
            self._sleep(delay)

    def _call(self, method: str, path: str, query: Query | None, idempotent: bool | None, output: Output) -> _Call:
        """The request every attempt of :meth:`request` sends: its URL, id and retry rules."""
        method = method.upper()
        is_read = method in ("GET", "HEAD")
        repeatable = is_read if idempotent is None else idempotent
        query = query or Query()
        if output in ("json", "auto"):
            query = query.param("output_format", "JSON")
        encoded = query.encode()
        return _Call(
            method=method,
            url=self.api_root + path.lstrip("/") + (f"?{encoded}" if encoded else ""),
            request_id=uuid.uuid4().hex[:16],
            label=f"{method} /api/{path.lstrip('/').split('?', 1)[0]}",
            is_read=is_read,
            repeatable=repeatable,
        )

    def _retry_delay(
        self, failed: _Retryable, attempt: int, is_read: bool, repeatable: bool, garbled: int
    ) -> float | None:
        """Seconds to wait before the next attempt, or None when there must be none."""
        if isinstance(failed.error, ShopResponseError):
            may_retry = is_read and garbled < self._retry.garbled_retries
        else:
            may_retry = failed.safe_to_repeat or repeatable
        if not may_retry or attempt >= self._retry.max_attempts:
            return None
        delay = self._retry.backoff(attempt, self._rng())
        if failed.retry_after is not None:
            if failed.retry_after > self._retry.max_retry_after:
                return None
            delay = max(delay, failed.retry_after)
        if self.remaining() - delay < self._retry.min_attempt_time:
            return None
        return delay

    # --- one attempt -------------------------------------------------------------------------------

    def _timeout_for(self, remaining: float) -> httpx.Timeout:
        def clamp(value: float | None) -> float:
            base = 30.0 if value is None else value
            return max(0.1, min(base, remaining))

        t = self._timeout
        return httpx.Timeout(connect=clamp(t.connect), read=clamp(t.read), write=clamp(t.write), pool=clamp(t.pool))

    def _attempt(
        self,
        method: str,
        url: str,
        body: bytes | None,
        output: Output,
        request_id: str,
        label: str,
        attempt: int,
        remaining: float,
    ) -> ShopResponse:
        redirects = 0
        current = url
        while True:
            status, headers, content = self._send(method, current, body, request_id, label, remaining)
            version = headers.get("PSWS-Version")
            if version and version != "0":
                self.shop_version = version
            if 300 <= status < 400:
                target = self._redirect_target(method, current, headers.get("Location"), label, request_id)
                redirects += 1
                if redirects > 1:
                    raise self._error(
                        ShopResponseError,
                        f"{label}: the shop redirected more than once; use the exact shop address",
                        status=status,
                        request_id=request_id,
                    )
                current = target
                remaining = self.remaining()
                continue
            logger.debug(
                "shop request %s -> %d (%d bytes, attempt %d, request %s)",
                label,
                status,
                len(content),
                attempt,
                request_id,
            )
            if status >= 400 or status < 200:
                raise self._status_error(status, headers, content, label, request_id)
            return ShopResponse(
                status=status,
                headers=headers,
                body=content,
                request_id=request_id,
                payload=self._decode(output, content, headers, label, request_id, status),
            )

    def _send(
        self,
        method: str,
        url: str,
        body: bytes | None,
        request_id: str,
        label: str,
        remaining: float,
    ) -> tuple[int, httpx.Headers, bytes]:
        headers = {
            "Authorization": self.__authorization,
            "Accept": "application/json, text/xml;q=0.9, */*;q=0.1",
            "User-Agent": "ShopHub-Connector/1.0",
            "X-Request-ID": request_id,
        }
        if body is not None:
            headers["Content-Type"] = "application/xml; charset=utf-8"
        self.request_count += 1
        failure: Exception | None = None
        # Every socket read and write of this request ends at the deadline, however slowly the
        # shop trickles its answer (the per-read timeouts alone would not stop that).
        with io_deadline(remaining):
            try:
                request = self._http.build_request(
                    method, url, headers=headers, content=body, timeout=self._timeout_for(remaining)
                )
                response = self._http.send(request, stream=True, follow_redirects=False)
            except ShopUnreachableError as exc:  # the guarded transport could not resolve the name
                failure = _Retryable(exc, safe_to_repeat=True)
            except httpx.HTTPError as exc:
                failure = self._transport_error(exc, label, request_id)
            if failure is not None:
                raise failure
            try:
                content = self._read_capped(response, label, request_id)
            except httpx.HTTPError as exc:
                failure = self._transport_error(exc, label, request_id)
            finally:
                response.close()
        if failure is not None:
            raise failure
        return response.status_code, response.headers, content

    def _read_capped(self, response: httpx.Response, label: str, request_id: str) -> bytes:
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > self._max_bytes:
            raise self._error(
                ShopResponseError,
                f"{label}: the answer is larger than {self._max_bytes // (1024 * 1024)} MB",
                status=response.status_code,
                request_id=request_id,
            )
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > self._max_bytes:
                raise self._error(
                    ShopResponseError,
                    f"{label}: the answer is larger than {self._max_bytes // (1024 * 1024)} MB",
                    status=response.status_code,
                    request_id=request_id,
                )
            chunks.append(chunk)
            if self.remaining() <= 0:
                # A shop trickling its answer never trips the per-read timeout; the deadline
                # still bounds the whole body.
                raise self._error(
                    ShopTimeoutError,
                    f"{label}: the answer did not arrive completely before the deadline",
                    status=response.status_code,
                    request_id=request_id,
                )
        return b"".join(chunks)

    def _redirect_target(self, method: str, current: str, location: str | None, label: str, request_id: str) -> str:
        if not location:
            raise self._error(ShopResponseError, f"{label}: a redirect without a target", request_id=request_id)
        target = urljoin(current, location.strip())
        here, there = urlsplit(current), urlsplit(target)
        if method not in ("GET", "HEAD"):
            raise self._error(
                ShopResponseError,
                f"{label}: the shop redirected a write to {self.scrub(there.netloc + there.path)}; "
                "writes are never redirected, use the exact shop address",
                request_id=request_id,
            )
        same_host = (there.hostname or "").lower() == (here.hostname or "").lower() and there.port == here.port
        if not same_host:
            raise self._error(
                ShopResponseError,
                f"{label}: the shop redirected to another host ({self.scrub(there.hostname or '?')}); "
                "use the exact shop address",
                request_id=request_id,
            )
        local_http = self._allow_local and here.scheme == "http" and there.scheme == "http"
        if there.scheme != "https" and not local_http:
            raise self._error(
                ShopResponseError,
                f"{label}: the shop redirected to a non-https address",
                request_id=request_id,
            )
        return target

    def _decode(
        self, output: Output, content: bytes, headers: httpx.Headers, label: str, request_id: str, status: int
    ) -> Any:
        content_type = headers.get("Content-Type", "")
        try:
            if looks_like_html(content, content_type):
                raise ShopResponseError(
                    "the shop sent an HTML page instead of a webservice answer "
                    "(a firewall, a maintenance page or a wrong address?)"
                )
            if output == "none":
                return None
            if output == "auto":
                head = content.lstrip()[:1]
                if not head:
                    return None
                return load_xml(content) if head == b"<" else load_json(content)
            if output == "xml":
                return load_xml(content)
            return load_json(content)
        except ShopResponseError as exc:
            error = self._error(ShopResponseError, f"{label}: {exc.detail}", status=status, request_id=request_id)
            raise _Retryable(error, safe_to_repeat=False) from None

    # --- errors -----------------------------------------------------------------------------------

    def _error(
        self,
        cls: type[ShopError],
        detail: str,
        *,
        status: int | None = None,
        codes: tuple[int, ...] = (),
        messages: tuple[str, ...] = (),
        request_id: str | None = None,
        **extra: Any,
    ) -> ShopError:
        detail = self.scrub(detail)
        messages = tuple(self.scrub(m)[:_MAX_MESSAGE] for m in messages)
        shown = "; ".join(m for m in messages if m) or detail
        return cls(
            detail,
            http_status=status,
            shop_codes=codes,
            shop_messages=messages,
            request_id=request_id,
            params={"detail": shown, "platform": PLATFORM},
            **extra,
        )

    def _transport_error(self, exc: httpx.HTTPError, label: str, request_id: str) -> _Retryable | ShopError:
        reason = self.scrub(str(exc))[:_MAX_MESSAGE] or type(exc).__name__
        if _is_tls_failure(exc):
            return self._error(
                ShopTlsError,
                f"{label}: TLS failed ({reason}); the shop needs a valid certificate",
                request_id=request_id,
            )
        if isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout):
            error = self._error(ShopTimeoutError, f"{label}: connecting timed out", request_id=request_id)
            return _Retryable(error, safe_to_repeat=True)
        if isinstance(exc, httpx.TimeoutException):
            error = self._error(ShopTimeoutError, f"{label}: the shop did not answer in time", request_id=request_id)
            return _Retryable(error, safe_to_repeat=False)
        if isinstance(exc, httpx.ConnectError):
            error = self._error(ShopUnreachableError, f"{label}: cannot connect ({reason})", request_id=request_id)
            return _Retryable(error, safe_to_repeat=True)
        if isinstance(exc, httpx.TransportError):
            error = self._error(
                ShopUnreachableError, f"{label}: the connection failed ({reason})", request_id=request_id
            )
            return _Retryable(error, safe_to_repeat=False)
        return self._error(ShopResponseError, f"{label}: {reason}", request_id=request_id)

    def _status_error(
        self, status: int, headers: httpx.Headers, content: bytes, label: str, request_id: str
    ) -> _Retryable | ShopError:
        entries = error_entries(content, headers.get("Content-Type", ""))
        codes = tuple(c for c, _ in entries or () if c is not None)
        answer = _FailedAnswer(
            status=status,
            headers=headers,
            content=content,
            label=label,
            request_id=request_id,
            codes=codes,
            messages=tuple(m for _, m in entries or () if m),
            from_shop=entries is not None,
            meant=PROFILE.error_for(status, codes),
            build=self._error,
        )
        by_status = _ERRORS_BY_STATUS.get(status)
        if by_status is not None:
            return by_status(answer)
        if answer.meant is ShopApiDisabledError:
            return answer.error(ShopApiDisabledError)
        if status >= 500:
            return _server_error(answer)
        return answer.error(ShopRequestRejectedError)


@dataclass(frozen=True)
class _FailedAnswer:
    """A non-2xx answer, as the mapping from status and codes to errors reads it."""

    status: int
    headers: httpx.Headers
    content: bytes
    label: str
    request_id: str
    codes: tuple[int, ...]
    messages: tuple[str, ...]
    from_shop: bool  # the body is the webservice's own error document (not a proxy's page)
    meant: type[ShopError] | None  # what the profile says the codes mean with this status
    build: Callable[..., ShopError]  # the client's error factory (scrubs the key)

    def error(self, cls: type[ShopError], detail: str | None = None, **extra: Any) -> ShopError:
        """``cls`` carrying the answer's status, codes, messages and request id; the detail
        defaults to the status and codes."""
        if detail is None:
            detail = f"{self.label}: HTTP {self.status}" + (
                f" (codes {', '.join(map(str, self.codes))})" if self.codes else ""
            )
        return self.build(
            cls,
            detail,
            status=self.status,
            codes=self.codes,
            messages=self.messages,
            request_id=self.request_id,
            **extra,
        )


def _unauthorized_error(answer: _FailedAnswer) -> ShopError:
    if answer.meant is ShopPermissionError:
        return answer.error(ShopPermissionError)
    if not answer.from_shop:
        return answer.error(ShopAuthError, f"{answer.label}: HTTP 401, the shop refused the credentials")
    return answer.error(ShopAuthError)


def _forbidden_error(answer: _FailedAnswer) -> ShopError:
    if answer.from_shop:
        return answer.error(ShopPermissionError)
    return answer.error(ShopBlockedError, f"{answer.label}: HTTP 403 without a webservice answer (a firewall?)")


def _not_found_error(answer: _FailedAnswer) -> ShopError:
    if answer.from_shop:
        return answer.error(ShopRequestRejectedError)
    if answer.content.strip() and looks_like_html(answer.content, answer.headers.get("Content-Type", "")):
        return answer.error(
            ShopNotFoundError,
            f"{answer.label}: HTTP 404 with a web page: is the webservice reachable under /api/ (URL rewriting on)?",
        )
    return answer.error(ShopNotFoundError)


def _method_not_allowed_error(answer: _FailedAnswer) -> ShopError:
    if answer.meant is ShopPermissionError:
        return answer.error(ShopPermissionError)
    if answer.from_shop:
        return answer.error(ShopMethodNotSupportedError)
    return answer.error(ShopBlockedError, f"{answer.label}: HTTP 405 without a webservice answer (a firewall?)")


def _rate_limited_error(answer: _FailedAnswer) -> _Retryable:
    retry_after = parse_retry_after(answer.headers.get("Retry-After"))
    error = answer.error(ShopRateLimitedError, retry_after=retry_after)
    return _Retryable(error, safe_to_repeat=True, retry_after=retry_after)


def _server_error(answer: _FailedAnswer) -> _Retryable | ShopError:
    """A 5xx: a rejected request when every real code means one, else retryable but not safe
    to repeat (a 503 with ``Retry-After`` as rate limiting)."""
    real = tuple(c for c in answer.codes if c != _PHP_WARNING)
    if real and set(real) <= _REQUEST_CODES_ON_5XX:
        return answer.error(ShopRequestRejectedError)
    if answer.status == 503 and answer.headers.get("Retry-After"):
        retry_after = parse_retry_after(answer.headers.get("Retry-After"))
        error = answer.error(ShopRateLimitedError, retry_after=retry_after)
        return _Retryable(error, safe_to_repeat=False, retry_after=retry_after)
    return _Retryable(answer.error(ShopServerError), safe_to_repeat=False)


# statuses with rules of their own; any other status is first checked for the codes meaning
# "webservice disabled", then read as a server error (5xx) or a rejected request
_ERRORS_BY_STATUS: dict[int, Callable[[_FailedAnswer], _Retryable | ShopError]] = {
    401: _unauthorized_error,
    403: _forbidden_error,
    404: _not_found_error,
    405: _method_not_allowed_error,
    429: _rate_limited_error,
}


def _is_tls_failure(exc: BaseException) -> bool:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ssl.SSLError | ssl.CertificateError):
            return True
        text = str(current)
        if "CERTIFICATE_VERIFY_FAILED" in text or "SSL:" in text:
            return True
        current = current.__cause__ or current.__context__
    return False
