"""Orders benchmark: M new orders, fetched by the real order poller.

Set-up (not measured): a simulator with M orders placed over the last weeks, the account with
every payment module, carrier and state mapped, fetching on from before the first order.
Measured, with the chosen latency on every shop request: ``POST /accounts/{id}/orders/fetch``
until ``OrderPollQueue`` is drained (a poll that runs short of time continues in a new message);
then ``GET /orders`` must list all M. The baseline reads the same orders one record per request
(:func:`bench.baselines.orders_per_record`) on a sample.
"""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from bench import baselines
from bench.harness import BenchStack, connect_shop
from bench.shop import ShopProcess

KEY = "BENCHORDERSKEY000000000000000001"


def _count_orders(api: Any, account_id: str) -> int:
    count, token = 0, ""
    while True:
        query = f"account_id={account_id}&limit=100" + (f"&next={token}" if token else "")
        page = api.get("/orders", query=query).expect(200, what="GET /orders")
        count += len(page["items"])
        token = page.get("next") or ""
        if not token:
            return count


def run(orders: int, *, latency_ms: float, baseline_sample: int, log: Any = print) -> dict[str, Any]:
    log(f"orders: {orders} new orders, latency {latency_ms:g} ms")
    with ShopProcess(key=KEY, products=200, combinations=3, orders=orders, seed=11) as shop:
        with BenchStack() as stack:
            api = stack.api()
            account_id = connect_shop(
                stack, api, shop.url, KEY, fetch_enabled=True, fetch_from=datetime.now(UTC) - timedelta(days=400)
            )
            shop.reset_requests()
            shop.set_latency(latency_ms)
            stack.moto.reset()
            started = time.perf_counter()
            api.post(f"/accounts/{account_id}/orders/fetch").expect(202, what="POST orders/fetch")
            drained = stack.drain("OrderPollQueue", timeout=3600)
            wall = time.perf_counter() - started
            moto_s = stack.moto.seconds
            stats = shop.stats()
            listed = _count_orders(api, account_id)
            if listed != orders:
                raise RuntimeError(f"{listed} orders listed, {orders} expected")
            shophub: dict[str, Any] = {
                "shop_requests": stats.total,
                "requests_per_100_orders": round(stats.total * 100 / orders, 1),
                "requests_by_kind": stats.by_resource,
                "wall_s": round(wall, 2),
                "orders_per_s": round(orders / wall, 1),
                "poll_invocations": drained.invocations,
                "retried_invocations": len(drained.errors),
                "shop_time_s": round(stats.busy_s, 2),
                "aws_moto_s": round(moto_s, 2),
            }
        log(
            f"  ShopHub: {stats.total} shop requests ({shophub['requests_per_100_orders']} per 100 orders), "
            f"{wall:.1f} s (moto {moto_s:.1f} s)"
        )
        shop.reset_requests()
        baseline = baselines.run_scaled(
            shop.url,
            KEY,
            lambda client: baselines.orders_per_record(client, min(orders, baseline_sample or orders)),
            records=orders,
            listing_for=math.ceil(orders / baselines.ORDER_PAGE),
            noun="orders",
            log=log,
        )
    return {
        "benchmark": "orders",
        "latency_ms": latency_ms,
        "orders": orders,
        "shophub": shophub,
        "baseline": {
            **baseline.as_dict(),
            "requests_per_100_orders": round(baseline.requests * 100 / orders, 1),
        },
        "ratio": round(baseline.requests / max(1, shophub["shop_requests"]), 1),
    }
