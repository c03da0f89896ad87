"""Stock sync under trouble: a burst of changes through the API, 10% of shop requests failing,
messages delivered out of order, twice, and two at a time, a worker that fails after writing to
the shop and an invocation that crashes after pushing. At the end every linked row holds the
hub's newest quantity and the sync reports account for every row."""

from __future__ import annotations

import os
import random
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from local.stack.events import sqs_event
from local.stack.moto_patches import item_level_transaction_rollback
from local.stack.runtime import Invoker
from shophub.store import keys
from tests.support.api import ApiClient
from tests.support.aws import TestStack
from tests.support.stock import (
    STOCK_QUEUE,
    ShopAccount,
    create_account,
    create_products,
    hub_product,
    link_rows,
    queued,
    shop_quantity,
    start_shop,
    stock_reports,
    stock_rows,
)

pytestmark = pytest.mark.slow

TENANT = "tenant-a"
SEED = 20261127
# The default burst (1,200 changes) keeps CI fast; the full-size burst of the issue runs with
# SHOPHUB_RELIABILITY_SCALE=full (10,000 changes over 400 products in two shops).
_FULL = os.environ.get("SHOPHUB_RELIABILITY_SCALE") == "full"
PRODUCTS = 400 if _FULL else 80
REQUESTS = 20 if _FULL else 24
PHASES = 5 if _FULL else 6
ITEMS_PER_REQUEST = 500 if _FULL else 50
FAULT_RATE = 0.10
CONCURRENCY = 2  # the event source mapping's MaximumConcurrency


class Crashes:
    """The worker failures the run goes through, once each."""

    def __init__(self, stack: TestStack) -> None:
        self.lock = threading.Lock()
        self.pushes = 0
        self.connector_crashes = 0
        self.invocation_crashes = 0
        container = stack.container
        real_connector_for = container.connector_for
        real_record = container.offer_stock_repository.record_pushed

        def connector_for(account: Any, **kwargs: Any) -> Any:
            connector = real_connector_for(account, **kwargs)
            real_push = connector.push_stock

            def push_stock(updates: Any) -> Any:
                outcomes = real_push(updates)
                with self.lock:
                    self.pushes += 1
                    crash = self.pushes == 3
                    self.connector_crashes += crash
                if crash:
                    raise RuntimeError("worker failed after writing to the shop")
                return outcomes

            connector.push_stock = push_stock
            return connector

        def record_pushed(*args: Any, **kwargs: Any) -> Any:
            with self.lock:
                crash = self.pushes >= 6 and self.invocation_crashes == 0
                self.invocation_crashes += crash
            if crash:
                raise RuntimeError("invocation crashed before recording its pushes")
            return real_record(*args, **kwargs)

        container.connector_for = connector_for
        container.offer_stock_repository.record_pushed = record_pushed


class Delivery:
    """What SQS and the event source mapping do, at their worst: random small batches in random
    order, two invocations at a time, old messages delivered once more later (stale duplicates),
    failed messages and crashed batches delivered again."""

    def __init__(self, rng: random.Random, invoke: Callable[[list[dict[str, Any]]], Any]) -> None:
        self.rng = rng
        self.invoke = invoke
        self.pending: list[dict[str, Any]] = []
        self.delivered: list[dict[str, Any]] = []
        self.figures = {"invocations": 0, "deliveries": 0, "redeliveries": 0, "duplicates": 0, "crashed_batches": 0}

    def run(self, rounds: int) -> None:
        for _ in range(rounds):
            if not self.pending:
                return
            self._round()

    def drain(self) -> None:
        for _ in range(500):
            if not self.pending:
                return
            self._round()
        raise AssertionError(f"{len(self.pending)} messages never succeeded")

    def _round(self) -> None:
        rng = self.rng
        rng.shuffle(self.pending)
        batches = []
        for _ in range(CONCURRENCY):
            if not self.pending:
                break
            size = rng.randint(1, min(6, len(self.pending)))
            batch, self.pending = self.pending[:size], self.pending[size:]
            if self.delivered and rng.random() < 0.5:
                batch.append(rng.choice(self.delivered))
                self.figures["duplicates"] += 1
            batches.append(batch)
        with ThreadPoolExecutor(max_workers=len(batches)) as pool:
            answers = list(pool.map(lambda b: _safe(self.invoke, b), batches))
        for batch, answer in zip(batches, answers, strict=True):
            self.figures["invocations"] += 1
            self.figures["deliveries"] += len(batch)
            if isinstance(answer, Exception):
                failed = {m["MessageId"] for m in batch}
                self.figures["crashed_batches"] += 1
            else:
                failed = {f["itemIdentifier"] for f in answer.get("batchItemFailures", [])}
            for message in batch:
                if message["MessageId"] in failed:
                    if message not in self.pending:
                        self.pending.append(message)
                        self.figures["redeliveries"] += 1
                elif message not in self.delivered:
                    self.delivered.append(message)


