"""Imports end to end: the HTTP routes of functions/importer, both stages on ImportQueue (the
importer handler invoked with SQS events), the PrestaShop simulator as the shop."""

from __future__ import annotations

from typing import Any

import pytest

from shophub.domain.activity import LogFilter
from shophub.domain.config import FieldMapping
from shophub.store import keys
from shophub.store.reports import ReportRepository
from tests.support.imports import ImportWorld

Factory = Any


class EventRecorder:
    """Stands in for the HubEvents publisher."""

    def __init__(self) -> None:
        self.events: list[tuple[str, dict[str, Any]]] = []

    def publish(self, detail_type: str, detail: dict[str, Any]) -> None:
        self.events.append((detail_type, detail))


def record_events(world: ImportWorld) -> EventRecorder:
    recorder = EventRecorder()
    world.container.__dict__["hub_events"] = recorder
    world.container.__dict__.pop("import_service", None)
    return recorder


def shop_variants(world: ImportWorld, product_ids: list[int]) -> list[tuple[int, int]]:
    """(product, combination) of every variant of these simulator products."""
    out = []
    for pid in product_ids:
        combos = world.sim.data.combinations_of(pid)
        out += [(pid, int(c["id"])) for c in combos] if combos else [(pid, 0)]
    return sorted(out)


# --- a whole import ---------------------------------------------------------------------------------


def test_import_creates_one_hub_product_per_variant_with_stock_offers_and_a_report(world_factory: Factory) -> None:
    # Given a shop with 6 products × 2 combinations and an account with a default template
    world = world_factory(products=6, combinations=2)
    events = record_events(world)
    account = world.account()
    client = world.api()

    # When an import with stock runs through both stages
    import_id = world.start(client, account, mode="import", unique_identifier="ean", with_stock=True)
    world.drain()

    # Then it finished with every variant created
    progress = world.progress(client, account, import_id)
    assert progress["status"] == "finished"
    assert progress["stage"] == 2
    assert (progress["total"], progress["processed"], progress["percent"]) == (6, 6, 100)
    assert (progress["created"], progress["linked"], progress["skipped"], progress["failed"]) == (12, 0, 0, 0)

    # and each variant is a hub product with its identifiers (default field mapping) and stock
    products = {p.id: p for p in world.products()}
    offers = {(o.shop_product_id, o.shop_variant_id): o for o in world.offers(account)}
    assert sorted(offers) == shop_variants(world, [1, 2, 3, 4, 5, 6])
    for (pid, cid), offer in offers.items():
        combination = world.sim.data.combination(cid)
        product = products[offer.hub_product_id]
        assert product.ean == combination["ean13"]
        assert product.symbol == combination["reference"]
        assert product.catalog_number == combination["mpn"]
        assert product.stock == world.sim.data.stock_quantity(pid, cid)
        assert product.stock_version == 1
        assert product.variant != "" and product.name.endswith(str(pid))
        assert offer.template_id == account.default_template_id
        assert offer.stock_ref == int(world.sim.data.stock_row_for(pid, cid)["id"])
        assert offer.stock_taken_at is not None
        assert offer.import_id == import_id

    # and the template counts its offers (so it cannot be deleted)
    template = world.container.table.get(keys.account_pk(account.id), keys.template_sk(account.default_template_id))
    assert template["offer_count"] == 12

    # and the items show every variant's outcome
    items = world.items(client, account, import_id)
    assert {i["status"] for i in items} == {"imported"}
    assert sorted((i["shop_product_id"], i["shop_combination_id"]) for i in items) == sorted(offers)

    # and a report, an event, a log entry were written; the lock is gone
    reports, _ = ReportRepository(world.container.table).list(account.id, report_type="import")
    assert [(r.id, r.ok, r.failed, r.summary["created"]) for r in reports] == [(import_id, 12, 0, 12)]
    assert events.events == [
        (
            "ProductsImported",
            {
                "tenant_id": "tenant-a",
                "account_id": account.id,
                "import_id": import_id,
                "mode": "import",
                "status": "finished",
                "total": 6,
                "processed": 6,
                "created": 12,
                "linked": 0,
                "skipped": 0,
                "failed": 0,
            },
        )
    ]
    assert world.container.table.get(keys.account_pk(account.id), keys.RUNNING_IMPORT_SK) is None
    logs, _ = world.container.activity.list(
        account.tenant_id, LogFilter(account_id=account.id, account_verified=True), limit=10
    )
    assert [e.action for e in logs][:2] == ["imports.finished", "imports.started"]


