"""The PrestaShop HTTP client: retries, deadline, redirects, limits, hostile answers, secrecy."""

from __future__ import annotations

import base64
import logging
import socket
import ssl
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from shophub.connectors.prestashop.client import PrestaShopClient, RetryPolicy, parse_retry_after
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
from tests.unit.connectors.fakes import (
    KEY,
    FakeClock,
    ScriptedShop,
    json_response,
    make_client,
    params_of,
    ps_error,
)

TOKEN = base64.b64encode(f"{KEY}:".encode()).decode()
OK = {"orders": [{"id": 1}]}


def sequence(*responses: httpx.Response | Exception):
    """A handler answering with ``responses`` in turn (exceptions are raised)."""
    queue = list(responses)

    def handler(request: httpx.Request) -> httpx.Response:
        item = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(item, Exception):
            raise item
        return item

    return handler


# --- basics ------------------------------------------------------------------------------------------


def test_key_is_sent_as_basic_user_with_empty_password_and_json_is_asked() -> None:
    shop = ScriptedShop(sequence(json_response(OK)))
    client = make_client(shop)

    assert client.get_json("orders", Query().display("full")) == OK
    request = shop.requests[0]
    assert request.headers["Authorization"] == f"Basic {TOKEN}"
    assert params_of(request) == {"display": "full", "output_format": "JSON"}
    assert "ws_key" not in str(request.url)
    assert client.request_count == 1
    assert client.shop_version == "8.1.2"


def test_api_root_is_read_as_xml() -> None:
    xml = b'<?xml version="1.0"?><prestashop><api shopName="S"><orders get="true"/></api></prestashop>'
    shop = ScriptedShop(sequence(httpx.Response(200, content=xml, headers={"Content-Type": "text/xml"})))
    root = make_client(shop).get_xml("")
    assert root.find("api").get("shopName") == "S"
    assert shop.requests[0].url.path == "/api/"
    assert "output_format" not in params_of(shop.requests[0])


def test_shop_in_a_subfolder_and_api_suffix_are_handled() -> None:
    shop = ScriptedShop(sequence(json_response(OK)))
    client = make_client(shop, shop_url="https://shop.example/store/api/")
    client.get_json("orders")
    assert shop.requests[0].url.path == "/store/api/orders"


# --- status mapping ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("response", "error"),
    [
        (ps_error(401, 17), ShopAuthError),
        (ps_error(401, 18), ShopAuthError),
        (ps_error(401, 20, 21), ShopAuthError),
        (httpx.Response(401, content=b"401 Unauthorized", headers={"Content-Type": "text/html"}), ShopAuthError),
        (ps_error(401, 26), ShopPermissionError),
        (ps_error(403, 132), ShopPermissionError),
        (ps_error(405, 25), ShopPermissionError),
        (ps_error(405, 23), ShopMethodNotSupportedError),
        (ps_error(405, 101), ShopMethodNotSupportedError),
        (
            httpx.Response(403, content=b"<html>Forbidden</html>", headers={"Content-Type": "text/html"}),
            ShopBlockedError,
        ),
        (httpx.Response(405, content=b""), ShopBlockedError),
        (httpx.Response(404, content=b"", headers={"Content-Type": ""}), ShopNotFoundError),
        (ps_error(404, 92), ShopRequestRejectedError),
        (ps_error(400, 27), ShopRequestRejectedError),
        (ps_error(400, 41), ShopRequestRejectedError),
        (ps_error(500, 3, 3, 32), ShopRequestRejectedError),
        (ps_error(503, 22), ShopApiDisabledError),
    ],
)
def test_statuses_and_codes_map_to_typed_errors(response: httpx.Response, error: type[ShopError]) -> None:
    shop = ScriptedShop(sequence(response))
    with pytest.raises(error) as caught:
        make_client(shop).request("GET", "orders")
    assert type(caught.value) is error
    assert caught.value.http_status == response.status_code
    assert len(shop.requests) == 1, "only timeouts, connection errors, 429 and 5xx are retried"


