"""A slow shop and a dead shop beside a healthy one: each costs only its own rows.

Through the real stock pusher on moto and three simulated PrestaShop shops. One product is linked
in all three. The healthy shop's row is written at once; the slow shop's push stops at the
account's time budget and the dead shop's fails, and both get their rows back as their own
delayed message, so no message of the batch comes back. After repeated failures the dead
shop's circuit breaker opens: its pushes are parked (no request reaches it), the account's page
and log say so, and the first push that gets through closes it."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from local.prestashop import ShopSimulator
from shophub.services.push_breakers import BreakerPolicy
from shophub.services.stock_push import Delivery
from shophub.store import keys
from tests.support.api import ApiClient
from tests.support.aws import TestStack
from tests.support.config import logs
from tests.support.stock import (
    create_account,
    create_products,
    failed_ids,
    link_rows,
    queued,
    run_pusher,
    shop_quantity,
    start_shop,
    stock_rows,
)

pytestmark = pytest.mark.usefixtures("fast_transactions")

TENANT = "tenant-a"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def shops() -> Iterator[tuple[ShopSimulator, ShopSimulator, ShopSimulator]]:
    healthy = start_shop(products=2, combinations=1, key="HEALTHYKEY0000000000000000000001", seed=1)
    slow = start_shop(products=2, combinations=1, key="SLOWKEY0000000000000000000000002", seed=2)
    dead = start_shop(products=2, combinations=1, key="DEADKEY0000000000000000000000003", seed=3)
    yield healthy, slow, dead
    for shop in (healthy, slow, dead):
        shop.stop()


@pytest.fixture
def clock(stack: TestStack) -> Clock:
    tick = Clock()
    stack.container.clock = tick
    stack.container.breaker_policy = BreakerPolicy(retry_seconds=0, open_seconds=60)
    stack.container.push_account_budget = 2.5
    return tick


def link_everywhere(stack: TestStack, shops: tuple[ShopSimulator, ...]) -> list[tuple[str, dict]]:
    """Product 1 linked to the first stock row of every shop; ``[(account id, row)]``."""
    links = []
    for shop in shops:
        account = create_account(stack, TENANT, shop, name=f"Sklep {len(links) + 1}")
        links.append((account, stock_rows(shop)[0]))
    refs = [keys.offer_ref(a.id, int(r["id_product"]), int(r["id_product_attribute"])) for a, r in links]
    create_products(stack, TENANT, [1], offer_refs={1: refs})
    for account, row in links:
        link_rows(stack, TENANT, account, [(1, row)])
    return [(a.id, r) for a, r in links]


def delayed_messages(stack: TestStack) -> int:
    attributes = stack.container.sqs.get_queue_attributes(
        QueueUrl=stack.queue_url("StockQueue"), AttributeNames=["ApproximateNumberOfMessagesDelayed"]
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessagesDelayed"])


def given_back(stack: TestStack) -> dict[str, dict]:
    return {json.loads(m["Body"])["account_id"]: m for m in queued(stack)}


def test_a_slow_and_a_dead_shop_cost_only_their_own_rows(stack: TestStack, shops, clock: Clock) -> None:
    healthy, slow, dead = shops
    (_, good_row), (slow_id, slow_row), (dead_id, _) = link_everywhere(stack, shops)
    slow.set_latency(6000)  # a request outlasts the account's 2.5 s budget
    dead.stop()  # connection refused
    api = ApiClient(token=stack.container.tokens.create(TENANT), language="en")
    assert api.put("/stock", {"items": [{"product_id": 1, "quantity": 9}]}).status == 202

    # When the pusher takes the change
    answer = run_pusher(stack, queued(stack))

    # Then the batch's message succeeds, the healthy shop has the quantity, and the slow and
    # the dead shop each got their row back as their own message
    assert failed_ids(answer) == []
    assert shop_quantity(healthy, int(good_row["id"])) == 9
    back = given_back(stack)
    assert set(back) == {slow_id, dead_id}
    assert [c["product_id"] for c in json.loads(back[dead_id]["Body"])["changes"]] == [1]

    # When the slow shop is fast again, its own message brings its row up to date
    slow.set_latency(0)
    assert failed_ids(run_pusher(stack, [back[slow_id]])) == []
    assert shop_quantity(slow, int(slow_row["id"])) == 9


def test_a_shop_that_keeps_failing_is_parked_and_resumes_when_it_answers(stack: TestStack, shops, clock: Clock) -> None:
    healthy, _, failing = shops
    [(_, _), (failing_id, failing_row)] = link_everywhere(stack, (healthy, failing))
    failing.inject_fault("503", count=10_000, path_prefix="stock_availables")
    api = ApiClient(token=stack.container.tokens.create(TENANT), language="pl")
    assert api.put("/stock", {"items": [{"product_id": 1, "quantity": 5}]}).status == 202
    message = queued(stack)[0]

    # When three runs in a row cannot reach the shop (the first two give the row back at once
    # under the test's policy; the third opens the breaker and gives it back 61 s later)
    for attempt in range(3):
        assert failed_ids(run_pusher(stack, [message])) == []
        if attempt < 2:
            message = given_back(stack)[failing_id]
    assert delayed_messages(stack) == 1

    # Then its breaker is open: the account's page and log say so
    page = api.get(f"/accounts/{failing_id}").json
    assert page["stock_push"]["state"] == "parked" and page["stock_push"]["failures"] == 3
    parked = [e for e in logs(stack, account_id=failing_id) if e.action == "stock.push_parked"]
    assert len(parked) == 1 and parked[0].outcome == "error"

    # And while it is open, a push sends nothing to that shop (its row waits, delayed)
    failing.reset_requests()
    clock.now += timedelta(seconds=30)
    assert failed_ids(run_pusher(stack, [message])) == []
    assert failing.request_count == 0

    # When the shop answers again and the breaker's time is up, the next push gets through
    failing.clear_faults()
    clock.now += timedelta(seconds=61)
    assert failed_ids(run_pusher(stack, [message])) == []
    assert shop_quantity(failing, int(failing_row["id"])) == 5
    assert api.get(f"/accounts/{failing_id}").json["stock_push"] is None
    assert next(e.action for e in logs(stack, account_id=failing_id)) == "stock.push_resumed"


def test_shops_that_failed_lately_are_pushed_after_the_healthy_ones(stack: TestStack, shops, clock: Clock) -> None:
    links = link_everywhere(stack, shops)
    by_account = {account_id: shop for (account_id, _), shop in zip(links, shops, strict=True)}
    [*suspects, healthy_id] = sorted(by_account)  # the healthy account would otherwise go last
    for account_id in suspects:
        stack.container.breakers.add_failure(account_id, "shop_unreachable")  # one failure: not open
    api = ApiClient(token=stack.container.tokens.create(TENANT), language="en")
    assert api.put("/stock", {"items": [{"product_id": 1, "quantity": 3}]}).status == 202
    service = stack.container.stock_push_service()
    service.pipeline.account_workers = 1  # one account at a time: the order shows

    # When one push names the three shops (all answering again)
    result = service.push([Delivery(m["MessageId"], m["Body"]) for m in queued(stack)])

    # Then every row is written, the healthy shop's first, so the invocation's account workers
    # never keep it waiting behind shops that failed lately
    assert result.failed_message_ids == set()
    first_request = {a: min(r.started_at for r in shop.requests) for a, shop in by_account.items()}
    assert min(first_request, key=first_request.__getitem__) == healthy_id
    assert all(shop_quantity(shop, int(row["id"])) == 3 for (_, row), shop in zip(links, shops, strict=True))


def test_a_slow_shop_of_one_tenant_never_holds_back_another_tenants_rows(stack: TestStack, shops, clock: Clock) -> None:
    healthy, slow, _ = shops
    slow_account = create_account(stack, TENANT, slow, name="Wolny sklep")
    other = create_account(stack, "tenant-b", healthy, name="Sklep innej firmy")
    slow_row, healthy_row = stock_rows(slow)[0], stock_rows(healthy)[0]
    for tenant_id, account, row in ((TENANT, slow_account, slow_row), ("tenant-b", other, healthy_row)):
        ref = keys.offer_ref(account.id, int(row["id_product"]), int(row["id_product_attribute"]))
        create_products(stack, tenant_id, [1], offer_refs={1: [ref]})
        link_rows(stack, tenant_id, account, [(1, row)])
    slow.set_latency(6000)  # outlasts the 2.5 s budget
    for tenant_id, quantity in ((TENANT, 4), ("tenant-b", 7)):
        api = ApiClient(token=stack.container.tokens.create(tenant_id), language="en")
        assert api.put("/stock", {"items": [{"product_id": 1, "quantity": quantity}]}).status == 202

    # When one invocation gets both tenants' changes, the slow tenant's first
    started = time.time()
    answer = run_pusher(stack, sorted(queued(stack), key=lambda m: json.loads(m["Body"])["tenant_id"]))

    # Then the other tenant's row was written before the slow shop's budget ran out (tenants
    # pushed one after the other, it would have waited for it), and only the slow shop's row
    # went back
    assert failed_ids(answer) == []
    assert shop_quantity(healthy, int(healthy_row["id"])) == 7
    [write] = [r for r in healthy.requests if r.resource == "stock_availables" and r.effective_method != "GET"]
    assert write.started_at + write.duration_ms / 1000 < started + 2.5
    assert set(given_back(stack)) == {slow_account.id}
