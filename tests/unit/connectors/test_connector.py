"""Connector behaviour that needs a stateful fake shop: stock writes and their fallbacks, order
paging through busy seconds, write guards, the factory."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from defusedxml.ElementTree import fromstring

from shophub.connectors import available_platforms, build_connector
from shophub.connectors.base import Connector
from shophub.connectors.prestashop.connector import PrestaShopConnector
from shophub.connectors.prestashop.parse import as_bool, as_decimal, as_utc, lang_value, shop_local
from shophub.domain.shop import OrderCursor, StockUpdate
from shophub.errors import ShopRequestRejectedError, ShopResponseError, ShopTimeoutError, ValidationError
from tests.unit.connectors.fakes import (
    KEY,
    SHOP,
    FakeClock,
    ScriptedShop,
    json_response,
    make_connector,
    params_of,
    ps_error,
)

WAF_PAGE = httpx.Response(403, content=b"<!DOCTYPE html><html>Forbidden</html>", headers={"Content-Type": "text/html"})


class StockShop:
    """stock_availables with PrestaShop's multi-node semantics: nodes are saved in order and the
    first bad one stops the loop (404 code 92 for an unknown id)."""

    def __init__(self, rows: int = 300, *, version: str = "8.1.2") -> None:
        self.rows = {
            i: {
                "id": i,
                "id_product": i,
                "id_product_attribute": 0,
                "id_shop": 1,
                "id_shop_group": 0,
                "quantity": 5,
                "depends_on_stock": "0",
                "out_of_stock": 2,
                "location": f"A-{i}",
            }
            for i in range(1, rows + 1)
        }
        self.version = version
        self.patch_allowed = True
        self.waf = False
        self.refuse_ids: set[int] = set()  # rows the shop refuses with 400 code 41
        self.proxy_refuses: set[int] = set()  # rows a proxy refuses without a PrestaShop body
        self.log: list[tuple[str, str, dict[str, str]]] = []
        self.bodies: list[bytes] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        params = params_of(request)
        method = request.method
        if method == "POST" and "ps_method" in params:
            method = params["ps_method"]
        elif self.waf and method in ("PUT", "PATCH"):
            self.log.append((request.method, request.url.path, params))
            return WAF_PAGE
        self.log.append((method, request.url.path, params))
        if method == "GET":
            ids = [int(i) for i in re.findall(r"\d+", params["filter[id]"])]
            found = [self.rows[i] for i in ids if i in self.rows]
            if params["display"] == "full":
                return json_response({"stock_availables": found} if found else [])
            return json_response({"stock_availables": [{"id": r["id"], "quantity": r["quantity"]} for r in found]})
        self.bodies.append(request.content)
        if method == "PATCH" and not self.patch_allowed:
            return ps_error(405, 25, message="Method PATCH is not allowed for this key", version=self.version)
        if method == "PATCH" and self.version.startswith("1."):
            return ps_error(405, 23, message="Invalid method", version=self.version)
        for node in fromstring(request.content).findall("stock_available"):
            values = {child.tag: (child.text or "") for child in node}
            row_id = int(values["id"])
            if row_id in self.proxy_refuses:
                return httpx.Response(400, content=b"Bad Request")
            if row_id not in self.rows:
                return ps_error(404, 92, message="Invalid ID", version=self.version)
            if row_id in self.refuse_ids:
                return ps_error(400, 41, message='parameter "quantity" invalid', version=self.version)
            if method == "PUT":
                missing = {"id_product", "id_product_attribute", "depends_on_stock", "out_of_stock"} - values.keys()
                if missing:
                    return ps_error(400, 41, message="required", version=self.version)
                self.rows[row_id] = {**self.rows[row_id], **{k: v for k, v in values.items() if k != "id"}}
                self.rows[row_id]["quantity"] = int(values["quantity"])
                for optional in ("location", "id_shop", "id_shop_group"):
                    if optional not in values:
                        self.rows[row_id][optional] = ""  # PUT resets what it does not get
            else:
                self.rows[row_id]["quantity"] = int(values["quantity"])
        return json_response({}, headers={"PSWS-Version": self.version})

    def methods(self) -> list[str]:
        return [m for m, _p, _q in self.log]


def stock_connector(shop: StockShop) -> PrestaShopConnector:
    return make_connector(ScriptedShop(shop))


def updates(ids, quantity: int = 42) -> list[StockUpdate]:
    return [StockUpdate(stock_id=i, quantity=quantity) for i in ids]


# --- stock ---------------------------------------------------------------------------------------------


def test_thousand_changes_go_out_as_ten_patches() -> None:
    shop = StockShop(rows=1000)
    outcomes = stock_connector(shop).push_stock(updates(range(1, 1001)))

    assert all(o.ok for o in outcomes) and len(outcomes) == 1000
    assert shop.methods() == ["PATCH"] * 10
    assert all(r["quantity"] == 42 for r in shop.rows.values())
    assert shop.bodies[0].count(b"<stock_available>") == 100


def test_last_update_of_a_row_wins() -> None:
    shop = StockShop(rows=5)
    outcomes = stock_connector(shop).push_stock(
        [StockUpdate(stock_id=1, quantity=1), StockUpdate(stock_id=2, quantity=2), StockUpdate(stock_id=1, quantity=9)]
    )
    assert [(o.stock_id, o.quantity) for o in outcomes] == [(1, 9), (2, 2)]
    assert shop.rows[1]["quantity"] == 9


def test_one_deleted_row_among_a_hundred() -> None:
    shop = StockShop(rows=200)
    del shop.rows[57]
    outcomes = stock_connector(shop).push_stock(updates(range(1, 101)))

    bad = [o for o in outcomes if not o.ok]
    assert [(o.stock_id, o.error_code, o.permanent) for o in bad] == [(57, "not_found", True)]
    assert all(shop.rows[i]["quantity"] == 42 for i in range(1, 101) if i != 57)
    assert shop.methods() == ["PATCH", "GET", "PATCH"]


def test_one_refused_row_among_a_hundred() -> None:
    shop = StockShop(rows=200)
    shop.refuse_ids = {30}
    outcomes = stock_connector(shop).push_stock(updates(range(1, 101)))

    [bad] = [o for o in outcomes if not o.ok]
    assert (bad.stock_id, bad.error_code, bad.permanent) == (30, "shop_request_rejected", True)
    assert 'parameter "quantity" invalid' in bad.message
    assert all(shop.rows[i]["quantity"] == 42 for i in range(1, 101) if i != 30)
    assert len(shop.log) <= 10


def test_rows_refused_without_a_prestashop_answer_are_isolated_by_bisection() -> None:
    shop = StockShop(rows=200)
    shop.proxy_refuses = {13, 77}
    outcomes = stock_connector(shop).push_stock(updates(range(1, 101)))

    assert sorted(o.stock_id for o in outcomes if not o.ok) == [13, 77]
    assert all(shop.rows[i]["quantity"] == 42 for i in range(1, 101) if i not in (13, 77))
    assert len(shop.log) < 40


def test_key_without_patch_falls_back_to_full_put_keeping_every_field() -> None:
    shop = StockShop(rows=10)
    shop.patch_allowed = False
    connector = stock_connector(shop)

    outcomes = connector.push_stock(updates([3, 4, 99]))
    assert [(o.stock_id, o.ok, o.error_code) for o in outcomes] == [
        (3, True, None),
        (4, True, None),
        (99, False, "not_found"),
    ]
    assert shop.methods() == ["PATCH", "GET", "PUT"]
    assert shop.rows[3]["location"] == "A-3" and shop.rows[3]["id_shop"] == "1"
    assert shop.rows[3]["quantity"] == 42
    body = shop.bodies[-1]
    for field in (b"<id_product>3</id_product>", b"<id_product_attribute>0</id_product_attribute>", b"<location>A-3"):
        assert field in body

    connector.push_stock(updates([5]))
    assert shop.methods()[-2:] == ["GET", "PUT"], "PATCH is not tried again"


def test_prestashop_17_gets_put() -> None:
    shop = StockShop(rows=10, version="1.7.8.11")
    connector = stock_connector(shop)
    assert all(o.ok for o in connector.push_stock(updates([1, 2])))
    assert shop.methods() == ["PATCH", "GET", "PUT"]
    connector.push_stock(updates([3]))
    assert shop.methods()[-2:] == ["GET", "PUT"]


def test_firewall_blocking_patch_is_bypassed_with_ps_method() -> None:
    shop = StockShop(rows=10)
    shop.waf = True
    connector = stock_connector(shop)

    assert all(o.ok for o in connector.push_stock(updates([1, 2, 3])))
    assert [(m, q.get("ps_method")) for m, _p, q in shop.log] == [("PATCH", None), ("PATCH", "PATCH")]
    assert shop.bodies[0].count(b"<stock_available>") == 3
    connector.push_stock(updates([4]))
    assert shop.log[-1][2].get("ps_method") == "PATCH"
    assert len(shop.log) == 3


def test_a_bad_key_fails_every_row_without_hammering() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return ps_error(401, 20, 21, message="Authentification key is not active")

    scripted = ScriptedShop(handler)
    outcomes = make_connector(scripted).push_stock(updates(range(1, 251)))

    assert {(o.ok, o.error_code, o.permanent) for o in outcomes} == {(False, "shop_auth_failed", True)}
    assert len(scripted.requests) == 1


def test_shop_down_after_retries_leaves_rows_for_later() -> None:
    clock = FakeClock(budget=30)
    scripted = ScriptedShop(lambda r: httpx.Response(503, content=b"down"), clock=clock)
    outcomes = make_connector(scripted, clock=clock).push_stock(updates([1, 2]))

    assert {(o.ok, o.error_code, o.permanent) for o in outcomes} == {(False, "shop_server_error", False)}
    assert clock.now <= 30


def test_read_stock_in_one_request() -> None:
    shop = StockShop(rows=10)
    assert stock_connector(shop).read_stock([1, 2, 99]) == {1: 5, 2: 5}
    assert shop.log[0][2]["display"] == "[id,quantity]"


# --- orders: paging through a busy second ------------------------------------------------------------------


class OrdersShop:
    """orders with date_upd/id keyset semantics (BETWEEN inclusive, > on id, sort, limit)."""

    def __init__(self, stamps: list[str]) -> None:
        self.orders = [
            {
                "id": i,
                "reference": f"R{i}",
                "current_state": 2,
                "date_add": stamps[i - 1],
                "date_upd": stamps[i - 1],
                "total_paid_tax_incl": "10.000000",
                "total_paid_tax_excl": "8.130000",
                "associations": {"order_rows": []},
            }
            for i in range(1, len(stamps) + 1)
        ]
        self.queries: list[dict[str, str]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        params = params_of(request)
        if request.url.path != "/api/orders":
            return json_response([])
        self.queries.append(params)
        assert params.get("date") == "1"
        low, high = params["filter[date_upd]"].strip("[]").split(",")
        rows = [o for o in self.orders if low <= o["date_upd"] <= high]
        if "filter[id]" in params:
            after = int(params["filter[id]"].strip(">[]"))
            rows = [o for o in rows if o["id"] > after]
        rows.sort(key=lambda o: (o["date_upd"], o["id"]))
        offset, count = (int(x) for x in params["limit"].split(","))
        rows = rows[offset : offset + count]
        return json_response({"orders": rows} if rows else [])


def read_all(connector: PrestaShopConnector, limit: int) -> list[int]:
    seen: list[int] = []
    after: OrderCursor | None = None
    for _ in range(100):
        page = connector.list_order_changes(datetime(2026, 1, 1, tzinfo=UTC), after=after, limit=limit)
        seen += [o.id for o in page.orders]
        after = page.next_after
        if not page.has_more:
            break
    return seen


@pytest.mark.parametrize("limit", [1, 2, 3, 5, 7, 50])
def test_paging_through_ties_returns_every_order_once(limit: int) -> None:
    stamps = ["2026-03-01 10:00:00"] * 12 + ["2026-03-01 10:00:01"] * 3 + ["2026-03-01 11:00:00"]
    shop = OrdersShop(stamps)
    connector = make_connector(ScriptedShop(shop))

    assert read_all(connector, limit) == list(range(1, 17))


def test_cursor_and_timezone_conversion() -> None:
    shop = OrdersShop(["2026-07-01 12:00:00", "2026-07-01 12:00:00"])
    page = make_connector(ScriptedShop(shop)).list_order_changes(
        datetime(2026, 7, 1, 9, 30, tzinfo=UTC), datetime(2026, 7, 1, 11, 0, tzinfo=UTC)
    )
    # summer time in Warsaw is UTC+2: 09:30Z is 11:30 local, 11:00Z is 13:00 local
    assert shop.queries[0]["filter[date_upd]"] == "[2026-07-01 11:30:00,2026-07-01 13:00:00]"
    assert page.orders[0].updated_at == datetime(2026, 7, 1, 10, 0, tzinfo=UTC)
    assert page.next_after == OrderCursor(updated_at=datetime(2026, 7, 1, 10, 0, tzinfo=UTC), id=2, tied=2)


def test_window_around_the_autumn_clock_change_is_widened() -> None:
    shop = OrdersShop(["2026-10-25 02:10:00"])
    connector = make_connector(ScriptedShop(shop))
    # 00:45Z is 02:45 CEST; 30 minutes later the clock shows 02:15 CET again
    page = connector.list_order_changes(datetime(2026, 10, 25, 0, 45, tzinfo=UTC))
    assert shop.queries[0]["filter[date_upd]"].startswith("[2026-10-25 01:45:00,")
    assert [o.id for o in page.orders] == [1]


def test_naive_datetimes_are_refused() -> None:
    connector = make_connector(ScriptedShop(OrdersShop([])))
    with pytest.raises(ValueError):
        connector.list_order_changes(datetime(2026, 1, 1))


def test_a_broken_order_is_reported_not_dropped() -> None:
    shop = OrdersShop(["2026-03-01 10:00:00", "2026-03-01 10:00:01"])
    shop.orders[0]["current_state"] = "not-a-number"
    page = make_connector(ScriptedShop(shop)).list_order_changes(datetime(2026, 1, 1, tzinfo=UTC))
    assert [o.id for o in page.orders] == [2]
    assert [(f.order_id, "current_state" in f.reason) for f in page.failures] == [(1, True)]
    assert page.next_after is not None and page.next_after.id == 2


# --- order writes ---------------------------------------------------------------------------------------------


def test_order_state_is_not_reposted_and_is_checked_after_a_lost_answer() -> None:
    state = {"current": 3}
    posts: list[bytes] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return json_response({"orders": [{"id": 7, "current_state": state["current"]}]})
        posts.append(request.content)
        state["current"] = 4
        raise httpx.ReadTimeout("answer lost")

    connector = make_connector(ScriptedShop(handler))
    assert connector.set_order_state(7, 4) is True, "the state changed although the answer was lost"
    assert len(posts) == 1, "an order history POST is never repeated"
    assert connector.set_order_state(7, 4) is False
    assert len(posts) == 1


@pytest.mark.parametrize("number", ["", " ", "x" * 65, "ABC<script>", "tab\there"])
def test_invalid_tracking_numbers_are_refused_before_any_request(number: str) -> None:
    scripted = ScriptedShop(lambda r: json_response([]))
    with pytest.raises(ValidationError):
        make_connector(scripted).set_tracking_number(1, number)
    assert scripted.requests == []


def test_empty_order_message_is_refused() -> None:
    scripted = ScriptedShop(lambda r: json_response([]))
    with pytest.raises(ValidationError):
        make_connector(scripted).post_order_message(1, "   ")
    assert scripted.requests == []


# --- catalogue --------------------------------------------------------------------------------------------


def product(pid: int, *, combos: list[int] | None = None, tax_group: int = 1) -> dict[str, Any]:
    return {
        "id": pid,
        "name": [{"id": 1, "value": f"Produkt {pid}"}, {"id": 2, "value": f"Product {pid}"}],
        "price": "100.000000",
        "active": "1",
        "reference": f"REF{pid}",
        "ean13": "5900000000001",
        "mpn": "MPN-P",
        "supplier_reference": "",
        "upc": "",
        "isbn": "",
        "id_tax_rules_group": tax_group,
        "date_upd": "2026-01-10 10:00:00",
        "associations": {
            "combinations": [{"id": c} for c in combos or []],
            "stock_availables": [{"id": 1000 + pid, "id_product_attribute": 0}]
            + [{"id": 2000 + c, "id_product_attribute": c} for c in combos or []],
        },
    }


def catalogue_handler(products: dict[int, dict[str, Any]], *, broken: set[int] | frozenset[int] = frozenset()):
    def handler(request: httpx.Request) -> httpx.Response:
        params = params_of(request)
        path = request.url.path.removeprefix("/api/")
        ids = [
            int(i) for i in re.findall(r"\d+", next((v for k, v in params.items() if k.startswith("filter[id")), ""))
        ]
        if path == "products":
            if broken & set(ids):
                return httpx.Response(500, content=b"<b>Fatal error</b>: Allowed memory size exhausted")
            found = [products[i] for i in ids if i in products]
            return json_response({"products": found} if found else [])
        if path == "combinations":
            rows = [
                {
                    "id": c,
                    "id_product": p,
                    "price": "10.000000",
                    "reference": "" if c % 2 else f"C{c}",
                    "ean13": "",
                    "mpn": "",
                    "default_on": "1" if c == 11 else "",
                    "associations": {"product_option_values": [{"id": 1}, {"id": 2}]},
                }
                for p in ids
                for c in [a["id"] for a in products[p]["associations"]["combinations"]]
            ]
            return json_response({"combinations": rows} if rows else [])
        if path == "product_option_values":
            return json_response(
                {
                    "product_option_values": [
                        {"id": 1, "id_attribute_group": 1, "position": 0, "name": [{"id": 1, "value": "M"}]},
                        {"id": 2, "id_attribute_group": 2, "position": 0, "name": [{"id": 1, "value": "Czerwony"}]},
                    ]
                }
            )
        if path == "stock_availables":
            if broken & set(ids):
                return httpx.Response(500, content=b"<b>Fatal error</b>: Allowed memory size exhausted")
            rows = []
            for p in ids:
                for s in products[p]["associations"]["stock_availables"]:
                    rows.append(
                        {
                            "id": s["id"],
                            "id_product": p,
                            "id_product_attribute": s["id_product_attribute"],
                            "quantity": 7,
                        }
                    )
            return json_response({"stock_availables": rows})
        if path == "configurations":
            return json_response({"configurations": [{"id": 1, "name": "PS_COUNTRY_DEFAULT", "value": "14"}]})
        if path == "tax_rules":
            return json_response(
                {"tax_rules": [{"id": 5, "id_tax_rules_group": 1, "id_country": 14, "id_state": 0, "id_tax": 3}]}
            )
        if path == "taxes":
            return json_response({"taxes": [{"id": 3, "rate": "23.000", "active": "1"}]})
        raise AssertionError(path)

    return handler


def test_variants_with_identifier_fallback_gross_price_and_stock() -> None:
    products = {1: product(1, combos=[11, 12]), 2: product(2)}
    scripted = ScriptedShop(catalogue_handler(products))
    batch = make_connector(scripted).fetch_variants([1, 2, 3], with_stock=True)

    assert [(f.product_id, f.reason.split(":")[0]) for f in batch.failures] == [(3, "not_found")]
    by_key = {(v.product_id, v.variant_id): v for v in batch.variants}
    assert set(by_key) == {(1, 11), (1, 12), (2, 0)}
    odd, even = by_key[(1, 11)], by_key[(1, 12)]
    assert odd.identifier("reference") == "REF1", "an empty combination reference falls back to the product's"
    assert even.identifier("reference") == "C12"
    assert odd.identifier("ean13") == "5900000000001" and odd.identifier("mpn") == "MPN-P"
    assert odd.name == "Produkt 1 - M, Czerwony"
    assert odd.price_net == Decimal("110.000000")
    assert odd.price_gross == Decimal("135.300000")
    assert odd.tax_rate == Decimal("23.000")
    assert (odd.stock_id, odd.quantity, odd.is_default) == (2011, 7, True)
    simple = by_key[(2, 0)]
    assert (simple.variant_name, simple.name, simple.stock_id) == ("Uniwersalny", "Produkt 2", 1002)
    assert simple.price_gross == Decimal("123.000000")
    # products, combinations (only for products that have some), option values, stock, 3 for taxes
    assert len(scripted.requests) == 7
    assert params_of(scripted.requests[1])["filter[id_product]"] == "[1]"


def test_stock_rows_a_product_breaks_are_reported_and_the_others_read() -> None:
    products = {i: product(i) for i in range(1, 9)}
    scripted = ScriptedShop(catalogue_handler(products, broken={5}))
    batch = make_connector(scripted).read_stock_rows(list(range(1, 9)))

    assert [(f.product_id, f.reason.split(":")[0]) for f in batch.failures] == [(5, "shop_server_error")]
    assert sorted(r.product_id for r in batch.rows) == [1, 2, 3, 4, 6, 7, 8]
    assert all(r.stock_id for r in batch.rows)


def test_a_product_that_breaks_the_batch_is_isolated_and_reported() -> None:
    products = {i: product(i) for i in range(1, 9)}
    scripted = ScriptedShop(catalogue_handler(products, broken={5}))
    batch = make_connector(scripted).fetch_variants(list(range(1, 9)), with_stock=False)

    assert [f.product_id for f in batch.failures] == [5]
    assert sorted(v.product_id for v in batch.variants) == [1, 2, 3, 4, 6, 7, 8]
    assert all(v.quantity is None and v.stock_id for v in batch.variants)


def test_tax_lookup_refused_leaves_gross_empty_once() -> None:
    products = {1: product(1)}
    base = catalogue_handler(products)

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/configurations"):
            return ps_error(401, 26, message="No permission for configurations")
        return base(request)

    scripted = ScriptedShop(handler)
    connector = make_connector(scripted)
    first = connector.fetch_variants([1], with_stock=False)
    count = len(scripted.requests)
    connector.fetch_variants([1], with_stock=False)

    assert first.variants[0].price_gross is None and first.variants[0].price_net == Decimal("100.000000")
    assert len(scripted.requests) - count == 1, "no second tax attempt, option values cached"


def test_product_listing_by_date_and_range() -> None:
    scripted = ScriptedShop(
        lambda r: json_response(
            {"products": [{"id": 8, "name": "A", "active": "0", "date_upd": "2026-02-01 00:00:00"}]}
        )
    )
    from shophub.domain.shop import ProductListFilter

    items = make_connector(scripted).list_products(
        ProductListFilter(id_from=5, date_from=date(2026, 1, 1)), after_id=7, limit=100
    )
    assert [(i.id, i.active) for i in items] == [(8, False)]
    params = params_of(scripted.requests[0])
    assert params["filter[id]"] == ">[7]"
    assert params["filter[date_upd]"] == "[2026-01-01 00:00:00,9999-12-31 23:59:59]"
    assert params["date"] == "1" and params["limit"] == "100"


# --- parsing helpers ------------------------------------------------------------------------------------------


def test_value_quirks() -> None:
    tz = ZoneInfo("Europe/Warsaw")
    assert lang_value([{"id": "2", "value": "Dwa"}, {"id": 1, "value": "One"}], 1) == "One"
    assert lang_value([{"id": 3, "value": "Trzy"}], 1) == "Trzy", "missing language falls back to the first"
    assert lang_value("plain", 2) == "plain"
    assert shop_local("0000-00-00 00:00:00") is None and shop_local("0000-00-00") is None
    assert as_utc("2026-01-15 12:00:00", tz) == datetime(2026, 1, 15, 11, 0, tzinfo=UTC)
    assert as_bool("1") and as_bool(1) and not as_bool("0") and not as_bool("") and not as_bool(None)
    assert as_decimal("61.800000") == Decimal("61.8")
    assert str(as_decimal("61.800000")) == "61.800000"


# --- factory ---------------------------------------------------------------------------------------------------


def test_factory_builds_a_connector_that_honours_the_protocol() -> None:
    connector = build_connector(
        "prestashop", SHOP, KEY, http=httpx.Client(transport=httpx.MockTransport(lambda r: json_response([])))
    )
    assert isinstance(connector, PrestaShopConnector)
    assert isinstance(connector, Connector)
    assert connector.platform == "prestashop"
    assert "prestashop" in available_platforms()
    assert KEY not in repr(connector)


@pytest.mark.parametrize("platform", ["woocommerce", "", "../etc", "PrestaShop!"])
def test_unknown_platforms_are_refused(platform: str) -> None:
    with pytest.raises(ValueError):
        build_connector(platform, SHOP, KEY)


def test_deadline_is_shared_by_every_request_of_an_operation() -> None:
    clock = FakeClock(budget=2.5, per_request=1.0)
    scripted = ScriptedShop(lambda r: json_response([]), clock=clock)
    connector = make_connector(scripted, clock=clock)
    with pytest.raises(ShopTimeoutError):
        connector.fetch_orders(list(range(1, 1000)))  # ten chunks, but time for two requests only
    assert len(scripted.requests) == 2
    assert clock.now <= 2.5


def test_unknown_timezone_is_a_validation_error() -> None:
    with pytest.raises(ValidationError):
        PrestaShopConnector(SHOP, KEY, timezone="Mars/Olympus")


def test_rejected_request_keeps_codes() -> None:
    scripted = ScriptedShop(lambda r: ps_error(400, 35, message="Field xyz does not exist"))
    with pytest.raises(ShopRequestRejectedError) as caught:
        make_connector(scripted).fetch_orders([1])
    assert caught.value.shop_codes == (35,)


@pytest.mark.parametrize(
    "answers",
    [
        {"order_states": {"order_states": [{"id": "not a number", "name": "Nowe"}]}},
        {"carriers": {"carriers": [{"name": "Kurier", "id_reference": "1"}]}},
        {"orders": {"orders": [{"id": None, "module": "ps_wirepayment", "payment": "Wire"}] * 3}},
    ],
)
def test_discovery_of_an_unreadable_record_is_a_typed_permanent_error(answers: dict[str, Any]) -> None:
    # Given a shop whose answers are well-formed JSON but one record makes no sense
    def handler(request: httpx.Request) -> httpx.Response:
        resource = request.url.path.rsplit("/", 1)[-1]
        return json_response(answers.get(resource, []))

    # When / Then: a ShopResponseError (the discovery run fails without retries), not a raw one
    with pytest.raises(ShopResponseError, match="cannot be read"):
        make_connector(ScriptedShop(handler)).discover(recent_orders=3)
