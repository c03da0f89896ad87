"""The benchmarks at toy sizes: each runs end to end (the real handlers, the simulator in its own
process, the per-record baseline) and ShopHub needs fewer shop requests than the baseline.

Each benchmark checks its own outcome and raises when it is wrong (the import created every
variant, every stock row holds the last quantity of the burst, every order is listed)."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from bench import coldstart, import_bench, orders_bench, stock_bench


def _quiet(_text: str) -> None:
    return None


def _requests(result: dict[str, Any]) -> tuple[int, int]:
    return result["shophub"]["shop_requests"], result["baseline"]["requests"]


def test_the_import_benchmark_reads_the_catalogue_in_batches() -> None:
    result = import_bench.run(20, 2, latency_ms=0, baseline_sample=20, measure_memory=False, log=_quiet)

    shophub, baseline = _requests(result)
    assert result["shophub"]["variants_created"] == 40
    # one listing page, one page of products, combinations, option values, stock rows, taxes
    assert shophub <= 8
    # the per-record run: the listing, then each product, each combination, each stock row
    assert baseline == 1 + 20 + 40 + 40
    assert result["baseline"]["extrapolated"] is False


def test_the_stock_benchmark_pushes_a_burst_in_one_request_per_hundred_rows() -> None:
    result = stock_bench.run(100, 20, latency_ms=0, baseline_sample=100, batching_window=0, log=_quiet)

    shophub, baseline = _requests(result)
    assert result["shophub"]["distinct_products"] <= 20
    assert result["shophub"]["requests_by_kind"] == {"PATCH stock_availables": shophub}
    assert shophub <= 2
    assert baseline == 3 * 100


def test_the_orders_benchmark_reads_orders_with_their_customers_and_addresses_in_batches() -> None:
    result = orders_bench.run(20, latency_ms=0, baseline_sample=20, log=_quiet)

    shophub, baseline = _requests(result)
    assert shophub <= 7
    assert baseline >= 1 + 4 * 20
    assert shophub < baseline


def test_the_cold_start_benchmark_imports_as_the_lambda_runtime_does(tmp_path) -> None:
    probe = (
        "import json, sys; from shophub.observability import tracer; import aws_xray_sdk.core as x;"
        "print(json.dumps([tracer.disabled, type(x.xray_recorder.sampler).__name__, 'requests' in sys.modules]))"
    )
    env = coldstart.lambda_environment(str(tmp_path))
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=env, check=True, cwd=coldstart.ROOT
    )
    disabled, sampler, requests_loaded = json.loads(out.stdout.strip().splitlines()[-1])
    # tracing on, the sampling decision left to Lambda (no sampler with its own AWS clients), and
    # only botocore and httpx patched: the installed ``requests`` is not imported for patching
    assert (disabled, sampler, requests_loaded) == (False, "LocalSampler", False)

    result = coldstart.run(1, uncompiled_samples=1, handlers=("functions.authorizer.handler",))
    (row,) = result["handlers"]
    assert row["handler"] == "functions.authorizer.handler"
    assert row["import_ms"] > 0 and row["ratio"] > 0 and row["without_bytecode_ms"] > row["import_ms"]
