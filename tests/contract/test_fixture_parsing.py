"""The connector against answers recorded on a real PrestaShop 8.1.2 shop.

Each fixture file holds the raw request and the raw answer. The answers are served through
``httpx.MockTransport`` so the real client code runs (auth header, query building, status
mapping, decoding); the routes below say which recorded answer a request gets.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

import httpx
import pytest

from shophub.connectors.prestashop import translate
from shophub.connectors.prestashop.client import PrestaShopClient
from shophub.connectors.prestashop.connector import PrestaShopConnector
from shophub.connectors.prestashop.parse import as_utc, load_xml, records_from_json, records_from_xml
from shophub.domain.shop import ProductListFilter, StockUpdate
from shophub.errors import (
    ShopAuthError,
    ShopError,
    ShopNotFoundError,
    ShopRequestRejectedError,
)

FIXTURES = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "prestashop-8.1.2"
KEY = "K" * 32
SHOP = "https://shop.example"
WARSAW = ZoneInfo("Europe/Warsaw")

pytestmark = pytest.mark.skipif(not FIXTURES.is_dir(), reason="recorded PrestaShop fixtures not present")


@dataclass(frozen=True)
class Capture:
    method: str
    url: str
    request_body: bytes
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def load(name: str) -> Capture:
    """Parse ``NN-….txt``: request line, request body, raw response status/headers/body."""
    [path] = sorted(FIXTURES.glob(f"{name}*.txt"))
    raw = path.read_bytes()
    request_part, response_part = raw.split(b"=== RESPONSE (raw headers + body) ===\n", 1)
    first = request_part.split(b"\n")[1].decode()
    method, url = first.split(" ", 1)
    request_body = b""
    if b"\r\n\r\n" in request_part:
        request_body = request_part.split(b"\r\n\r\n", 1)[1].strip()
    head, _, body = response_part.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = []
    for line in lines[1:]:
        name_, _, value = line.partition(":")
        if name_.lower() in ("set-cookie", "connection", "host", "date"):
            continue
        headers.append((name_.strip(), value.strip()))
    if body.endswith(b"\n"):
        body = body[:-1]
    return Capture(method, url.split(" ")[0], request_body, status, headers, body)


def load_json_body(name: str) -> object:
    return json.loads(load(name).body)


def respond(name: str) -> httpx.Response:
    capture = load(name)
    return httpx.Response(capture.status, headers=capture.headers, content=capture.body)


@dataclass
class Route:
    method: str
    path: str
    fixture: str | Callable[[httpx.Request], httpx.Response]
    when: dict[str, str] = field(default_factory=dict)


@dataclass
class FixtureShop:
    """A fake shop answering with recorded responses; remembers every request it got."""

    routes: list[Route]
    requests: list[httpx.Request] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        expected = "Basic " + base64.b64encode(f"{KEY}:".encode()).decode()
        assert request.headers["Authorization"] == expected
        params = dict(parse_qsl(request.url.query.decode(), keep_blank_values=True))
        path = request.url.path.removeprefix("/api/")
        for route in self.routes:
            if route.method != request.method or route.path != path:
                continue
            if any(params.get(k) != v for k, v in route.when.items()):
                continue
            if callable(route.fixture):
                return route.fixture(request)
            return respond(route.fixture)
        raise AssertionError(f"no recorded answer for {request.method} {request.url}")

    def params(self, index: int) -> dict[str, str]:
        return dict(parse_qsl(self.requests[index].url.query.decode(), keep_blank_values=True))


def connector_for(shop: FixtureShop, **options: object) -> PrestaShopConnector:
    http = httpx.Client(transport=httpx.MockTransport(shop))
    return PrestaShopConnector(SHOP, KEY, http=http, sleep=lambda _s: None, **options)  # type: ignore[arg-type]


def client_for(shop: FixtureShop) -> PrestaShopClient:
    return PrestaShopClient(SHOP, KEY, http=httpx.Client(transport=httpx.MockTransport(shop)), sleep=lambda _s: None)


# --- connection check ------------------------------------------------------------------------------


def test_api_root_gives_version_shop_name_and_permissions() -> None:
    shop = FixtureShop([Route("GET", "", "01-api-root")])
    info = connector_for(shop).check_connection()

    assert info.shop_version == "8.1.2"
    assert info.shop_name == "RealShop"
    assert info.permissions["orders"] == frozenset({"GET", "PUT", "POST", "PATCH", "DELETE", "HEAD"})
    assert info.permissions["stock_availables"] >= {"GET", "PATCH"}
    assert len(info.permissions) == 69
    assert info.missing_permissions == []
    assert "output_format" not in shop.params(0), "the API root must be read as XML (JSON breaks on PHP 8)"


# --- errors ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fixture", "method", "error", "status", "codes", "message"),
    [
        ("11a-bad-key-xml", "GET", ShopAuthError, 401, (20, 21), "Authentification key is not active"),
        ("11b-bad-key-json", "GET", ShopAuthError, 401, (20, 21), "No permission for this authentication key"),
        ("11c-malformed-key", "GET", ShopAuthError, 401, (18,), "Invalid authentication key format"),
        ("11d-no-auth", "GET", ShopAuthError, 401, (), ""),
        ("12a-order-not-found-xml", "GET", ShopNotFoundError, 404, (), ""),
        ("12b-order-not-found-json", "GET", ShopNotFoundError, 404, (), ""),
        ("13-unknown-resource", "GET", ShopRequestRejectedError, 400, (27,), 'Resource of type "foobars"'),
        ("24b-orders-date-filter", "GET", ShopRequestRejectedError, 500, (32, 3, 3, 3, 3), "This filter does not"),
        ("07-put-partial-body", "PUT", ShopRequestRejectedError, 400, (41,), 'parameter "id_product" required'),
        ("08-put-json-body", "PUT", ShopRequestRejectedError, 500, (3, 3, 3, 127), "String could not be parsed"),
        ("18b-patch-multi", "PATCH", ShopRequestRejectedError, 404, (92,), "Invalid ID"),
    ],
)
def test_recorded_errors_become_typed_errors(
    fixture: str, method: str, error: type[ShopError], status: int, codes: tuple[int, ...], message: str
) -> None:
    shop = FixtureShop([Route(method, "orders", fixture)])
    client = client_for(shop)

    with pytest.raises(error) as caught:
        client.request(method, "orders", body=b"<prestashop/>" if method != "GET" else None, idempotent=True)

    assert caught.value.http_status == status
    assert caught.value.shop_codes == codes
    assert message in caught.value.shop_message
    assert caught.value.request_id
    assert len(shop.requests) == 1, "deterministic errors are not retried"
    assert KEY not in str(caught.value)


# --- empty lists -------------------------------------------------------------------------------------


def test_empty_order_list_in_json_and_xml() -> None:
    shop = FixtureShop([Route("GET", "orders", "15a-empty-list-json")])
    assert connector_for(shop).fetch_orders([99999]) == []
    assert records_from_json([], "orders") == []
    assert records_from_xml(load_xml(load("15b-empty-list-xml").body), "orders", "order") == []
    assert records_from_json(load_json_body("15c-orders-list-default-json"), "orders") == [
        {"id": i} for i in range(1, 6)
    ]


# --- orders -----------------------------------------------------------------------------------------

ORDER_ROUTES = [
    Route("GET", "orders", "02-orders-full-json"),
    Route("GET", "order_details", "28-order-details-json"),
    Route("GET", "customers", "29-customers-batch-json"),
    Route("GET", "addresses", "30-addresses-batch-json"),
    Route("GET", "carriers", "20-carriers-full-json"),
    Route("GET", "currencies", "34-currencies-json"),
]


def test_full_orders_with_lines_customer_addresses_in_six_requests() -> None:
    shop = FixtureShop(list(ORDER_ROUTES))
    orders = {o.id: o for o in connector_for(shop).fetch_orders([1, 2, 3, 4, 5])}

    assert sorted(orders) == [1, 2, 3, 4, 5]
    order = orders[2]
    assert order.reference == "OHSATSERP"
    assert order.current_state == 1
    assert order.payment_module == "ps_checkpayment"
    assert order.payment_name == "Payment by check"
    assert order.totals.paid_gross == Decimal("169.900000")
    assert order.totals.shipping_gross == Decimal("0")
    assert orders[1].totals.paid_gross == Decimal("68.200000")
    assert orders[1].totals.paid_net == Decimal("66.800000")
    assert orders[1].totals.shipping_gross == Decimal("8.400000")
    assert orders[1].note == "Test"
    # 2026-11-27 09:55:20 in Europe/Warsaw (CET, UTC+1)
    assert order.updated_at == datetime(2026, 11, 27, 8, 55, 20, tzinfo=UTC)
    assert order.created_at == datetime(2026, 11, 27, 8, 55, 20, tzinfo=UTC)
    assert order.invoice_date is None  # 0000-00-00 00:00:00
    assert order.carrier_id == 2
    assert order.carrier_reference == 2
    assert order.currency == "PLN"
    poster, mug = order.lines
    assert (poster.product_id, poster.variant_id, poster.quantity) == (4, 18, 2)
    assert poster.unit_price_gross == Decimal("79.000000")
    assert poster.total_price_gross == Decimal("158.000000")  # from order_details
    assert poster.identifiers["reference"] == "demo_5"
    assert poster.name == "The adventure begins Framed poster - Size : 80x120cm"
    assert (mug.product_id, mug.variant_id, mug.quantity) == (8, 0, 1)
    assert order.customer is not None
    assert (order.customer.firstname, order.customer.lastname) == ("John", "DOE")
    assert order.customer.email == "pub@prestashop.com"
    assert order.delivery_address is not None and order.delivery_address.city == "Miami"
    assert order.invoice_address == order.delivery_address
    assert order.delivery_address.postcode == "33133"
    assert orders[5].payment_module == "ps_wirepayment"

    assert len(shop.requests) == 6
    details_query = shop.params(1)
    assert details_query["filter[id_order]"] == "[1|2|3|4|5]"
    assert details_query["display"] == "full"
    assert shop.params(2)["filter[id]"] == "[2]"
    assert shop.params(3)["filter[id]"] == "[5]"


def test_order_polling_query_and_cursor() -> None:
    shop = FixtureShop(list(ORDER_ROUTES))
    connector = connector_for(shop)
    page = connector.list_order_changes(datetime(2026, 11, 27, 8, 0, tzinfo=UTC), limit=50)

    query = shop.params(0)
    assert query["date"] == "1"
    assert query["filter[date_upd]"] == "[2026-11-27 09:00:00,9999-12-31 23:59:59]"
    assert query["sort"] == "[date_upd_ASC,id_ASC]"
    assert query["display"] == "full"
    assert query["limit"] == "0,50"
    assert [o.id for o in page.orders] == [1, 2, 3, 4, 5]
    assert page.has_more is False
    assert page.next_after is not None
    assert page.next_after.updated_at == datetime(2026, 11, 27, 8, 55, 20, tzinfo=UTC)
    assert (page.next_after.id, page.next_after.tied) == (5, 5)


def test_recorded_date_polling_answer_is_shop_local_time() -> None:
    records = records_from_json(load_json_body("24-orders-date-upd-filter-json"), "orders")
    tz = WARSAW

    assert [r["id"] for r in records] == [1, 3, 4, 5, 2]
    assert as_utc(records[-1]["date_upd"], tz) == datetime(2026, 11, 27, 8, 56, 41, tzinfo=UTC)


def test_xml_orders_parse_like_json_ones() -> None:
    records = records_from_xml(load_xml(load("23-orders-full-xml").body), "orders", "order")
    tz = WARSAW
    first, second = (translate.order(r, tz) for r in records)

    assert first.reference == "XKBKNABJK"
    assert first.totals.paid_gross == Decimal("68.200000")
    assert [line.variant_id for line in first.lines] == [1, 9]
    assert second.current_state == 4
    assert second.shipping_number == "PL123456789TRACK"
    assert second.invoice_number == 1
    assert second.invoice_date == datetime(2026, 11, 27, 8, 56, 41, tzinfo=UTC)


# --- discovery ---------------------------------------------------------------------------------------


def test_discovery_from_recorded_answers() -> None:
    shop = FixtureShop(
        [
            Route("GET", "order_states", "19-order-states-full-json"),
            Route("GET", "carriers", "20-carriers-full-json", {"filter[deleted]": "[0]"}),
            Route("GET", "configurations", "21-configurations"),
            Route("GET", "shops", "33-shops-json"),
            Route("GET", "currencies", "34-currencies-json"),
            Route("GET", "orders", "22-orders-module-payment-json"),
        ]
    )
    found = connector_for(shop).discover(recent_orders=1000)

    states = {s.id: s for s in found.order_states}
    assert states[2].name == "Payment accepted"
    assert states[2].paid and states[2].invoice and not states[2].shipped
    assert states[4].shipped
    assert states[1].module_name == "ps_checkpayment"
    assert len(states) == 13
    assert [(c.carrier_key, c.name, c.active) for c in found.carriers] == [
        (1, "Click and collect", True),
        (2, "My carrier", True),
        (3, "My cheap carrier", False),
        (4, "My light carrier", False),
    ]
    assert found.timezone == "Europe/Warsaw"
    assert found.standard_states == {
        "PS_OS_CANCELED": 6,
        "PS_OS_DELIVERED": 5,
        "PS_OS_PAYMENT": 2,
        "PS_OS_SHIPPING": 4,
    }
    assert [(m.module, m.name, m.orders) for m in found.payment_modules] == [
        ("ps_checkpayment", "Payment by check", 4),
        ("ps_wirepayment", "Bank wire", 1),
    ]
    assert found.analyzed_orders == 5
    assert [(s.id, s.name) for s in found.shops] == [(1, "RealShop")]
    assert [(c.id, c.iso_code, c.name) for c in found.currencies] == [(1, "PLN", "Polish Zloty")]
    assert len(shop.requests) == 6
    orders_query = shop.params(5)
    assert orders_query["display"] == "[id,module,payment]"
    assert orders_query["sort"] == "[id_DESC]"


def test_order_states_in_xml() -> None:
    records = records_from_xml(load_xml(load("19b-order-states-full-xml").body), "order_states", "order_state")
    states = [translate.order_state(r, 1) for r in records]
    assert [(s.id, s.name, s.shipped) for s in states] == [
        (2, "Payment accepted", False),
        (3, "Processing in progress", False),
        (4, "Shipped", True),
    ]


# --- products and variants ---------------------------------------------------------------------------


def test_variants_from_products_combinations_option_values_and_stock() -> None:
    shop = FixtureShop(
        [
            Route("GET", "products", "03b-products-full-limit5-json"),
            Route("GET", "combinations", "25-product-1-combinations-full-json"),
            Route("GET", "product_option_values", "27-product-option-values-json"),
            Route("GET", "stock_availables", "04-stock-availables-filter-json"),
            Route("GET", "configurations", "13-unknown-resource"),
        ]
    )
    batch = connector_for(shop).fetch_variants([1, 2], with_stock=True)

    assert batch.failures == []
    by_key = {(v.product_id, v.variant_id): v for v in batch.variants}
    assert sorted(k[1] for k in by_key if k[0] == 1) == [1, 2, 3, 4, 5, 6, 7, 8]
    assert sorted(k[1] for k in by_key if k[0] == 2) == [9, 10, 11, 12]
    first = by_key[(1, 1)]
    assert first.name == "Hummingbird printed t-shirt - S, White"
    assert [(o.group_id, o.name) for o in first.options] == [(1, "S"), (2, "White")]
    assert first.identifier("reference") == "demo_1"
    assert first.price_net == Decimal("23.900000")
    assert first.price_gross is None  # the tax lookup was refused: no guessing
    assert (first.stock_id, first.quantity) == (20, 300)
    assert first.is_default and first.active
    sweater = by_key[(2, 9)]
    assert (sweater.stock_id, sweater.quantity, sweater.variant_name) == (28, 1200, "S")
    assert sweater.product_name == "Hummingbird printed sweater"
    # combination 2 uses option value 11, absent from the recorded option list: label skipped
    assert by_key[(1, 2)].name == "Hummingbird printed t-shirt - S"

    products_query = shop.params(0)
    assert products_query["display"] == "full"
    assert products_query["filter[id]"] == "[1|2]"
    assert shop.params(1)["filter[id_product]"].startswith("[1|2")


def test_xml_product_and_combination_shapes() -> None:
    products = records_from_xml(load_xml(load("03-products-full-limit5-xml").body), "products", "product")
    combos = records_from_xml(load_xml(load("25b-combinations-full-xml").body), "combinations", "combination")
    tz = WARSAW

    assert [p["id"] for p in products] == ["1", "2", "3", "4", "5"]
    assert products[0]["name"] == [
        {"id": "1", "value": "Hummingbird printed t-shirt"},
        {"id": "2", "value": "Hummingbird printed t-shirt"},
    ]
    variants = translate.product_variants(
        products[0], combos, options={}, stock_rows=None, tax_rates={}, tz=tz, language_id=2
    )
    assert [v.variant_id for v in variants] == [1, 2]
    assert [v.stock_id for v in variants] == [20, 21]
    assert [v.quantity for v in variants] == [None, None]
    assert [[o for o in c["associations"]["product_option_values"]] for c in combos] == [
        [{"id": "1"}, {"id": "8"}],
        [{"id": "1"}, {"id": "11"}],
    ]


def test_product_without_combinations_is_one_universal_variant() -> None:
    [product] = records_from_xml(load_xml(load("16-post-product").body), "products", "product")
    tz = WARSAW
    [variant] = translate.product_variants(
        product, [], options={}, stock_rows={}, tax_rates={1: Decimal("23")}, tz=tz, language_id=2
    )

    assert (variant.product_id, variant.variant_id) == (20, 0)
    assert variant.variant_name == "Uniwersalny"
    assert variant.name == "Produkt testowy 1"
    assert variant.identifier("reference") == "RS-1"
    assert variant.stock_id == 59
    assert variant.price_net == Decimal("11.50")
    assert variant.price_gross == Decimal("14.145000")


def test_single_record_and_language_flattened_shapes() -> None:
    single = records_from_json(load_json_body("03c-product-1-json"), "products", "product")
    flat = records_from_json(load_json_body("03d-product-1-language1-json"), "products", "product")
    listed = records_from_json(load_json_body("03e-products-list-language1-json"), "products", "product")
    tz = WARSAW

    assert translate.product_summary(single[0], tz, 1).name == "Hummingbird printed t-shirt"
    assert flat == [{"id": 1, "reference": "demo_1", "price": "23.900000", "name": "Hummingbird printed t-shirt"}]
    assert [translate.product_summary(r, tz, 1).name for r in listed] == [
        "Realshop test product 1",
        "Realshop test product 2",
        "Realshop test product 3",
    ]
    # single-record JSON drops falsy fields: id_product_attribute 0 is simply absent
    [row] = records_from_json(load_json_body("05c-get-stock-available-1"), "stock_availables", "stock_available")
    assert row == {"id": 1, "id_product": 1, "id_shop": 1, "quantity": 2350, "out_of_stock": 2}


def test_product_listing_query_and_values() -> None:
    shop = FixtureShop([Route("GET", "products", "26-products-ids-only-json")])
    items = connector_for(shop).list_products(ProductListFilter(id_from=1, id_to=30))

    assert len(items) == 30
    assert (items[0].id, items[0].name, items[0].active) == (1, "Hummingbird printed t-shirt", True)
    assert items[19].name == "Realshop test product 1"
    assert items[19].updated_at == datetime(2026, 11, 27, 8, 56, 57, tzinfo=UTC)
    query = shop.params(0)
    assert query["display"] == "[id,name,active,date_upd]"
    assert query["filter[id]"] == "[1,30]"
    assert query["sort"] == "[id_ASC]"
    assert query["language"] == "1"


def test_active_products_by_ids_query() -> None:
    shop = FixtureShop([Route("GET", "products", "26b-products-filter-active")])
    items = connector_for(shop).list_products(ProductListFilter(ids=[1, 2, 3, 4, 5], only_active=True))

    assert [i.id for i in items] == [1, 2, 3, 4, 5]
    query = shop.params(0)
    assert query["filter[active]"] == "[1]"
    assert query["filter[id]"] == "[1|2|3|4|5]"


def test_stock_rows_in_xml_and_json() -> None:
    xml_rows = records_from_xml(load_xml(load("04b-stock-availables-filter-xml").body), "stock_availables", "x")
    json_rows = records_from_json(load_json_body("04-stock-availables-filter-json"), "stock_availables")
    assert len(xml_rows) == len(json_rows) == 14
    assert [(int(r["id"]), int(r["quantity"])) for r in xml_rows] == [(r["id"], r["quantity"]) for r in json_rows]


# --- stock writes ------------------------------------------------------------------------------------


def test_one_patch_updates_every_row() -> None:
    shop = FixtureShop([Route("PATCH", "stock_availables", "18-patch-multi-stock-availables")])
    outcomes = connector_for(shop).push_stock(
        [
            StockUpdate(stock_id=22, quantity=77),
            StockUpdate(stock_id=23, quantity=88),
            StockUpdate(stock_id=24, quantity=99),
        ]
    )

    assert [(o.stock_id, o.ok) for o in outcomes] == [(22, True), (23, True), (24, True)]
    assert len(shop.requests) == 1
    body = shop.requests[0].content
    assert body.count(b"<stock_available>") == 3
    assert b"<id>22</id><quantity>77</quantity>" in body


def test_bad_row_in_the_middle_is_isolated_with_one_reread() -> None:
    patches: list[bytes] = []

    def patch(request: httpx.Request) -> httpx.Response:
        patches.append(request.content)
        if len(patches) == 1:
            return respond("18b-patch-multi")  # 404 code 92: 22 saved, 999999 unknown, 24 not reached
        return respond("18-patch-multi-stock-availables")

    shop = FixtureShop(
        [
            Route("PATCH", "stock_availables", patch),
            Route("GET", "stock_availables", "18c-stock-after-multi-patch-json"),
        ]
    )
    outcomes = connector_for(shop).push_stock(
        [
            StockUpdate(stock_id=22, quantity=11),
            StockUpdate(stock_id=999999, quantity=12),
            StockUpdate(stock_id=24, quantity=13),
        ]
    )

    assert [(o.stock_id, o.ok, o.error_code, o.permanent) for o in outcomes] == [
        (22, True, None, False),
        (999999, False, "not_found", True),
        (24, True, None, False),
    ]
    assert [r.method for r in shop.requests] == ["PATCH", "GET", "PATCH"]
    assert shop.params(1)["filter[id]"] == "[22|24|999999]"
    assert b"<id>24</id><quantity>13</quantity>" in patches[1]
    assert b"999999" not in patches[1] and b"<id>22</id>" not in patches[1]


# --- order writes ------------------------------------------------------------------------------------


def test_state_already_current_is_not_posted_again() -> None:
    shop = FixtureShop([Route("GET", "orders", "10c-get-order2-shipping_number")])
    assert connector_for(shop).set_order_state(2, 4) is False
    assert len(shop.requests) == 1
    assert shop.params(0)["display"] == "[id,current_state]"


def test_state_change_posts_one_order_history() -> None:
    shop = FixtureShop(
        [
            Route("GET", "orders", "10c-get-order2-shipping_number"),
            Route("POST", "order_histories", "09c-post-order-history-order2-state4-sendemail-json"),
        ]
    )
    assert connector_for(shop).set_order_state(2, 5, notify_customer=True) is True

    post = shop.requests[1]
    assert shop.params(1)["sendemail"] == "1"
    assert b"<id_order>2</id_order>" in post.content
    assert b"<id_order_state>5</id_order_state>" in post.content
    records = records_from_json(load_json_body("09d-get-order-histories"), "order_histories")
    assert [r["id_order_state"] for r in records] == [1, 2, 4]
    created = records_from_json(load_json_body("09c-post-order-history"), "order_histories", "order_history")
    assert created[0]["id"] == "9"


def test_tracking_number_patch_and_no_op() -> None:
    shop = FixtureShop(
        [
            Route("GET", "order_carriers", "31-order-carriers-filter-json"),
            Route("PATCH", "order_carriers/2", "10b-patch-order-carrier-3-tracking-json"),
        ]
    )
    connector = connector_for(shop)

    assert connector.set_tracking_number(2, "PL123456789TRACK") is False
    assert connector.set_tracking_number(2, "PL999") is True
    patch = shop.requests[-1]
    assert patch.method == "PATCH"
    assert b"<id>2</id>" in patch.content and b"<tracking_number>PL999</tracking_number>" in patch.content
    assert b"id_carrier" not in patch.content


def test_tracking_number_full_put_keeps_every_field() -> None:
    shop = FixtureShop(
        [
            Route("GET", "order_carriers", "31-order-carriers-filter-json"),
            Route("PUT", "order_carriers/2", "10a-put-order-carrier-2-tracking"),
        ]
    )
    connector = connector_for(shop)
    connector._carrier_mode = "put"  # what a 1.7 shop or a key without PATCH leads to

    assert connector.set_tracking_number(2, "PL123456789TRACK2") is True
    body = shop.requests[-1].content
    for part in (b"<id_order>2</id_order>", b"<id_carrier>2</id_carrier>", b"<shipping_cost_tax_incl>8.400000<"):
        assert part in body
    assert b"<date_add>2026-11-27 09:56:46</date_add>" in body


def test_message_goes_to_the_existing_order_thread() -> None:
    shop = FixtureShop(
        [
            Route("GET", "customer_threads", "38-customer-threads-by-order-json"),
            Route("POST", "customer_messages", "36-post-customer-message-json"),
        ]
    )
    message_id = connector_for(shop).post_order_message(4, "Invoice FV/2/2026: https://docs.example/fv2.pdf")

    assert message_id == 2
    assert len(shop.requests) == 2
    body = shop.requests[1].content
    assert b"<id_customer_thread>2</id_customer_thread>" in body
    assert b"<message>Invoice FV/2/2026: https://docs.example/fv2.pdf</message>" in body
    [message] = records_from_json(load_json_body("37-customer-messages-by-thread-json"), "customer_messages")
    assert message["id_customer_thread"] == 2


def test_message_creates_the_thread_when_the_order_has_none() -> None:
    shop = FixtureShop(
        [
            Route("GET", "customer_threads", "15a-empty-list-json"),
            Route("GET", "orders", "02-orders-full-json"),
            Route("GET", "customers", "29-customers-batch-json"),
            Route("POST", "customer_threads", "35-post-customer-thread-json"),
            Route("POST", "customer_messages", "36-post-customer-message-json"),
        ]
    )
    assert connector_for(shop).post_order_message(4, "Invoice FV/2/2026") == 2

    thread = shop.requests[3]
    assert thread.method == "POST" and thread.url.path == "/api/customer_threads"
    for part in (
        b"<id_lang>1</id_lang>",
        b"<id_shop>1</id_shop>",
        b"<id_customer>2</id_customer>",
        b"<id_order>4</id_order>",
        b"<id_contact>0</id_contact>",
        b"<email>pub@prestashop.com</email>",
        b"<status>closed</status>",
    ):
        assert part in thread.content
    assert b"<id_customer_thread>2</id_customer_thread>" in shop.requests[4].content
