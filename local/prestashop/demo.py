"""The recorded demo shop: a real PrestaShop 8.1.2 with its demo data, loaded as the simulator's data.

``DEMO_DIR`` is a complete webservice dump of a freshly installed 8.1.2 (see its ``index.md``): for
each resource, ``<resource>.xml`` and ``<resource>.json`` are the shop's answers to
``GET /api/<resource>?display=full`` (``&output_format=JSON``). :func:`load_demo` fills every table
the simulator knows (``resources.RESOURCES``) from the JSON answers, with the recorded ids, values,
languages and associations, so ``dataset="demo"`` answers those requests as the real shop did
(links point at the simulator's own URL instead of ``RECORDED_SHOP_URL``). The shop's behaviour
(orders lowering stock, cancellations restocking, PATCH of stock rows, new ids after the recorded
ones) then works on top of it as on any other dataset.

The dump lives next to the repository (``<repo>/../shared/fixtures/prestashop-8.1.2-demo``, as in
CI); ``SHOPHUB_FIXTURES_DIR`` points elsewhere (the fixtures folder holding the dump, or the dump
folder itself).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from local.prestashop.data import Record, ShopData
from local.prestashop.resources import LANG, RESOURCES, Resource

FIXTURES_ENV = "SHOPHUB_FIXTURES_DIR"
DEMO_DUMP_NAME = "prestashop-8.1.2-demo"
RECORDED_SHOP_URL = "http://127.0.0.1:8191"
REPO_ROOT = Path(__file__).resolve().parents[2]

# Associations PrestaShop computes from other tables on every read (so does the simulator, see
# ``ShopData.association_items``); the recorded ``products.combinations`` is kept for its order.
DERIVED_ASSOCIATIONS = frozenset(
    {("products", "stock_availables"), ("products", "product_option_values"), ("orders", "order_rows")}
)


class DemoDumpMissing(FileNotFoundError):
    """The recorded demo shop is not where the simulator looks for it."""


def resolve_demo_dir(environ: Mapping[str, str] = os.environ) -> Path:
    """Where the dump is: ``SHOPHUB_FIXTURES_DIR`` (the dump or its parent) or next to the repository."""
    override = environ.get(FIXTURES_ENV, "").strip()
    base = Path(override).expanduser() if override else REPO_ROOT.parent / "shared" / "fixtures"
    return base if (base / "products.json").is_file() else base / DEMO_DUMP_NAME


DEMO_DIR: Path = resolve_demo_dir()


def demo_dir() -> Path:
    """``DEMO_DIR``, or :class:`DemoDumpMissing` with what to do about it."""
    if not (DEMO_DIR / "products.json").is_file():
        raise DemoDumpMissing(
            f"the recorded PrestaShop 8.1.2 demo shop is not at {DEMO_DIR}: datasets 'demo' and 'messy' read it "
            f"from <repo>/../shared/fixtures/{DEMO_DUMP_NAME}; set {FIXTURES_ENV} to the folder that holds it"
        )
    return DEMO_DIR


def dump_resources() -> list[str]:
    """Every resource of the dump (one ``<resource>.json`` each), sorted."""
    return sorted(path.stem for path in demo_dir().glob("*.json"))


def read_recorded(resource: str) -> list[Record]:
    """The records of one recorded ``display=full`` JSON answer (``[]`` answers an empty list)."""
    payload = json.loads((demo_dir() / f"{resource}.json").read_text(encoding="utf-8"))
    return list(payload.get(resource, [])) if isinstance(payload, dict) else []


def load_demo(data: ShopData, shop_name: str | None = None) -> str:
    """Fill ``data`` with the recorded shop; returns the shop's name (``shop_name`` renames it)."""
    folder = demo_dir()
    for name, resource in RESOURCES.items():
        if (folder / f"{name}.json").is_file():
            _load_table(data, resource, read_recorded(name))
    orders = data.tables["orders"].rows.values()
    data.invoice_counter = max((o["invoice_number"] for o in orders), default=0)
    data.delivery_counter = max((o["delivery_number"] for o in orders), default=0)
    if shop_name:
        rename_shop(data, shop_name)
    return str(data.tables["shops"].rows[1]["name"])


def rename_shop(data: ShopData, name: str) -> None:
    """Give shop 1 another name, in its ``shops`` row and in ``PS_SHOP_NAME``."""
    shops = data.tables["shops"]
    shops.replace({**shops.rows[1], "name": name})
    configurations = data.tables["configurations"]
    for row in configurations.where("name", "PS_SHOP_NAME"):
        configurations.replace({**row, "value": name})


def _load_table(data: ShopData, resource: Resource, records: list[Record]) -> None:
    rows = []
    for raw in records:
        record = _stored_record(data, resource, raw)
        rows.append(record)
        links = {
            name: [dict(item) for item in items]
            for name, items in (raw.get("associations") or {}).items()
            if (resource.name, name) not in DERIVED_ASSOCIATIONS
        }
        if links:
            data.links[(resource.name, record["id"])] = links
    data.tables[resource.name].load(rows)


def _stored_record(data: ShopData, resource: Resource, raw: Record) -> Record:
    """A recorded JSON record in the stored form: JSON types are kept, language lists become dicts."""
    unknown = sorted(set(raw) - set(resource.fields_by_name) - {"associations"})
    if unknown:
        raise ValueError(f"{resource.name} {raw.get('id')}: fields resources.py does not define: {unknown}")
    record = data.new_record(resource.name)
    for spec in resource.fields:
        if spec.name in raw:
            value: Any = raw[spec.name]
            record[spec.name] = {int(item["id"]): item["value"] for item in value} if spec.kind == LANG else value
    return record
