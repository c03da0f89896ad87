"""A second platform runs the merchant's whole flow through the same core.

Kramik (``tests/support/fake_platform``) differs from PrestaShop in its key, permissions, error
codes, ids (every variant a SKU, stock in inventory slots with ids of their own, carriers keyed by
shipping profile), identifier fields, largest quantity and tracking rule. Registering it is all
it takes: the core's services, store, domain and API are the ones PrestaShop uses.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from local.stack.moto_patches import item_level_transaction_rollback
from shophub.connectors import known_platforms
from tests.support.fake_platform import PLATFORM, KramikShop, install, uninstall
from tests.support.merchant import InProcessHub, MerchantAccount, SteppedClock, expect

KEY = "kr_0123456789abcdef01234567:89abcdef01234567"
URL = "http://127.0.0.1:9/kramik/koszulki"  # never dialled: the shop lives in memory


@pytest.fixture
def hub(stack) -> Iterator[InProcessHub]:
    install()
    with item_level_transaction_rollback():
        hub = InProcessHub(stack, SteppedClock())
        yield hub
        hub.close()
    uninstall()


def add(hub: InProcessHub, shop: KramikShop, key: str = KEY, language: str = "en") -> tuple[int, dict]:
    answer = hub.api("kramik-tenant", language).post(
        "/accounts", {"name": "Koszulki", "shop_url": shop.url, "api_key": key, "platform": PLATFORM}
    )
    return answer.status, answer.json


def connect(hub: InProcessHub, shop: KramikShop) -> MerchantAccount:
    status, body = add(hub, shop)
    assert status == 201, body
    account = MerchantAccount(hub, hub.api("kramik-tenant"), shop, str(body["id"]))  # type: ignore[arg-type]
    hub.settle()  # discovery
    account.map_everything()
    expect(account.post("/templates", {"name": "Domyślny", "sync": {"stock": True}}), 201)
    account.order_settings()
    return account


def test_the_platform_is_known_only_once_installed(hub: InProcessHub) -> None:
    assert PLATFORM in known_platforms()


def test_the_platforms_own_key_rule_and_texts_answer_a_bad_key(hub: InProcessHub) -> None:
    shop = KramikShop(URL, KEY, clock=hub.clock)

    status, body = add(hub, shop, key="0123456789ABCDEF0123456789ABCDEF", language="pl")  # a PrestaShop key
    assert status == 422, body
    assert body["error"]["details"] == [
        {"field": "api_key", "message": "Klucz Kramika ma 44 znaki (kr_…:…), podano 32."}
    ]

    status, body = add(hub, shop, key=KEY.replace("0123", "3210"))
    assert status == 422, body
    assert "Settings ⇨ Integrations ⇨ API keys" in body["error"]["details"][0]["message"]


def test_a_key_without_an_essential_scope_is_named_in_the_platforms_terms(hub: InProcessHub) -> None:
    shop = KramikShop(URL, KEY, clock=hub.clock)
    shop.scopes["inventory"] = {"READ"}

    status, body = add(hub, shop)

    assert status == 422, body
    assert "inventory:WRITE" in body["error"]["details"][0]["message"]


def test_check_discovery_mappings_import_orders_stock_and_tracking(hub: InProcessHub) -> None:
    # Given a Kramik shop of 4 items × 3 SKUs, each SKU with its own inventory slot
    # (and one sale from before the link: it shows discovery the payment method, moves no stock)
    shop = KramikShop(URL, KEY, clock=hub.clock)
    first = shop.skus()[0]
    earlier = shop.sell([(shop.skus()[4], 1)], status=130)
    hub.clock.advance(60)

    # When the merchant adds it: the check passes, discovery finds Kramik's statuses and profiles
    account = connect(hub, shop)
    discovery = expect(account.get("/discovery"), 200)
    assert [c["id_reference"] for c in discovery["carriers"]] == [7001, 7002]
    assert [s["id"] for s in discovery["order_states"]] == [110, 120, 130, 190]
    field_mapping = expect(account.get("/field-mapping"), 200)
    assert (field_mapping["ean"], field_mapping["symbol"]) == ("gtin", "sku")

    # And imports by symbol (Kramik's "sku" field), with stock
    before = shop.requests
    result = account.run_import("import", "symbol", with_stock=True)
    assert shop.requests - before == 3  # the item list, then one chunk: its SKUs and their slots
    assert (result["created"], result["linked"], result["failed"]) == (12, 0, 0)
    offers = {(o.shop_product_id, o.shop_variant_id): o for o in account.offers()}
    assert {key: o.stock_ref for key, o in offers.items()} == {(s.item_id, s.id): s.slot_id for s in shop.skus()}
    hub_stock = {p["symbol"]: p["stock"] for p in expect(account.client.get("/products"), 200)["items"]}
    assert hub_stock == {s.sku: shop.slots[s.slot_id] for s in shop.skus()}

    # When a customer buys 2 of the first SKU and the hub fetches orders
    hub.clock.advance(60)
    sale = shop.sell([(first, 2)])
    hub.clock.advance(60)
    before = shop.requests
    account.fetch_orders()
    assert shop.requests - before == 1

    # Then both orders land once, mapped; the new one moved the hub's stock as it moved the shop's
    orders = {o["shop_order_id"]: o for o in account.orders()}
    assert sorted(orders) == [earlier.id, sale.id]
    order = account.order(sale.id)
    assert (order["reference"], order["unmapped"], order["status"]) == (sale.number, [], "nowe")
    assert hub_stock_of(account, shop.skus()[4].sku) == shop.slots[shop.skus()[4].slot_id] == 9
    assert hub_stock_of(account, first.sku) == shop.slots[first.slot_id] == 3

    # When the merchant sets the hub's stock, every linked slot follows
    product_id = offers[(first.item_id, first.id)].hub_product_id
    before = shop.requests
    expect(account.client.put(f"/products/{product_id}/stock", {"quantity": 40}), 202)
    hub.settle()
    assert shop.requests - before == 1
    assert shop.slots[first.slot_id] == 40

    # And a quantity above Kramik's largest (99,999) is refused per row, the slot kept
    expect(account.client.put(f"/products/{product_id}/stock", {"quantity": 100_000}), 202)
    hub.settle()
    assert shop.slots[first.slot_id] == 40
    newest = expect(account.get("/reports", query="type=stock"), 200)["items"][0]
    [entry] = expect(account.get(f"/reports/{newest['id']}"), 200)["entries"]
    assert (entry["shop_combination_id"], entry["outcome"]) == (first.id, "failed")

    # When a tracking number is sent: Kramik's rule (capitals and digits) is checked, then it lands
    oid = order["id"]
    refused = account.client.post(f"/orders/{oid}/shipments", {"tracking_number": "kr-123"})
    assert refused.status == 422, refused.json
    expect(account.client.post(f"/orders/{oid}/shipments", {"tracking_number": "KR123PL"}), 202)
    hub.settle()
    assert sale.tracking == "KR123PL"


def hub_stock_of(account: MerchantAccount, symbol: str) -> int:
    [product] = [p for p in expect(account.client.get("/products"), 200)["items"] if p["symbol"] == symbol]
    return int(product["stock"])
