"""The simulator's ``demo`` and ``messy`` catalogues: what they promise and that the shop behaves on them.

``demo`` is the recorded PrestaShop 8.1.2 demo shop (its answers are compared byte for byte in
``tests/contract/test_simulator_demo.py``); ``messy`` is the demo shop plus generated products and
historic orders laid out as ``local/prestashop/messy.py`` documents.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from local.prestashop import ShopSimulator, SimulatorConfig
from local.prestashop import demo as demo_module
from local.prestashop.__main__ import CATALOGS, parse_args
from local.prestashop.data import ShopData, ean13
from local.prestashop.demo import DemoDumpMissing, read_recorded, resolve_demo_dir
from local.prestashop.messy import (
    DUPLICATE_EAN_PRODUCTS,
    ORDER_PATHS,
    RESTOCKING_STATES,
    MessyLayout,
    base_quantity,
    messy_layout,
    order_path,
)
from local.prestashop.server import DATASETS

KEY = "CATALOGUETESTKEY0000000000000001"
NOW = datetime(2027, 3, 1, 11, 0, tzinfo=UTC)  # 12:00 in Warsaw
PRODUCTS, COMBINATIONS, ORDERS = 20, 3, 10


def messy_config(**overrides: object) -> SimulatorConfig:
    settings: dict[str, object] = {
        "key": KEY,
        "dataset": "messy",
        "products": PRODUCTS,
        "combinations": COMBINATIONS,
        "orders": ORDERS,
        "seed": 5,
    }
    settings.update(overrides)
    return SimulatorConfig(**settings)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def demo() -> ShopData:
    return ShopSimulator(SimulatorConfig(key=KEY, dataset="demo"), clock=lambda: NOW).data


@pytest.fixture(scope="module")
def messy() -> ShopData:
    return ShopSimulator(messy_config(), clock=lambda: NOW).data


@pytest.fixture(scope="module")
def layout() -> MessyLayout:
    return messy_layout(PRODUCTS, COMBINATIONS, ORDERS)


def stock_rows(data: ShopData, product: int) -> tuple[int, list[int]]:
    """The product-level quantity and the combination rows' quantities."""
    rows = data.tables["stock_availables"].where("id_product", product)
    parent = next(r["quantity"] for r in rows if r["id_product_attribute"] == 0)
    return parent, [r["quantity"] for r in rows if r["id_product_attribute"]]


def product_eans(data: ShopData) -> dict[str, set[int]]:
    """Every EAN-13 in the catalogue with the products carrying it (on the product or a combination)."""
    found: dict[str, set[int]] = defaultdict(set)
    for product in data.tables["products"]:
        if product["ean13"]:
            found[product["ean13"]].add(product["id"])
    for combo in data.tables["combinations"]:
        if combo["ean13"]:
            found[combo["ean13"]].add(combo["id_product"])
    return found


# -------------------------------------------------------------------------------- demo
def test_demo_holds_the_recorded_shop(demo: ShopData) -> None:
    counts = {name: demo.count(name) for name in ("products", "combinations", "stock_availables", "orders")}
    assert counts == {"products": 19, "combinations": 39, "stock_availables": 58, "orders": 5}
    assert demo.order(1)["reference"] == "XKBKNABJK" and demo.order(1)["current_state"] == 6
    assert [demo.get("stock_availables", r["id"]) for r in read_recorded("stock_availables")] == read_recorded(
        "stock_availables"
    )
    assert demo.product(1)["name"] == {1: "Hummingbird printed t-shirt", 2: "Hummingbird printed t-shirt"}
    assert {c["reference"] for c in demo.combinations_of(1)} == {"demo_1"}


def test_a_missing_dump_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(demo_module, "DEMO_DIR", tmp_path / "nowhere")

    for dataset in ("demo", "messy"):
        with pytest.raises(DemoDumpMissing, match="SHOPHUB_FIXTURES_DIR"):
            ShopSimulator(SimulatorConfig(dataset=dataset))


def test_the_dump_is_found_next_to_the_repository_or_where_the_variable_says(tmp_path: Path) -> None:
    assert resolve_demo_dir({}) == Path(__file__).resolve().parents[3] / "shared/fixtures/prestashop-8.1.2-demo"
    assert resolve_demo_dir({"SHOPHUB_FIXTURES_DIR": str(tmp_path)}) == tmp_path / "prestashop-8.1.2-demo"
    (tmp_path / "products.json").write_text("[]")
    assert resolve_demo_dir({"SHOPHUB_FIXTURES_DIR": str(tmp_path)}) == tmp_path


