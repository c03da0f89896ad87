"""Services speak to the store through repositories and units of work: no key shapes, no
transaction items, no DynamoDB cancellation reasons above ``store/``."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SERVICES = Path(__file__).resolve().parents[2] / "shared" / "shophub" / "services"
STORE_ONLY_NAMES = {"TransactionConflict", "ConditionFailed", "TxWrite", "WriteSet", "write_sets", "Write"}


def _service_files() -> list[Path]:
    return sorted(SERVICES.glob("*.py"))


def _imports(tree: ast.Module) -> list[tuple[str, str]]:
    """``(module, name)`` of every import (``name`` empty for ``import module``)."""
    found: list[tuple[str, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found += [(node.module, alias.name) for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [(alias.name, "") for alias in node.names]
    return found


def test_there_are_services_to_check() -> None:
    assert len(_service_files()) > 5


@pytest.mark.parametrize("path", _service_files(), ids=lambda p: p.name)
def test_a_service_imports_no_key_shapes_and_no_transaction_internals(path: Path) -> None:
    # Given a service module
    source = path.read_text(encoding="utf-8")
    imports = _imports(ast.parse(source))

    # Then it imports neither the key module nor the store's transaction internals
    assert ("shophub.store", "keys") not in imports
    assert not [module for module, _ in imports if module == "shophub.store.keys"]
    assert not [module for module, _ in imports if module == "shophub.store.dynamo"]
    assert not [(module, name) for module, name in imports if name in STORE_ONLY_NAMES]
    # and never reads DynamoDB's cancellation reasons or builds a transaction item
    for word in ("CancellationReasons", "TransactionConflict", "ConditionalCheckFailed", "transact_write", "tx_"):
        assert word not in source, f"{path.name} mentions {word}"
