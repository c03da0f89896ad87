"""docs/openapi.json is generated from the code and matches template.yaml's routes."""

from __future__ import annotations

import json

from local.openapi import OPENAPI_PATH, build_document
from local.stack.template import load_stack


def test_openapi_document_has_not_drifted_from_the_code():
    generated = build_document()
    committed = json.loads(OPENAPI_PATH.read_text(encoding="utf-8"))

    assert committed == generated, "docs/openapi.json is stale: run `make openapi`"


def test_every_template_route_is_documented_and_nothing_else():
    documented = {
        (method.upper(), path) for path, operations in build_document()["paths"].items() for method in operations
    }
    declared = {(route.method, route.path) for route in load_stack("test").routes}

    assert documented == declared