# ------------------------------------------------------------------------------- messy
def test_messy_is_the_demo_shop_with_the_same_ids_plus_the_documented_layout(
    demo: ShopData, messy: ShopData, layout: MessyLayout
) -> None:
    for resource in demo.tables:
        for rid in demo.ids(resource):
            assert messy.get(resource, rid) == demo.get(resource, rid), (resource, rid)
    assert messy.ids("products") == list(range(1, 20 + PRODUCTS))
    assert [p.id for p in layout.products] == list(range(20, 20 + PRODUCTS))
    assert messy.ids("orders") == list(range(1, 6 + ORDERS)) and layout.orders == range(6, 6 + ORDERS)
    assert messy.ids("customers") == [1, 2, *layout.customers]
    for product in layout.products:
        assert [c["id"] for c in messy.combinations_of(product.id)] == [
            v.combination_id for v in product.variants if v.combination_id
        ]
        assert messy.stock_row(product.stock_id)["id_product"] == product.id
        for variant in product.variants:
            assert messy.stock_row_for(product.id, variant.combination_id)["id"] == variant.stock_id
    # the ids the module docstring gives for the default sizes
    combos = [v.combination_id for p in layout.products for v in p.variants if v.combination_id]
    assert combos == list(range(40, 73)) == messy.ids("combinations")[39:]
    assert messy.ids("stock_availables") == list(range(1, 112))
    assert layout.inactive == [25, 26, 33, 34] and DUPLICATE_EAN_PRODUCTS == (23, 27)
    assert layout.customers == range(3, 8) and messy.ids("addresses") == [*range(1, 7), *range(7, 12)]


def test_messy_combinations_share_their_product_reference(messy: ShopData, layout: MessyLayout) -> None:
    assert len(layout.with_combinations) >= 8 and len(layout.without_combinations) >= 8
    for pid in layout.with_combinations:
        product = messy.product(pid)
        assert product["product_type"] == "combinations"
        assert {c["reference"] for c in messy.combinations_of(pid)} == {product["reference"]}
    for pid in layout.without_combinations:
        assert messy.combinations_of(pid) == [] and messy.product(pid)["product_type"] == "standard"


def test_messy_identifiers_are_incomplete_and_once_duplicated(messy: ShopData, layout: MessyLayout) -> None:
    no_ean = [c for pid in layout.of_kind("variants_no_ean") for c in messy.combinations_of(pid)]
    assert no_ean and all(c["ean13"] == "" for c in no_ean)
    for pid in layout.of_kind("variants_some_ean"):
        assert [bool(c["ean13"]) for c in messy.combinations_of(pid)] == [True, False, True]
    for pid in layout.of_kind("variants_ean"):
        assert all(c["ean13"] for c in messy.combinations_of(pid)) and messy.product(pid)["ean13"] == ""
    for pid in layout.of_kind("simple_no_ean"):
        assert messy.product(pid)["reference"] and messy.product(pid)["ean13"] == ""
    eans = product_eans(messy)
    assert all(len(code) == 13 and ean13(code[:12]) == code for code in eans)
    assert [products for products in eans.values() if len(products) > 1] == [set(DUPLICATE_EAN_PRODUCTS)]


def test_messy_has_inactive_products(messy: ShopData, layout: MessyLayout) -> None:
    inactive = [pid for pid in messy.ids("products") if messy.product(pid)["active"] == "0"]
    assert inactive == layout.inactive == [25, 26, 33, 34]
    assert messy.combinations_of(26)  # one with combinations, one without
    assert not messy.combinations_of(25)


def test_messy_has_historic_orders_in_every_state(messy: ShopData, layout: MessyLayout) -> None:
    orders = {oid: messy.order(oid) for oid in layout.orders}
    awaiting = {1, 10, 13}
    finals = {name: set() for name, _ in ORDER_PATHS}
    for oid, order in orders.items():
        finals[order_path(oid)[0]].add(order["current_state"])
    assert finals == {
        "awaiting payment": finals["awaiting payment"],
        "payment accepted": {2},
        "processing": {3},
        "shipped": {4},
        "delivered": {5},
        "canceled": {6},
        "refunded": {7},
        "payment error": {8},
    }
    assert finals["awaiting payment"] and finals["awaiting payment"] <= awaiting

    a_day_ago = messy.local_time(NOW - timedelta(days=1))
    for oid, order in orders.items():
        assert order["date_add"] <= a_day_ago
        assert all(h["date_add"] < messy.now_local() for h in messy.order_histories(oid))
        assert order["associations"]["order_rows"]
        if order["current_state"] in (4, 5):
            assert order["shipping_number"] == messy.order_carrier(oid)["tracking_number"] != ""


def test_messy_stock_rows_reflect_the_historic_orders(messy: ShopData, layout: MessyLayout) -> None:
    sold: dict[tuple[int, int], int] = defaultdict(int)
    for oid in layout.orders:
        if messy.order(oid)["current_state"] in RESTOCKING_STATES:
            continue  # canceled and payment-error orders gave their stock back
        for line in messy.order_lines(oid):
            sold[(line["product_id"], line["product_attribute_id"])] += line["product_quantity"]
    assert sold
    for product in layout.products:
        for variant in product.variants:
            key = (product.id, variant.combination_id)
            assert messy.stock_quantity(*key) == base_quantity(*key) - sold[key] >= 0, key
    returned = [oid for oid in layout.orders if messy.order(oid)["current_state"] in RESTOCKING_STATES]
    assert len(returned) >= 2


def test_product_level_rows_hold_the_sum_of_their_combination_rows(messy: ShopData) -> None:
    with_combinations = {c["id_product"] for c in messy.tables["combinations"]}
    assert len(with_combinations) > 8
    for pid in with_combinations:
        parent, children = stock_rows(messy, pid)
        assert parent == sum(children), pid


