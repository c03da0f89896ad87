"""Order polls, one shop at a time: a slow shop's poll never delays another account's, and a shop
that stays down has its polls parked by its circuit breaker instead of filling the dead-letter
queue with a failed message every five minutes.

Through the real poll worker on moto and simulated PrestaShop shops."""

from __future__ import annotations

import json
import os
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
import yaml

from local.stack.events import LambdaContext, sqs_event_from_bodies
from shophub.domain.orders import PollOrdersJob
from shophub.errors import ShopTransientError
from shophub.observability import metrics as powertools_metrics
from shophub.services.push_breakers import BreakerPolicy
from tests.support.api import ApiClient
from tests.support.aws import TestStack
from tests.support.config import logs
from tests.support.orders import TENANT, Shop, TestContainer, connect_shop

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"


class _Loader(yaml.SafeLoader):
    """template.yaml with its intrinsic functions read as plain values."""


_Loader.add_multi_constructor("!", lambda loader, suffix, node: None)


def poller_trigger() -> dict:
    template = yaml.load(TEMPLATE.read_text(encoding="utf-8"), Loader=_Loader)
    events = template["Resources"]["OrderPollerFunction"]["Properties"]["Events"]
    [queue_event] = [e["Properties"] for e in events.values() if e["Type"] == "SQS"]
    return queue_event


def poller_handler():
    from functions.order_poller import handler

    return handler.handler


def poll_job(account_id: str, reason: str = "schedule") -> PollOrdersJob:
    return PollOrdersJob(tenant_id=TENANT, account_id=account_id, reason=reason)  # type: ignore[arg-type]


def order_ids(shop: Shop) -> set[int]:
    return {o.shop_order_id for o in shop.stored_orders()}


def test_a_slow_shops_poll_does_not_delay_another_accounts(stack: TestStack, container: TestContainer, shops) -> None:
    slow = connect_shop(stack, container, orders=3, seed=1)
    healthy = connect_shop(stack, container, orders=3, seed=2)
    shops += [slow, healthy]
    slow.sim.set_latency(1500)

    # The template delivers one account per invocation and caps no concurrency
    trigger = poller_trigger()
    assert trigger["BatchSize"] == 1 and "ScalingConfig" not in trigger

    # When both accounts' polls run as two invocations, the slow one first
    finished: dict[str, float] = {}

    def run(account_id: str) -> None:
        container.order_poll_service.poll(poll_job(account_id))
        finished[account_id] = time.monotonic()

    threads = [threading.Thread(target=run, args=(s.account.id,)) for s in (slow, healthy)]
    for thread in threads:
        thread.start()
        time.sleep(0.05)
    for thread in threads:
        thread.join(timeout=60)

    # Then the healthy shop's orders landed before the slow shop's poll ended, and both landed
    assert finished[healthy.account.id] < finished[slow.account.id]
    assert len(order_ids(healthy)) == 3
    assert len(order_ids(slow)) == 3


def test_a_shop_that_stays_down_has_its_polls_parked_then_resumed(
    stack: TestStack, container: TestContainer, shops
) -> None:
    container.breaker_policy = BreakerPolicy(retry_seconds=0, open_seconds=60)
    shop = connect_shop(stack, container, orders=3)
    shops.append(shop)
    shop.sim.inject_fault("503", count=100_000)
    service = container.order_poll_service
    account_id = shop.account.id
    api = ApiClient(token=container.tokens.create(TENANT), language="pl")

    # When a poll message's first four deliveries cannot reach the shop, it comes back each time
    # (SQS retries it: a passing burst of errors is ridden out)
    for attempt in (1, 2, 3, 4):
        with pytest.raises(ShopTransientError):
            service.poll(poll_job(account_id), attempt=attempt)
    page = api.get(f"/accounts/{account_id}").json
    assert page["order_poll"]["state"] == "failing" and page["order_poll"]["failures"] == 4

    # When its last delivery fails too, the breaker opens and the message ends there, not in
    # the dead-letter queue
    assert service.poll(poll_job(account_id), attempt=5).outcome == "parked"
    page = api.get(f"/accounts/{account_id}").json
    assert page["order_poll"]["state"] == "parked" and page["order_poll"]["failures"] == 5
    parked = [e for e in logs(stack, account_id=account_id) if e.action == "orders.poll_parked"]
    assert len(parked) == 1 and parked[0].outcome == "error"
    assert "wstrzymano" in parked[0].message

    # While it is open, a scheduled poll sends nothing to the shop
    shop.sim.reset_requests()
    assert service.poll(poll_job(account_id)).outcome == "parked"
    assert shop.sim.request_count == 0

    # A poll the merchant asks for still goes to the shop; failing, it opens the breaker again
    # at once, for twice as long, without a retry
    assert service.poll(poll_job(account_id, "manual")).outcome == "parked"
    assert shop.sim.request_count > 0
    assert order_ids(shop) == set()

    # When the shop answers again and the breaker's time is up (480 s after the 6th failure),
    # the next scheduled poll gets through: the orders land, the breaker is closed, the log says so
    shop.sim.clear_faults()
    container.offset += timedelta(seconds=481)
    assert service.poll(poll_job(account_id)).outcome == "done"
    assert len(order_ids(shop)) == 3
    assert api.get(f"/accounts/{account_id}").json["order_poll"] is None
    actions = [e.action for e in logs(stack, account_id=account_id)]
    assert "orders.poll_resumed" in actions
    assert actions.index("orders.poll_resumed") < actions.index("orders.poll_parked")


def test_a_parked_poll_sends_nothing_and_publishes_the_open_breaker_metric(
    stack: TestStack, container: TestContainer, shops, capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")  # the tests' stack turns metrics off
    shop = connect_shop(stack, container, orders=1)
    shops.append(shop)
    breakers, now = container.order_poll_breakers, container.clock()
    for _ in range(5):
        breakers.add_failure(shop.account.id, "shop_unreachable")
    breakers.open(shop.account.id, until=now + timedelta(minutes=4), at=now, first=True)
    event = sqs_event_from_bodies(
        [poll_job(shop.account.id).model_dump(mode="json")], stack.queue_arn("OrderPollQueue")
    )
    capsys.readouterr()
    powertools_metrics.clear_metrics()  # what earlier tests of this process added while metrics were off

    # When the schedule's poll of that account arrives
    answer = poller_handler()(event, LambdaContext("order-poller", timeout_seconds=120))

    # Then it succeeds without a request to the shop, and the function publishes the metric the
    # open-breaker alarm watches (with the stage the alarm names)
    assert answer == {"batchItemFailures": []}
    assert shop.sim.request_count == 0
    emitted = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    [metrics] = [e for e in emitted if "OpenCircuitBreakers" in e]
    assert metrics["OpenCircuitBreakers"] == [1.0]
    assert metrics["Stage"] == os.environ["SHOPHUB_STAGE"]
