"""Fixtures of the integration tests that modules request by name."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from local.stack.moto_patches import item_level_transaction_rollback


@pytest.fixture
def fast_transactions() -> Iterator[None]:
    """moto rolls cancelled transactions back item by item instead of copying the whole table."""
    with item_level_transaction_rollback():
        yield
