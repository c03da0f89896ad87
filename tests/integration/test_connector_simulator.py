"""The PrestaShop connector against the PrestaShop simulator: results and request budgets.

The budgets are exact request counts of deterministic runs; the asserted bounds are the ones the
design promises (e.g. 1,000 products x 5 combinations with stock in at most 40 requests).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from shophub.connectors import build_connector
from shophub.connectors.prestashop.connector import PrestaShopConnector
from shophub.domain.shop import OrderCursor, ProductListFilter, StockUpdate
from shophub.errors import ShopApiDisabledError, ShopAuthError

simulator = pytest.importorskip("local.prestashop")
ShopSimulator = simulator.ShopSimulator
SimulatorConfig = simulator.SimulatorConfig

KEY = "A" * 32
SINCE = datetime(2000, 1, 1, tzinfo=UTC)


def connect(sim, key: str = KEY, **options) -> PrestaShopConnector:
    deadline_at = time.monotonic() + 120
    connector = build_connector(
        "prestashop",
        sim.url,
        key,
        allow_local=True,
        deadline=lambda: deadline_at - time.monotonic(),
        **options,
    )
    assert isinstance(connector, PrestaShopConnector)
    return connector


@pytest.fixture(scope="module")
def catalog_sim() -> Iterator:
    sim = ShopSimulator(SimulatorConfig(key=KEY, products=1000, combinations=5, orders=1000, seed=1, latency_ms=0))
    sim.start()
    yield sim
    sim.stop()


@pytest.fixture(scope="module")
def history_sim() -> Iterator:
    sim = ShopSimulator(SimulatorConfig(key=KEY, products=50, combinations=2, orders=10_000, seed=2))
    sim.start()
    yield sim
    sim.stop()


@pytest.fixture
def small_sim() -> Iterator:
    sim = ShopSimulator(SimulatorConfig(key=KEY, products=200, combinations=5, orders=20, seed=3))
    sim.start()
    yield sim
    sim.stop()


# --- connection -------------------------------------------------------------------------------------------


def test_connection_check(small_sim) -> None:
    info = connect(small_sim).check_connection()
    assert info.shop_version == "8.1.2"
    assert info.shop_name
    assert info.missing_permissions == []
    assert small_sim.request_count == 1


def test_connection_check_names_missing_permissions(small_sim) -> None:
    small_sim.add_key("B" * 32, permissions={"orders": {"GET"}, "products": {"GET", "HEAD"}})
    info = connect(small_sim, "B" * 32).check_connection()
    assert info.permissions == {"orders": frozenset({"GET"}), "products": frozenset({"GET", "HEAD"})}
    assert "stock_availables:PATCH|PUT" in info.missing_permissions
    assert "order_details:GET" in info.missing_permissions
    assert "orders:GET" not in info.missing_permissions
    assert "customer_messages:POST" in info.optional_missing and "orders:GET" not in info.optional_missing
    assert not info.ok


def test_wrong_key_and_disabled_webservice(small_sim) -> None:
    with pytest.raises(ShopAuthError) as caught:
        connect(small_sim, "Z" * 32).check_connection()
    assert caught.value.shop_codes == (20, 21)
    small_sim.webservice_enabled = False
    with pytest.raises(ShopApiDisabledError):
        connect(small_sim).check_connection()
    assert small_sim.count(status=503) == 1, "a disabled webservice is not hammered"


# --- discovery --------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_discovery_on_ten_thousand_orders_within_30_requests(history_sim) -> None:
    history_sim.reset_requests()
    connector = connect(history_sim)
    found = connector.discover(recent_orders=1000)

    assert connector.request_count == history_sim.request_count == 9
    assert connector.request_count <= 30
    assert found.analyzed_orders == 1000
    assert sum(m.orders for m in found.payment_modules) == 1000
    assert found.timezone == "Europe/Warsaw"
    assert found.order_states and found.carriers and found.currencies and found.shops
    assert found.standard_states["PS_OS_SHIPPING"] == 4
    newest = max(history_sim.data.ids("orders"))
    orders_requests = [r for r in history_sim.requests if r.path == "/api/orders"]
    assert orders_requests[0].params["display"] == "[id,module,payment]"
    assert f"<[{newest - 249}]" == orders_requests[1].params["filter[id]"]


# --- catalogue --------------------------------------------------------------------------------------------


def test_thousand_products_with_five_combinations_and_stock_within_40_requests(catalog_sim) -> None:
    catalog_sim.reset_requests()
    connector = connect(catalog_sim)
    batch = connector.fetch_variants(list(range(1, 1001)), with_stock=True)

    assert batch.failures == []
    assert len(batch.variants) == 5000
    assert connector.request_count == catalog_sim.request_count == 23
    assert connector.request_count <= 40
    for variant in batch.variants[::397]:
        assert variant.quantity == catalog_sim.data.stock_quantity(variant.product_id, variant.variant_id)
        assert catalog_sim.data.stock_row(variant.stock_id)["id_product_attribute"] == variant.variant_id
        assert variant.name.startswith(variant.product_name + " - ")
    longest = max(len(r.path) + len(r.query) for r in catalog_sim.requests)
    assert longest < 6000


def test_products_listing_pages_by_id(catalog_sim) -> None:
    connector = connect(catalog_sim)
    seen: list[int] = []
    after = 0
    while True:
        page = connector.list_products(ProductListFilter(only_active=False), after_id=after, limit=400)
        seen += [p.id for p in page]
        if len(page) < 400:
            break
        after = page[-1].id
    assert seen == sorted(catalog_sim.data.ids("products"))
    assert connector.request_count == 3


def test_read_stock_in_one_request(catalog_sim) -> None:
    connector = connect(catalog_sim)
    ids = catalog_sim.data.ids("stock_availables")[:300]
    quantities = connector.read_stock(ids)
    assert quantities == {i: int(catalog_sim.data.stock_row(i)["quantity"]) for i in ids}
    assert connector.request_count == 1


# --- orders -----------------------------------------------------------------------------------------------


def test_hundred_orders_in_at_most_six_requests(catalog_sim) -> None:
    connector = connect(catalog_sim)
    page = connector.list_order_changes(SINCE, limit=100)

    assert len(page.orders) == 100 and page.failures == []
    assert connector.request_count <= 6
    order = page.orders[0]
    lines = catalog_sim.data.order_lines(order.id)
    assert [line.quantity for line in order.lines] == [int(x["product_quantity"]) for x in lines]
    assert connector.request_count == 6  # orders, order_details, customers, addresses, carriers, currencies
    assert order.customer is not None and order.delivery_address is not None
    assert order.carrier_reference is not None and order.currency
    assert all(line.identifiers["mpn"] for line in order.lines), "mpn comes from order_details"


def test_thousand_orders_in_at_most_sixty_requests_each_once(catalog_sim) -> None:
    connector = connect(catalog_sim)
    seen: list[int] = []
    after: OrderCursor | None = None
    while True:
        page = connector.list_order_changes(SINCE, after=after, limit=100)
        seen += [o.id for o in page.orders]
        after = page.next_after
        if not page.has_more:
            break
    assert sorted(seen) == sorted(catalog_sim.data.ids("orders"))
    assert len(seen) == len(set(seen)) == 1000
    assert connector.request_count <= 60
    assert connector.request_count == 43  # 6 + 9 pages x 4 + the final empty page


def test_changed_order_comes_back_after_the_cursor(catalog_sim) -> None:
    connector = connect(catalog_sim)
    after = None
    while True:
        page = connector.list_order_changes(SINCE, after=after, limit=500)
        after = page.next_after
        if not page.has_more:
            break
    assert connector.set_order_state(5, 4) in (True, False)
    page = connector.list_order_changes(SINCE, after=after, limit=100)
    assert [o.id for o in page.orders] == [5]
    assert page.orders[0].current_state == 4


# --- stock writes -------------------------------------------------------------------------------------------


def test_thousand_stock_changes_within_ten_requests(small_sim) -> None:
    ids = small_sim.data.ids("stock_availables")
    combination_rows = [i for i in ids if small_sim.data.stock_row(i)["id_product_attribute"] != 0][:1000]
    assert len(combination_rows) == 1000
    connector = connect(small_sim)
    outcomes = connector.push_stock([StockUpdate(stock_id=i, quantity=i % 50) for i in combination_rows])

    assert all(o.ok for o in outcomes)
    assert connector.request_count == small_sim.request_count == 10
    for stock_id in combination_rows:
        assert int(small_sim.data.stock_row(stock_id)["quantity"]) == stock_id % 50


def test_one_bad_row_among_a_hundred(small_sim) -> None:
    ids = [i for i in small_sim.data.ids("stock_availables") if small_sim.data.stock_row(i)["id_product_attribute"]]
    rows = ids[:99]
    updates = [StockUpdate(stock_id=i, quantity=77) for i in rows[:40]]
    updates.append(StockUpdate(stock_id=999_999, quantity=1))
    updates += [StockUpdate(stock_id=i, quantity=77) for i in rows[40:]]
    connector = connect(small_sim)
    outcomes = connector.push_stock(updates)

    bad = [o for o in outcomes if not o.ok]
    assert [(o.stock_id, o.error_code, o.permanent) for o in bad] == [(999_999, "not_found", True)]
    assert all(int(small_sim.data.stock_row(i)["quantity"]) == 77 for i in rows)
    assert connector.request_count <= 10
    assert connector.request_count == 3


def test_key_without_patch_falls_back_to_put_and_keeps_every_field(small_sim) -> None:
    permissions = {"stock_availables": {"GET", "PUT"}}
    small_sim.add_key("P" * 32, permissions=permissions)
    ids = [i for i in small_sim.data.ids("stock_availables") if small_sim.data.stock_row(i)["id_product_attribute"]][:5]
    before = {i: small_sim.data.stock_row(i) for i in ids}
    connector = connect(small_sim, "P" * 32)
    outcomes = connector.push_stock([StockUpdate(stock_id=i, quantity=321) for i in ids])

    assert all(o.ok for o in outcomes)
    for stock_id, row in before.items():
        after = small_sim.data.stock_row(stock_id)
        assert after["quantity"] == 321
        assert {k: v for k, v in after.items() if k != "quantity"} == {k: v for k, v in row.items() if k != "quantity"}
    assert [r.method for r in small_sim.requests] == ["PATCH", "GET", "PUT"]


def test_firewall_blocking_put_and_patch_is_tunnelled_through_post(small_sim) -> None:
    small_sim.waf_blocks_put_patch = True
    ids = [i for i in small_sim.data.ids("stock_availables") if small_sim.data.stock_row(i)["id_product_attribute"]][:3]
    connector = connect(small_sim)
    outcomes = connector.push_stock([StockUpdate(stock_id=i, quantity=12) for i in ids])

    assert all(o.ok for o in outcomes)
    assert all(int(small_sim.data.stock_row(i)["quantity"]) == 12 for i in ids)
    assert [(r.method, r.effective_method) for r in small_sim.requests] == [("PATCH", "PATCH"), ("POST", "PATCH")]


def test_prestashop_17_shop_gets_full_put(small_sim) -> None:
    small_sim.version = "1.7.8.11"
    ids = [i for i in small_sim.data.ids("stock_availables") if small_sim.data.stock_row(i)["id_product_attribute"]][:3]
    connector = connect(small_sim)
    assert all(o.ok for o in connector.push_stock([StockUpdate(stock_id=i, quantity=8) for i in ids]))
    assert all(int(small_sim.data.stock_row(i)["quantity"]) == 8 for i in ids)
    assert "PUT" in [r.method for r in small_sim.requests]


# --- order writes ------------------------------------------------------------------------------------------


def test_order_writes_round_trip(small_sim) -> None:
    connector = connect(small_sim)
    order_id = small_sim.data.ids("orders")[0]
    current = int(small_sim.data.order(order_id)["current_state"])
    target = 4 if current != 4 else 5

    assert connector.set_order_state(order_id, target) is True
    assert connector.set_order_state(order_id, target) is False
    assert int(small_sim.data.order(order_id)["current_state"]) == target
    assert [int(h["id_order_state"]) for h in small_sim.data.order_histories(order_id)].count(target) == 1

    assert connector.set_tracking_number(order_id, "PL0001TRACK") is True
    assert connector.set_tracking_number(order_id, "PL0001TRACK") is False
    assert small_sim.data.order_carrier(order_id)["tracking_number"] == "PL0001TRACK"
    assert [r.method for r in small_sim.requests if r.path.startswith("/api/order_carriers/")] == ["PATCH"]

    first = connector.post_order_message(order_id, "Faktura FV/1/2026: https://docs.example/fv1.pdf")
    second = connector.post_order_message(order_id, "Korekta KFV/1/2026")
    assert first != second
    threads = [r for r in small_sim.requests if r.method == "POST" and r.path == "/api/customer_threads"]
    assert len(threads) == 1, "the second message reuses the order's thread"
