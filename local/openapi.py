"""Generates ``docs/openapi.json`` from the code.

Every function that serves HTTP API routes in ``template.yaml`` is imported and its Powertools
resolver asked for its OpenAPI schema; the paths are merged into one document with the bearer
security scheme. ``python -m local.openapi --write`` rewrites the file; without ``--write`` it
prints the document. ``tests/contract/test_openapi.py`` fails when the file drifts from the code.
"""

from __future__ import annotations

import argparse
import importlib
import json
from pathlib import Path
from typing import Any

from local.stack.template import ROOT, load_stack

OPENAPI_PATH = ROOT / "docs" / "openapi.json"


def build_document() -> dict[str, Any]:
    from shophub import __version__

    model = load_stack("local")
    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": "ShopHub API",
            "version": __version__,
            "description": "Integration hub between an order-management hub and PrestaShop 8 shops. "
            "Send `Authorization: Bearer <token>`; `Accept-Language: pl` (default) or `en`.",
        },
        "paths": {},
        "components": {
            "schemas": {},
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
    }
    for spec in model.functions.values():
        if not spec.routes:
            continue
        module = importlib.import_module(spec.module)
        schema = json.loads(module.app.get_openapi_json_schema())
        for path, operations in schema.get("paths", {}).items():
            target = document["paths"].setdefault(path, {})
            for method, operation in operations.items():
                operation.setdefault("x-shophub-function", spec.name)
                if (method.upper(), path) in {(r.method, r.path) for r in spec.routes if r.public}:
                    operation["security"] = []
                target[method] = operation
        document["components"]["schemas"].update(schema.get("components", {}).get("schemas", {}))
    document["paths"] = dict(sorted(document["paths"].items()))
    document["components"]["schemas"] = dict(sorted(document["components"]["schemas"].items()))
    return document


def render() -> str:
    return json.dumps(build_document(), indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", action="store_true", help=f"write {OPENAPI_PATH.relative_to(ROOT)}")
    args = parser.parse_args()
    text = render()
    if args.write:
        Path(OPENAPI_PATH).write_text(text, encoding="utf-8")
        print(f"wrote {OPENAPI_PATH}")
    else:
        print(text, end="")


if __name__ == "__main__":
    main()
