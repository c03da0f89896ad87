"""Cold start: import time of each handler module against a bare import of the libraries.

Each sample is a fresh interpreter (``python -X importtime`` is not used: we time the whole
import in-process with ``perf_counter`` inside a new process, like a Lambda init does). The
baseline imports boto3, httpx, pydantic and aws_lambda_powertools (the Logger/Metrics/Tracer
and event handler modules every handler needs); a handler's figure is divided by it. A second
baseline also creates the Powertools objects every handler creates (``Tracer()`` loads the
X-Ray SDK), and :func:`breakdown` says what each handler imports on top of the libraries.

Environment: every sample runs with the variables the Lambda runtime sets (``LAMBDA_TASK_ROOT``,
``AWS_LAMBDA_FUNCTION_NAME``, ``_X_AMZN_TRACE_ID``...) and the template's ``Globals``, with
tracing on as ``Tracing: Active`` has it. That matters: outside Lambda the X-Ray recorder builds
a centralised sampler with two botocore clients at import (about 170 ms here) that it never
builds inside Lambda, where the runtime makes the sampling decision; inside Lambda the tracer
patches the modules instead. The figures are what a cold start in Lambda pays.

Bytecode: the layer ships compiled bytecode (``shared/Makefile``), so a Lambda cold start loads
it. The samples do the same: a first run writes every module's bytecode to a private cache directory
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

from local.stack.template import load_stack

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

#: Appended to a handler's import: builds every ShopHub model the import declared (ShopHub
#: models build their validators on first use). No single invocation touches them all; this is
#: the upper bound of what the deferred builds can add to a first invocation.
BUILD_EVERY_MODEL = (
    "from shophub.domain.common import Model as _M; _all = [_M];"
    "[_all.extend(c.__subclasses__()) or c.model_rebuild() for c in _all]"
)

#: Samples of the imports without bytecode (the difference is large; a few samples show it).
UNCOMPILED_SAMPLES = 3

HANDLERS = (
    "functions.authorizer.handler",
    "functions.connection_check.handler",
    "functions.api.handler",
    "functions.importer.handler",
    "functions.order_poller.handler",
    "functions.order_pusher.handler",
    "functions.stock_pusher.handler",
)


def lambda_environment(cache: str) -> dict[str, str]:
    """The process environment of a Lambda function of the template, as the runtime sets it."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("POWERTOOLS_", "SHOPHUB_", "AWS_", "_X_AMZN", "LAMBDA_"))
    }
    env.update(
        {
            "PYTHONPATH": f"{ROOT}:{ROOT / 'shared'}",
            "PYTHONPYCACHEPREFIX": cache,
            # Set by the Lambda runtime.
            "LAMBDA_TASK_ROOT": str(ROOT),
            "LAMBDA_RUNTIME_DIR": "/var/runtime",
            "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
            "AWS_LAMBDA_FUNCTION_NAME": "shophub-bench",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_REGION": "eu-central-1",
            "AWS_DEFAULT_REGION": "eu-central-1",
            "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000",
            "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
            "_X_AMZN_TRACE_ID": "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
            # The template's Globals.
            "POWERTOOLS_SERVICE_NAME": "shophub",
            "POWERTOOLS_METRICS_NAMESPACE": "ShopHub",
            "POWERTOOLS_LOG_LEVEL": "INFO",
        }
    )
    # The functions' SHOPHUB_* variables from template.yaml (a handler checks its settings at
    # import); queue URLs stay placeholders: an import sends nothing.
    for spec in load_stack("local").functions.values():
        env.update({key: value for key, value in spec.environment.items() if key.startswith("SHOPHUB_")})
    return env


def _time_import(statement: str, cache: str, *, write_bytecode: bool = False) -> float:
    code = f"import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
    env = lambda_environment(cache)
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
    env = {**lambda_environment(cache), "PYTHONDONTWRITEBYTECODE": "1"}
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


