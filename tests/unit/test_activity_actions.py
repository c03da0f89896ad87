"""The activity log's vocabulary: one table of every action (``<section>.<verb>``) with its section,
every action the services write is in it, and stored messages render per reader."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import get_args

from shophub.domain.activity import ACTIONS, LEGACY_ACTIONS, SECTIONS, ActivityEntry, canonical_action, section_of
from shophub.domain.imports import ImportStatus
from shophub.i18n import MESSAGES, render, text, text_list

SERVICES = Path(__file__).resolve().parents[2] / "shared" / "shophub" / "services"
_DOTTED = re.compile(r"^[a-z_]+(\.[A-Za-z_]+)+$")
_NAME = re.compile(r"^[a-z_]+\.[a-z_]+$")
#: the import statuses the import service logs as ``import.<status>``
ENDED_IMPORTS = [s for s in get_args(ImportStatus) if s not in ("preparing", "importing")]


def action_literals() -> dict[str, set[str]]:
    """Every dotted string constant in the services (the action names they log) → its files."""
    found: dict[str, set[str]] = {}
    for path in sorted(SERVICES.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and _DOTTED.match(node.value):
                found.setdefault(node.value, set()).add(path.name)
    return found


def test_every_action_is_section_dot_verb_and_its_prefix_is_its_section():
    assert set(SECTIONS) == {
        "account",
        "mappings",
        "order_settings",
        "field_mapping",
        "templates",
        "imports",
        "linking",
        "orders",
        "stock",
        "reports",
        "access",
    }
    for name, section in ACTIONS.items():
        assert _NAME.match(name), name
        assert name.split(".")[0] == section, name
        assert section in SECTIONS


def test_every_action_the_services_log_is_in_the_table():
    used = action_literals()

    unknown = {name: files for name, files in used.items() if canonical_action(name) not in ACTIONS}
    assert unknown == {}, "add these to shophub.domain.activity.ACTIONS (or LEGACY_ACTIONS)"
    # the import service logs ``import.<status>`` of its finished runs (not converted yet)
    assert all(canonical_action(f"import.{status}") in ACTIONS for status in ENDED_IMPORTS)


def test_every_action_in_the_table_is_logged_somewhere():
    used = {canonical_action(name) for name in action_literals()}
    used |= {canonical_action(f"import.{status}") for status in ENDED_IMPORTS}  # f"import.{run.status}"

    assert set(ACTIONS) - used == set()


def test_old_names_map_to_names_of_the_table_and_keep_their_section():
    assert all(new in ACTIONS for new in LEGACY_ACTIONS.values())
    assert set(LEGACY_ACTIONS).isdisjoint(ACTIONS)
    assert canonical_action("order.push.TrackingNumber") == "orders.tracking_sent"
    assert canonical_action("stock_push") == "stock.pushed"
    assert section_of("order.tracking_number") == "orders"
    assert section_of("no.such_action") is None


def stored_message_keys() -> set[str]:
    """The message keys the services store: ``message_key="…"`` and ``text("…", …)``."""
    found: set[str] = set()
    for path in sorted(SERVICES.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.keyword) and node.arg == "message_key" and isinstance(node.value, ast.Constant):
                found.add(str(node.value.value))
            elif _text_call(node):
                found.add(str(node.args[0].value))  # type: ignore[attr-defined]
    return found


def _text_call(node: ast.AST) -> bool:
    """``text("<key>", …)``."""
    return (
        isinstance(node, ast.Call)
        and getattr(node.func, "id", None) == "text"
        and bool(node.args)
        and isinstance(node.args[0], ast.Constant)
    )


def test_the_stored_message_keys_exist_in_both_languages():
    keys = stored_message_keys()

    assert {"account_created", "account_create_failed", "stock_push_logged", "connection_ok"} <= keys
    assert {key for key in keys if set(MESSAGES.get(key, {})) != {"pl", "en"}} == set()


# --- stored messages ---------------------------------------------------------------------------


def test_nested_parts_render_in_the_readers_language():
    params = {
        "count": 2,
        "orders": text_list(
            [
                text(
                    "log_order_unmapped_item",
                    reference="A1",
                    shop_order_id=1,
                    missing=[text("unmapped_product", value="3:0")],
                ),
                "…",
            ],
            "; ",
        ),
    }

    assert render("log_orders_imported_unmapped", "en", params) == (
        "Orders imported without a mapping (2): A1 (no. 1 in the shop): product 3:0; …."
    )
    assert render("log_orders_imported_unmapped", "pl", params) == (
        "Zaimportowano zamówienia bez mapowania (2): A1 (nr 1 w sklepie): produkt 3:0; …."
    )


def test_an_entry_reads_under_todays_name_whatever_it_was_written_with():
    entry = ActivityEntry.model_validate(
        {"at": "2026-01-01T00:00:00Z", "actor": "api", "action": "template.updated", "outcome": "ok", "message": "x"}
    )

    assert (entry.current_action, entry.section, entry.message_key, entry.params) == (
        "templates.changed",
        "templates",
        None,
        {},
    )
