"""What a cold start loads: importing a handler brings its routes and models, not the collaborators
its first request or message builds (AWS clients, settings, repositories, the shop connector and
its HTTP stack). The time itself is measured by ``python -m bench --only coldstart``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from local.stack.template import load_stack

ROOT = Path(__file__).resolve().parents[2]

#: Built on first use by ``shophub.wiring`` in every function.
NEVER_AT_IMPORT = (
    "pydantic_settings",  # settings: read with the first container
    "httpcore",  # the shop's HTTP transport: with the first connector
    "defusedxml",  # shop answers: parsed by the connector only
    "shophub.connectors.",  # a connector (its profile, which models read, excepted: see below)
    "shophub.security.transport",
    "shophub.security.secrets",
    "shophub.settings",
)

STACK = load_stack("test")
HANDLERS = sorted({spec.module for spec in STACK.functions.values()})


def function_environment(module: str) -> dict[str, str]:
    """The template's environment of the function ``module`` serves (its handler checks it at import)."""
    return next(spec.environment for spec in STACK.functions.values() if spec.module == module)


def modules_after_import(module: str) -> set[str]:
    code = f"import json, sys; import {module}; print(json.dumps(sorted(sys.modules)))"
    env = {
        **os.environ,
        **function_environment(module),
        "PYTHONPATH": f"{ROOT}:{ROOT / 'shared'}",
        "AWS_DEFAULT_REGION": "eu-central-1",
    }
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True, cwd=ROOT)
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("module", HANDLERS)
def test_a_handler_import_leaves_the_first_invocations_collaborators_unloaded(module: str):
    loaded = modules_after_import(module)

    assert module in loaded
    early = sorted(m for m in loaded if m.startswith(NEVER_AT_IMPORT) and not _declaration(m))
    assert early == [], f"{module} loads at import what its first invocation should build: {early}"


def _declaration(module: str) -> bool:
    """A connector profile (and the package holding it): what the core reads of a platform, no
    HTTP or parsing code (the field mapping's choices in the API models come from it)."""
    parts = module.split(".")
    return module == "shophub.connectors.base" or (len(parts) == 3 or parts[3:] == ["profile"])


def test_the_api_function_loads_routes_and_models_but_no_service_or_repository():
    """Nine route areas share the function; a cold start pays for one request's service only."""
    loaded = modules_after_import("functions.api.handler")

    assert {"shophub.api.orders", "shophub.api.stock", "shophub.domain.orders"} <= loaded
    assert sorted(m for m in loaded if m.startswith(("shophub.services", "shophub.store", "boto3"))) == []
