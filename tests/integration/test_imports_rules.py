"""The rules an import obeys and the errors a merchant sees: no default template, one running
import per account, no editing, aborting, invalid requests, tenant isolation."""

from __future__ import annotations

from typing import Any

import pytest

from shophub.domain.imports import Import, ImportItem
from shophub.store import keys
from shophub.store.imports import ImportRepository
from shophub.store.reports import ReportRepository
from tests.support.aws import TestStack
from tests.support.imports import CREATED_AT

Factory = Any


def test_import_mode_needs_a_default_template(world_factory: Factory) -> None:
    world = world_factory()
    account = world.account(template=False)

    en = world.api(language="en").post(f"/accounts/{account.id}/imports", {"mode": "import"})
    pl = world.api(language="pl").post(f"/accounts/{account.id}/imports", {"mode": "import"})

    assert (en.status, en.json["error"]["code"]) == (409, "no_default_template")
    assert en.json["error"]["message"] == (
        "The account has no default offer template. Create a template before starting an import."
    )
    assert (pl.status, pl.json["error"]["code"]) == (409, "no_default_template")
    assert pl.json["error"]["message"].startswith("Konto nie ma domyślnego szablonu ofert.")
    assert world.queued_count() == 0
    # linking needs no template
    assert world.api().post(f"/accounts/{account.id}/imports", {"mode": "link"}).status == 202


def test_one_running_import_per_account(world_factory: Factory) -> None:
    world = world_factory()
    account = world.account()
    other = world.account(sim=world_factory().sim)  # another shop (a tenant connects a shop once)
    client = world.api()
    first = world.start(client, account, mode="import")

    again = client.post(f"/accounts/{account.id}/imports", {"mode": "link"})
    again_pl = world.api(language="pl").post(f"/accounts/{account.id}/imports", {"mode": "link"})

    assert (again.status, again.json["error"]["code"]) == (409, "import_running")
    assert again.json["error"]["message"] == (
        "An import is already running for this account. Wait for it to finish or abort it."
    )
    assert again_pl.json["error"]["message"].startswith("Dla tego konta trwa już import.")
    # another account is not blocked
    assert client.post(f"/accounts/{other.id}/imports", {"mode": "link"}).status == 202
    # once the first one ends, a new one may start
    world.drain()
    assert world.progress(client, account, first)["status"] == "finished"
    assert world.container.table.get(keys.account_pk(account.id), keys.RUNNING_IMPORT_SK) is None
    assert client.post(f"/accounts/{account.id}/imports", {"mode": "link"}).status == 202


def test_a_lock_left_by_an_ended_import_is_taken_over(world_factory: Factory) -> None:
    # Given an import that ended but whose lock stayed (a crash between the end and the release)
    world = world_factory(products=1, combinations=0)
    account = world.account()
    client = world.api()
    first = world.start(client, account, mode="link")
    world.drain()
    world.container.table.put(
        {"PK": keys.account_pk(account.id), "SK": keys.RUNNING_IMPORT_SK, "import_id": first, "tenant_id": "tenant-a"}
    )

    # When a new import starts, Then it is accepted and holds the lock
    second = world.start(client, account, mode="link")
    lock = world.container.table.get(keys.account_pk(account.id), keys.RUNNING_IMPORT_SK)
    assert lock["import_id"] == second


def test_an_import_cannot_be_edited(world_factory: Factory) -> None:
    world = world_factory()
    account = world.account()
    client = world.api()
    import_id = world.start(client, account, mode="import")

    put = client.put(f"/accounts/{account.id}/imports/{import_id}", {"mode": "link"})
    patch = world.api(language="pl").patch(f"/accounts/{account.id}/imports/{import_id}", {"with_stock": True})

    assert (put.status, put.json["error"]["code"]) == (405, "method_not_allowed")
    assert put.json["error"]["message"] == (
        "An import cannot be edited. Abort it and start a new one with other parameters."
    )
    assert (patch.status, patch.json["error"]["code"]) == (405, "method_not_allowed")
    assert patch.json["error"]["message"].startswith("Importu nie można edytować.")
    assert world.progress(client, account, import_id)["mode"] == "import"
    # an import that does not exist is simply not found
    assert client.put(f"/accounts/{account.id}/imports/nosuchimport", {}).status == 404


