"""Order ingestion under stress (seeded): 1,000 orders polled from a shop that fails 10% of the
requests (500, 503, 429, timeouts), with duplicate SQS deliveries, a worker that dies between
writing a page of orders and moving the cursor, two polls of one account at once and orders
changing in the shop while a poll runs. Afterwards every shop order exists exactly once in the
hub, none is lost, and every status is what the rules say. Plus the budget of a 1,000-order
import against the same shop."""

from __future__ import annotations

import random
import time
from datetime import timedelta

import pytest

from local.prestashop import OrderLine
from local.stack.events import LambdaContext, sqs_event_from_bodies
from shophub import wiring
from shophub.domain.orders import PollOrdersJob
from shophub.store import keys
from tests.support.orders import LANDING, TENANT, TestContainer, connect_shop, queued

SEED = 20261127
ORDERS = 1000
FAULT_RATE = 0.10


class WorkerCrash(BaseException):
    """The worker's process dies (nothing after this point runs: no release, no answer)."""


def _stored_orders(container, account_id: str) -> list[dict]:
    """Every order item of the account (only the attributes checked here: big pages stay fast)."""
    client, table = container.table.client, container.table.name
    request = {
        "TableName": table,
        "KeyConditionExpression": "PK = :pk AND begins_with(SK, :order)",
        "ExpressionAttributeValues": {":pk": {"S": keys.account_pk(account_id)}, ":order": {"S": keys.ORDER_PREFIX}},
        "ProjectionExpression": "shop_order_id, #status, frozen",
        "ExpressionAttributeNames": {"#status": "status"},
    }
    items: list[dict] = []
    while True:
        answer = client.query(**request)
        items += [
            {"shop_order_id": int(i["shop_order_id"]["N"]), "status": i["status"]["S"], "frozen": i["frozen"]["BOOL"]}
            for i in answer["Items"]
        ]
        if "LastEvaluatedKey" not in answer:
            return items
        request["ExclusiveStartKey"] = answer["LastEvaluatedKey"]


def _poller():
    from functions.order_poller import handler

    return handler.handler


@pytest.fixture
def container(stack):
    """The real container with quick shop timeouts (a hung request fails after 0.3 s)."""
    test_container = TestContainer(timeout=0.3)
    wiring.reset(test_container)
    yield test_container
    wiring.reset()


@pytest.fixture
def shop(stack, container):
    connected = connect_shop(stack, container, products=30, combinations=0, seed=SEED, timeout_hang_s=0.6)
    yield connected
    connected.sim.stop()


def test_budget_a_thousand_orders_cost_at_most_60_shop_requests(stack, container, shop) -> None:
    rng = random.Random(SEED)
    end = container.clock()
    for i in range(ORDERS):
        at = end - timedelta(hours=3) + timedelta(seconds=10 * i)
        shop.sim.data.place_order([OrderLine(1 + rng.randrange(30), 0, 1)], at=at, lower_stock=False)
    shop.sim.reset_requests()

    result = shop.poll()

    print(f"\n{ORDERS} orders: {shop.sim.request_count} shop requests in {result.stats.pages} pages")
    assert result.outcome == "done" and result.stats.imported == ORDERS
    assert shop.sim.request_count <= 60


