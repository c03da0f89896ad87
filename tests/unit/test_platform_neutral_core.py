"""The core names no platform: domain, services, store, i18n and the API speak of variants,
stock references, carrier keys and shop statuses. A platform is named only in a comment or a
docstring that cites it as an example, and the API spells the four field names its contract
was published with (``shophub/contract.py``), which clients still read."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from shophub import contract

SHOPHUB = Path(__file__).resolve().parents[2] / "shared" / "shophub"
CORE = ("domain", "services", "store", "i18n", "api")
PLATFORM_WORDS = re.compile(r"prestashop|stock_available|id_reference|combination|ps_code", re.IGNORECASE)
CONTRACT_NAMES = {contract.VARIANT_FIELD, contract.STOCK_ROW_FIELD, contract.CARRIER_FIELD, contract.STATUS_FIELD}


def _core_files() -> list[Path]:
    return sorted(p for part in CORE for p in (SHOPHUB / part).glob("*.py"))


def _docstrings(tree: ast.Module) -> set[int]:
    """``id`` of every docstring constant (module, class, function and attribute docstrings)."""
    found: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if not isinstance(body, list):
            continue
        for statement in body:
            if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
                found.add(id(statement.value))
    return found


def _spelled(tree: ast.Module) -> list[tuple[int, str]]:
    """``(line, text)`` of every name, attribute, argument, keyword and string the code spells
    (docstrings and comments excluded)."""
    docstrings = _docstrings(tree)
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            found.append((node.lineno, node.value))
        elif isinstance(node, ast.Name):
            found.append((node.lineno, node.id))
        elif isinstance(node, ast.Attribute):
            found.append((node.lineno, node.attr))
        elif isinstance(node, ast.arg) or (isinstance(node, ast.keyword) and node.arg):
            found.append((node.lineno, node.arg))
        elif isinstance(node, ast.alias):
            found.append((node.lineno, node.asname or node.name))
    return found


def platform_words(path: Path) -> list[str]:
    """What ``path`` spells that names a platform, the API's contract field names left out."""
    allowed = CONTRACT_NAMES if path.parent.name == "api" else set()
    return [
        f"{path.parent.name}/{path.name}:{line}: {text!r}"
        for line, text in sorted(_spelled(ast.parse(path.read_text(encoding="utf-8"))))
        if PLATFORM_WORDS.search(_without(text, allowed))
    ]


def _without(text: str, names: set[str]) -> str:
    for name in names:
        text = re.sub(rf"\b{name}\b", "", text)
    return text


def test_every_core_package_is_read() -> None:
    assert {p.parent.name for p in _core_files()} == set(CORE)


@pytest.mark.parametrize("path", _core_files(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_the_core_names_no_platform(path: Path) -> None:
    assert platform_words(path) == []


def test_the_check_sees_a_platform_word_in_code_but_not_in_a_docstring(tmp_path: Path) -> None:
    # Given a module that cites PrestaShop in its docstring and a comment, then spells its names
    module = tmp_path / "services" / "example.py"
    module.parent.mkdir()
    module.write_text(
        '"""Variants (PrestaShop: combinations)."""\n'
        "# a stock reference (PrestaShop's stock_available)\n"
        "def push(combination_id: int) -> dict[str, int]:\n"
        '    return {"id_reference": combination_id}\n',
        encoding="utf-8",
    )

    # Then the check names the argument and the key, not the docstring or the comment
    assert platform_words(module) == [
        "services/example.py:3: 'combination_id'",
        "services/example.py:4: 'combination_id'",
        "services/example.py:4: 'id_reference'",
    ]


def test_the_api_may_spell_its_contract_names_and_nothing_else(tmp_path: Path) -> None:
    module = tmp_path / "api" / "example.py"
    module.parent.mkdir()
    module.write_text(
        'shop_combination_id = 1\nhelp = "no stock_available_id"\nplatform = "prestashop"\ncombination = 2\n',
        encoding="utf-8",
    )

    assert platform_words(module) == ["api/example.py:3: 'prestashop'", "api/example.py:4: 'combination'"]
