"""The hub catalogue read API (functions/api): ``GET /products`` and ``GET /products/{pid}``."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import pytest

from local.prestashop import ShopSimulator
from local.stack.moto_patches import item_level_transaction_rollback
from shophub.domain.catalog import HubProduct
from shophub.store import keys
from shophub.store.catalog import CatalogRepository
from tests.support.aws import TestStack
from tests.support.imports import CREATED_AT, simulator
from tests.support.merchant import InProcessHub, MerchantAccount, SteppedClock, expect, products

Factory = Any


def test_products_are_listed_in_pages_by_id(world_factory: Factory) -> None:
    world = world_factory(products=3, combinations=0)
    catalog = world.container.catalog
    ids = catalog.allocate_product_ids("tenant-a", 5)
    for hub_id in ids:
        catalog.create_product(
            HubProduct(
                id=hub_id, tenant_id="tenant-a", name=f"Produkt {hub_id}", symbol=f"S-{hub_id}", created_at=CREATED_AT
            )
        )
    client = world.api()

    first = client.get("/products", query="limit=2")
    assert first.status == 200
    assert first.json["items"][0] == {
        "id": ids[0],
        "name": f"Produkt {ids[0]}",
        "variant": "Uniwersalny",
        "ean": "",
        "symbol": f"S-{ids[0]}",
        "catalog_number": "",
        "stock": 0,
    }
    seen = [p["id"] for p in first.json["items"]]
    token = first.json["next"]
    while token:
        page = client.get("/products", query=f"limit=2&next={token}")
        seen += [p["id"] for p in page.json["items"]]
        token = page.json["next"]
    assert seen == ids
    bad = client.get("/products", query="next=Zm9vYmFy")
    assert (bad.status, bad.json["error"]["code"]) == (400, "invalid_paging_token")
    assert client.get("/products", query="limit=0").status == 422


def test_a_product_shows_its_offers_in_every_shop(world_factory: Factory) -> None:
    # Given one shop product imported into the hub and linked from a second shop
    world = world_factory(products=1, combinations=0)
    first = world.account()
    client = world.api()
    world.start(client, first, mode="import", with_stock=True)
    world.drain()
    other = world_factory(products=1, combinations=0)
    second = world.account(sim=other.sim, template=False)
    world.start(client, second, mode="link")
    world.drain()
    [product] = world.products()

    answer = client.get(f"/products/{product.id}")

    assert answer.status == 200
    body = answer.json
    assert (body["id"], body["name"], body["variant"], body["stock"]) == (
        product.id,
        world.sim.data.product(1)["name"][1],
        "Uniwersalny",
        world.sim.data.stock_quantity(1, 0),
    )
    assert body["ean"] == world.sim.data.product(1)["ean13"]
    assert sorted(
        (o["account_id"], o["shop_product_id"], o["shop_combination_id"], o["template_id"]) for o in body["offers"]
    ) == sorted([(first.id, 1, 0, first.default_template_id), (second.id, 1, 0, None)])
    # the product keeps its offers' references for the stock pusher
    stored = world.container.catalog.get_product("tenant-a", product.id)
    assert sorted(stored.offer_keys) == sorted([keys.offer_ref(first.id, 1, 0), keys.offer_ref(second.id, 1, 0)])


def test_unknown_and_foreign_products_are_not_found(world_factory: Factory) -> None:
    world = world_factory(products=1, combinations=0)
    catalog = world.container.catalog
    [hub_id] = catalog.allocate_product_ids("tenant-a", 1)
    catalog.create_product(HubProduct(id=hub_id, tenant_id="tenant-a", name="A", created_at=CREATED_AT))
    a = world.api("tenant-a")
    b = world.api("tenant-b", language="pl")

    assert a.get(f"/products/{hub_id}").status == 200
    foreign = b.get(f"/products/{hub_id}")
    assert (foreign.status, foreign.json["error"]["code"]) == (404, "product_not_found")
    assert foreign.json["error"]["message"] == "Nie ma takiego produktu w katalogu hubu."
    assert b.get("/products").json == {"items": [], "next": None}
    for path in ("/products/999999", "/products/abc", "/products/0", "/products/-1"):
        answer = a.get(path)
        assert answer.status == 404, path
    assert a.get("/products/999999").json["error"]["message"] == "There is no such product in the hub catalogue."


# --- searching the catalogue (GET /products?q=) ----------------------------------------------------


def _add_products(world: Any, tenant: str, fields: list[dict[str, str]]) -> list[int]:
    """Products with the given fields (name, variant, ean, symbol, catalog_number), in id order."""
    catalog = world.container.catalog
    ids = catalog.allocate_product_ids(tenant, len(fields))
    products = [
        HubProduct(id=i, tenant_id=tenant, created_at=CREATED_AT, **f) for i, f in zip(ids, fields, strict=True)
    ]
    world.container.table.batch_write([CatalogRepository.product_item(p) for p in products])
    return ids


def _search(client: Any, text: str, *, limit: int = 50) -> list[int]:
    """Every product id a search answers, page after page."""
    seen: list[int] = []
    token = ""
    while True:
        query = urlencode({"q": text, "limit": limit, **({"next": token} if token else {})})
        page = client.get("/products", query=query)
        assert page.status == 200, page.text
        seen += [p["id"] for p in page.json["items"]]
        token = page.json["next"] or ""
        if not token:
            return seen


def test_search_finds_products_by_name_variant_ean_symbol_and_catalogue_number(world_factory: Factory) -> None:
    # Given
    world = world_factory(products=1, combinations=0)
    mug, plate, boat, other = _add_products(
        world,
        "tenant-a",
        [
            {"name": "Kubek ceramiczny", "ean": "5901234123457", "symbol": "KUB-01"},
            {"name": "Talerz płaski", "variant": "Biały", "symbol": "TAL-02", "catalog_number": "KAT/9/2026"},
            {"name": "ŻÓŁTA ŁÓDKA", "variant": "Duża", "ean": "5909990001112"},
            {"name": "Inny produkt"},
        ],
    )
    client = world.api()

    # Then: any case, any field, trimmed
    assert _search(client, "CERAMICZNY") == [mug]
    assert _search(client, "590123412") == [mug]
    assert _search(client, "kub-01") == [mug]
    assert _search(client, "kat/9") == [plate]
    assert _search(client, "  BIAŁY ") == [plate]
    assert _search(client, "5909990001112") == [boat]
    # Polish letters in another case, also typed as a letter with a combining accent
    assert _search(client, "żółta łódka") == [boat]
    assert _search(client, "ło\u0301dka") == [boat]
    assert _search(client, "Płaski") == [plate]
    assert _search(client, "590") == [mug, boat]
    assert _search(client, "nic takiego") == []
    first = client.get("/products", query="q=TAL-02")
    assert first.json == {
        "items": [
            {
                "id": plate,
                "name": "Talerz płaski",
                "variant": "Biały",
                "ean": "",
                "symbol": "TAL-02",
                "catalog_number": "KAT/9/2026",
                "stock": 0,
            }
        ],
        "next": None,
    }
    # another tenant's catalogue is not searched
    assert _search(world.api("tenant-b"), "kubek") == []
    assert _search(client, "PRODUKT") == [other]


def test_a_search_longer_than_a_page_returns_every_match_once_in_id_order(world_factory: Factory) -> None:
    # Given 600 products (more than one DynamoDB read page), every seventh one matching
    world = world_factory(products=1, combinations=0)
    fields = [{"name": f"Produkt {n}", "symbol": f"Świeca-{n}" if n % 7 == 0 else f"S-{n}"} for n in range(600)]
    ids = _add_products(world, "tenant-a", fields)
    expected = [hub_id for n, hub_id in enumerate(ids) if n % 7 == 0]
    client = world.api()

    # When / Then: pages of 9 matches, each match once, by ascending id
    assert _search(client, "ŚWIECA", limit=9) == expected
    assert _search(client, "świeca-", limit=100) == expected
    # a page that ends on the last match has no next page
    last_page = client.get("/products", query=urlencode({"q": f"świeca-{(599 // 7) * 7}"}))
    assert last_page.json["next"] is None


def test_a_search_reads_no_further_than_its_page_needs(world_factory: Factory) -> None:
    # Given a catalogue of 1,000 products, the first 100 of them matching
    world = world_factory(products=1, combinations=0)
    ids = _add_products(world, "tenant-a", [{"name": f"{'Lampa' if n < 100 else 'Stół'} {n}"} for n in range(1000)])
    client = world.api()
    table = world.container.table
    before = table.request_count
    assert client.get("/products", query="limit=10").status == 200
    plain = table.request_count - before  # the token look-up and one query

    def cost(query: str) -> tuple[int, Any]:
        start = table.request_count
        answer = client.get("/products", query=query)
        assert answer.status == 200, answer.text
        return table.request_count - start, answer.json

    # When the matches come early, one read page is enough
    requests, early = cost("q=lampa&limit=50")
    assert requests == plain
    assert [p["id"] for p in early["items"]] == ids[:50]
    assert early["next"]
    # a search matching nothing reads the whole catalogue: 4 pages of 250
    requests, none = cost("q=szafa")
    assert none == {"items": [], "next": None}
    assert requests == plain - 1 + 4


def test_a_search_token_works_only_for_the_same_search(world_factory: Factory) -> None:
    # Given
    world = world_factory(products=1, combinations=0)
    _add_products(world, "tenant-a", [{"name": f"Krzesło {n}", "symbol": f"K{n}"} for n in range(5)])
    client = world.api()
    polish = world.api(language="pl")
    search_token = client.get("/products", query="q=krzes%C5%82o&limit=2").json["next"]
    list_token = client.get("/products", query="limit=2").json["next"]
    assert search_token and list_token

    # Then: the same search (in another case, untrimmed) goes on; anything else is refused
    same = client.get("/products", query=urlencode({"q": " KRZESŁO ", "limit": 2, "next": search_token}))
    assert same.status == 200 and len(same.json["items"]) == 2
    for query in (
        {"q": "k1", "next": search_token},
        {"next": search_token},
        {"q": "krzesło", "next": list_token},
    ):
        refused = client.get("/products", query=urlencode(query))
        assert (refused.status, refused.json["error"]["code"]) == (400, "invalid_paging_token"), query
        assert refused.json["error"]["message"]
    refused_pl = polish.get("/products", query=urlencode({"next": search_token}))
    assert refused_pl.status == 400
    assert refused_pl.json["error"]["message"] != refused.json["error"]["message"]


def test_an_empty_blank_or_too_long_search_is_refused(world_factory: Factory) -> None:
    world = world_factory(products=1, combinations=0)
    english, polish = world.api(), world.api(language="pl")

    for text in ("", "   ", "x" * 101):
        for client, message in (
            (english, "Enter 1 to 100 characters to look for in the name, variant, EAN, symbol or catalogue number."),
            (
                polish,
                "Wpisz od 1 do 100 znaków, których szukasz w nazwie, wariancie, EAN, symbolu lub numerze katalogowym.",
            ),
        ):
            answer = client.get("/products", query=urlencode({"q": text}))
            assert (answer.status, answer.json["error"]["code"]) == (422, "validation_failed"), text
            assert answer.json["error"]["details"] == [{"field": "q", "message": message}]
    assert english.get("/products", query=urlencode({"q": "x" * 100})).json == {"items": [], "next": None}
    assert english.get("/products", query=urlencode({"q": f"  {'x' * 100}  "})).status == 200


# --- each offer's stock sync state (GET /products/{pid}) ---------------------------------------------


@pytest.fixture
def hub(stack: TestStack) -> Iterator[InProcessHub]:
    with item_level_transaction_rollback():  # moto otherwise copies the whole table per transaction item
        hub = InProcessHub(stack, SteppedClock())
        yield hub
        hub.close()


@pytest.fixture
def shop() -> Iterator[ShopSimulator]:
    sim = simulator(products=2, combinations=0, orders=3)
    yield sim
    sim.stop()


def _offer_of(client: Any, product_id: int) -> dict[str, Any]:
    [offer] = expect(client.get(f"/products/{product_id}"), 200)["offers"]
    return dict(offer)


def test_an_offer_shows_its_stock_push_from_pending_to_sent(hub: InProcessHub, shop: ShopSimulator) -> None:
    # Given a shop imported with its stock into the hub
    account = MerchantAccount.connect(hub, shop, "tenant-a")
    account.run_import("import", "symbol", with_stock=True)
    client = account.client
    [first, _] = products(client)
    taken = shop.data.stock_quantity(1, 0)
    assert first["stock"] == taken
    imported = _offer_of(client, first["id"])
    assert (imported["stock_sync"], imported["pushed_quantity"], imported["pushed_at"]) == ("sent", taken, None)

    # When the hub's stock changes, the offer waits for the queue
    expect(client.put(f"/products/{first['id']}/stock", {"quantity": taken + 7}), 202)
    waiting = _offer_of(client, first["id"])
    assert (waiting["stock_sync"], waiting["pushed_quantity"]) == ("pending", taken)

    # Then, once the queue is processed, the shop row has it
    hub.clock.advance(5)
    hub.settle()
    sent = _offer_of(client, first["id"])
    assert (sent["stock_sync"], sent["pushed_quantity"]) == ("sent", taken + 7)
    assert datetime.fromisoformat(sent["pushed_at"]) == hub.clock.now
    assert shop.data.stock_quantity(1, 0) == taken + 7
    # the offer's other fields are as before
    assert {k: sent[k] for k in ("account_id", "shop_product_id", "shop_combination_id", "template_id", "name")} == {
        k: imported[k] for k in ("account_id", "shop_product_id", "shop_combination_id", "template_id", "name")
    }
    assert sent["stock_available_id"] == imported["stock_available_id"] is not None


def test_an_offer_whose_stock_is_not_synced_is_off(hub: InProcessHub, shop: ShopSimulator) -> None:
    # Given an imported shop
    account = MerchantAccount.connect(hub, shop, "tenant-a")
    account.run_import("import", "symbol", with_stock=True)
    client = account.client
    [first, second] = products(client)
    template_id = _offer_of(client, first["id"])["template_id"]
    table = hub.container.table

    # When the template stops syncing stock
    expect(account.put(f"/templates/{template_id}", {"sync": {"stock": False}}), 200)
    expect(client.put(f"/products/{first['id']}/stock", {"quantity": 40}), 202)
    hub.settle()

    # Then the offer is off and the shop row keeps its figure
    before = table.request_count
    off = _offer_of(client, first["id"])
    # the token, the product, its offers, then one batch of accounts, settings and leases and one of templates
    assert table.request_count - before == 5
    assert off["stock_sync"] == "off"
    assert shop.data.stock_quantity(1, 0) != 40

    # When the template syncs stock again but the account's order settings do not update stock
    expect(account.put(f"/templates/{template_id}", {"sync": {"stock": True}}), 200)
    assert _offer_of(client, first["id"])["stock_sync"] == "pending"
    account.order_settings(products={"update_stock": False})

    # Then every offer of the account is off
    assert _offer_of(client, first["id"])["stock_sync"] == "off"
    assert _offer_of(client, second["id"])["stock_sync"] == "off"


def test_an_offer_without_a_stock_row_says_so(hub: InProcessHub, shop: ShopSimulator) -> None:
    # Given an imported offer whose shop variant has no stock row
    account = MerchantAccount.connect(hub, shop, "tenant-a")
    account.run_import("import", "symbol", with_stock=True)
    [first, _] = products(account.client)
    [offer] = hub.container.catalog.offers_of_product("tenant-a", first["id"])
    hub.container.catalog.put_offer(offer.model_copy(update={"stock_ref": None}), replace=True)

    # Then
    answer = _offer_of(account.client, first["id"])
    assert (answer["stock_available_id"], answer["stock_sync"]) == (None, "no_stock_row")