def test_abort_mid_way_stops_the_remaining_chunks_and_releases_the_lock(
    world_factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given an import of 50 products in chunks of 20, of which the first chunk is done
    monkeypatch.setattr("shophub.services.imports.CHUNK_SIZE", 20)
    world = world_factory(products=50, combinations=0)
    account = world.account()
    client = world.api()
    import_id = world.start(client, account, mode="import")
    world.step(1)  # stage 1
    world.step(1)  # the first chunk
    assert world.progress(client, account, import_id)["processed"] == 20

    # When it is aborted
    answer = client.post(f"/accounts/{account.id}/imports/{import_id}/abort")

    # Then the answer is 202 and the import is aborted with its remaining items
    assert (answer.status, answer.json) == (202, {"id": import_id, "status": "aborted"})
    progress = world.progress(client, account, import_id)
    assert (progress["status"], progress["processed"], progress["created"]) == ("aborted", 20, 20)
    assert progress["reason"] == "The import was aborted on request."
    aborted = world.items(client, account, import_id, status="aborted")
    assert len(aborted) == 30
    assert {i["reason"] for i in aborted} == {"The import was aborted."}
    # and the lock is released
    assert world.container.table.get(keys.account_pk(account.id), keys.RUNNING_IMPORT_SK) is None
    # and the queued chunks end without touching the shop or the catalogue
    world.sim.reset_requests()
    world.drain()
    assert world.sim.request_count == 0
    assert len(world.products()) == 20
    assert world.progress(client, account, import_id)["status"] == "aborted"
    report, _ = ReportRepository(world.container.table).get(account.id, import_id)
    assert report.summary["created"] == 20
    # aborting again is refused; a new import may start
    again = client.post(f"/accounts/{account.id}/imports/{import_id}/abort")
    assert (again.status, again.json["error"]["code"]) == (409, "import_not_running")
    assert again.json["error"]["message"] == "This import cannot be aborted: it has already ended (status: aborted)."
    assert client.post(f"/accounts/{account.id}/imports", {"mode": "link"}).status == 202


def test_abort_during_stage_one(world_factory: Factory) -> None:
    world = world_factory(products=5, combinations=0)
    account = world.account()
    client = world.api()
    import_id = world.start(client, account, mode="import")

    assert client.post(f"/accounts/{account.id}/imports/{import_id}/abort").status == 202
    world.drain()  # stage 1 finds the import aborted

    progress = world.progress(client, account, import_id)
    assert (progress["status"], progress["stage"], progress["total"]) == ("aborted", 1, 0)
    assert world.sim.request_count == 0
    assert world.products() == []


def test_imports_are_listed_newest_first_and_paged(world_factory: Factory) -> None:
    world = world_factory(products=1, combinations=0)
    account = world.account()
    client = world.api()
    ids = []
    for _ in range(3):
        ids.append(world.start(client, account, mode="link"))
        world.drain()

    first = client.get(f"/accounts/{account.id}/imports", query="limit=2")
    assert first.status == 200
    assert [i["id"] for i in first.json["items"]] == [ids[2], ids[1]]
    assert all(i["status"] == "finished" and i["mode"] == "link" for i in first.json["items"])
    second = client.get(f"/accounts/{account.id}/imports", query=f"limit=2&next={first.json['next']}")
    assert [i["id"] for i in second.json["items"]] == [ids[0]]
    assert second.json["next"] is None
    tampered = client.get(f"/accounts/{account.id}/imports", query="next=abc")
    assert (tampered.status, tampered.json["error"]["code"]) == (400, "invalid_paging_token")


def test_invalid_requests_are_refused_with_details(world_factory: Factory) -> None:
    world = world_factory()
    account = world.account()
    client = world.api()
    path = f"/accounts/{account.id}/imports"

    unknown = client.post(path, {"mode": "import", "colour": "red"})
    assert (unknown.status, unknown.json["error"]["code"]) == (400, "unknown_fields")
    bad_mode = client.post(path, {"mode": "copy"})
    assert bad_mode.status == 422
    assert bad_mode.json["error"]["details"][0]["field"] == "mode"
    bad_identifier = client.post(path, {"unique_identifier": "gtin"})
    assert (bad_identifier.status, bad_identifier.json["error"]["details"][0]["field"]) == (422, "unique_identifier")
    bad_range = client.post(path, {"filters": {"id_from": 10, "id_to": 2}})
    assert bad_range.status == 422
    bad_date = client.post(path, {"filters": {"date_from": "yesterday"}})
    assert (bad_date.status, bad_date.json["error"]["details"][0]["field"]) == (422, "filters.date_from")
    malformed = client.call("POST", path, raw_body="{not json")
    assert (malformed.status, malformed.json["error"]["code"]) == (400, "malformed_json")
    bad_status = client.get(f"{path}/whatever/items", query="status=done")
    assert (bad_status.status, bad_status.json["error"]["details"][0]["field"]) == (422, "status")
    # nothing was started
    assert world.queued_count() == 0


def test_tenants_never_see_each_others_imports(world_factory: Factory) -> None:
    world = world_factory(products=2, combinations=0)
    account = world.account("tenant-a")
    own = world.account("tenant-b")
    a = world.api("tenant-a")
    b = world.api("tenant-b")
    import_id = world.start(a, account, mode="import")
    world.drain()

    for answer in (
        b.get(f"/accounts/{account.id}/imports"),
        b.get(f"/accounts/{account.id}/imports/{import_id}"),
        b.get(f"/accounts/{account.id}/imports/{import_id}/items"),
        b.post(f"/accounts/{account.id}/imports/{import_id}/abort"),
        b.post(f"/accounts/{account.id}/imports", {"mode": "link"}),
        b.put(f"/accounts/{account.id}/imports/{import_id}", {}),
        b.get(f"/accounts/{own.id}/imports/{import_id}"),  # A's import through B's own account
        b.get(f"/accounts/{account.id}/links/file"),
        b.call(
            "POST",
            f"/accounts/{account.id}/links/file",
            raw_body="hub_product_id,shop_product_id,shop_combination_id\n",
        ),
    ):
        assert answer.status == 404, answer.text
    assert b.get(f"/accounts/{own.id}/imports").json["items"] == []
    # no bearer token at all: 401
    anonymous = world.api()
    anonymous.token = "not-a-token"
    assert anonymous.get(f"/accounts/{account.id}/imports").status == 401


def test_item_listings_follow_every_page_of_a_filtered_query(stack: TestStack) -> None:
    # Given an import with items of several statuses (and a counted chunk in the same partition)
    imports = ImportRepository(stack.table)
    run = Import(id="run1", tenant_id="tenant-a", account_id="acc1", mode="import", created_at=CREATED_AT)
    stack.table.put(imports.run_item(run))
    imports.put_items(
        [
            ImportItem(import_id="run1", account_id="acc1", shop_product_id=p, shop_variant_id=0, status=status)
            for p, status in enumerate(["skipped", "imported", "failed", "skipped", "linked", "skipped", "failed"], 1)
        ]
    )
    stack.table.transact_write(imports.tx_count_chunk(run, 0, {"processed": 7}))

    # When they are read two at a time, Then every page is followed
    found = [i.shop_product_id for i in imports.iter_items("run1", statuses=["skipped", "failed"], page_size=2)]
    assert found == [1, 3, 4, 6, 7]