def run(
    samples: int = 15, *, uncompiled_samples: int = UNCOMPILED_SAMPLES, handlers: tuple[str, ...] = HANDLERS
) -> dict[str, Any]:
    modules = [m for m in handlers if _present(m)]
    with tempfile.TemporaryDirectory(prefix="shophub-pycache-") as cache:
        # Write the bytecode of everything once, so the samples measure imports, not compilation.
        _time_import(BASELINE_IN_USE, cache, write_bytecode=True)
        for module in modules:
            _time_import(f"import {module}", cache, write_bytecode=True)
        # Paired samples: a baseline just before every handler sample, and the figure is the
        # median of those ratios. On this kind of machine single samples vary by ±20% with the
        # host's load (paired ratios of one handler ranged 0.72-1.38 in one run) and the speed
        # drifts over seconds; pairing cancels the drift, the median the outliers. The ratio of
        # the fastest samples is reported beside it.
        baselines: list[float] = []
        in_use: list[float] = []
        in_use_ratios: list[float] = []
        imports: dict[str, list[float]] = {m: [] for m in modules}
        ratios: dict[str, list[float]] = {m: [] for m in modules}
        with_models: dict[str, list[float]] = {m: [] for m in modules}
        with_models_ratios: dict[str, list[float]] = {m: [] for m in modules}
        for _ in range(samples):
            base = _time_import(BASELINE, cache)
            used = _time_import(BASELINE_IN_USE, cache)
            baselines.append(base)
            in_use.append(used)
            in_use_ratios.append(used / base)
            for module in modules:
                base = _time_import(BASELINE, cache)
                alone = _time_import(f"import {module}", cache)
                built = _time_import(f"import {module}; {BUILD_EVERY_MODEL}", cache)
                baselines.append(base)
                imports[module].append(alone)
                ratios[module].append(alone / base)
                with_models[module].append(built)
                with_models_ratios[module].append(built / base)
        extra = {module: breakdown(module, cache) for module in modules}
    # Without bytecode: what a cold start paid when the layer shipped sources only (Lambda mounts
    # it read-only, so nothing compiled there is ever kept). An empty cache that is never written.
    uncompiled: dict[str, list[float]] = {"baseline": [], **{m: [] for m in modules}}
    with tempfile.TemporaryDirectory(prefix="shophub-nocache-") as empty:
        for _ in range(uncompiled_samples):
            uncompiled["baseline"].append(_time_import(BASELINE, empty))
            for module in modules:
                uncompiled[module].append(_time_import(f"import {module}", empty))
    fastest_base = min(baselines)
    in_use_ratio = statistics.median(in_use_ratios)
    rows = []
    for module in modules:
        fastest = min(imports[module])
        rows.append(
            {
                "handler": module,
                "import_ms": round(fastest * 1000, 1),
                "ratio": round(statistics.median(ratios[module]), 2),
                "ratio_of_fastest": round(fastest / fastest_base, 2),
                "ratio_vs_in_use": round(statistics.median(ratios[module]) / in_use_ratio, 2),
                "with_every_model_ms": round(min(with_models[module]) * 1000, 1),
                "ratio_with_every_model": round(statistics.median(with_models_ratios[module]), 2),
                "extra_ms_by_package": dict(list(extra[module].items())[:4]),
                "without_bytecode_ms": round(min(uncompiled[module]) * 1000, 1),
            }
        )
    return {
        "baseline_ms": round(fastest_base * 1000, 1),
        "baseline_in_use_ms": round(min(in_use) * 1000, 1),
        "baseline_without_bytecode_ms": round(min(uncompiled["baseline"]) * 1000, 1),
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
            f"{row['handler']:40s} {row['import_ms']:8.1f} ms  x{row['ratio']} (fastest"
            f" x{row['ratio_of_fastest']}; x{row['ratio_vs_in_use']} in use;"
            f" {row['without_bytecode_ms']} ms without bytecode)"
            f"  every model built: {row['with_every_model_ms']} ms x{row['ratio_with_every_model']}  on top: {extra}"
        )