def test_a_thousand_orders_arrive_exactly_once_through_faults_crashes_and_races(stack, container, shop) -> None:
    started = time.monotonic()
    rng = random.Random(SEED)
    data = shop.sim.data

    def place(count: int, *, spread: timedelta) -> None:
        """``count`` orders placed over the ``spread`` before the hub's "now" (shop time moves on
        with the hub's clock)."""
        end = container.clock()
        for i in range(count):
            at = end - spread + spread * (i + 1) / count
            data.place_order([OrderLine(1 + rng.randrange(30), 0, 1 + rng.randrange(3))], at=at, lower_stock=False)

    figures = {"deliveries": 0, "redeliveries": 0, "duplicate_deliveries": 0, "busy": 0, "crashes": 0}
    results = []
    service = container.order_poll_service
    real_poll = service.poll

    def recording_poll(job, **kwargs):
        result = real_poll(job, **kwargs)
        results.append(result)
        if result.outcome == "busy":
            figures["busy"] += 1
        return result

    service.poll = recording_poll
    body = PollOrdersJob(tenant_id=TENANT, account_id=shop.account_id, reason="schedule").model_dump(mode="json")
    arn = stack.queue_arn("OrderPollQueue")

    def deliver(message: dict, *, receive_count: int = 1) -> dict:
        event = sqs_event_from_bodies([message], arn)
        event["Records"][0]["attributes"]["ApproximateReceiveCount"] = str(receive_count)
        figures["deliveries"] += 1
        return _poller()(event, LambdaContext("order-poller", timeout_seconds=120))

    def deliver_until_done(message: dict) -> None:
        """What SQS does with one message: deliver again while the record fails."""
        for receive_count in range(1, 6):
            if receive_count > 1:
                figures["redeliveries"] += 1
            if not deliver(message, receive_count=receive_count)["batchItemFailures"]:
                return
        raise AssertionError("the poll message ended in the DLQ")

    def drain_continuations() -> None:
        for item in queued(stack, "OrderPollQueue"):
            deliver_until_done(item["body"])

    # --- round 1: 600 orders, faults, a second poll arriving mid-run, orders changing mid-run ----
    place(600, spread=timedelta(hours=2))
    shop.sim.set_fault_rate(FAULT_RATE, seed=SEED, kinds=("500", "503", "429", "timeout"))
    cursors = container.poll_cursor_repository
    real_fingerprints = container.order_repository.fingerprints
    changed_mid_run: dict[int, int] = {}
    processed: set[int] = set()  # orders of pages the poller already went through
    pages = {"count": 0, "races": True}

    def fingerprints_with_races(account_id, ids):
        pages["count"] += 1
        if pages["races"] and pages["count"] == 3:
            # another worker gets a duplicate of the poll message while this one runs
            figures["duplicate_deliveries"] += 1
            assert deliver(body) == {"batchItemFailures": []}
            # the shop changes orders the hub already has, and takes new ones
            for oid in rng.sample(sorted(processed), 40):
                state = rng.choice((2, 4))
                data.change_order_state(oid, state)
                changed_mid_run[oid] = state
            place(50, spread=timedelta(seconds=20))
        found = real_fingerprints(account_id, ids)
        processed.update(ids)
        return found

    container.order_repository.fingerprints = fingerprints_with_races
    deliver_until_done(body)
    pages["races"] = False
    figures["duplicate_deliveries"] += 1
    deliver_until_done(body)  # the same message delivered again afterwards
    drain_continuations()

    round_1 = time.monotonic() - started

    # --- round 2: a burst of failures beyond the connector's retries, then a worker crash ------
    container.offset += timedelta(minutes=1)
    place(200, spread=timedelta(seconds=50))
    shop.sim.inject_fault("503", count=12, path_prefix="orders")
    real_advance = cursors.advance
    crashed = {"done": False}

    def advance_or_die(*args, **kwargs):
        if not crashed["done"]:
            crashed["done"] = True
            figures["crashes"] += 1
            raise WorkerCrash("killed after writing a page, before moving the cursor")
        return real_advance(*args, **kwargs)

    cursors.advance = advance_or_die
    try:
        deliver_until_done(body)
        raise AssertionError("the worker should have died")
    except WorkerCrash:
        pass
    cursors.advance = real_advance
    # the dead worker's lease holds off other polls until it expires
    assert deliver(body) == {"batchItemFailures": []}
    assert results[-1].outcome == "busy"
    container.offset += timedelta(seconds=200)
    deliver_until_done(body)
    assert results[-1].stats.reannounced > 0  # what the dead worker wrote was announced again
    drain_continuations()

    # --- round 3: the rest of the orders, more changes, until nothing is left --------------------
    container.offset += timedelta(minutes=1)
    place(ORDERS - 850, spread=timedelta(seconds=50))
    changed_late: dict[int, int] = {}
    for oid in rng.sample(sorted(processed - changed_mid_run.keys()), 30):
        data.change_order_state(oid, 2)
        changed_late[oid] = 2
    container.offset += timedelta(minutes=6)
    deliver_until_done(body)
    drain_continuations()
    container.offset += timedelta(minutes=6)
    shop.sim.set_fault_rate(0.0)
    deliver_until_done(body)

    # --- every shop order exactly once, statuses as the rules say -------------------------------
    items = _stored_orders(container, shop.account_id)
    hub_ids = sorted(int(i["shop_order_id"]) for i in items)
    shop_ids = data.ids("orders")
    assert len(shop_ids) == ORDERS
    assert hub_ids == shop_ids  # none lost, none twice
    by_id = {int(i["shop_order_id"]): i for i in items}
    expected = {oid: LANDING for oid in shop_ids}
    for oid, state in {**changed_mid_run, **changed_late}.items():
        expected[oid] = "w-realizacji" if state == 2 else "wyslane"
    wrong = {oid: (by_id[oid]["status"], status) for oid, status in expected.items() if by_id[oid]["status"] != status}
    assert wrong == {}
    assert all(by_id[oid]["frozen"] for oid, state in changed_mid_run.items() if state == 4)
    cursor = cursors.get(shop.account_id)
    assert cursor.lease_owner is None and cursor.open_runs == set()

    requests = shop.sim.requests
    faults = sum(1 for r in requests if r.fault)
    connector_retries = faults  # every faulted request was tried again by the connector or by SQS
    unchanged = sum(r.stats.unchanged for r in results)
    duplicates_avoided = figures["busy"] + unchanged + sum(r.stats.duplicates for r in results)
    elapsed = time.monotonic() - started
    print(
        f"\norders: {len(hub_ids)} in the hub / {len(shop_ids)} in the shop; shop requests: {len(requests)}; "
        f"faults injected: {faults}; retries: {connector_retries} request retries + "
        f"{figures['redeliveries']} SQS redeliveries; crashes: {figures['crashes']}; "
        f"duplicate deliveries: {figures['duplicate_deliveries']}; duplicates avoided: {duplicates_avoided} "
        f"({figures['busy']} polls refused by the lease, {unchanged} already-stored orders skipped); "
        f"poll runs: {len(results)}; {elapsed:.1f} s (round 1: {round_1:.1f} s)"
    )
    assert faults > 0 and figures["redeliveries"] > 0 and figures["busy"] >= 2