def test_stage_one_lists_ids_and_names_only_and_shows_the_total(world_factory: Factory) -> None:
    # Given a shop with 120 products
    world = world_factory(products=120, combinations=1)
    account = world.account()
    client = world.api()
    import_id = world.start(client, account, mode="import")
    assert world.progress(client, account, import_id)["stage"] == 1
    world.sim.reset_requests()

    # When only stage 1 runs
    assert world.step(1) == 1

    # Then one light listing request was made
    assert [(r.method, r.path) for r in world.sim.requests] == [("GET", "/api/products")]
    assert "display=[id,name,active,date_upd]" in world.sim.requests[0].query.replace("%5B", "[").replace("%5D", "]")
    # and every product is an item "prepared" with only its id and name
    progress = world.progress(client, account, import_id)
    assert (progress["status"], progress["stage"], progress["total"], progress["processed"]) == ("importing", 2, 120, 0)
    items = world.items(client, account, import_id)
    assert len(items) == 120
    first = items[0]
    assert first == {
        "shop_product_id": 1,
        "shop_combination_id": None,
        "name": world.sim.data.product(1)["name"][1],
        "status": "prepared",
        "hub_product_id": None,
        "reason": "",
    }
    # and stage 2 is queued as three chunks of at most 50 products
    chunks = sorted((world.body(m) for m in world.receive(10)), key=lambda b: b["chunk"])
    assert [len(b["product_ids"]) for b in chunks] == [100, 20]


def test_an_import_keeps_at_most_two_chunks_queued_so_no_shop_gets_more_workers(world_factory: Factory) -> None:
    world = world_factory(products=450, combinations=0)
    account = world.account()
    client = world.api()
    import_id = world.start(client, account, mode="link", with_stock=False)
    world.step(1)  # stage 1: 450 products, five chunks

    # Stage 2 starts with two chunks queued, not five: however many chunk workers the stack
    # runs, at most two of them read this shop
    seen: list[int] = []
    while world.queued_count():
        assert world.queued_count() <= 2
        message = world.receive(1)[0]
        seen.append(world.body(message)["chunk"])
        world.deliver(message)  # each chunk that ends queues the one two places on

    # Every chunk ran once, in order, and the import finished with every product counted
    assert seen == [0, 1, 2, 3, 4]
    progress = world.progress(client, account, import_id)
    assert (progress["status"], progress["processed"]) == ("finished", 450)


def test_a_chunk_delivered_twice_queues_its_successor_again_and_counts_once(world_factory: Factory) -> None:
    world = world_factory(products=350, combinations=0)
    account = world.account()
    client = world.api()
    import_id = world.start(client, account, mode="link", with_stock=False)
    world.step(1)
    first = world.receive(1)[0]

    # When chunk 0's message comes back after it ran (a crash before SQS deleted it)
    world.deliver(first)
    world.deliver(first)

    # Then its successor is queued again (a duplicate, never a gap), and draining counts every
    # product once
    queued = world.receive(10)
    assert sorted(world.body(m)["chunk"] for m in queued) == [1, 2, 2]
    for message in queued:
        world.deliver(message)
    world.drain()
    progress = world.progress(client, account, import_id)
    assert (progress["status"], progress["processed"], progress["skipped"]) == ("finished", 350, 350)


def test_progress_is_readable_while_chunks_run(world_factory: Factory) -> None:
    world = world_factory(products=120, combinations=0)
    account = world.account()
    client = world.api()
    import_id = world.start(client, account, mode="link", with_stock=False)
    world.step(1)  # stage 1

    world.step(1)  # one chunk of 100 (an empty hub: every variant is unmatched)
    progress = world.progress(client, account, import_id)
    assert (progress["status"], progress["processed"], progress["skipped"], progress["percent"]) == (
        "importing",
        100,
        100,
        83,
    )
    assert len(world.items(client, account, import_id, status="prepared")) == 20

    world.drain()
    progress = world.progress(client, account, import_id)
    assert (progress["status"], progress["processed"], progress["skipped"], progress["percent"]) == (
        "finished",
        120,
        120,
        100,
    )
    assert world.items(client, account, import_id, status="prepared") == []


def test_without_stock_products_start_at_zero_and_no_stock_rows_are_read(world_factory: Factory) -> None:
    world = world_factory(products=3, combinations=2)
    account = world.account()
    client = world.api()
    world.start(client, account, mode="import", with_stock=False)
    world.sim.reset_requests()
    world.drain()

    assert not any(r.path.startswith("/api/stock_availables") for r in world.sim.requests)
    products = world.products()
    assert len(products) == 6
    assert {(p.stock, p.stock_version) for p in products} == {(0, 0)}
    offers = world.offers(account)
    assert all(o.stock_taken_at is None and o.stock_ref for o in offers)


# --- filters ----------------------------------------------------------------------------------------