def test_codes_and_messages_are_kept_on_a_500_with_php_warnings() -> None:
    shop = ScriptedShop(sequence(ps_error(500, 3, 3, 46, message="Unable to save resource")))
    with pytest.raises(ShopServerError) as caught:
        make_client(shop, retry=RetryPolicy(max_attempts=1)).request("GET", "orders")
    assert caught.value.shop_codes == (3, 3, 46)
    assert caught.value.shop_messages[-1] == "Unable to save resource"


# --- retries -----------------------------------------------------------------------------------------


def test_5xx_then_success_is_retried_with_growing_backoff() -> None:
    clock = FakeClock(budget=60)
    html_500 = httpx.Response(500, content=b"<html>oops</html>", headers={"Content-Type": "text/html"})
    shop = ScriptedShop(sequence(html_500, html_500, json_response(OK)))

    assert make_client(shop, clock=clock).get_json("orders") == OK
    assert len(shop.requests) == 3
    assert clock.sleeps == [0.375, 0.75]  # equal jitter with rng=0.5: base*2^n * 0.75


def test_backoff_has_jitter_and_a_ceiling() -> None:
    policy = RetryPolicy(backoff_base=1, backoff_max=4)
    assert policy.backoff(1, 0.0) == 0.5 and policy.backoff(1, 1.0) == 1.0
    assert policy.backoff(10, 1.0) == 4.0


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ConnectError("refused"),
        httpx.ConnectTimeout("slow connect"),
        httpx.ReadTimeout("slow"),
        httpx.RemoteProtocolError("peer closed connection"),
        httpx.Response(503, content=b"down"),
        httpx.Response(502, content=b"bad gateway"),
    ],
)
def test_reads_retry_transient_failures(failure: httpx.Response | Exception) -> None:
    shop = ScriptedShop(sequence(failure, json_response(OK)))
    assert make_client(shop).get_json("orders") == OK
    assert len(shop.requests) == 2


def test_timeouts_give_a_typed_error_after_the_attempts() -> None:
    shop = ScriptedShop(sequence(httpx.ReadTimeout("slow")))
    with pytest.raises(ShopTimeoutError):
        make_client(shop, retry=RetryPolicy(max_attempts=3)).get_json("orders")
    assert len(shop.requests) == 3


def test_connection_errors_are_typed() -> None:
    shop = ScriptedShop(sequence(httpx.ConnectError("Name or service not known")))
    with pytest.raises(ShopUnreachableError) as caught:
        make_client(shop, retry=RetryPolicy(max_attempts=2)).get_json("orders")
    assert caught.value.retryable


def test_non_idempotent_write_is_not_retried_after_it_may_have_arrived() -> None:
    shop = ScriptedShop(sequence(httpx.ReadTimeout("slow"), json_response({})))
    with pytest.raises(ShopTimeoutError):
        make_client(shop).request("POST", "order_histories", body=b"<prestashop/>", idempotent=False)
    assert len(shop.requests) == 1

    shop = ScriptedShop(sequence(httpx.Response(500, content=b"x"), json_response({})))
    with pytest.raises(ShopServerError):
        make_client(shop).request("POST", "order_histories", body=b"<prestashop/>", idempotent=False)
    assert len(shop.requests) == 1


def test_non_idempotent_write_is_retried_when_it_never_left() -> None:
    shop = ScriptedShop(sequence(httpx.ConnectError("refused"), json_response({"order_history": {"id": "9"}})))
    response = make_client(shop).request("POST", "order_histories", body=b"<prestashop/>", idempotent=False)
    assert response.payload == {"order_history": {"id": "9"}}
    assert len(shop.requests) == 2


def test_idempotent_write_is_retried_on_timeout() -> None:
    shop = ScriptedShop(sequence(httpx.ReadTimeout("slow"), json_response({})))
    make_client(shop).request("PATCH", "stock_availables", body=b"<prestashop/>", idempotent=True, output="auto")
    assert len(shop.requests) == 2
    assert shop.requests[1].content == b"<prestashop/>"


