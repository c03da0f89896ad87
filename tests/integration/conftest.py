"""Fixtures of the integration tests that modules request by name."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from local.prestashop import ShopSimulator
from local.stack.moto_patches import item_level_transaction_rollback
from shophub import wiring
from tests.support.aws import TestStack
from tests.support.imports import ImportWorld, simulator
from tests.support.orders import Shop, TestContainer


@pytest.fixture
def fast_transactions() -> Iterator[None]:
    """moto rolls cancelled transactions back item by item instead of copying the whole table."""
    with item_level_transaction_rollback():
        yield


@pytest.fixture
def item_level_rollback() -> Iterator[None]:
    with item_level_transaction_rollback():
        yield


@pytest.fixture(name="world_factory")
def world_factory_fixture(stack: TestStack, item_level_rollback: None) -> Iterator[Any]:
    """``world_factory(**simulator config)`` → an :class:`ImportWorld` (simulators stopped after)."""
    started: list[ShopSimulator] = []

    def make(**config: Any) -> ImportWorld:
        sim = simulator(**config)
        started.append(sim)
        return ImportWorld(stack, sim)

    yield make
    for sim in started:
        sim.stop()


@pytest.fixture
def container(stack: TestStack) -> Iterator[TestContainer]:
    test_container = TestContainer()
    wiring.reset(test_container)
    yield test_container
    wiring.reset()


@pytest.fixture
def shops(stack: TestStack, container: TestContainer) -> Iterator[list[Shop]]:
    """Started shops, stopped at the end (tests append to this list through ``connect_shop``)."""
    started: list[Shop] = []
    yield started
    for shop in started:
        shop.sim.stop()