def listed_ids(world: ImportWorld, client: Any, account: Any, **filters: Any) -> list[int]:
    import_id = world.start(client, account, mode="link", filters=filters)
    world.step(1)  # stage 1 only
    ids = [i["shop_product_id"] for i in world.items(client, account, import_id)]
    assert client.post(f"/accounts/{account.id}/imports/{import_id}/abort").status == 202
    world.drain()  # the aborted run's chunks end without work
    return ids


def test_filters_choose_the_listed_products(world_factory: Factory) -> None:
    world = world_factory(products=40, combinations=0)
    account = world.account(template=False)
    client = world.api()
    data = world.sim.data

    assert listed_ids(world, client, account, id_from=5, id_to=9) == [5, 6, 7, 8, 9]
    assert listed_ids(world, client, account, ids=[3, 17, 33, 99]) == [3, 17, 33]
    assert listed_ids(world, client, account, ids=[3, 17, 33], id_from=10) == [17, 33]
    active = [p for p in range(1, 41) if data.product(p)["active"] == "1"]
    assert len(active) < 40
    assert listed_ids(world, client, account, only_active=True) == active
    days = sorted({str(data.product(p)["date_upd"])[:10] for p in range(1, 41)})
    since = days[len(days) // 2]
    changed = [p for p in range(1, 41) if str(data.product(p)["date_upd"])[:10] >= since]
    assert 0 < len(changed) < 40
    assert listed_ids(world, client, account, date_from=since) == changed
    assert listed_ids(world, client, account, date_from=since, only_active=True, id_to=30) == [
        p for p in changed if p in active and p <= 30
    ]


# --- matching -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("unique_identifier", "shop_field"),
    [("ean", "ean13"), ("symbol", "reference"), ("catalog_number", "mpn")],
)
def test_variants_sharing_the_unique_identifier_become_one_hub_product(
    world_factory: Factory, unique_identifier: str, shop_field: str
) -> None:
    # Given two products (without combinations) whose chosen identifier is the same
    world = world_factory(products=3, combinations=0)
    world.edit("products", 3, **{shop_field: world.sim.data.product(1)[shop_field]})
    account = world.account()
    client = world.api()

    # When they are imported with that unique identifier
    import_id = world.start(client, account, mode="import", unique_identifier=unique_identifier)
    world.drain()

    # Then one hub product was created for both, the second variant linked to it
    progress = world.progress(client, account, import_id)
    assert (progress["created"], progress["linked"]) == (2, 1)
    offers = {o.shop_product_id: o.hub_product_id for o in world.offers(account)}
    assert offers[1] == offers[3] != offers[2]
    assert len(world.products()) == 2


def test_field_mapping_decides_which_shop_field_is_the_identifier(world_factory: Factory) -> None:
    # Given symbol ← supplier_reference, and two products sharing only their supplier reference
    world = world_factory(products=2, combinations=0)
    world.edit("products", 2, supplier_reference=world.sim.data.product(1)["supplier_reference"])
    account = world.account(mapping=FieldMapping(ean="upc", symbol="supplier_reference", catalog_number="isbn"))
    client = world.api()

    world.start(client, account, mode="import", unique_identifier="symbol")
    world.drain()

    products = world.products()
    assert len(products) == 1
    product = products[0]
    assert product.symbol == world.sim.data.product(1)["supplier_reference"]
    assert product.ean == world.sim.data.product(1)["upc"]
    assert product.catalog_number == world.sim.data.product(1)["isbn"]


def test_an_existing_hub_product_wins_and_the_lowest_id_wins_among_duplicates(world_factory: Factory) -> None:
    from shophub.domain.catalog import HubProduct
    from tests.support.imports import CREATED_AT

    world = world_factory(products=2, combinations=0)
    ean = world.sim.data.product(1)["ean13"]
    catalog = world.container.catalog
    ids = catalog.allocate_product_ids("tenant-a", 3)
    # hub products 1 and 3 both carry the shop's EAN (created with another identifier earlier)
    for hub_id, value in zip(ids, [ean, "5900000000000", ean], strict=True):
        catalog.create_product(
            HubProduct(id=hub_id, tenant_id="tenant-a", name=f"Hub {hub_id}", ean=value, created_at=CREATED_AT)
        )
    account = world.account()
    client = world.api()

    import_id = world.start(client, account, mode="import", unique_identifier="ean")
    world.drain()

    offers = {o.shop_product_id: o.hub_product_id for o in world.offers(account)}
    assert offers[1] == ids[0]
    assert offers[2] not in ids
    progress = world.progress(client, account, import_id)
    assert (progress["created"], progress["linked"]) == (1, 1)
    linked = world.items(client, account, import_id, status="linked")
    assert [(i["shop_product_id"], i["hub_product_id"]) for i in linked] == [(1, ids[0])]


