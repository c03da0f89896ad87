"""The hub catalogue read API (functions/api): ``GET /products`` and ``GET /products/{pid}``."""

from __future__ import annotations

from typing import Any

from shophub.domain.catalog import HubProduct
from shophub.store import keys
from tests.integration.test_imports_support import CREATED_AT, item_level_rollback, world_factory_fixture  # noqa: F401

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
