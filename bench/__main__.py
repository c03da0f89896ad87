"""``python -m bench`` (``make bench``): ShopHub against per-record baselines, side by side.

python -m bench [--latency-ms 50] [--only import,stock,orders,coldstart] [--quick]
                [--import-sizes 1000] [--combinations 5] [--stock-changes 10000]
                [--stock-products 2000] [--orders 1000] [--baseline-sample N]

Every benchmark runs the real handlers (local stack invocation path, moto in-process) against
the PrestaShop simulator (its own process) with ``--latency-ms`` added to every shop request,
then runs the per-record baseline against the same shop; the table is printed and everything
is written as JSON under ``bench/results/`` (``<benchmark>-<UTC time>.json`` and
``summary-<UTC time>.json``).

Baselines send one request per record, so at 50 ms they take minutes; by default they run on a
sample (``--baseline-sample``, per benchmark) and are scaled linearly to the full size (their
requests per record are fixed); the table marks scaled figures with ``*``.
``--baseline-sample 0`` runs them in full.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"
BENCHMARKS = ("import", "stock", "orders", "coldstart")
#: Run only when named in ``--only`` (long): ``scale`` is bench/scale_bench.py.
OPTIONAL = ("scale",)

#: Goals: ShopHub's shop requests at most 1/N of the per-record baseline's; handlers' import time
#: at most this many times the bare libraries'.
GOALS = {"import": 100.0, "stock": 100.0, "orders": 50.0}
COLDSTART_GOAL = 1.2


@dataclass(frozen=True)
class Sizes:
    import_sizes: tuple[int, ...]
    combinations: int
    stock_changes: int
    stock_products: int
    orders: int
    import_sample: int
    stock_sample: int
    orders_sample: int
    coldstart_samples: int
    memory: bool


FULL = Sizes((1000,), 5, 10_000, 2_000, 1_000, 50, 300, 100, 15, True)
QUICK = Sizes((50,), 5, 500, 100, 100, 10, 50, 20, 3, False)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n", 1)[0])
    parser.add_argument("--latency-ms", type=float, default=50.0, help="added to every shop request (default 50)")
    parser.add_argument(
        "--only", default=",".join(BENCHMARKS), help="comma-separated: " + ",".join(BENCHMARKS + OPTIONAL)
    )
    parser.add_argument("--quick", action="store_true", help="small sizes for a smoke run")
    parser.add_argument("--import-sizes", default=None, help="products per import run, e.g. 1000,10000")
    parser.add_argument("--combinations", type=int, default=None, help="combinations per product (import)")
    parser.add_argument("--stock-changes", type=int, default=None)
    parser.add_argument("--stock-products", type=int, default=None)
    parser.add_argument("--orders", type=int, default=None)
    parser.add_argument(
        "--baseline-sample",
        type=int,
        default=None,
        help="records per baseline run, scaled to the full size (0 = run the baselines in full)",
    )
    parser.add_argument("--no-memory", action="store_true", help="skip the chunk-worker memory pass")
    parser.add_argument("--scale-shops", type=int, default=None, help="scale: shops (default 500)")
    parser.add_argument("--scale-variants", type=int, default=None, help="scale: variants per shop (default 100)")
    parser.add_argument("--scale-changes", type=int, default=None, help="scale: changes per bad share (50,000)")
    parser.add_argument("--results", type=Path, default=RESULTS, help="where the JSON files go")
    args = parser.parse_args(argv)
    unknown = {b.strip() for b in args.only.split(",") if b.strip()} - set(BENCHMARKS + OPTIONAL)
    if unknown:
        parser.error(f"--only: unknown benchmark(s) {', '.join(sorted(unknown))}")
    return args


def sizes_from(args: argparse.Namespace) -> Sizes:
    base = QUICK if args.quick else FULL
    sample = args.baseline_sample
    return Sizes(
        import_sizes=tuple(int(s) for s in args.import_sizes.split(",")) if args.import_sizes else base.import_sizes,
        combinations=args.combinations if args.combinations is not None else base.combinations,
        stock_changes=args.stock_changes or base.stock_changes,
        stock_products=args.stock_products or base.stock_products,
        orders=args.orders or base.orders,
        import_sample=base.import_sample if sample is None else sample,
        stock_sample=base.stock_sample if sample is None else sample,
        orders_sample=base.orders_sample if sample is None else sample,
        coldstart_samples=base.coldstart_samples,
        memory=base.memory and not args.no_memory,
    )


# --- the table -------------------------------------------------------------------------------------


def _n(value: float) -> str:
    return f"{value:,.0f}"


def _s(seconds: float) -> str:
    return f"{seconds:,.1f} s" if seconds < 600 else f"{seconds / 60:,.1f} min"


def _baseline(result: dict[str, Any], field: str) -> str:
    mark = "*" if result["baseline"]["extrapolated"] else ""
    value = result["baseline"][field]
    return (_n(value) if field == "requests" else _s(value)) + mark


def rows_of(results: list[dict[str, Any]]) -> list[list[str]]:
    rows = []
    for r in results:
        hub = r["shophub"]
        if r["benchmark"] == "import":
            memory = hub.get("memory")
            notes = [f"{hub['products_per_s']} products/s", f"moto {_s(hub['aws_moto_s'])}"]
            if memory:
                notes.append(
                    f"chunk peak {memory['chunk_peak_mb']} MB ({memory['chunk_peak_without_moto_mb']} MB w/o moto)"
                )
            notes.append(f"RSS {hub['process_max_rss_mb']:.0f} MB")
            rows.append(
                [
                    f"import {_n(r['products'])} x {r['combinations']} ({_n(r['variants'])} variants)",
                    _n(hub["shop_requests"]),
                    _baseline(r, "requests"),
                    f"{r['ratio']:,.0f}x",
                    _s(hub["wall_s"]),
                    _baseline(r, "wall_s"),
                    "; ".join(notes),
                ]
            )
        elif r["benchmark"] == "stock":
            rows.append(
                [
                    f"stock {_n(r['changes'])} changes / {_n(r['products'])} products",
                    _n(hub["shop_requests"]),
                    _baseline(r, "requests"),
                    f"{r['ratio']:,.0f}x",
                    _s(hub["end_to_end_s"]),
                    _baseline(r, "wall_s"),
                    f"API call to last shop write; {hub['distinct_products']} rows changed; "
                    f"moto {_s(hub['aws_moto_s'])}",
                ]
            )
        elif r["benchmark"] == "orders":
            rows.append(
                [
                    f"orders {_n(r['orders'])} new",
                    _n(hub["shop_requests"]),
                    _baseline(r, "requests"),
                    f"{r['ratio']:,.0f}x",
                    _s(hub["wall_s"]),
                    _baseline(r, "wall_s"),
                    f"{hub['requests_per_100_orders']} vs {r['baseline']['requests_per_100_orders']} requests "
                    f"per 100 orders; moto {_s(hub['aws_moto_s'])}",
                ]
            )
    return rows


def markdown(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(c)) for c in column) for column in zip(header, *rows, strict=True)]

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    return "\n".join([line(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(line, rows)])


def goals_of(results: list[dict[str, Any]], coldstart: dict[str, Any] | None) -> list[dict[str, Any]]:
    goals = []
    for r in results:
        target = GOALS[r["benchmark"]]
        label = r["benchmark"] + (f" {r['products']}" if r["benchmark"] == "import" else "")
        goals.append(
            {
                "goal": f"{label}: >= {target:g}x fewer shop requests",
                "measured": f"{r['ratio']:,.1f}x",
                "met": r["ratio"] >= target,
            }
        )
    if coldstart and coldstart.get("handlers"):
        worst = max(coldstart["handlers"], key=lambda h: h["ratio"])
        goals.append(
            {
                "goal": f"handler import <= {COLDSTART_GOAL:g}x the bare libraries",
                "measured": f"{worst['ratio']}x ({worst['handler']})",
                "met": worst["ratio"] <= COLDSTART_GOAL,
            }
        )
    return goals


def report(
    latency_ms: float, results: list[dict[str, Any]], coldstart: dict[str, Any] | None, *, quick: bool = False
) -> str:
    out = [f"ShopHub benchmarks — {latency_ms:g} ms added to every shop request", ""]
    if results:
        header = [
            "benchmark",
            "ShopHub requests",
            "per-record requests",
            "ratio",
            "ShopHub time",
            "per-record time",
            "notes",
        ]
        out.append(markdown(header, rows_of(results)))
        if any(r["baseline"]["extrapolated"] for r in results):
            samples = ", ".join(
                f"{r['benchmark']} {r['baseline']['measured']['records']}"
                for r in results
                if r["baseline"]["extrapolated"]
            )
            out.append(f"* per-record run on a sample ({samples} records) and scaled linearly to the full size")
        out.append("")
    if coldstart:
        out.append(
            f"Cold start, in the Lambda runtime's environment with tracing on: {coldstart['samples']} fresh "
            f"interpreters per module (bytecode cached), each handler sample divided by a baseline sample "
            f"taken just before it, median of those ratios (and the ratio of the fastest samples); "
            f"bare boto3 + httpx + pydantic + Powertools = {coldstart['baseline_ms']} ms, the same with the "
            f"Powertools objects every handler creates (Logger, Metrics, Tracer, resolver, BatchProcessor) = "
            f"{coldstart['baseline_in_use_ms']} ms; without bytecode (a layer of sources, compiled at every cold "
            f"start) {coldstart['baseline_without_bytecode_ms']} ms. Models build on first use; the 'every model "
            "built' column also builds every model the handler declares (more than any one invocation uses)."
        )
        out.append(
            markdown(
                [
                    "handler module",
                    "import",
                    "x bare libraries",
                    "fastest / fastest",
                    "x libraries in use",
                    "on top of the libraries",
                    "x bare, every model built",
                    "import without bytecode",
                ],
                [
                    [
                        h["handler"],
                        f"{h['import_ms']} ms",
                        f"{h['ratio']}x",
                        f"{h['ratio_of_fastest']}x",
                        f"{h['ratio_vs_in_use']}x",
                        ", ".join(
                            f"{k} {v} ms"
                            for k, v in sorted(h["extra_ms_by_package"].items(), key=lambda kv: -kv[1])[:3]
                        ),
                        f"{h['ratio_with_every_model']}x",
                        f"{h['without_bytecode_ms']} ms",
                    ]
                    for h in coldstart["handlers"]
                ],
            )
        )
        out.append("")
    goals = goals_of(results, coldstart)
    if goals and quick:
        out.append("Goals are set for the full sizes; at --quick sizes fixed costs (one read of the shop's")
        out.append("configuration, taxes, carriers...) weigh on the ratios.")
    if goals:
        out.append(
            markdown(
                ["goal", "measured", "met"], [[g["goal"], g["measured"], "yes" if g["met"] else "NO"] for g in goals]
            )
        )
    return "\n".join(out)


# --- running -------------------------------------------------------------------------------------------


def write_json(directory: Path, name: str, stamp: str, payload: dict[str, Any]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}-{stamp}.json"
    path.write_text(json.dumps(payload, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sizes = sizes_from(args)
    wanted = [b for b in BENCHMARKS + OPTIONAL if b in {x.strip() for x in args.only.split(",")}]
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    started = time.perf_counter()
    meta = {
        "latency_ms": args.latency_ms,
        "started_at": stamp,
        "python": sys.version.split()[0],
        "sizes": sizes.__dict__,
        "quick": args.quick,
    }
    results: list[dict[str, Any]] = []
    coldstart_result: dict[str, Any] | None = None
    written: list[Path] = []

    def log(text: str) -> None:
        print(text, flush=True)

    if "import" in wanted:
        from bench import import_bench

        for index, products in enumerate(sizes.import_sizes):
            result = import_bench.run(
                products,
                sizes.combinations,
                latency_ms=args.latency_ms,
                baseline_sample=sizes.import_sample,
                measure_memory=sizes.memory and index == 0,
                log=log,
            )
            results.append(result)
            written.append(write_json(args.results, f"import-{products}", stamp, {**meta, **result}))
    if "stock" in wanted:
        from bench import stock_bench

        result = stock_bench.run(
            sizes.stock_changes,
            sizes.stock_products,
            latency_ms=args.latency_ms,
            baseline_sample=sizes.stock_sample,
            log=log,
        )
        results.append(result)
        written.append(write_json(args.results, "stock", stamp, {**meta, **result}))
    if "orders" in wanted:
        from bench import orders_bench

        result = orders_bench.run(
            sizes.orders, latency_ms=args.latency_ms, baseline_sample=sizes.orders_sample, log=log
        )
        results.append(result)
        written.append(write_json(args.results, "orders", stamp, {**meta, **result}))
    if "coldstart" in wanted:
        from bench import coldstart

        log(f"cold start: {sizes.coldstart_samples} fresh interpreters per module")
        coldstart_result = coldstart.run(samples=sizes.coldstart_samples)
        written.append(write_json(args.results, "coldstart", stamp, {**meta, **coldstart_result}))
    text = report(args.latency_ms, results, coldstart_result, quick=args.quick)
    if "scale" in wanted:
        from bench import scale_bench

        sizes_given = [
            ("--shops", args.scale_shops),
            ("--variants", args.scale_variants),
            ("--changes", args.scale_changes),
        ]
        scale_args = scale_bench.parse_args(
            (scale_bench.QUICK if args.quick else [])
            + ["--latency-ms", str(args.latency_ms)]
            + [str(x) for flag, value in sizes_given if value is not None for x in (flag, value)]
        )
        scale = scale_bench.run(scale_args, log)
        written.append(write_json(args.results, "scale", stamp, {**meta, **scale}))
        text += (
            "\n\nScale: one tenant, shops of one fleet, a stock burst with slow and dead shops\n"
            + scale_bench.table(scale)
        )
    summary = {
        **meta,
        "elapsed_s": round(time.perf_counter() - started, 1),
        "results": results,
        "coldstart": coldstart_result,
        "goals": goals_of(results, coldstart_result),
        "table": text,
    }
    written.append(write_json(args.results, "summary", stamp, summary))
    print()
    print(text)
    print()
    print(
        f"elapsed {_s(summary['elapsed_s'])}; JSON: "
        + ", ".join(str(p.relative_to(Path.cwd())) if p.is_relative_to(Path.cwd()) else str(p) for p in written)
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
