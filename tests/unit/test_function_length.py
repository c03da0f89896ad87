"""Every function in ``shared/shophub`` reads at once: at most :data:`MAX_LINES` lines, counted
from the ``def`` line (decorators excluded, docstring included) to its last line."""

from __future__ import annotations

import ast
from pathlib import Path

SHOPHUB = Path(__file__).resolve().parents[2] / "shared" / "shophub"
MAX_LINES = 60


def _functions(path: Path) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    """Every function and method of one module, nested ones included."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)]


def _length(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    assert node.end_lineno is not None
    return node.end_lineno - node.lineno + 1


def long_functions(root: Path, limit: int = MAX_LINES) -> list[str]:
    """``file:line name length`` of every function under ``root`` longer than ``limit`` lines."""
    found = []
    for path in sorted(root.rglob("*.py")):
        for node in _functions(path):
            if _length(node) > limit:
                found.append(f"{path.relative_to(root)}:{node.lineno} {node.name} {_length(node)}")
    return found


def test_the_check_reads_the_whole_package() -> None:
    # Given the package's modules
    modules = sorted(SHOPHUB.rglob("*.py"))

    # Then there are many, with many functions, in nested packages too
    assert len(modules) > 50
    assert sum(len(_functions(path)) for path in modules) > 500
    assert any(path.parent != SHOPHUB for path in modules)


def test_no_function_in_shophub_is_longer_than_the_limit() -> None:
    offenders = long_functions(SHOPHUB)

    assert not offenders, f"functions longer than {MAX_LINES} lines:\n" + "\n".join(offenders)


def _function_source(signature: str, lines: int, indent: str = "") -> str:
    """A function of exactly ``lines`` lines (``def`` line and docstring included)."""
    body = [f'{indent}    """A function {lines} lines long."""']
    body += [f"{indent}    x{i} = {i}" for i in range(lines - 3)]
    return "\n".join([f"{indent}{signature}", *body, f"{indent}    return None"]) + "\n"


def test_the_check_names_a_long_function_and_spares_one_at_the_limit(tmp_path: Path) -> None:
    # Given a package with a function one line too long (a decorated async method, in a
    # subpackage) and one exactly at the limit
    (tmp_path / "short.py").write_text(_function_source("def at_the_limit() -> None:", MAX_LINES), encoding="utf-8")
    too_long = _function_source("async def too_long(self) -> None:", MAX_LINES + 1, indent="    ")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "service.py").write_text(
        "import functools\n\n\nclass Service:\n    @functools.cache\n" + too_long, encoding="utf-8"
    )

    # When the package is checked
    offenders = long_functions(tmp_path)

    # Then only the long one is reported, by file, line of its ``def``, name and length
    assert offenders == [f"sub/service.py:6 too_long {MAX_LINES + 1}"]