def test_429_honours_retry_after() -> None:
    clock = FakeClock(budget=60)
    limited = httpx.Response(429, headers={"Retry-After": "7"}, content=b"slow down")
    shop = ScriptedShop(sequence(limited, json_response(OK)))

    make_client(shop, clock=clock).get_json("orders")
    assert clock.sleeps == [7.0]


def test_429_is_retried_even_for_a_non_idempotent_write() -> None:
    limited = httpx.Response(429, headers={"Retry-After": "1"}, content=b"")
    shop = ScriptedShop(sequence(limited, json_response({})))
    make_client(shop).request("POST", "customer_messages", body=b"<prestashop/>", idempotent=False, output="auto")
    assert len(shop.requests) == 2


def test_retry_after_beyond_the_deadline_is_not_waited_for() -> None:
    clock = FakeClock(budget=10)
    shop = ScriptedShop(sequence(httpx.Response(429, headers={"Retry-After": "30"}, content=b"")))
    with pytest.raises(ShopRateLimitedError) as caught:
        make_client(shop, clock=clock).get_json("orders")
    assert caught.value.retry_after == 30
    assert clock.sleeps == []
    assert len(shop.requests) == 1


def test_very_long_retry_after_goes_back_to_the_caller() -> None:
    clock = FakeClock(budget=10_000)
    shop = ScriptedShop(sequence(httpx.Response(429, headers={"Retry-After": "3600"}, content=b"")))
    with pytest.raises(ShopRateLimitedError):
        make_client(shop, clock=clock).get_json("orders")
    assert clock.sleeps == []


def test_retry_after_as_http_date() -> None:
    from datetime import UTC, datetime

    now = datetime(2026, 11, 27, 9, 0, 0, tzinfo=UTC)
    assert parse_retry_after("Fri, 27 Nov 2026 09:00:30 GMT", now) == 30
    assert parse_retry_after("garbage") is None
    assert parse_retry_after("-5") == 0


@pytest.mark.parametrize("budget", [0.5, 3.0, 7.3, 20.0])
def test_retries_never_outlive_the_deadline(budget: float) -> None:
    clock = FakeClock(budget=budget, per_request=0.4)
    shop = ScriptedShop(sequence(httpx.Response(503, content=b"down")), clock=clock)
    client = make_client(shop, clock=clock, retry=RetryPolicy(max_attempts=50, backoff_base=0.5, backoff_max=4))

    with pytest.raises((ShopServerError, ShopTimeoutError)):
        client.get_json("orders")
    assert clock.now <= budget
    assert sum(clock.sleeps) <= budget


def test_no_attempt_is_started_without_time_left() -> None:
    clock = FakeClock(budget=0.2)
    shop = ScriptedShop(sequence(json_response(OK)))
    with pytest.raises(ShopTimeoutError):
        make_client(shop, clock=clock).get_json("orders")
    assert shop.requests == []


def test_request_timeout_is_clamped_to_the_time_left() -> None:
    clock = FakeClock(budget=5)
    shop = ScriptedShop(sequence(json_response(OK)))
    make_client(shop, clock=clock).get_json("orders")
    timeout = shop.requests[0].extensions["timeout"]
    assert timeout["read"] == 5 and timeout["connect"] == 5


# --- redirects ---------------------------------------------------------------------------------------


def redirect(location: str, status: int = 301) -> httpx.Response:
    return httpx.Response(status, headers={"Location": location})


def test_same_host_https_redirect_of_a_read_is_followed_once() -> None:
    shop = ScriptedShop(sequence(redirect("https://shop.example/api/orders?output_format=JSON&x=1"), json_response(OK)))
    assert make_client(shop).get_json("orders") == OK
    assert [str(r.url) for r in shop.requests][1] == "https://shop.example/api/orders?output_format=JSON&x=1"


def test_second_redirect_is_refused() -> None:
    shop = ScriptedShop(sequence(redirect("/api/orders?a=1"), redirect("/api/orders?a=2")))
    with pytest.raises(ShopResponseError, match="more than once"):
        make_client(shop).get_json("orders")


