"""Scale benchmark: one tenant, many shops on one ShopFleet, a stock burst with slow and dead shops.

python -m bench.scale_bench [--shops 500] [--variants 100] [--changes 50000]
                            [--bad-shares 0,0.07,0.2] [--workers 4] [--batch 100]
                            [--latency-ms 50] [--slow-ms 2000] [--account-budget 120]
                            [--retry-seconds 1] [--open-seconds 2] [--max-seconds 16]
(also ``python -m bench --only scale [--quick] [--scale-shops N --scale-variants N --scale-changes N]``)

Set-up (not measured): a :class:`~local.prestashop.fleet.ShopFleet` of ``--shops`` shops with
``--variants`` variants each (healthy shops answer in ``--latency-ms``); the hub in-process on moto
(:class:`bench.harness.BenchStack`); one tenant with one account per shop, each account's
variants linked to hub products of its own (products with their ``offer_keys``, offers with their
GSI1 keys, written in batches straight to the table, as the catalogue writes them).

Per bad share (0 %, 7 %, 20 % by default; slow:down = 5:2, the down shops half ``refuse``, half
``timeout``): a burst of ``--changes`` new quantities spread over every shop goes in through
``PUT /stock`` (1,000 items per call) while ``--workers`` threads play the stock pusher's
concurrent invocations (up to ``--batch`` messages each, ``batchItemFailures`` honoured, failed
messages visible again after 1 s, given-back rows reappear after their delay). Measured:

* healthy shops' latency per change: from the start of the ``PUT /stock`` call carrying it to the
  end of the first successful stock PATCH of that shop whose body sets the row to the new
  quantity (the fleet's own request log: each request's wall-clock start and duration);
* shop requests per change (the fleet's request counts), DynamoDB requests per change (every
  request moto receives for DynamoDB, whatever client sent it), stock pusher invocations and
  GB-seconds (the sum of measured invocation times x 0.5 GB, the template's MemorySize);
* recovery: once every healthy shop holds its new rows, the bad shops are brought back (latency
  back to normal, down off) and the pusher goes on until every row of every shop holds the hub's
  quantity (checked by reading every shop's rows twice a second); the time that takes. It is
  mostly the delay the breakers had reached while the shops were bad.

Shop requests, DynamoDB requests, invocations and GB-seconds cover the whole round (burst and
recovery); the JSON also gives the burst's own shop and DynamoDB requests. The shares run in the
order given, each against the quantities the previous one left. Everything (hub, moto, fleet) is
one process: moto serves one request at a time, so the pusher's invocations share its time.

The breaker's delays are shortened (``--retry-seconds`` 1 instead of 10, ``--open-seconds`` 2
instead of 30, doubling up to ``--max-seconds`` 16 instead of 900) so a run does not wait
quarter-hours for delays meant for production; recovery is then measured in seconds.

Invocations and the account budget are set for one shared core, not for Lambda: ``--workers``
4 concurrent invocations (the template allows 50, each with its own CPU; here they share one
core and one serialised DynamoDB mock, so more only adds queueing) of the template's batch of
100 messages, each pushing up to 32 accounts at once (the pusher's own setting), and an account
budget of 120 s instead of 30 s: with 16 invocations and the production budget, healthy shops'
DynamoDB work alone outlasted the budget while queueing for the mock, their rows were given back
and their breakers opened, which measures the emulation rather than the isolation.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
import re
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.harness import TENANT, BenchStack
from local.prestashop.fleet import FleetConfig, ShopFleet, products_for

RESULTS = Path(__file__).resolve().parent / "results"
PUT_ITEMS = 1000
COMBINATIONS = 4
MEMORY_GB = 0.5  # template.yaml Globals MemorySize 512 (the stock pusher does not override it)
SLOW_PART, DOWN_PART = 5, 2
WRITE_CHUNK = 2500
NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
_ROW = re.compile(rb"<stock_available>(.*?)</stock_available>", re.S)
_FIELD = {
    name: re.compile(rb"<" + name.encode() + rb">(?:<!\[CDATA\[)?\s*(-?\d+)\s*(?:\]\]>)?</" + name.encode() + rb">")
    for name in ("id", "quantity")
}


# --- counting DynamoDB requests ----------------------------------------------------------------------


@dataclasses.dataclass
class Counter:
    dynamodb: int = 0


@contextmanager
def counting_dynamodb(counter: Any) -> Iterator[None]:
    """Count every request moto receives for DynamoDB (inside the harness's serialised moto)."""
    from moto.core.botocore_stubber import BotocoreStubber

    inner = BotocoreStubber.process_request

    def process_request(self: Any, request: Any) -> Any:
        if "dynamodb" in str(getattr(request, "url", "")):
            counter.dynamodb += 1
        return inner(self, request)

    setattr(BotocoreStubber, "process_request", process_request)  # noqa: B010
    try:
        yield
    finally:
        setattr(BotocoreStubber, "process_request", inner)  # noqa: B010


# --- set-up -------------------------------------------------------------------------------------------


@dataclasses.dataclass
class Row:
    shop: int
    account_id: str
    product_id: int
    stock_id: int


def set_up(stack: BenchStack, fleet: ShopFleet, variants: int, log: Any) -> list[Row]:
    """One account per shop, each of its first ``variants`` stock rows linked to a hub product."""
    from shophub.domain.accounts import Account
    from shophub.domain.catalog import HubProduct, Offer
    from shophub.domain.config import OrderSettings, ProductSettings, Template, TemplateSync
    from shophub.ids import new_id
    from shophub.store import keys

    container = stack.container
    table = container.table
    items: list[dict[str, Any]] = []
    rows: list[Row] = []
    started = time.perf_counter()
    product_id = 0
    for n in fleet.numbers:
        shop = fleet.shop(n)
        stock = sorted(
            (r for r in shop.data.tables["stock_availables"] if int(r["id_product_attribute"]) != 0),
            key=lambda r: int(r["id"]),
        )[:variants]
        if len(stock) < variants:
            raise RuntimeError(f"shop {n} has {len(stock)} variants, {variants} wanted")
        account_id, template_id = new_id(), new_id()
        secret_ref = container.secrets.put(account_id, fleet.key(n))
        account = Account(
            id=account_id,
            tenant_id=TENANT,
            name=f"Fleet shop {n}",
            shop_url=fleet.shop_url(n),
            secret_ref=secret_ref,
            key_last4=fleet.key(n)[-4:],
            status="connected",
            default_template_id=template_id,
            created_at=NOW,
            updated_at=NOW,
        )
        template = Template(id=template_id, name="Default", sync=TemplateSync(stock=True), created_at=NOW)
        settings = OrderSettings(products=ProductSettings(update_stock=True))
        items += [
            {"PK": keys.tenant_pk(TENANT), "SK": keys.account_sk(account_id), **account.model_dump(mode="json")},
            {
                "PK": keys.account_pk(account_id),
                "SK": keys.template_sk(template_id),
                **template.model_dump(mode="json"),
            },
            {"PK": keys.account_pk(account_id), "SK": keys.ORDER_SETTINGS_SK, **settings.model_dump(mode="json")},
        ]
        for r in stock:
            product_id += 1
            shop_product, variant = int(r["id_product"]), int(r["id_product_attribute"])
            ref = keys.offer_ref(account_id, shop_product, variant)
            product = HubProduct(
                id=product_id,
                tenant_id=TENANT,
                name=f"Product {product_id}",
                stock=int(r["quantity"]),
                created_at=NOW,
                offer_keys=[ref],
            )
            offer = Offer(
                tenant_id=TENANT,
                account_id=account_id,
                hub_product_id=product_id,
                shop_product_id=shop_product,
                shop_variant_id=variant,
                stock_ref=int(r["id"]),
                template_id=template_id,
                pushed_quantity=int(r["quantity"]),
                linked_at=NOW,
            )
            items.append(
                {"PK": keys.tenant_pk(TENANT), "SK": keys.product_sk(product_id), **product.model_dump(mode="json")}
            )
            items.append(
                {
                    "PK": keys.account_pk(account_id),
                    "SK": keys.offer_sk(shop_product, variant),
                    "GSI1PK": keys.product_offers_gsi1pk(TENANT, product_id),
                    "GSI1SK": keys.product_offers_gsi1sk(account_id, shop_product, variant),
                    **offer.model_dump(mode="json"),
                }
            )
            rows.append(Row(n, account_id, product_id, int(r["id"])))
        if len(items) >= WRITE_CHUNK:
            table.batch_write(items)
            items = []
        if n % 100 == 0:
            log(f"  set-up: {n} shops, {len(rows):,} rows linked ({time.perf_counter() - started:.0f} s)")
    if items:
        table.batch_write(items)
    log(
        f"  set-up: {len(rows):,} products and offers over {fleet.config.shops} accounts in "
        f"{time.perf_counter() - started:.1f} s"
    )
    return rows


# --- the pusher's concurrent invocations --------------------------------------------------------------


class Pusher:
    """``workers`` threads, each receiving up to ``batch`` messages and invoking the stock pusher
    (the pump's settle: delete all but ``batchItemFailures``, those visible again after 1 s)."""

    def __init__(self, stack: BenchStack, workers: int, batch: int) -> None:
        assert stack.pump is not None
        self.pump = stack.pump
        [source] = self.pump.sources_of("StockQueue")
        self.source = dataclasses.replace(source, batch_size=batch, batching_window=0)
        self.workers = workers
        self.outcomes: list[Any] = []
        self.errors: list[BaseException] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        self._stop.clear()
        self._threads = [
            threading.Thread(target=self._work, name=f"scale-pusher-{i}", daemon=True) for i in range(self.workers)
        ]
        for thread in self._threads:
            thread.start()

    def _work(self) -> None:
        while not self._stop.is_set():
            try:
                outcome = self.pump.poll(self.source, wait_seconds=0)
            except BaseException as exc:
                with self._lock:
                    self.errors.append(exc)
                time.sleep(0.5)
                continue
            if outcome is None:
                self._stop.wait(0.05)
            else:
                with self._lock:
                    self.outcomes.append(outcome)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=300)
        self._threads = []

    def take(self) -> list[Any]:
        with self._lock:
            taken, self.outcomes = self.outcomes, []
        return taken


