"""Stock benchmark: a burst of K stock changes over P hub products, to the shop.

Set-up (not measured): a simulator whose P variants (P/5 products x 5 combinations) are
imported through the real importer, so every hub product is linked to one shop stock row.
Measured, with the chosen latency on every shop request: the burst goes in through
``PUT /stock`` (1,000 items per call, random products with repeats, seeded) while the stock
pusher runs as its event source mapping would (``StockQueue``: batches of up to 100 messages,
the 5 s batching window, 2 concurrent invocations) — from the first API call to the shop's last
write. Every linked row must end with the product's last quantity of the burst. The baseline
applies the same changes one per record (:func:`bench.baselines.stock_per_record`) on a sample.
"""

from __future__ import annotations

import random
import threading
import time
from typing import Any

from bench import baselines
from bench.harness import BenchStack, connect_shop
from bench.shop import ShopProcess

KEY = "BENCHSTOCKKEY0000000000000000001"
COMBINATIONS = 5
PUT_ITEMS = 1000  # items per PUT /stock (the API's maximum)


def _linked_rows(api: Any, account_id: str, import_id: str) -> dict[int, tuple[int, int]]:
    """hub product id → (shop product, combination), from the import's items."""
    rows: dict[int, tuple[int, int]] = {}
    token = ""
    while True:
        query = "status=imported&limit=200" + (f"&next={token}" if token else "")
        page = api.get(f"/accounts/{account_id}/imports/{import_id}/items", query=query).expect(200, what="GET items")
        for item in page["items"]:
            rows[int(item["hub_product_id"])] = (int(item["shop_product_id"]), int(item["shop_combination_id"] or 0))
        token = page.get("next") or ""
        if not token:
            return rows


def burst(product_ids: list[int], changes: int, seed: int = 7) -> list[tuple[int, int]]:
    rng = random.Random(seed)
    return [(rng.choice(product_ids), rng.randint(0, 500)) for _ in range(changes)]


def _push_stock(
    stack: BenchStack, api_done: threading.Event, pushes: dict[str, int], failures: list[BaseException]
) -> None:
    """The stock pusher's event source mapping: drain ``StockQueue`` until the API calls are done
    and the queue has settled empty, counting invocations and retried ones into ``pushes``."""
    try:
        while True:
            finished = api_done.is_set()
            drained = stack.drain("StockQueue", timeout=3600)
            pushes["invocations"] += drained.invocations
            pushes["retried"] += len(drained.errors)
            if finished and stack.pump is not None and stack.pump.settled_empty("StockQueue"):
                return
            time.sleep(0.05)
    except BaseException as exc:
        failures.append(exc)


def _check_last_quantities(
    shop: ShopProcess, planned: list[tuple[int, int]], linked: dict[int, tuple[int, int]]
) -> dict[int, int]:
    """The last quantity of each changed product; raises unless its linked shop row holds it."""
    final = dict(planned)  # the last quantity of each product wins
    in_shop = {(p, a): q for _, p, a, q in shop.stock_rows()}
    wrong = [pid for pid, qty in final.items() if in_shop.get(linked[pid]) != qty]
    if wrong:
        raise RuntimeError(f"{len(wrong)} shop rows do not hold the last quantity (e.g. product {wrong[0]})")
    return final


def run(
    changes: int,
    products: int,
    *,
    latency_ms: float,
    baseline_sample: int,
    batching_window: float | None = None,
    log: Any = print,
) -> dict[str, Any]:
    log(f"stock: {changes} changes over {products} products, latency {latency_ms:g} ms")
    shop_products = max(1, products // COMBINATIONS)
    with ShopProcess(key=KEY, products=shop_products, combinations=COMBINATIONS, orders=20, seed=5) as shop:
        with BenchStack(batching_window=batching_window) as stack:
            api = stack.api()
            account_id = connect_shop(stack, api, shop.url, KEY)
            import_id = api.post(
                f"/accounts/{account_id}/imports", {"mode": "import", "unique_identifier": "ean", "with_stock": True}
            ).expect(202, what="POST imports")["id"]
            stack.drain("ImportQueue", timeout=3600)
            linked = _linked_rows(api, account_id, import_id)
            if len(linked) != shop_products * COMBINATIONS:
                raise RuntimeError(f"set-up: {len(linked)} linked variants, {shop_products * COMBINATIONS} expected")
            planned = burst(sorted(linked), changes)
            shop.reset_requests()
            shop.set_latency(latency_ms)
            stack.moto.reset()

            api_done = threading.Event()
            failures: list[BaseException] = []
            pushes = {"invocations": 0, "retried": 0}
            worker = threading.Thread(
                target=_push_stock,
                args=(stack, api_done, pushes, failures),
                name="bench-stock-pusher",
                daemon=True,
            )
            started_wall, started = time.time(), time.perf_counter()
            worker.start()
            try:
                for start in range(0, len(planned), PUT_ITEMS):
                    items = [{"product_id": p, "quantity": q} for p, q in planned[start : start + PUT_ITEMS]]
                    api.put("/stock", {"items": items}).expect(202, what="PUT /stock")
                api_s = time.perf_counter() - started
            finally:
                api_done.set()
                worker.join()
            drained_s = time.perf_counter() - started
            if failures:
                raise failures[0]
            stats = shop.stats()
            moto_s = stack.moto.seconds
            final = _check_last_quantities(shop, planned, linked)
            end_to_end = (stats.last_write_end or started_wall) - started_wall
            shophub: dict[str, Any] = {
                "shop_requests": stats.total,
                "requests_by_kind": stats.by_resource,
                "distinct_products": len(final),
                "end_to_end_s": round(end_to_end, 2),
                "api_s": round(api_s, 2),
                "until_drained_s": round(drained_s, 2),
                "shop_time_s": round(stats.busy_s, 2),
                "aws_moto_s": round(moto_s, 2),
                "pusher_invocations": pushes["invocations"],
                "retried_invocations": pushes["retried"],
                "stock_reports": len(
                    api.get(f"/accounts/{account_id}/reports", query="type=stock&limit=100").expect(200)["items"]
                ),
            }
        log(
            f"  ShopHub: {stats.total} shop requests for {len(final)} changed rows, {end_to_end:.1f} s from the "
            f"first API call to the last shop write (API {api_s:.1f} s, moto {moto_s:.1f} s)"
        )
        shop.reset_requests()
        sample = planned[: min(changes, baseline_sample or changes)]
        baseline = baselines.run_scaled(
            shop.url,
            KEY,
            lambda client: baselines.stock_per_record(client, [(*linked[p], q) for p, q in sample]),
            records=changes,
            listing_for=0,
            noun="changes",
            log=log,
        )
    return {
        "benchmark": "stock",
        "latency_ms": latency_ms,
        "changes": changes,
        "products": len(linked),
        "shophub": shophub,
        "baseline": baseline.as_dict(),
        "ratio": round(baseline.requests / max(1, shophub["shop_requests"]), 1),
    }
