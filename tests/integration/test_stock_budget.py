"""The stock budget: 10,000 changes over 2,000 products linked to one shop reach the shop in at
most 30 requests, with at most 3 DynamoDB requests per change on average (API and pusher)."""

from __future__ import annotations

import random
import time

import pytest

from local.stack.pump import QueuePump
from local.stack.runtime import Invoker
from shophub.store import keys
from tests.support.api import ApiClient
from tests.support.aws import TestStack
from tests.support.stock import (
    STOCK_QUEUE,
    create_account,
    create_products,
    hub_product,
    link_rows,
    shop_quantity,
    start_shop,
    stock_rows,
)

pytestmark = [pytest.mark.usefixtures("fast_transactions"), pytest.mark.slow]

TENANT = "tenant-a"
PRODUCTS = 2_000
CHANGES = 10_000
PER_REQUEST = 1_000


def burst(rng: random.Random) -> list[list[dict[str, int]]]:
    """10,000 changes in 10 bulk requests of 1,000 items: each request covers a window of 250
    products (consecutive windows overlap by 50, so 500 products change in two requests), every
    product of a window 4 times on average, in random order."""
    requests = []
    for k in range(CHANGES // PER_REQUEST):
        window = [(200 * k + i) % PRODUCTS + 1 for i in range(250)]
        products = window + [rng.choice(window) for _ in range(PER_REQUEST - len(window))]
        rng.shuffle(products)
        requests.append([{"product_id": p, "quantity": rng.randrange(0, 500)} for p in products])
    return requests


def test_ten_thousand_changes_reach_the_shop_in_at_most_thirty_requests(stack: TestStack) -> None:
    # Given 2,000 hub products linked to 2,000 stock rows of one shop
    sim = start_shop(products=PRODUCTS // 2, combinations=2, key="BUDGETKEY00000000000000000000005", seed=5)
    try:
        account = create_account(stack, TENANT, sim)
        rows = stock_rows(sim)
        assert len(rows) == PRODUCTS
        refs = {
            pid: [keys.offer_ref(account.id, int(r["id_product"]), int(r["id_product_attribute"]))]
            for pid, r in enumerate(rows, start=1)
        }
        create_products(stack, TENANT, refs, offer_refs=refs)
        link_rows(stack, TENANT, account, list(enumerate(rows, start=1)))
        api = ApiClient(token=stack.container.tokens.create(TENANT))
        sim.reset_requests()
        started = time.perf_counter()
        dynamo_before = stack.table.request_count

        # When 10,000 changes arrive through the API and the queue is drained
        expected: dict[int, int] = {}
        for items in burst(random.Random(2026)):
            assert api.put("/stock", {"items": items}).status == 202
            expected.update((item["product_id"], item["quantity"]) for item in items)
        api_requests = stack.table.request_count - dynamo_before
        api_seconds = time.perf_counter() - started
        pump = QueuePump(stack, Invoker(stack), sqs=stack.container.sqs, retry_seconds=0, batching_window=0)
        drained = pump.drain(STOCK_QUEUE, timeout=120, concurrency=1)
        dynamo_requests = stack.table.request_count - dynamo_before

        # Then
        shop_requests = sim.request_count
        print(
            f"\nstock budget: {CHANGES} changes over {len(expected)} products, "
            f"{drained.messages} messages in {drained.invocations} invocation(s), "
            f"{shop_requests} shop requests, {dynamo_requests} DynamoDB requests "
            f"({api_requests} API + {dynamo_requests - api_requests} pusher) = "
            f"{dynamo_requests / CHANGES:.3f} per change; API {api_seconds:.1f} s, pusher {drained.elapsed:.1f} s"
        )
        assert len(expected) == PRODUCTS
        assert drained.failures == 0
        assert shop_requests <= 30
        assert dynamo_requests / CHANGES <= 3
        for pid, row in enumerate(rows, start=1):
            assert shop_quantity(sim, int(row["id"])) == expected[pid]
        assert hub_product(stack, TENANT, 1)["stock"] == expected[1]
    finally:
        sim.stop()