# --- measuring -----------------------------------------------------------------------------------------


def patch_writes(fleet: ShopFleet, shops: set[int]) -> dict[tuple[int, int], list[tuple[float, int]]]:
    """``(shop, stock id) → [(end of the successful PATCH, quantity it set)]`` from the request logs."""
    writes: dict[tuple[int, int], list[tuple[float, int]]] = defaultdict(list)
    for n in shops:
        for record in fleet.shop(n).requests:
            if record.resource != "stock_availables" or record.effective_method not in ("PATCH", "PUT"):
                continue
            if record.status != 200 or not record.applied:
                continue
            end = record.started_at + record.duration_ms / 1000
            for block in _ROW.findall(record.body):
                ident, quantity = _FIELD["id"].search(block), _FIELD["quantity"].search(block)
                if ident and quantity:
                    writes[(n, int(ident[1]))].append((end, int(quantity[1])))
    return writes


def consistent(fleet: ShopFleet, rows: list[Row], expected: dict[int, int]) -> int:
    count = 0
    for row in rows:
        if int(fleet.shop(row.shop).data.stock_row(row.stock_id)["quantity"]) == expected[row.product_id]:
            count += 1
    return count


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def split_bad(shops: int, share: float, rng: random.Random) -> tuple[list[int], list[int], list[int]]:
    """(slow, refuse, timeout) shop numbers for ``share`` of the shops, slow:down = 5:2."""
    bad = round(shops * share)
    slow = round(bad * SLOW_PART / (SLOW_PART + DOWN_PART))
    down = bad - slow
    chosen = rng.sample(range(1, shops + 1), bad)
    return sorted(chosen[:slow]), sorted(chosen[slow : slow + down // 2]), sorted(chosen[slow + down // 2 :])


def set_bad(
    fleet: ShopFleet, slow: list[int], refuse: list[int], hang: list[int], *, slow_ms: float, down: Any = ""
) -> None:
    """``slow`` shops at ``slow_ms``; ``refuse`` and ``hang`` down (or, with ``down=None``, back)."""
    for n in slow:
        fleet.set_latency(n, slow_ms)
    for n in refuse:
        fleet.set_down(n, "refuse" if down == "" else down)
    for n in hang:
        fleet.set_down(n, "timeout" if down == "" else down)


def wait_consistent(fleet: ShopFleet, rows: list[Row], expected: dict[int, int], timeout: float) -> int:
    """Poll until every row holds its expected quantity (or ``timeout``); the rows that do."""
    deadline = time.time() + timeout
    while True:
        done = consistent(fleet, rows, expected)
        if done == len(rows) or time.time() > deadline:
            return done
        time.sleep(0.5)


def write_latencies(
    fleet: ShopFleet, rows: list[Row], expected: dict[int, int], call_time: dict[int, float]
) -> tuple[list[float], int]:
    """Seconds from each row's change call to the end of the first successful PATCH that set it
    to the new quantity; and how many rows had no such PATCH."""
    writes = patch_writes(fleet, {row.shop for row in rows})
    latencies: list[float] = []
    missing = 0
    for row in rows:
        target, at = expected[row.product_id], call_time[row.product_id]
        ends = [end for end, q in writes.get((row.shop, row.stock_id), []) if q == target and end >= at]
        if ends:
            latencies.append(min(ends) - at)
        else:
            missing += 1
    return latencies, missing


# --- one round -------------------------------------------------------------------------------------------


def run_round(  # noqa: PLR0915
    stack: BenchStack,
    fleet: ShopFleet,
    pusher: Pusher,
    counter: Any,
    rows: list[Row],
    expected: dict[int, int],
    *,
    round_index: int,
    share: float,
    changes: int,
    args: argparse.Namespace,
    log: Any,
) -> dict[str, Any]:
    rng = random.Random(1000 + round_index)
    slow, refuse, hang = split_bad(fleet.config.shops, share, rng)
    bad = set(slow) | set(refuse) | set(hang)
    set_bad(fleet, slow, refuse, hang, slow_ms=args.slow_ms)
    # the burst: every product once per pass, shops interleaved
    order = list(rows)
    rng.shuffle(order)
    planned: list[tuple[Row, int]] = []
    while len(planned) < changes:
        for row in order[: changes - len(planned)]:
            planned.append((row, 1 + round_index * 1000 + rng.randint(0, 998)))
    healthy_rows = [row for row in rows if row.shop not in bad]
    fleet.reset_requests()
    pusher.take()
    stack.moto.reset()
    dynamo_before = counter.dynamodb
    api = stack.api()
    log(
        f"round {round_index}: bad share {share:g} ({len(slow)} slow at {args.slow_ms:g} ms, {len(refuse)} refuse, "
        f"{len(hang)} timeout), {changes:,} changes"
    )
    started = time.time()
    call_time: dict[int, float] = {}  # product id → start of the PUT carrying its last change
    pusher.start()
    for start in range(0, len(planned), PUT_ITEMS):
        chunk = planned[start : start + PUT_ITEMS]
        at = time.time()
        api.put("/stock", {"items": [{"product_id": r.product_id, "quantity": q} for r, q in chunk]}).expect(
            202, what="PUT /stock"
        )
        for row, quantity in chunk:
            expected[row.product_id] = quantity
            call_time[row.product_id] = at
    api_s = time.time() - started
    # healthy phase: until every healthy shop's changed row holds its quantity
    changed = {row.product_id for row, _ in planned}
    watched = [row for row in healthy_rows if row.product_id in changed]
    done = wait_consistent(fleet, watched, expected, args.phase_timeout)
    if done < len(watched):
        log(f"  healthy phase timed out: {done}/{len(watched)} healthy rows written")
    healthy_done = time.time()
    # latencies of healthy shops' rows, from the fleet's request log
    latencies, missing = write_latencies(fleet, watched, expected, call_time)
    burst_shop_requests = sum(fleet.request_counts().values())
    burst_outcomes = pusher.take()
    burst_dynamo = counter.dynamodb - dynamo_before
    log(
        f"  healthy rows written in {healthy_done - started:.1f} s (API {api_s:.1f} s); p50 "
        f"{percentile(latencies, 0.5):.2f} s, p95 {percentile(latencies, 0.95):.2f} s, "
        f"{len(burst_outcomes)} invocations; {missing} healthy rows without a matching PATCH"
    )
    # the bad shops stay bad until every healthy row is written; then they come back
    consistent_before = consistent(fleet, rows, expected)
    # recovery: bad shops back, drain until every row of every shop equals the hub
    set_bad(fleet, slow, refuse + hang, [], slow_ms=args.latency_ms, down=None)
    back = time.time()
    recovery_deadline = back + args.recovery_timeout
    wait_consistent(fleet, rows, expected, args.recovery_timeout)
    recovered = time.time()
    # the queue must end empty (nothing left to push)
    while stack.pump is not None and not stack.pump.settled_empty("StockQueue") and time.time() < recovery_deadline:
        time.sleep(0.2)
    pusher.stop()
    outcomes = burst_outcomes + pusher.take()
    ok = consistent(fleet, rows, expected)
    hub_sample = rng.sample(rows, min(200, len(rows)))
    hub_wrong = hub_mismatches(stack, hub_sample, expected)
    shop_requests = sum(fleet.request_counts().values())
    dynamo = counter.dynamodb - dynamo_before
    busy = sum(o.duration for o in outcomes)
    result = {
        "bad_share": share,
        "slow_shops": len(slow),
        "refuse_shops": len(refuse),
        "timeout_shops": len(hang),
        "changes": changes,
        "healthy_rows_measured": len(latencies),
        "healthy_rows_unmeasured": missing,
        "healthy_p50_s": round(percentile(latencies, 0.5), 3),
        "healthy_p95_s": round(percentile(latencies, 0.95), 3),
        "healthy_max_s": round(max(latencies, default=float("nan")), 3),
        "healthy_all_written_s": round(healthy_done - started, 2),
        "api_s": round(api_s, 2),
        "consistent_rows_before_recovery": consistent_before,
        "consistent_rows": ok,
        "total_rows": len(rows),
        "hub_sample_mismatches": hub_wrong,
        "recovery_s": round(recovered - back, 2),
        "shop_requests": shop_requests,
        "shop_requests_burst": burst_shop_requests,
        "dynamodb_requests_burst": burst_dynamo,
        "shop_requests_per_change": round(shop_requests / changes, 4),
        "dynamodb_requests": dynamo,
        "dynamodb_requests_per_change": round(dynamo / changes, 3),
        "invocations": len(outcomes),
        "invocations_with_failed_messages": sum(1 for o in outcomes if o.failed_ids),
        "invocation_errors": sum(1 for o in outcomes if o.error),
        "invocation_mean_s": round(busy / max(1, len(outcomes)), 3),
        "gb_seconds": round(busy * MEMORY_GB, 1),
        "moto_s": round(stack.moto.seconds, 1),
        "pusher_errors": [repr(e) for e in pusher.errors[:5]],
    }
    pusher.errors.clear()
    log(
        f"  recovery {result['recovery_s']} s; consistent {ok}/{len(rows)}; {result['shop_requests_per_change']} shop "
        f"and {result['dynamodb_requests_per_change']} DynamoDB requests per change; {len(outcomes)} invocations, "
        f"{result['gb_seconds']} GB-s"
    )
    return result


def hub_mismatches(stack: BenchStack, sample: list[Row], expected: dict[int, int]) -> int:
    from shophub.store import keys

    wrong = 0
    for row in sample:
        item = stack.container.table.get(keys.tenant_pk(TENANT), keys.product_sk(row.product_id), consistent=True)
        if item is None or int(item["stock"]) != expected[row.product_id]:
            wrong += 1
    return wrong


# --- running ---------------------------------------------------------------------------------------------


def run(args: argparse.Namespace, log: Any = print, progress: Any = None) -> dict[str, Any]:
    """Every bad share in turn; ``progress(payload)`` after each one (partial results)."""
    shares = [float(s) for s in str(args.bad_shares).split(",") if s.strip()]
    config = FleetConfig(
        shops=args.shops,
        products=products_for(args.variants, COMBINATIONS),
        combinations=COMBINATIONS,
        orders=0,
        latency_ms=0.0,
        max_hang_s=60.0,
    )
    log(f"scale: {args.shops} shops x {args.variants} variants, {args.changes:,} changes per bad share {shares}")
    counter = Counter()
    results: list[dict[str, Any]] = []
    with ShopFleet(config) as fleet, BenchStack(batching_window=0) as stack, counting_dynamodb(counter):
        from shophub.services.push_breakers import BreakerPolicy

        fleet.build_all()
        container = stack.container
        container.breaker_policy = BreakerPolicy(
            retry_seconds=args.retry_seconds, open_seconds=args.open_seconds, max_seconds=args.max_seconds
        )
        container.push_account_budget = args.account_budget
        rows = set_up(stack, fleet, args.variants, log)
        expected = {row.product_id: int(fleet.shop(row.shop).data.stock_row(row.stock_id)["quantity"]) for row in rows}
        for n in fleet.numbers:
            fleet.set_latency(n, args.latency_ms)
        pusher = Pusher(stack, args.workers, args.batch)
        for index, share in enumerate(shares, start=1):
            if progress is not None and results:
                progress(summarise(args, results))
            results.append(
                run_round(
                    stack,
                    fleet,
                    pusher,
                    counter,
                    rows,
                    expected,
                    round_index=index,
                    share=share,
                    changes=args.changes,
                    args=args,
                    log=log,
                )
            )
    return summarise(args, results)


def summarise(args: argparse.Namespace, results: list[dict[str, Any]]) -> dict[str, Any]:
    base = next((r for r in results if r["bad_share"] == 0.0), None)
    worst = max(results, key=lambda r: r["bad_share"]) if results else None
    goal: dict[str, Any] = {"goal": "healthy p95 at the highest bad share within 1.25x of 0 %; every row equal"}
    if base and worst and worst is not base:
        ratio = worst["healthy_p95_s"] / base["healthy_p95_s"] if base["healthy_p95_s"] else float("inf")
        goal.update(
            p95_ratio=round(ratio, 3),
            p95_met=ratio <= 1.25,
            rows_met=all(r["consistent_rows"] == r["total_rows"] for r in results),
        )
        goal["met"] = goal["p95_met"] and goal["rows_met"]
    return {
        "benchmark": "scale",
        "shops": args.shops,
        "variants": args.variants,
        "changes": args.changes,
        "latency_ms": args.latency_ms,
        "slow_ms": args.slow_ms,
        "workers": args.workers,
        "batch": args.batch,
        "account_budget_s": args.account_budget,
        "breaker_policy": {
            "retry_seconds": args.retry_seconds,
            "open_seconds": args.open_seconds,
            "max_seconds": args.max_seconds,
        },
        "results": results,
        "goal": goal,
    }


def table(payload: dict[str, Any]) -> str:
    header = [
        "bad share",
        "healthy p50",
        "p95",
        "max",
        "consistent / rows",
        "shop req/change",
        "DDB req/change",
        "invocations",
        "GB-s",
        "recovery",
    ]
    lines = [header]
    for r in payload["results"]:
        lines.append(
            [
                f"{r['bad_share'] * 100:g} %",
                f"{r['healthy_p50_s']:.2f} s",
                f"{r['healthy_p95_s']:.2f} s",
                f"{r['healthy_max_s']:.2f} s",
                f"{r['consistent_rows']:,} / {r['total_rows']:,}",
                f"{r['shop_requests_per_change']:.3f}",
                f"{r['dynamodb_requests_per_change']:.2f}",
                str(r["invocations"]),
                f"{r['gb_seconds']:.1f}",
                f"{r['recovery_s']:.1f} s",
            ]
        )
    widths = [max(len(row[i]) for row in lines) for i in range(len(header))]
    out = ["| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |" for row in lines]
    out.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    goal = payload["goal"]
    if "met" in goal:
        out.append(
            f"goal: healthy p95 at the highest bad share {goal['p95_ratio']}x the 0 % figure (<= 1.25x: "
            f"{'met' if goal['p95_met'] else 'NOT met'}); every row equal: {'yes' if goal['rows_met'] else 'NO'}"
        )
    return "\n".join(out)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--shops", type=int, default=500)
    parser.add_argument("--variants", type=int, default=100, help="variants per shop, each linked")
    parser.add_argument("--changes", type=int, default=50_000, help="stock changes per bad share")
    parser.add_argument("--bad-shares", default="0,0.07,0.2")
    parser.add_argument("--workers", type=int, default=4, help="concurrent stock pusher invocations")
    parser.add_argument("--batch", type=int, default=100, help="messages per invocation (the template's BatchSize)")
    parser.add_argument("--slow-ms", type=float, default=2000.0)
    parser.add_argument(
        "--account-budget", type=float, default=120.0, help="seconds per account per push (production: 30)"
    )
    parser.add_argument("--retry-seconds", type=int, default=1, help="delay of given-back rows, breaker closed")
    parser.add_argument("--open-seconds", type=int, default=2, help="first delay once the breaker opens")
    parser.add_argument("--max-seconds", type=int, default=16, help="longest breaker delay (production: 900)")
    parser.add_argument("--phase-timeout", type=float, default=1800.0)
    parser.add_argument("--recovery-timeout", type=float, default=1800.0)


def write(payload: dict[str, Any], directory: Path = RESULTS, stamp: str | None = None) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    stamp = stamp or datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = directory / f"scale-{stamp}.json"
    path.write_text(json.dumps(payload, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path


#: ``--quick`` sizes (``python -m bench --quick --only scale``).
QUICK = ["--shops", "50", "--variants", "20", "--changes", "1000"]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.scale_bench", description=__doc__.split("\n")[0])
    add_arguments(parser)
    parser.add_argument("--latency-ms", type=float, default=50.0, help="healthy shops' time per request")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)

    def log(text: str) -> None:
        print(text, flush=True)

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    payload = run(args, log, progress=lambda partial: write({**partial, "partial": True}, stamp=stamp))
    path = write(payload, stamp=stamp)
    print()
    print(table(payload))
    print(f"JSON: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