@pytest.mark.parametrize(
    "location",
    ["https://evil.example/api/orders", "https://www.shop.example/api/orders", "https://shop.example:8443/api/"],
)
def test_cross_host_redirect_is_refused(location: str) -> None:
    shop = ScriptedShop(sequence(redirect(location, 302)))
    with pytest.raises(ShopResponseError, match="another host"):
        make_client(shop).get_json("orders")
    assert len(shop.requests) == 1


def test_downgrade_to_http_is_refused() -> None:
    shop = ScriptedShop(sequence(redirect("http://shop.example/api/orders")))
    with pytest.raises(ShopResponseError):
        make_client(shop).get_json("orders")
    assert len(shop.requests) == 1


@pytest.mark.parametrize("method", ["PUT", "PATCH", "POST"])
def test_any_redirect_of_a_write_is_refused(method: str) -> None:
    shop = ScriptedShop(sequence(redirect("https://shop.example/api/stock_availables", 307)))
    with pytest.raises(ShopResponseError, match="never redirected"):
        make_client(shop).request(method, "stock_availables", body=b"<prestashop/>", idempotent=True)
    assert len(shop.requests) == 1


# --- size and hostile bodies ---------------------------------------------------------------------------


def test_answer_over_the_size_cap_is_cut_off_while_streaming() -> None:
    produced: list[int] = []

    def chunks():
        for i in range(1000):
            produced.append(i)
            yield b"x" * 1024

    shop = ScriptedShop(lambda _r: httpx.Response(200, content=chunks(), headers={"Content-Type": "application/json"}))
    with pytest.raises(ShopResponseError, match="larger than"):
        make_client(shop, max_response_bytes=10 * 1024).get_json("orders")
    assert len(produced) < 20, "the body is not read to the end"


def test_answer_trickled_slower_than_the_read_timeout_stops_at_the_deadline() -> None:
    # Given a shop that sends its body one small piece per second (each read succeeds)
    clock = FakeClock(budget=5)
    produced: list[int] = []

    def trickle():
        for i in range(100):
            produced.append(i)
            clock.now += 1.0
            yield b" "

    shop = ScriptedShop(lambda _r: httpx.Response(200, content=trickle(), headers={"Content-Type": "application/json"}))

    # When / Then: a typed timeout once the deadline passes, not after the whole body
    with pytest.raises(ShopTimeoutError, match="before the deadline"):
        make_client(shop, clock=clock).get_json("orders")
    assert len(produced) <= 6
    assert len(shop.requests) == 1


@pytest.fixture
def trickling_shop() -> Iterator[str]:
    """A real socket server (on loopback) that sends an HTTP answer one header line every 0.2 s:
    every read succeeds well within any read timeout, the answer just never ends."""
    server = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            with conn:
                conn.recv(65536)
                try:
                    conn.sendall(b"HTTP/1.1 200 OK\r\n")
                    while not stop.wait(0.2):
                        conn.sendall(b"X-Padding: 1\r\n")
                except OSError:
                    pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    stop.set()
    thread.join(timeout=5)
    server.close()


@pytest.mark.loopback
@pytest.mark.timeout(30)
def test_headers_trickled_slower_than_the_read_timeout_stop_at_the_deadline(trickling_shop: str) -> None:
    # Given the real guarded transport, a 1.5 s deadline and a 10 s read timeout
    ends = time.monotonic() + 1.5
    client = PrestaShopClient(
        trickling_shop,
        KEY,
        allow_local=True,
        deadline=lambda: ends - time.monotonic(),
        timeout=httpx.Timeout(10.0),
    )
    started = time.monotonic()

    # When / Then: a typed timeout at the deadline, not when the shop stops talking
    with pytest.raises(ShopTimeoutError):
        client.get_json("orders")
    assert time.monotonic() - started < 3.0
    client.close()


def test_declared_length_over_the_cap_is_refused_before_reading() -> None:
    big = httpx.Response(200, content=b"{}" * 10, headers={"Content-Length": str(50 * 1024 * 1024)})
    shop = ScriptedShop(sequence(big))
    with pytest.raises(ShopResponseError, match="larger than"):
        make_client(shop, retry=RetryPolicy(garbled_retries=0)).request("GET", "orders")


