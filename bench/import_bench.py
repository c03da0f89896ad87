"""Import benchmark: N shop products x C combinations with stock, through the real importer.

Set-up (not measured): a simulator with the catalogue, the account, mappings, settings and a
default template through the API. Measured: ``POST /accounts/{id}/imports`` (EAN as the unique
identifier, with stock) until ``ImportQueue`` is drained (stage 1, then stage-2 chunks with the
template's concurrency), with the chosen latency on every shop request. Then the same catalogue
is read per record (:func:`bench.baselines.import_per_record`) on a sample of products.
"""

from __future__ import annotations

import json
import math
import time
from typing import Any

from bench import baselines
from bench.harness import BenchStack, MemoryProbe, connect_shop, current_rss_bytes, rss_bytes
from bench.shop import ShopProcess

KEY = "BENCHIMPORTKEY000000000000000001"
MEMORY_KEY = "BENCHMEMORYKEY000000000000000001"
CHUNK_SIZE = 100  # shophub.services.imports.CHUNK_SIZE (products per stage-2 message)


def _is_chunk(event: dict[str, Any]) -> bool:
    try:
        body = json.loads(event["Records"][0]["body"])
    except (KeyError, IndexError, TypeError, ValueError):
        return False
    return bool(body.get("kind") == "chunk")


def _start_import(api: Any, account_id: str) -> str:
    return str(
        api.post(
            f"/accounts/{account_id}/imports", {"mode": "import", "unique_identifier": "ean", "with_stock": True}
        ).expect(202, what="POST imports")["id"]
    )


def memory_pass(stack: BenchStack, combinations: int) -> dict[str, Any]:
    """Peak memory of one stage-2 chunk (CHUNK_SIZE products), measured alone with tracemalloc
    on a second shop (tracemalloc slows moto several times, so the timed run is not traced)."""
    assert stack.invoker is not None
    with ShopProcess(key=MEMORY_KEY, products=CHUNK_SIZE, combinations=combinations, orders=20, seed=9) as shop:
        api = stack.api("bench-memory")
        account_id = connect_shop(stack, api, shop.url, MEMORY_KEY)
        probe = MemoryProbe("ImporterFunction", sample=_is_chunk)
        stack.invoker.probe = probe
        try:
            _start_import(api, account_id)
            stack.drain("ImportQueue", timeout=3600)
        finally:
            stack.invoker.probe = None
    return {
        "chunk_products": CHUNK_SIZE,
        "chunk_variants": CHUNK_SIZE * max(1, combinations),
        "chunk_peak_mb": round(probe.peak_bytes / 1e6, 1),
        "chunk_peak_without_moto_mb": round(probe.worker_peak_bytes / 1e6, 1),
        "moto_retained_mb": round(max(probe.moto_retained, default=0) / 1e6, 1),
    }


def run(
    products: int,
    combinations: int,
    *,
    latency_ms: float,
    baseline_sample: int,
    measure_memory: bool = True,
    log: Any = print,
) -> dict[str, Any]:
    log(f"import: {products} products x {combinations} combinations, latency {latency_ms:g} ms")
    expected_variants = products * max(1, combinations)
    with ShopProcess(key=KEY, products=products, combinations=combinations, orders=20, seed=3) as shop:
        with BenchStack() as stack:
            api = stack.api()
            account_id = connect_shop(stack, api, shop.url, KEY)
            shop.reset_requests()
            shop.set_latency(latency_ms)
            stack.moto.reset()
            ddb_before = stack.dynamodb_requests()
            started = time.perf_counter()
            import_id = _start_import(api, account_id)
            drained = stack.drain("ImportQueue", timeout=7200)
            wall = time.perf_counter() - started
            moto_s = stack.moto.seconds
            ddb = stack.dynamodb_requests() - ddb_before
            stats = shop.stats()
            progress = api.get(f"/accounts/{account_id}/imports/{import_id}").expect(200, what="GET import")
            if progress["status"] != "finished" or progress["failed"] or progress["created"] != expected_variants:
                raise RuntimeError(f"import did not do what was expected ({expected_variants} variants): {progress}")
            shophub: dict[str, Any] = {
                "shop_requests": stats.total,
                "requests_by_kind": stats.by_resource,
                "wall_s": round(wall, 2),
                "products_per_s": round(products / wall, 1),
                "variants_created": progress["created"],
                "invocations": drained.invocations,
                "retried_invocations": len(drained.errors),
                "shop_time_s": round(stats.busy_s, 2),
                "aws_moto_s": round(moto_s, 2),
                "dynamodb_requests": ddb,
                "process_rss_mb": round(current_rss_bytes() / 1e6, 1),
                "process_max_rss_mb": round(rss_bytes() / 1e6, 1),
            }
            log(
                f"  ShopHub: {stats.total} shop requests, {wall:.1f} s ({products / wall:.1f} products/s), "
                f"moto {moto_s:.1f} s"
            )
            if measure_memory:
                shophub["memory"] = memory_pass(stack, combinations)
                log(
                    f"  chunk worker peak: {shophub['memory']['chunk_peak_mb']} MB "
                    f"({shophub['memory']['chunk_peak_without_moto_mb']} MB without moto's table)"
                )
        shop.reset_requests()
        baseline = baselines.run_scaled(
            shop.url,
            KEY,
            lambda client: baselines.import_per_record(client, min(products, baseline_sample or products)),
            records=products,
            listing_for=math.ceil(products / baselines.LIST_PAGE),
            noun="products",
            log=log,
        )
    return {
        "benchmark": "import",
        "latency_ms": latency_ms,
        "products": products,
        "combinations": combinations,
        "variants": expected_variants,
        "shophub": shophub,
        "baseline": baseline.as_dict(),
        "ratio": round(baseline.requests / max(1, shophub["shop_requests"]), 1),
    }
