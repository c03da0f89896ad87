"""Generates ``docs/openapi.json`` from the code.

Every function that serves HTTP API routes in ``template.yaml`` is imported and its Powertools
resolver asked for its OpenAPI schema; the paths are merged into one document with the bearer
security scheme. The errors the HTTP edge answers for any route (``shophub.http.EDGE_ERRORS``)
are documented on every operation they apply to, in the API's error shape (``Error``), in place
of Powertools' own validation-error schema, which the API never answers with.

``python -m local.openapi --write`` rewrites the file and its copy in the Lambda layer
(``shared/shophub/api/openapi.json``, served by ``GET /openapi.json``); without ``--write`` it
prints the document. ``tests/contract/test_openapi.py`` fails when the file drifts from the code.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from local.stack.template import ROOT, load_stack

OPENAPI_PATH = ROOT / "docs" / "openapi.json"
#: The copy the layer ships (``shared/Makefile`` copies ``shared/shophub`` whole), read by
#: ``shophub.api.docs`` at run time.
PACKAGED_PATH = ROOT / "shared" / "shophub" / "api" / "openapi.json"

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "Error",
    "description": "Every non-2xx answer of the API.",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "details"],
            "properties": {
                "code": {"type": "string", "description": "Stable, snake_case; names the rule or problem"},
                "message": {"type": "string", "description": "For people, in the Accept-Language language (pl, en)"},
                "details": {
                    "type": "array",
                    "description": 'For invalid values: {"field": "items[2].hub_id", "message": "..."} per problem',
                    "items": {},
                },
            },
        }
    },
}

#: What each status of the HTTP edge means, before the list of its codes.
_EDGE_MEANING = {
    400: "Malformed or over-limit request",
    401: "No token, or a wrong or revoked one",
    404: "Not found",
    405: "Method not allowed",
    413: "Request body too large",
    415: "Request body not in JSON (UTF-8)",
    422: "Invalid values",
}
#: Powertools' schemas for its own validation answers, which the API never sends.
_POWERTOOLS_ERROR_SCHEMAS = ("HTTPValidationError", "ResponseValidationError", "ValidationError")


@contextmanager
def _environment(variables: dict[str, str]) -> Iterator[None]:
    """A function's template environment while its handler is imported (a handler checks its
    settings at import), the process's own afterwards."""
    saved = dict(os.environ)
    os.environ.update(variables)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


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
        with _environment(spec.environment):
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
    _document_errors(document)
    document["components"]["schemas"] = dict(sorted(document["components"]["schemas"].items()))
    return document


def _edge_statuses(operation: dict[str, Any]) -> list[int]:
    """The HTTP edge's error statuses an operation can answer."""
    places = {parameter.get("in") for parameter in operation.get("parameters", [])}
    has_body = "requestBody" in operation
    statuses = []
    if has_body or "query" in places:
        statuses.append(400)
    if operation.get("security") != []:
        statuses.append(401)
    if "path" in places:
        statuses.append(404)
    if has_body:
        statuses += [413, 415]
    if has_body or places:
        statuses.append(422)
    return statuses


def _document_errors(document: dict[str, Any]) -> None:
    """The ``Error`` schema, one reusable answer per status of the HTTP edge (its codes listed)
    and a reference to it from every operation that can answer it."""
    from shophub.http import EDGE_ERRORS

    components = document["components"]
    components["responses"] = {
        f"Error{status}": {
            "description": f"{_EDGE_MEANING[status]}: "
            + ", ".join(f"`{code}`" for code in codes)
            + (" (routes add their own codes)" if status in (400, 404, 422) else ""),
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
        for status, codes in sorted(EDGE_ERRORS.items())
    }
    for operations in document["paths"].values():
        for operation in operations.values():
            responses = operation["responses"]
            if not _documents_error(responses.get("422")):
                responses.pop("422", None)  # Powertools' HTTPValidationError: not what the API answers
            for status in _edge_statuses(operation):
                own = responses.get(str(status))
                if _documents_error(own):  # the route's own codes, then the edge's
                    own["description"] += f". Also {components['responses'][f'Error{status}']['description']}"
                else:
                    responses[str(status)] = {"$ref": f"#/components/responses/Error{status}"}
            operation["responses"] = dict(sorted(responses.items()))
    for name in _POWERTOOLS_ERROR_SCHEMAS:
        components["schemas"].pop(name, None)
    components["schemas"]["Error"] = ERROR_SCHEMA
    document["info"]["description"] += (
        ' Every non-2xx answer is `{"error": {"code", "message", "details"}}` (`Error`); a path '
        "the API does not have is 404 `not_found`, a method it does not allow there 405 `method_not_allowed`. "
        "A platform operator's token reads through the `GET /admin/…` routes only; on any other route it "
        "is 403 `forbidden` (and a tenant's token on an `/admin` route too)."
    )


def _documents_error(response: dict[str, Any] | None) -> bool:
    """Whether a route declared this answer itself, in the API's ``Error`` shape (its codes in
    the description)."""
    schema = ((response or {}).get("content") or {}).get("application/json", {}).get("schema")
    return schema == {"$ref": "#/components/schemas/Error"}


def render() -> str:
    return json.dumps(build_document(), indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", action="store_true", help=f"write {OPENAPI_PATH.relative_to(ROOT)}")
    args = parser.parse_args()
    text = render()
    if args.write:
        for path in (OPENAPI_PATH, PACKAGED_PATH):
            Path(path).write_text(text, encoding="utf-8")
            print(f"wrote {path}")
    else:
        print(text, end="")


if __name__ == "__main__":
    main()