@pytest.mark.parametrize(
    ("content", "content_type", "message"),
    [
        (b"<!DOCTYPE html><html><body>Checking your browser</body></html>", "text/html", "HTML page"),
        (b"<html><body>Maintenance</body></html>", "text/html; charset=utf-8", "HTML page"),
        (b'{"orders":[{"id":1},{"id":2', "application/json", "truncated"),
        (b"not json at all", "application/json", "truncated or invalid"),
        (b"", "application/json", "empty"),
    ],
)
def test_unusable_json_answers(content: bytes, content_type: str, message: str) -> None:
    shop = ScriptedShop(sequence(httpx.Response(200, content=content, headers={"Content-Type": content_type})))
    with pytest.raises(ShopResponseError, match=message):
        make_client(shop).get_json("orders")
    assert len(shop.requests) == 2, "a garbled read is tried once more, no more"


XXE = b"""<?xml version="1.0"?>
<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<prestashop><api shopName="&xxe;"/></prestashop>"""

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<prestashop><api shopName="&lol4;"/></prestashop>"""

DTD_ONLY = b'<?xml version="1.0"?><!DOCTYPE prestashop SYSTEM "http://evil.example/x.dtd"><prestashop/>'


@pytest.mark.parametrize("content", [XXE, BILLION_LAUGHS, DTD_ONLY])
def test_xml_with_dtd_or_entities_is_refused(content: bytes) -> None:
    shop = ScriptedShop(sequence(httpx.Response(200, content=content, headers={"Content-Type": "text/xml"})))
    with pytest.raises(ShopResponseError, match="DTD or entities"):
        make_client(shop).get_xml("")


def test_truncated_xml_is_refused() -> None:
    body = b'<?xml version="1.0"?><prestashop><api shopName="x"><orders get="true"'
    shop = ScriptedShop(sequence(httpx.Response(200, content=body, headers={"Content-Type": "text/xml"})))
    with pytest.raises(ShopResponseError, match="truncated or not well-formed"):
        make_client(shop).get_xml("")


def test_invalid_certificate_is_a_tls_error_and_not_retried() -> None:
    cause = ssl.SSLCertVerificationError(1, "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed")

    def handler(request: httpx.Request) -> httpx.Response:
        try:
            raise cause
        except ssl.SSLError as exc:
            raise httpx.ConnectError(str(exc)) from exc

    shop = ScriptedShop(handler)
    with pytest.raises(ShopTlsError):
        make_client(shop).get_json("orders")
    assert len(shop.requests) == 1


# --- the key stays secret ----------------------------------------------------------------------------


def test_key_never_appears_in_errors_reprs_or_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    scenarios: list[httpx.Response | Exception] = [
        ps_error(401, 20, 21, message=f"Authentification key {KEY} is not active"),
        httpx.Response(500, content=f"<html>fatal for {KEY}</html>".encode(), headers={"Content-Type": "text/html"}),
        httpx.ConnectError(f"cannot connect with Authorization: Basic {TOKEN}"),
        httpx.ReadTimeout(f"timed out ws_key={KEY}"),
        httpx.Response(200, content=f"<html>{KEY}</html>".encode(), headers={"Content-Type": "text/html"}),
        redirect(f"https://evil.example/?ws_key={KEY}", 302),
        ps_error(400, 27, message=f"Did you mean {TOKEN}"),
    ]
    seen: list[str] = []
    for scenario in scenarios:
        shop = ScriptedShop(sequence(scenario))
        client = make_client(shop, retry=RetryPolicy(max_attempts=2))
        with pytest.raises(ShopError) as caught:
            client.get_json("orders")
        error = caught.value
        seen += [str(error), repr(error), error.detail, str(error.params), " ".join(error.shop_messages)]
        seen.append(repr(client))
        assert error.__cause__ is None and error.__context__ is None, "no low-level exception rides along"
    text = "\n".join(seen) + caplog.text
    assert KEY not in text
    assert TOKEN not in text
    assert "***" in text  # the echoed key was scrubbed, not just absent