def test_messy_is_deterministic_from_the_seed_and_sized_by_the_config() -> None:
    def snapshot(seed: int) -> list[object]:
        data = ShopSimulator(messy_config(seed=seed), clock=lambda: NOW).data
        return [data.product(21), data.order(8), data.order_lines(9), data.get("customers", 3)]

    assert snapshot(3) == snapshot(3)
    assert snapshot(3) != snapshot(4)

    small = ShopSimulator(messy_config(products=5, combinations=2, orders=2), clock=lambda: NOW).data
    assert small.ids("products") == list(range(1, 25))
    assert len(small.combinations_of(20)) == 2
    assert small.ids("orders") == list(range(1, 14))  # at least one historic order per state


# ------------------------------------------------------------------ the shop's behaviour
def test_an_order_on_the_demo_shop_moves_stock_and_continues_the_ids(demo: ShopData) -> None:
    data = ShopSimulator(SimulatorConfig(key=KEY, dataset="demo"), clock=lambda: NOW).data

    oid = data.place_order([(1, 1, 2), (6, 0, 1)], id_customer=2)

    assert oid == 6
    assert data.order_histories(oid)[0]["id"] == 8
    assert data.stock_quantity(1, 1) == 298 and data.stock_quantity(1) == 2398
    assert data.stock_quantity(6) == 299
    data.change_order_state(oid, 6)
    assert (data.stock_quantity(1, 1), data.stock_quantity(1), data.stock_quantity(6)) == (300, 2400, 300)


def test_an_order_on_the_messy_shop_moves_stock(layout: MessyLayout) -> None:
    data = ShopSimulator(messy_config(), clock=lambda: NOW).data
    product = layout.product(20)
    combo = product.variants[0].combination_id
    before, parent = data.stock_quantity(20, combo), data.stock_quantity(20)

    oid = data.place_order([(20, combo, 1)], id_customer=3)

    assert oid == layout.orders[-1] + 1
    assert (data.stock_quantity(20, combo), data.stock_quantity(20)) == (before - 1, parent - 1)
    data.change_order_state(oid, 8)  # payment error gives the stock back
    assert (data.stock_quantity(20, combo), data.stock_quantity(20)) == (before, parent)


@pytest.fixture
def demo_shop() -> Iterator[tuple[ShopSimulator, httpx.Client]]:
    with (
        ShopSimulator(SimulatorConfig(key=KEY, dataset="demo"), clock=lambda: NOW) as sim,
        httpx.Client(base_url=sim.url, auth=(KEY, ""), timeout=5) as client,
    ):
        yield sim, client


@pytest.mark.loopback
def test_webservice_writes_on_the_demo_shop(demo_shop: tuple[ShopSimulator, httpx.Client]) -> None:
    sim, shop = demo_shop

    patched = shop.patch(
        "/api/stock_availables",
        content="<prestashop><stock_available><id>21</id><quantity>250</quantity></stock_available></prestashop>",
    )
    assert patched.status_code == 200, patched.text
    assert sim.data.stock_quantity(1, 2) == 250 and sim.data.stock_quantity(1) == 2350

    created = shop.post(
        "/api/products?output_format=JSON",
        content="<prestashop><product><price>9.99</price><name><language id='1'>New</language></name>"
        "</product></prestashop>",
    )
    assert created.status_code == 201, created.text
    assert created.json()["product"]["id"] == "20"
    assert sim.data.stock_row_for(20, 0)["id"] == 59

    history = shop.post(
        "/api/order_histories?output_format=JSON",
        content="<prestashop><order_history><id_order>2</id_order><id_order_state>6</id_order_state>"
        "</order_history></prestashop>",
    )
    assert history.status_code == 201, history.text
    assert history.json()["order_history"]["id"] == "8"
    assert sim.data.stock_quantity(4, 18) == 302  # order 2 held 2 of combination 18: canceled, back in stock


# ------------------------------------------------------------------ command line and stack
def test_the_command_line_serves_the_messy_catalogue_by_default() -> None:
    assert set(CATALOGS) == set(DATASETS)
    assert parse_args([]).catalog == "messy"
    assert parse_args(["--catalog", "demo"]).catalog == "demo"
    assert parse_args(["--dataset", "generated"]).catalog == "generated"


def test_the_local_stack_reads_its_catalogue_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from local.stack.__main__ import LocalConfig

    monkeypatch.delenv("SHOPHUB_SHOP_CATALOG", raising=False)
    assert LocalConfig.from_env().shop_catalog == "messy"
    assert LocalConfig().shop_catalog == "generated"  # configs built in code opt in
    monkeypatch.setenv("SHOPHUB_SHOP_CATALOG", "Demo")
    assert LocalConfig.from_env().shop_catalog == "demo"
    monkeypatch.setenv("SHOPHUB_SHOP_CATALOG", "fixture")
    with pytest.raises(ValueError, match="SHOPHUB_SHOP_CATALOG"):
        LocalConfig.from_env()
