"""The connector under injected faults: every failure is retried or becomes a typed error within
the caller's deadline, never a hang, and stock ends up right even when a write was applied
before its answer was lost."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from shophub.connectors import build_connector
from shophub.connectors.prestashop.client import RetryPolicy
from shophub.connectors.prestashop.connector import PrestaShopConnector
from shophub.domain.shop import StockUpdate
from shophub.errors import (
    ShopError,
    ShopRateLimitedError,
    ShopResponseError,
    ShopServerError,
    ShopTimeoutError,
    ShopTransientError,
)

simulator = pytest.importorskip("local.prestashop")
ShopSimulator = simulator.ShopSimulator
SimulatorConfig = simulator.SimulatorConfig

KEY = "A" * 32
HANG = 2.0  # how long the simulator keeps a "timeout" request hanging
FAST_RETRY = RetryPolicy(max_attempts=4, backoff_base=0.05, backoff_max=0.2, min_attempt_time=0.3)


@pytest.fixture
def sim() -> Iterator:
    shop = ShopSimulator(SimulatorConfig(key=KEY, products=60, combinations=3, orders=30, seed=7, timeout_hang_s=HANG))
    shop.start()
    yield shop
    shop.stop()


def connect(shop, *, budget: float = 20.0, retry: RetryPolicy = FAST_RETRY) -> tuple[PrestaShopConnector, float]:
    deadline_at = time.monotonic() + budget
    connector = build_connector(
        "prestashop",
        shop.url,
        KEY,
        allow_local=True,
        deadline=lambda: deadline_at - time.monotonic(),
        retry=retry,
        timeout=httpx.Timeout(1.0),
    )
    assert isinstance(connector, PrestaShopConnector)
    return connector, deadline_at


def combination_rows(shop, count: int) -> list[int]:
    return [i for i in shop.data.ids("stock_availables") if shop.data.stock_row(i)["id_product_attribute"]][:count]


# --- a single fault on a read is absorbed -------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["500", "503", "429", "timeout", "html", "truncated"])
def test_one_fault_on_a_read_is_retried(sim, kind: str) -> None:
    sim.inject_fault(kind, count=1, method="GET", path_prefix="products")
    connector, _ = connect(sim)
    started = time.monotonic()

    batch = connector.fetch_variants(list(range(1, 31)), with_stock=True)

    assert batch.failures == []
    assert len(batch.variants) == 90
    assert sim.count(method="GET", path_prefix="products") == 2
    assert time.monotonic() - started < 10


def test_429_waits_for_retry_after(sim) -> None:
    sim.inject_fault("429", count=1, path_prefix="orders")
    connector, _ = connect(sim)
    started = time.monotonic()
    connector.fetch_orders([1, 2])
    assert time.monotonic() - started >= 1.0  # the simulator says Retry-After: 1


# --- persistent faults become typed errors before the deadline -----------------------------------------------


@pytest.mark.parametrize(
    ("kind", "error"),
    [
        ("500", ShopServerError),
        ("503", ShopServerError),
        ("429", ShopRateLimitedError),
        ("timeout", ShopTimeoutError),
        ("html", ShopResponseError),
        ("truncated", ShopResponseError),
    ],
)
def test_persistent_faults_end_in_a_typed_error_within_the_deadline(sim, kind: str, error: type[ShopError]) -> None:
    sim.inject_fault(kind, count=1000, path_prefix="orders")
    budget = 6.0
    connector, deadline_at = connect(sim, budget=budget)
    started = time.monotonic()

    with pytest.raises(error):
        connector.fetch_orders([1, 2, 3])

    assert time.monotonic() <= deadline_at + 1.5  # one in-flight request may end just after
    assert time.monotonic() - started < budget + 1.5


def test_timeouts_never_hang_past_a_short_deadline(sim) -> None:
    sim.inject_fault("timeout", count=1000)
    connector, deadline_at = connect(sim, budget=2.5, retry=RetryPolicy(max_attempts=10, min_attempt_time=0.3))
    with pytest.raises(ShopTransientError):
        connector.check_connection()
    assert time.monotonic() <= deadline_at + 0.5


def test_random_faults_still_finish_or_fail_typed(sim) -> None:
    sim.set_fault_rate(0.25, seed=11, kinds=["500", "503", "429", "html", "truncated"])
    connector, deadline_at = connect(
        sim, budget=30, retry=RetryPolicy(max_attempts=6, backoff_base=0.05, backoff_max=0.3)
    )
    try:
        batch = connector.fetch_variants(list(range(1, 61)), with_stock=True)
        assert len(batch.variants) + 3 * len(batch.failures) == 180
        page = connector.list_order_changes(datetime(2000, 1, 1, tzinfo=UTC), limit=30)
        assert len(page.orders) + len(page.failures) == 30
    except ShopError:
        pass  # a typed error is an acceptable outcome; a hang or a raw exception is not
    assert time.monotonic() <= deadline_at + 1.5


# --- writes ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["500", "timeout", "truncated", "503"])
def test_stock_patch_applied_then_failed_still_ends_right(sim, kind: str) -> None:
    rows = combination_rows(sim, 20)
    sim.inject_fault(kind, count=1, method="PATCH", path_prefix="stock_availables", apply_first=True)
    connector, _ = connect(sim)

    outcomes = connector.push_stock([StockUpdate(stock_id=i, quantity=33) for i in rows])

    assert all(o.ok for o in outcomes), [o for o in outcomes if not o.ok][:2]
    assert all(int(sim.data.stock_row(i)["quantity"]) == 33 for i in rows)
    assert connector.request_count <= 4


def test_stock_patch_that_keeps_failing_after_applying_is_confirmed_by_a_reread(sim) -> None:
    rows = combination_rows(sim, 10)
    sim.inject_fault("500", count=50, method="PATCH", path_prefix="stock_availables", apply_first=True)
    connector, _ = connect(sim)

    outcomes = connector.push_stock([StockUpdate(stock_id=i, quantity=44) for i in rows])

    assert all(o.ok for o in outcomes)
    assert all(int(sim.data.stock_row(i)["quantity"]) == 44 for i in rows)
    assert sim.count(method="GET", path_prefix="stock_availables") == 1


def test_stock_patch_lost_before_arrival_is_reported_as_retryable(sim) -> None:
    rows = combination_rows(sim, 10)
    before = {i: int(sim.data.stock_row(i)["quantity"]) for i in rows}
    sim.inject_fault("503", count=50, method="PATCH", path_prefix="stock_availables")
    connector, _ = connect(sim)

    outcomes = connector.push_stock([StockUpdate(stock_id=i, quantity=before[i] + 1) for i in rows])

    assert {(o.ok, o.permanent, o.error_code) for o in outcomes} == {(False, False, "shop_server_error")}
    assert {i: int(sim.data.stock_row(i)["quantity"]) for i in rows} == before


def test_order_state_post_is_not_repeated_when_its_answer_is_lost(sim) -> None:
    order_id = sim.data.ids("orders")[0]
    current = int(sim.data.order(order_id)["current_state"])
    target = 4 if current != 4 else 5
    histories_before = len(sim.data.order_histories(order_id))
    sim.inject_fault("timeout", count=1, method="POST", path_prefix="order_histories", apply_first=True)
    connector, _ = connect(sim)

    assert connector.set_order_state(order_id, target) is True
    assert len(sim.data.order_histories(order_id)) == histories_before + 1
    assert sim.count(method="POST", path_prefix="order_histories") == 1


def test_order_state_post_failing_before_arrival_raises(sim) -> None:
    order_id = sim.data.ids("orders")[1]
    current = int(sim.data.order(order_id)["current_state"])
    target = 4 if current != 4 else 5
    sim.inject_fault("500", count=1, method="POST", path_prefix="order_histories")
    connector, _ = connect(sim)

    with pytest.raises(ShopServerError):
        connector.set_order_state(order_id, target)
    assert sim.count(method="POST", path_prefix="order_histories") == 1
    assert int(sim.data.order(order_id)["current_state"]) == current


def test_tracking_number_saved_despite_a_failed_answer(sim) -> None:
    order_id = sim.data.ids("orders")[2]
    sim.inject_fault("500", count=10, method="PATCH", path_prefix="order_carriers", apply_first=True)
    connector, _ = connect(sim)

    assert connector.set_tracking_number(order_id, "PL777") is True
    assert sim.data.order_carrier(order_id)["tracking_number"] == "PL777"
