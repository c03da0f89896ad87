"""Imports when things go wrong: a bad product among good ones, a shop that fails for a while,
a chunk delivered twice or cut short, two chunks racing for one identifier, a revoked key."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from local.stack.events import LambdaContext, sqs_event_from_bodies
from shophub.connectors import build_connector
from shophub.connectors.prestashop.client import RetryPolicy
from shophub.services.imports import ImportMessage
from shophub.store import keys
from tests.support.imports import QUEUE, ImportWorld, SerialClient

Factory = Any


def worker_lost(*args: Any, **kwargs: Any) -> Any:
    """Stands in for a step during which the worker dies."""
    raise RuntimeError("worker lost")


def impatient_connectors(world: ImportWorld) -> None:
    """Connectors that try each request once (no client-side backoff), so that shop failures
    reach the import worker at once."""
    container = world.container
    secrets = container.secrets

    def connector_for(account: Any, *, deadline: Any = None) -> Any:
        return build_connector(
            account.platform,
            account.shop_url,
            secrets.get(account.secret_ref),
            timezone=account.timezone,
            deadline=deadline,
            allow_local=True,
            retry=RetryPolicy(max_attempts=1),
        )

    container.__dict__["connector_for"] = connector_for
    container.__dict__.pop("import_service", None)


def test_a_product_the_shop_cannot_deliver_fails_alone(world_factory: Factory) -> None:
    # Given a shop where product 3 cannot be read (no name in any language)
    world = world_factory(products=5, combinations=2)
    world.edit("products", 3, name={1: "", 2: ""})
    account = world.account()
    client = world.api()
    pl = world.api(language="pl")

    import_id = world.start(client, account, mode="import")
    world.drain()

    # Then the others are imported and product 3 is failed with the shop's reason
    progress = world.progress(client, account, import_id)
    assert (progress["status"], progress["processed"], progress["created"], progress["failed"]) == (
        "finished",
        5,
        8,
        1,
    )
    [failed] = world.items(client, account, import_id, status="failed")
    assert (failed["shop_product_id"], failed["shop_combination_id"]) == (3, None)
    assert failed["reason"].startswith("The shop did not deliver the product's data: ")
    [failed_pl] = world.items(pl, account, import_id, status="failed")
    assert failed_pl["reason"].startswith("Sklep nie wydał danych produktu: ")
    assert 3 not in {o.shop_product_id for o in world.offers(account)}
    assert all(o.shop_product_id != 3 for o in world.offers(account))
    # a deleted product is skipped the same way
    assert len(world.products()) == 8


def test_a_transient_shop_failure_retries_the_chunk_without_counting_twice(world_factory: Factory) -> None:
    world = world_factory(products=3, combinations=2)
    impatient_connectors(world)
    account = world.account()
    client = world.api()
    import_id = world.start(client, account, mode="import", with_stock=True)
    world.step(1)  # stage 1
    # the shop turns the chunk's product read away once (429, rate limited)
    world.sim.inject_fault("429", count=1, path_prefix="products")

    world.step(1)
    assert world.outcomes[-1]["batchItemFailures"], "the chunk should come back"
    assert world.progress(client, account, import_id)["processed"] == 0

    world.drain()
    progress = world.progress(client, account, import_id)
    assert (progress["status"], progress["processed"], progress["created"]) == ("finished", 3, 6)
    assert len(world.products()) == 6


def test_a_shop_failing_on_every_delivery_marks_the_products_failed(world_factory: Factory) -> None:
    world = world_factory(products=2, combinations=0)
    impatient_connectors(world)
    account = world.account()
    client = world.api()
    import_id = world.start(client, account, mode="import")
    world.step(1)
    chunk = world.body(world.receive(1)[0])
    world.sim.inject_fault("429", count=100, path_prefix="products")

    # the last delivery SQS makes before the dead-letter queue
    service = world.container.import_service
    service.handle(ImportMessage.model_validate(chunk), attempt=5)

    progress = world.progress(client, account, import_id)
    assert (progress["status"], progress["failed"], progress["processed"]) == ("finished", 2, 2)
    reasons = {i["reason"] for i in world.items(client, account, import_id, status="failed")}
    assert len(reasons) == 1 and reasons.pop().startswith("The shop stayed unavailable after several attempts")


def test_a_revoked_key_fails_the_whole_import(world_factory: Factory) -> None:
    world = world_factory(products=2, combinations=0)
    account = world.account()
    client = world.api()
    import_id = world.start(client, account, mode="import")
    world.step(1)
    world.sim.remove_key(world.sim.key)

    world.drain()

    progress = world.progress(client, account, import_id)
    assert progress["status"] == "failed"
    assert progress["reason"].startswith("The import stopped on a shop error: ")
    assert world.container.table.get(keys.account_pk(account.id), keys.RUNNING_IMPORT_SK) is None
    assert {i["status"] for i in world.items(client, account, import_id)} == {"aborted"}


def test_a_chunk_delivered_twice_is_counted_once(world_factory: Factory) -> None:
    world = world_factory(products=3, combinations=2)
    account = world.account()
    client = world.api()
    import_id = world.start(client, account, mode="import")
    world.step(1)
    [message] = world.receive(1)
    body = world.body(message)

    world.deliver(message)
    again = sqs_event_from_bodies([body], world.stack.queue_arn(QUEUE))
    assert world.handler(again, LambdaContext("ImporterFunction", 120)) == {"batchItemFailures": []}

    progress = world.progress(client, account, import_id)
    assert (progress["status"], progress["processed"], progress["created"]) == ("finished", 3, 6)
    assert len(world.products()) == 6
    assert len(world.offers(account)) == 6
    template = world.container.table.get(keys.account_pk(account.id), keys.template_sk(account.default_template_id))
    assert template["offer_count"] == 6


def test_a_chunk_cut_short_before_counting_finishes_on_the_next_delivery(
    world_factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a chunk whose worker dies after writing products and offers, before counting them
    world = world_factory(products=3, combinations=2)
    account = world.account()
    client = world.api()
    import_id = world.start(client, account, mode="import", with_stock=True)
    world.step(1)
    service = world.container.import_service
    real_count = service.imports.tx_count_chunk

    monkeypatch.setattr(service.imports, "tx_count_chunk", worker_lost)
    world.step(1)
    assert world.outcomes[-1]["batchItemFailures"]
    assert len(world.products()) == 6
    assert world.progress(client, account, import_id)["processed"] == 0

    # When the chunk comes back
    monkeypatch.setattr(service.imports, "tx_count_chunk", real_count)
    world.drain()

    # Then its earlier work is recognised: nothing is created twice, everything counted once
    progress = world.progress(client, account, import_id)
    assert (progress["status"], progress["processed"], progress["created"], progress["skipped"]) == (
        "finished",
        3,
        6,
        0,
    )
    assert len(world.products()) == 6
    assert {i["status"] for i in world.items(client, account, import_id)} == {"imported"}


def test_two_chunks_racing_for_one_identifier_create_one_hub_product(
    world_factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given two products in different chunks sharing an EAN
    monkeypatch.setattr("shophub.services.imports.CHUNK_SIZE", 2)
    world = world_factory(products=4, combinations=0)
    shared_ean = world.sim.data.product(1)["ean13"]
    world.edit("products", 3, ean13=shared_ean)
    account = world.account()
    client = world.api()
    import_id = world.start(client, account, mode="import", unique_identifier="ean")
    world.step(1)  # stage 1 queues two chunks: [1, 2] and [3, 4]
    chunks = [ImportMessage.model_validate(b) for b in world.take(10)]
    assert sorted(c.product_ids for c in chunks) == [[1, 2], [3, 4]]

    # and two workers that both look the EAN up before either creates a product
    world.container.table.client = SerialClient(world.container.table.client)
    service = world.container.import_service
    barrier = threading.Barrier(2, timeout=20)
    lookup = service.linker.catalog.claim_holders

    def claim_holders(*args: Any, **kwargs: Any) -> dict[str, int]:
        found = lookup(*args, **kwargs)
        barrier.wait()
        return found

    monkeypatch.setattr(service.linker.catalog, "claim_holders", claim_holders)
    errors: list[BaseException] = []

    def run(message: ImportMessage) -> None:
        try:
            service.handle(message)
        except BaseException as exc:  # reported below
            errors.append(exc)

    # When the two chunks run at the same time
    threads = [threading.Thread(target=run, args=(c,)) for c in chunks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []

    # Then one hub product carries the EAN and both shop products are linked to it
    offers = {o.shop_product_id: o.hub_product_id for o in world.offers(account)}
    assert offers[1] == offers[3]
    assert [p.id for p in world.products() if p.ean == shared_ean] == [offers[1]]
    assert len(world.products()) == 3
    progress = world.progress(client, account, import_id)
    assert (progress["status"], progress["created"], progress["linked"]) == ("finished", 3, 1)


def test_a_chunk_counted_but_not_tidied_is_tidied_by_the_next_delivery(
    world_factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a worker that dies right after counting its chunk, before replacing the stage-1 items
    world = world_factory(products=2, combinations=2)
    world.edit("products", 2, name={1: "", 2: ""})  # product 2 cannot be read
    account = world.account()
    client = world.api()
    import_id = world.start(client, account, mode="import")
    world.step(1)
    service = world.container.import_service
    real = service.imports.settle_products
    monkeypatch.setattr(service.imports, "settle_products", worker_lost)
    world.step(1)
    assert world.progress(client, account, import_id)["processed"] == 2

    # When the chunk comes back
    monkeypatch.setattr(service.imports, "settle_products", real)
    world.drain()

    # Then nothing is counted again and the items show the outcome
    progress = world.progress(client, account, import_id)
    assert (progress["status"], progress["processed"], progress["created"], progress["failed"]) == (
        "finished",
        2,
        2,
        1,
    )
    statuses = sorted((i["shop_product_id"], i["status"]) for i in world.items(client, account, import_id))
    assert statuses == [(1, "imported"), (1, "imported"), (2, "failed")]


def test_a_chunk_failing_on_its_last_delivery_ends_its_products(
    world_factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = world_factory(products=2, combinations=0)
    account = world.account()
    client = world.api()
    import_id = world.start(client, account, mode="import")
    world.step(1)
    chunk = ImportMessage.model_validate(world.take(1)[0])
    service = world.container.import_service

    monkeypatch.setattr(service.linker, "settle", worker_lost)
    with pytest.raises(RuntimeError):
        service.handle(chunk, attempt=4)  # SQS will bring it back
    service.handle(chunk, attempt=5)  # the last delivery before the dead-letter queue

    progress = world.progress(client, account, import_id)
    assert (progress["status"], progress["processed"], progress["failed"]) == ("finished", 2, 2)
    reasons = {i["reason"] for i in world.items(client, account, import_id, status="failed")}
    assert reasons == {"The product could not be processed after several attempts (an error on the hub's side)."}
    assert world.container.table.get(keys.account_pk(account.id), keys.RUNNING_IMPORT_SK) is None
