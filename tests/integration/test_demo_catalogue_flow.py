"""The whole merchant flow on the real demo shop's data, through the local stack over HTTP.

The simulator serves the recorded PrestaShop 8.1.2 demo catalogue (19 products, 39 combinations
sharing their product's reference, no EAN anywhere, 5 orders placed at install time, order 1
already cancelled). The stack is ``make run``'s: moto server, the HTTP gateway with the
authorizer, the queue pump. Each step is a test, in the order a merchant takes them; they share
one stack and one account (module scope).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from local.prestashop import OrderLine, ShopSimulator
from local.stack.__main__ import LocalStack
from tests.support.local_stack import running_stack
from tests.support.merchant import LocalStackHub, MerchantAccount, expect, products, set_stock

SHOP_KEY = "DEMOCATALOGUEKEY0000000000000001"
DEV_TOKEN = "shk_demo-catalogue-token"
TENANT = "dev"
#: The recorded demo shop: 11 products with 39 combinations, 8 without (one variant each).
DEMO_PRODUCTS, DEMO_VARIANTS, DEMO_ORDERS = 19, 47, 5
CANCELED, PROCESSING = 6, 3

pytestmark = pytest.mark.slow


@dataclass
class Flow:
    """What the steps share."""

    stack: LocalStack
    hub: LocalStackHub
    shop: ShopSimulator
    account: MerchantAccount | None = None
    rows: dict[tuple[int, int], int] = field(default_factory=dict)  # shop variant → hub product
    hub_stock: dict[int, int] = field(default_factory=dict)
    new_order: int = 0

    @property
    def acc(self) -> MerchantAccount:
        assert self.account is not None, "an earlier step failed"
        return self.account

    def levels(self) -> dict[int, int]:
        return {p["id"]: p["stock"] for p in products(self.acc.client)}

    def shop_rows(self) -> dict[tuple[int, int], int]:
        return {variant: self.shop.data.stock_quantity(*variant) for variant in self.rows}


@pytest.fixture(scope="module")
def flow(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flow]:
    state = tmp_path_factory.mktemp("demo-catalogue")
    with running_stack(state, dev_token=DEV_TOKEN, shop_key=SHOP_KEY, shop_catalog="demo") as stack:
        hub = LocalStackHub(stack, DEV_TOKEN)
        try:
            assert stack.shop is not None
            yield Flow(stack, hub, stack.shop)
        finally:
            hub.close()


def _import(flow: Flow, mode: str, identifier: str) -> dict[str, Any]:
    return flow.acc.run_import(mode, identifier, with_stock=True)


def test_1_the_shop_is_added_checked_and_discovered(flow: Flow) -> None:
    flow.account = MerchantAccount.connect(flow.hub, flow.shop, TENANT, language="pl")
    check = expect(flow.acc.post("/check"), 200)
    assert check["ok"] is True and check["message"].startswith("Połączenie jest poprawne.")
    discovery = expect(flow.acc.get("/discovery"), 200)
    assert {p["module"] for p in discovery["payment_methods"]} == {"ps_checkpayment", "ps_wirepayment"}
    assert len(discovery["order_states"]) == 17  # the real shop has 17 (payment modules add 14-17)
    assert discovery["timezone"] == "Europe/Warsaw"
    mapped = expect(flow.acc.get("/mappings/statuses"), 200)
    assert {i["shop_state_id"]: i["hub_id"] for i in mapped["items"]}[CANCELED] == "anulowane"


def test_2_linking_by_ean_finds_nothing_and_says_why(flow: Flow) -> None:
    result = _import(flow, "link", "ean")
    assert (result["total"], result["linked"], result["created"]) == (DEMO_PRODUCTS, 0, 0)
    assert result["skipped"] == DEMO_VARIANTS, result  # no EAN anywhere in the demo shop


def test_3_import_by_symbol_creates_one_product_per_reference_and_links_the_rest(flow: Flow) -> None:
    result = _import(flow, "import", "symbol")
    assert result["created"] == DEMO_PRODUCTS
    assert result["linked"] == DEMO_VARIANTS - DEMO_PRODUCTS
    flow.rows = flow.acc.linked_rows()
    assert len(flow.rows) == DEMO_VARIANTS
    flow.hub_stock = flow.levels()
    # product 1's first combination created the hub product with its shop figure
    assert flow.hub_stock[flow.rows[(1, 1)]] == flow.shop.data.stock_quantity(1, 1)


def test_4_import_by_ean_and_linking_again_change_nothing(flow: Flow) -> None:
    for mode, identifier in (("import", "ean"), ("link", "symbol")):
        result = _import(flow, mode, identifier)
        assert (result["created"], result["linked"], result["skipped"]) == (0, 0, DEMO_VARIANTS)
    assert flow.acc.linked_rows() == flow.rows
    assert flow.levels() == flow.hub_stock


def test_5_the_demo_orders_land_and_none_moves_stock(flow: Flow) -> None:
    shop_before = flow.shop_rows()
    flow.acc.fetch_orders()
    orders = flow.acc.orders()
    assert sorted(o["shop_order_id"] for o in orders) == [1, 2, 3, 4, 5]
    assert flow.levels() == flow.hub_stock
    assert flow.shop_rows() == shop_before
    reasons = {
        o["shop_order_id"]: {s["reason"] for s in (flow.acc.order(o["shop_order_id"])["stock"] or {})["skipped"]}
        for o in orders
    }
    assert reasons[1] == {"returned_in_shop"}  # XKBKNABJK was cancelled at install time
    assert all(reasons[oid] == {"placed_before_link"} for oid in (2, 3, 4, 5))
    entries = flow.acc.logs("stock.order_not_taken")
    assert sorted(e["details"]["shop_order_id"] for e in entries) == [1, 2, 3, 4, 5]  # one per order


def test_6_stock_sent_from_the_hub_reaches_every_variant_in_one_patch(flow: Flow) -> None:
    wanted = {pid: 40 + index for index, pid in enumerate(sorted(flow.hub_stock))}
    flow.shop.reset_requests()
    set_stock(flow.acc.client, wanted)
    flow.hub.settle()
    flow.hub_stock = flow.levels()
    assert flow.hub_stock == wanted
    assert flow.shop_rows() == {variant: wanted[pid] for variant, pid in flow.rows.items()}
    assert flow.shop.count("PATCH", "/api/stock_availables") == 1


def test_7_an_order_placed_after_the_import_moves_stock_once(flow: Flow) -> None:
    product = flow.rows[(1, 1)]
    flow.new_order = flow.shop.data.place_order([OrderLine(1, 1, 2)], module="ps_checkpayment")
    flow.acc.fetch_orders()
    flow.acc.fetch_orders()  # fetched again: still once
    flow.hub_stock[product] -= 2
    assert flow.levels() == flow.hub_stock
    taken = flow.acc.order(flow.new_order)["stock"]["taken"]
    assert [(t["hub_product_id"], t["applied"]) for t in taken] == [(product, 2)]
    # every variant sharing the product's reference now shows the hub's figure
    assert {v: q for v, q in flow.shop_rows().items() if flow.rows[v] == product} == {
        v: flow.hub_stock[product] for v, pid in flow.rows.items() if pid == product
    }


def test_8_an_order_cancelled_before_its_first_fetch_takes_nothing(flow: Flow) -> None:
    oid = flow.shop.data.place_order([OrderLine(2, 9, 1)], module="ps_wirepayment")
    flow.shop.data.change_order_state(oid, CANCELED)
    shop_before = flow.shop_rows()
    flow.acc.fetch_orders()
    assert flow.levels() == flow.hub_stock
    assert flow.shop_rows() == shop_before
    skipped = flow.acc.order(oid)["stock"]["skipped"]
    assert [s["reason"] for s in skipped] == ["returned_in_shop"]
    assert flow.acc.order(oid)["status"] == "nowe"


def test_9_a_state_change_in_the_shop_is_followed(flow: Flow) -> None:
    flow.shop.data.change_order_state(flow.new_order, PROCESSING)
    flow.acc.fetch_orders()
    assert flow.acc.order(flow.new_order)["status"] == "w-realizacji"
    assert flow.levels() == flow.hub_stock


def test_10_a_tracking_number_and_a_document_reach_the_shop(flow: Flow) -> None:
    oid = f"{flow.acc.account_id}-{flow.new_order}"
    expect(flow.acc.client.post(f"/orders/{oid}/shipments", {"tracking_number": "PL1234567890"}), 202)
    document = {"type": "invoice", "number": "FV/7/2026", "url": "https://docs.example.com/fv-7-2026.pdf"}
    expect(flow.acc.client.post(f"/orders/{oid}/documents", document), 202)
    flow.hub.settle()
    carrier = flow.shop.data.order_carrier(flow.new_order)
    assert carrier is not None and carrier["tracking_number"] == "PL1234567890"
    threads = [t for t in flow.shop.data.tables["customer_threads"] if t["id_order"] == flow.new_order]
    messages = [
        m["message"]
        for m in flow.shop.data.tables["customer_messages"]
        if m["id_customer_thread"] in {t["id"] for t in threads}
    ]
    assert any("FV/7/2026" in m for m in messages)


def test_11_the_shop_added_again_and_reimported_moves_no_stock(flow: Flow) -> None:
    shop_before = flow.shop_rows()
    expect(flow.acc.client.delete(flow.acc.path()), 204)
    flow.hub.settle()
    flow.account = MerchantAccount.connect(flow.hub, flow.shop, TENANT, name="Sklep demo (znowu)", language="pl")
    result = _import(flow, "import", "symbol")
    assert (result["created"], result["linked"]) == (0, DEMO_VARIANTS)  # the hub products are found again
    flow.acc.fetch_orders()
    assert len(flow.acc.orders()) == DEMO_ORDERS + 2  # every order of the shop, none moving stock
    assert flow.levels() == flow.hub_stock
    assert flow.shop_rows() == shop_before