def _safe(invoke: Callable[[list[dict[str, Any]]], Any], batch: list[dict[str, Any]]) -> Any:
    try:
        return invoke(batch)
    except Exception as exc:
        return exc


def linked_shop(stack: TestStack, key: str, seed: int) -> tuple[Any, ShopAccount]:
    sim = start_shop(products=PRODUCTS // 2, combinations=2, key=key, seed=seed)
    return sim, create_account(stack, TENANT, sim)


def test_every_row_ends_with_the_newest_quantity_whatever_happens(stack: TestStack) -> None:
    rng = random.Random(SEED)
    with item_level_transaction_rollback():
        # Given two shops, each linking every hub product
        shops = [
            linked_shop(stack, "RELIABLEKEYA00000000000000000001", 1),
            linked_shop(stack, "RELIABLEKEYB00000000000000000002", 2),
        ]
        try:
            refs: dict[int, list[str]] = {pid: [] for pid in range(1, PRODUCTS + 1)}
            for sim, account in shops:
                for pid, row in enumerate(stock_rows(sim), start=1):
                    refs[pid].append(
                        keys.offer_ref(account.id, int(row["id_product"]), int(row["id_product_attribute"]))
                    )
            create_products(stack, TENANT, refs, offer_refs=refs)
            for sim, account in shops:
                link_rows(stack, TENANT, account, list(enumerate(stock_rows(sim), start=1)))
            api = ApiClient(token=stack.container.tokens.create(TENANT))
            dynamo_before = stack.table.request_count

            # When changes keep arriving while earlier ones are pushed through faults,
            # reordering, duplicates and crashes
            for index, (sim, _) in enumerate(shops):
                sim.set_fault_rate(FAULT_RATE, seed=SEED + index, kinds=("500", "503"))
                sim.reset_requests()
            crashes = Crashes(stack)
            invoker = Invoker(stack)
            arn = stack.queue_arn(STOCK_QUEUE)
            delivery = Delivery(rng, lambda batch: invoker.invoke("StockPusherFunction", sqs_event(batch, arn)))
            changes = messages = 0
            for _ in range(PHASES):
                for _ in range(REQUESTS // PHASES):
                    items = [
                        {"product_id": rng.randint(1, PRODUCTS), "quantity": rng.randrange(0, 300)}
                        for _ in range(ITEMS_PER_REQUEST)
                    ]
                    assert api.put("/stock", {"items": items}).status == 202
                    changes += len(items)
                arrived = queued(stack)
                messages += len(arrived)
                delivery.pending += arrived
                delivery.run(rounds=rng.randint(1, 3))
            delivery.drain()
            figures = delivery.figures
            for sim, _ in shops:
                sim.set_fault_rate(0.0)

            # Then every linked row holds the hub's newest quantity
            final = {pid: int(hub_product(stack, TENANT, pid)["stock"]) for pid in refs}
            wrong = [
                (account.id, link.product_id)
                for sim, account in shops
                for link in account.links
                if shop_quantity(sim, link.stock_id) != final[link.product_id]
            ]
            assert wrong == []

            # ... and the reports account for every row: its newest quantity was reported written
            for _, account in shops:
                reported: dict[int, set[int]] = {}
                for report, entries in stock_reports(stack, account.id):
                    counted = sum(report["summary"][k] for k in ("ok", "failed", "unchanged", "skipped"))
                    assert counted == len(entries)
                    for entry in entries:
                        if entry["outcome"] == "ok":
                            reported.setdefault(entry["hub_product_id"], set()).add(entry["new"])
                assert all(final[link.product_id] in reported.get(link.product_id, set()) for link in account.links)

            shop_requests = sum(sim.request_count for sim, _ in shops)
            faults = sum(1 for sim, _ in shops for r in sim.requests if r.fault)
            dynamo = stack.table.request_count - dynamo_before
            print(
                f"\nstock reliability: {changes} changes, {messages} messages, "
                f"{figures['invocations']} invocations ({figures['crashed_batches']} crashed), "
                f"{figures['deliveries']} deliveries ({figures['duplicates']} stale duplicates, "
                f"{figures['redeliveries']} redeliveries), {shop_requests} shop requests, "
                f"{faults} faults injected (each retried), {crashes.connector_crashes} worker failure(s) after "
                f"a write, {crashes.invocation_crashes} invocation crash(es), "
                f"{dynamo} DynamoDB requests = {dynamo / changes:.3f} per change"
            )
            assert faults > 0
            assert crashes.connector_crashes == 1
            assert crashes.invocation_crashes == 1
            assert figures["redeliveries"] > 0
        finally:
            for sim, _ in shops:
                sim.stop()
