"""Budgets of an import against the simulator: shop requests for a whole catalogue (both
stages; at most 0.05 a product, with 5 combinations each and stock) and the memory one
100-product chunk needs.

The catalogue is read in link mode against an empty hub: the shop sees exactly the same
requests as in import mode (stage 1 lists, each chunk makes one ``fetch_variants`` call with the
same products and ``with_stock``), while moto — whose every transaction item costs a parse of
the expressions — is spared writing 5,000 new products.
"""

from __future__ import annotations

import tracemalloc
from typing import Any

import pytest

from shophub.store import keys
from shophub.store.reports import ReportRepository

pytestmark = pytest.mark.slow

Factory = Any

#: 0.05 shop requests per imported product, for 1,000 products.
REQUEST_BUDGET = 50
CHUNK_MEMORY_BUDGET = 256 * 1024 * 1024


def test_a_thousand_products_with_five_combinations_and_stock_within_budget(world_factory: Factory) -> None:
    # Given a shop with 1,000 products × 5 combinations
    world = world_factory(products=1000, combinations=5)
    account = world.account()
    client = world.api()
    world.sim.reset_requests()

    # When both stages run with stock (one worker, connector kept between chunks)
    import_id = world.start(client, account, mode="link", unique_identifier="ean", with_stock=True)
    assert world.step(1) == 1  # stage 1
    listing = world.sim.request_count
    tracemalloc.start()
    try:
        assert world.step(1) == 1  # one chunk of 100 products (500 variants)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    world.drain()

    # Then every variant was read, within the request budget
    progress = world.progress(client, account, import_id)
    assert (progress["status"], progress["total"], progress["processed"]) == ("finished", 1000, 1000)
    assert progress["skipped"] == 5000  # an empty hub: nothing to link to
    requests = world.sim.requests
    assert len(requests) <= REQUEST_BUDGET, [(r.method, r.path) for r in requests]
    assert listing <= 2
    assert sum(1 for r in requests if r.path == "/api/products") <= 2 + 10  # listing + one per chunk
    assert sum(1 for r in requests if r.path == "/api/stock_availables") == 10
    assert all(r.method == "GET" for r in requests)
    # and every delivery succeeded once; the report lists every unmatched variant; the lock is gone
    assert [o for o in world.outcomes if o["batchItemFailures"]] == []
    assert len(world.outcomes) == 11
    report, entries = ReportRepository(world.container.table).get(account.id, import_id)
    assert (report.summary["skipped"], len(entries)) == (5000, 5000)
    assert world.container.table.get(keys.account_pk(account.id), keys.RUNNING_IMPORT_SK) is None
    # and one chunk's worker stays far below a 256 MB Lambda
    assert peak < CHUNK_MEMORY_BUDGET, f"peak {peak / 1e6:.1f} MB"
    print(f"\nshop requests: {len(requests)}; chunk peak memory: {peak / 1e6:.1f} MB")
