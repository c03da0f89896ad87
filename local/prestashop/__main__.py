"""``python -m local.prestashop``: serve a simulated shop until Ctrl-C."""

from __future__ import annotations

import argparse
import sys
import time

from local.prestashop.server import ShopSimulator, SimulatorConfig, serve_until_stopped

CATALOGS = ("messy", "demo", "generated", "fixture")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    defaults = SimulatorConfig()
    parser = argparse.ArgumentParser(prog="python -m local.prestashop", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--key", default=defaults.key, help="webservice key (32 characters)")
    parser.add_argument("--products", type=int, default=defaults.products)
    parser.add_argument("--combinations", type=int, default=defaults.combinations)
    parser.add_argument("--orders", type=int, default=defaults.orders)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--fault-rate", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--timezone", default=defaults.timezone)
    parser.add_argument("--version", dest="ps_version", default=defaults.version, help="PSWS-Version to report")
    parser.add_argument(
        "--catalog",
        "--dataset",
        dest="catalog",
        choices=CATALOGS,
        default="messy",
        help="messy: the recorded demo shop plus generated real-world mess (sized by --products, --combinations, "
        "--orders); demo: the recorded demo shop; generated: a clean catalogue; fixture: the recordings' records",
    )
    args = parser.parse_args(argv)
    if len(args.key) != 32:
        parser.error("--key must be 32 characters long, as PrestaShop keys are")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    simulator = ShopSimulator(
        SimulatorConfig(
            key=args.key,
            products=args.products,
            combinations=args.combinations,
            orders=args.orders,
            seed=args.seed,
            latency_ms=args.latency_ms,
            fault_rate=args.fault_rate,
            timezone=args.timezone,
            version=args.ps_version,
            port=args.port,
            host=args.host,
            dataset=args.catalog,
        )
    )
    url = simulator.start()
    print(f"PrestaShop {args.ps_version} simulator listening on {url}/api/", flush=True)
    print(f"key: {args.key}", flush=True)
    print(
        f"catalog {args.catalog}: {simulator.data.count('products')} products, "
        f"{simulator.data.count('combinations')} combinations, {simulator.data.count('orders')} orders "
        f"(built in {time.perf_counter() - started:.2f} s)",
        flush=True,
    )
    serve_until_stopped(simulator.stop)
    return 0


if __name__ == "__main__":
    sys.exit(main())