def test_link_mode_never_creates_products_and_reports_the_unmatched(world_factory: Factory) -> None:
    from shophub.domain.catalog import HubProduct
    from tests.support.imports import CREATED_AT

    world = world_factory(products=25, combinations=0)
    catalog = world.container.catalog
    [hub_id] = catalog.allocate_product_ids("tenant-a", 1)
    ean = world.sim.data.product(2)["ean13"]
    catalog.create_product(HubProduct(id=hub_id, tenant_id="tenant-a", name="Hub", ean=ean, created_at=CREATED_AT))
    account = world.account(template=False)  # link mode needs no template
    client = world.api()
    pl = world.api(language="pl")

    import_id = world.start(client, account, mode="link", unique_identifier="ean", filters={"ids": [1, 2, 25]})
    world.drain()

    progress = world.progress(client, account, import_id)
    assert (progress["status"], progress["created"], progress["linked"], progress["skipped"]) == ("finished", 0, 1, 2)
    assert [p.id for p in world.products()] == [hub_id]
    assert [(o.shop_product_id, o.hub_product_id, o.template_id) for o in world.offers(account)] == [(2, hub_id, None)]
    skipped = {i["shop_product_id"]: i["reason"] for i in world.items(client, account, import_id, status="skipped")}
    assert skipped[1] == f"There is no hub product with EAN \u201c{world.sim.data.product(1)['ean13']}\u201d."
    assert skipped[25] == "The variant has no EAN, so it cannot be matched."  # product 25 has no EAN
    skipped_pl = {i["shop_product_id"]: i["reason"] for i in world.items(pl, account, import_id, status="skipped")}
    assert skipped_pl[25] == "Wariant nie ma identyfikatora EAN, więc nie można go dopasować."

    report, entries = ReportRepository(world.container.table).get(account.id, import_id)
    assert (report.ok, report.summary["skipped"]) == (1, 2)
    assert sorted((e.shop_product_id, e.outcome) for e in entries) == [(1, "skipped"), (25, "skipped")]


def test_import_mode_creates_a_product_without_the_missing_identifier(world_factory: Factory) -> None:
    world = world_factory(products=25, combinations=0)
    account = world.account()
    client = world.api()
    world.start(client, account, mode="import", unique_identifier="ean", filters={"ids": [25]})
    world.drain()

    [product] = world.products()
    assert product.ean == ""
    assert product.symbol == world.sim.data.product(25)["reference"]
    assert world.container.table.get(keys.ident_pk("tenant-a", "SYMBOL", product.symbol), keys.product_sk(product.id))


def test_a_linked_shop_variant_keeps_its_link_on_the_next_import(world_factory: Factory) -> None:
    world = world_factory(products=2, combinations=2)
    account = world.account()
    client = world.api()
    world.start(client, account, mode="import", with_stock=True)
    world.drain()
    before = {(o.shop_product_id, o.shop_variant_id): o.hub_product_id for o in world.offers(account)}
    # the shop's stock changes; the hub's stock must win for linked variants
    world.sim.data.set_stock(1, 1, 999)

    second = world.start(client, account, mode="import", with_stock=True)
    world.drain()

    progress = world.progress(client, account, second)
    assert (progress["created"], progress["linked"], progress["skipped"]) == (0, 0, 4)
    assert {(o.shop_product_id, o.shop_variant_id): o.hub_product_id for o in world.offers(account)} == before
    assert len(world.products()) == 4
    assert all(p.stock != 999 for p in world.products())
    reasons = {i["reason"] for i in world.items(client, account, second, status="skipped")}
    assert all(r.startswith("The variant is already linked to hub product") for r in reasons)


def test_linking_an_existing_product_leaves_the_hub_stock_alone(world_factory: Factory) -> None:
    # Given a hub product created from shop A with stock
    world = world_factory(products=1, combinations=0)
    first = world.account()
    client = world.api()
    world.start(client, first, mode="import", with_stock=True)
    world.drain()
    [product] = world.products()

    # When shop B (same catalogue, other stock) is linked with stock
    other = world_factory(products=1, combinations=0)
    other.sim.data.set_stock(1, 0, product.stock + 7)
    second = world.account(sim=other.sim)
    world.start(client, second, mode="link", with_stock=True)
    world.drain()

    # Then the hub keeps its stock and the second offer records no stock taken
    [after] = world.products()
    assert (after.stock, after.stock_version) == (product.stock, product.stock_version)
    [offer] = world.offers(second)
    assert offer.hub_product_id == product.id
    assert offer.stock_taken_at is None
