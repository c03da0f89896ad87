"""``make demo`` end to end: the whole local stack on free ports (moto server, HTTP gateway with
the authorizer, queue pump, PrestaShop simulator) and the merchant's flow over real HTTP, from
adding the shop to the tracking number on the shop's order_carriers row."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from local.demo import DemoConfig, FlowState, main, run_demo
from local.stack.__main__ import LocalStack
from tests.support.local_stack import running_stack

SHOP_KEY = "DEMOTESTSHOPKEY00000000000000001"
DEV_TOKEN = "shk_demo-test-token"
PRODUCTS, COMBINATIONS, ORDERS = 6, 2, 4
DEMO_SHOP_PRODUCTS = 19


@pytest.fixture(scope="module")
def local_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    with running_stack(
        tmp_path_factory.mktemp("demo-state"),
        dev_token=DEV_TOKEN,
        shop_key=SHOP_KEY,
        shop_products=PRODUCTS,
        shop_combinations=COMBINATIONS,
        shop_orders=ORDERS,
        shop_catalog="messy",  # make run's default: the recorded demo shop plus generated mess
    ) as stack:
        yield stack


@pytest.fixture(scope="module")
def demo_run(local_stack: LocalStack) -> tuple[FlowState, str]:
    assert local_stack.gateway is not None and local_stack.shop_url and local_stack.shop_key
    out = io.StringIO()
    state = run_demo(
        DemoConfig(
            api_url=local_stack.gateway.url,
            shop_url=local_stack.shop_url,
            shop_key=local_stack.shop_key,
            token=DEV_TOKEN,
            timeout=60,
        ),
        out=out,
    )
    return state, out.getvalue()


def test_the_demo_walks_every_step_and_says_so(demo_run: tuple[FlowState, str]) -> None:
    _, printed = demo_run

    steps = [line.removeprefix("== ") for line in printed.splitlines() if line.startswith("== ")]
    assert steps == [
        "add account",
        "check",
        "discovery",
        "mappings",
        "order settings",
        "template",
        "import",
        "orders",
        "change stock",
        "stock in the shop",
        "stock report",
        "tracking number",
    ]
    assert printed.rstrip().endswith("All steps passed.")
    assert SHOP_KEY not in printed


def test_the_demo_imports_the_catalogue_and_the_orders(demo_run: tuple[FlowState, str]) -> None:
    state, _ = demo_run

    assert state.imported["status"] == "finished"
    assert state.imported["total"] == DEMO_SHOP_PRODUCTS + PRODUCTS
    assert state.imported["failed"] == 0
    assert state.imported["created"] + state.imported["linked"] > DEMO_SHOP_PRODUCTS
    # the demo shop's 5 orders and the generated historic ones (one in every state at least)
    assert len(state.orders) >= 5 + ORDERS


def test_the_stock_change_and_the_tracking_number_reach_the_shop(
    local_stack: LocalStack, demo_run: tuple[FlowState, str]
) -> None:
    state, _ = demo_run
    shop = local_stack.shop

    offer = state.offer
    assert shop.data.stock_quantity(offer["shop_product_id"], offer["shop_combination_id"]) == state.new_quantity
    carrier = shop.data.order_carrier(state.orders[0]["shop_order_id"])
    assert carrier is not None and carrier["tracking_number"].startswith("DEMO")


def test_a_misbehaving_step_ends_the_demo_with_exit_code_1_naming_it(
    local_stack: LocalStack, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # Given a key the shop does not know
    assert local_stack.gateway is not None and local_stack.shop_url
    monkeypatch.setenv("SHOPHUB_STATE_FILE", str(tmp_path / "none.json"))
    monkeypatch.setenv("SHOPHUB_API_URL", local_stack.gateway.url)
    monkeypatch.setenv("SHOPHUB_SHOP_URL", local_stack.shop_url)
    monkeypatch.setenv("SHOPHUB_SHOP_KEY", "WRONGKEY000000000000000000000001")
    monkeypatch.setenv("SHOPHUB_DEV_TOKEN", DEV_TOKEN)

    # When the demo runs
    code = main([])

    # Then it stops at the first step with a message naming it
    assert code == 1
    assert "FAILED at step 'add account'" in capsys.readouterr().err


def test_without_the_shop_key_the_demo_says_how_to_give_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setenv("SHOPHUB_STATE_FILE", str(tmp_path / "none.json"))
    monkeypatch.setenv("SHOPHUB_SHOP_URL", "http://127.0.0.1:9")
    monkeypatch.delenv("SHOPHUB_SHOP_KEY", raising=False)

    assert main([]) == 1
    err = capsys.readouterr().err
    assert "FAILED at step 'configuration'" in err
    assert "SHOPHUB_SHOP_KEY" in err
