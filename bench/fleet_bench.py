"""``python -m bench.fleet_bench``: what one process of simulated shops (local/prestashop/fleet.py) sustains.

python -m bench.fleet_bench [--shops 500] [--variants 100] [--combinations 4] [--seconds 5]
                            [--connections 64] [--clients 2] [--latency-ms 0,50]

Prints the fleet's start-up time (every shop built on its first request), the time and memory to
build every shop, then, per latency, the requests per second that ``--clients`` processes with
``--connections`` keep-alive connections in all get from random shops (a stock read of one
product, as a stock push does), with the answers' median and 95th percentile time.
"""

from __future__ import annotations

import argparse
import gc
import http.client
import multiprocessing
import random
import sys
import threading
import time
from base64 import b64encode
from dataclasses import dataclass
from pathlib import Path

from local.prestashop.fleet import FleetConfig, ShopFleet, fleet_key, products_for


@dataclass(frozen=True)
class LoadResult:
    ok: int
    failed: int
    times_ms: list[float]


def rss_mb() -> float:
    """The resident memory of this process now (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _one_connection(port: int, shops: int, products: int, until: float, seed: int) -> LoadResult:
    rng = random.Random(seed)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    ok = failed = 0
    times: list[float] = []
    while time.monotonic() < until:
        n, product = rng.randint(1, shops), rng.randint(1, products)
        auth = b64encode(f"{fleet_key(n)}:".encode()).decode()
        target = f"/s/{n}/api/stock_availables?display=[id,quantity]&filter[id_product]=[{product}]"
        started = time.perf_counter()
        try:
            connection.request("GET", target, headers={"Authorization": f"Basic {auth}"})
            response = connection.getresponse()
            response.read()
        except (OSError, http.client.HTTPException):
            failed += 1
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            continue
        times.append((time.perf_counter() - started) * 1000)
        ok, failed = (ok + 1, failed) if response.status == 200 else (ok, failed + 1)
    connection.close()
    return LoadResult(ok, failed, times)


def load(port: int, shops: int, products: int, seconds: float, connections: int, seed: int) -> LoadResult:
    """``connections`` threads, each with its own keep-alive connection, for ``seconds``."""
    until = time.monotonic() + seconds
    results: list[LoadResult] = []
    lock = threading.Lock()

    def run(i: int) -> None:
        result = _one_connection(port, shops, products, until, seed * 1000 + i)
        with lock:
            results.append(result)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return LoadResult(
        sum(r.ok for r in results), sum(r.failed for r in results), [t for r in results for t in r.times_ms]
    )


def measure_load(fleet: ShopFleet, args: argparse.Namespace, latency_ms: float) -> None:
    for n in fleet.numbers:
        fleet.set_latency(n, latency_ms)
    fleet.reset_requests()
    port = int(fleet.url.rsplit(":", 1)[1])
    per_client = max(1, args.connections // args.clients)
    jobs = [(port, fleet.config.shops, fleet.config.products, args.seconds, per_client, i) for i in range(args.clients)]
    started = time.perf_counter()
    with multiprocessing.get_context("forkserver").Pool(args.clients) as pool:
        results = pool.starmap(load, jobs)
    elapsed = time.perf_counter() - started
    ok = sum(r.ok for r in results)
    times = sorted(t for r in results for t in r.times_ms)
    served = sum(fleet.request_counts().values())
    median = times[len(times) // 2] if times else float("nan")
    p95 = times[int(len(times) * 0.95)] if times else float("nan")
    print(
        f"latency {latency_ms:g} ms: {ok / args.seconds:,.0f} requests/s ({ok:,} ok, "
        f"{sum(r.failed for r in results)} failed, {per_client * args.clients} connections, "
        f"{len(fleet.request_counts())} shops hit, {served:,} counted by the shops); "
        f"answer time median {median:.1f} ms, p95 {p95:.1f} ms (run {elapsed:.1f} s)",
        flush=True,
    )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.fleet_bench", description=__doc__.split("\n")[0])
    parser.add_argument("--shops", type=int, default=500)
    parser.add_argument("--variants", type=int, default=100)
    parser.add_argument("--combinations", type=int, default=4)
    parser.add_argument("--orders", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--clients", type=int, default=2, help="client processes")
    parser.add_argument("--latency-ms", default="0,50", help="comma-separated latencies to measure")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    config = FleetConfig(
        shops=args.shops,
        products=products_for(args.variants, args.combinations),
        combinations=args.combinations,
        orders=args.orders,
    )
    before = rss_mb()
    started = time.perf_counter()
    fleet = ShopFleet(config)
    fleet.start()
    print(
        f"{config.shops} shops x {config.variants} variants: started in {(time.perf_counter() - started) * 1000:.1f} ms, "
        f"{rss_mb() - before:.1f} MB (process {rss_mb():.0f} MB)",
        flush=True,
    )
    started = time.perf_counter()
    fleet.build_all()
    gc.collect()
    print(
        f"every shop built in {time.perf_counter() - started:.2f} s: {rss_mb() - before:.0f} MB in all, "
        f"{(rss_mb() - before) / config.shops * 1024:.0f} KB a shop (process {rss_mb():.0f} MB)",
        flush=True,
    )
    try:
        for latency in (float(v) for v in args.latency_ms.split(",") if v.strip()):
            measure_load(fleet, args, latency)
    finally:
        fleet.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
