"""Cold start: import time of each handler module against a bare import of the libraries.

Each sample is a fresh interpreter (``python -X importtime`` is not used: we time the whole
import in-process with ``perf_counter`` inside a new process, like a Lambda init does). The
baseline imports boto3, httpx, pydantic and aws_lambda_powertools (the Logger/Metrics/Tracer
and event handler modules every handler needs); a handler's figure is divided by it. A second
baseline also creates the Powertools objects every handler creates (``Tracer()`` loads the
X-Ray SDK), and :func:`breakdown` says what each handler imports on top of the libraries.

Bytecode: a first run writes every module's bytecode to a private cache directory
(``PYTHONPYCACHEPREFIX``, so nothing is written into the source tree or the virtual
environment, and a ``PYTHONDONTWRITEBYTECODE`` set for the machine does not turn every sample
into a compilation); the timed samples read it, so they measure importing, not compiling.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

BASELINE = (
    "import boto3, httpx, pydantic, aws_lambda_powertools;"
    "from aws_lambda_powertools import Logger, Metrics, Tracer;"
    "from aws_lambda_powertools.event_handler import APIGatewayHttpResolver;"
    "from aws_lambda_powertools.utilities.batch import BatchProcessor"
)

#: The same libraries with the three Powertools objects every handler creates at import time
#: (``Tracer()`` loads the X-Ray SDK): what a handler cannot avoid by using Powertools.
BASELINE_IN_USE = BASELINE + (
    ";Logger(service='x'); Metrics(namespace='x', service='x'); Tracer(service='x');"
    "APIGatewayHttpResolver(); BatchProcessor(event_type=__import__("
    "'aws_lambda_powertools.utilities.batch', fromlist=['EventType']).EventType.SQS)"
)

HANDLERS = (
    "functions.authorizer.handler",
    "functions.connection_check.handler",
    "functions.api.handler",
    "functions.importer.handler",
    "functions.order_poller.handler",
    "functions.order_pusher.handler",
    "functions.stock_pusher.handler",
)


def _time_import(statement: str, cache: str, *, write_bytecode: bool = False) -> float:
    code = f"import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
    env = {
        **os.environ,
        "PYTHONPATH": f"{ROOT}:{ROOT / 'shared'}",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "AWS_DEFAULT_REGION": "eu-central-1",
        "PYTHONPYCACHEPREFIX": cache,
    }
    if write_bytecode:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
    else:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True, cwd=ROOT)
    return float(out.stdout.strip().splitlines()[-1])


def _present(module: str) -> bool:
    return (ROOT / (module.replace(".", "/") + ".py")).exists()


def breakdown(module: str, cache: str) -> dict[str, float]:
    """Milliseconds (self time) per top-level package that ``module`` imports on top of the bare
    libraries (``python -X importtime``, after the baseline statement in the same interpreter)."""
    marker = "@@shophub-coldstart@@"
    code = f"{BASELINE}; import sys; sys.stderr.write('{marker}\\n'); sys.stderr.flush(); import {module}"
    env = {
        **os.environ,
        "PYTHONPATH": f"{ROOT}:{ROOT / 'shared'}",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "AWS_DEFAULT_REGION": "eu-central-1",
        "PYTHONPYCACHEPREFIX": cache,
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True, env=env, check=True, cwd=ROOT
    )
    after = out.stderr.split(marker, 1)[-1]
    totals: dict[str, float] = {}
    for line in after.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        parts = line.split("|")
        try:
            self_us = int(parts[0].split(":")[1].strip())
        except (IndexError, ValueError):
            continue
        package = parts[2].strip().split(".")[0]
        totals[package] = totals.get(package, 0.0) + self_us / 1000
    return dict(sorted(((k, round(v, 1)) for k, v in totals.items()), key=lambda kv: -kv[1]))


def run(samples: int = 7) -> dict[str, Any]:
    modules = [m for m in HANDLERS if _present(m)]
    with tempfile.TemporaryDirectory(prefix="shophub-pycache-") as cache:
        # Write the bytecode of everything once, so the samples measure imports, not compilation.
        _time_import(BASELINE_IN_USE, cache, write_bytecode=True)
        for module in modules:
            _time_import(f"import {module}", cache, write_bytecode=True)
        # Samples interleaved (baseline, each handler, again...), so a busy moment of the
        # machine does not land on one module only.
        timings: dict[str, list[float]] = {"baseline": [], "in_use": [], **{m: [] for m in modules}}
        for _ in range(samples):
            timings["baseline"].append(_time_import(BASELINE, cache))
            timings["in_use"].append(_time_import(BASELINE_IN_USE, cache))
            for module in modules:
                timings[module].append(_time_import(f"import {module}", cache))
        extra = {module: breakdown(module, cache) for module in modules}
    baseline = statistics.median(timings["baseline"])
    in_use = statistics.median(timings["in_use"])
    rows = []
    for module in modules:
        median = statistics.median(timings[module])
        top = dict(list(extra[module].items())[:4])
        rows.append(
            {
                "handler": module,
                "import_ms": round(median * 1000, 1),
                "ratio": round(median / baseline, 2),
                "ratio_vs_in_use": round(median / in_use, 2),
                "extra_ms_by_package": top,
            }
        )
    return {
        "baseline_ms": round(baseline * 1000, 1),
        "baseline_in_use_ms": round(in_use * 1000, 1),
        "samples": samples,
        "handlers": rows,
    }


if __name__ == "__main__":
    result = run()
    print(f"baseline (boto3 + httpx + pydantic + powertools): {result['baseline_ms']} ms")
    print(
        f"the same with Logger(), Metrics(), Tracer(), a resolver and a BatchProcessor: {result['baseline_in_use_ms']} ms"
    )
    for row in result["handlers"]:
        extra = ", ".join(f"{k} {v} ms" for k, v in row["extra_ms_by_package"].items())
        print(
            f"{row['handler']:40s} {row['import_ms']:8.1f} ms  x{row['ratio']} (x{row['ratio_vs_in_use']} in use)"
            f"  on top: {extra}"
        )
