"""Each function's settings are checked at its cold start: a handler imported without a variable
it needs fails at import, naming the variable; template.yaml gives every function what it needs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from local.stack.template import FunctionSpec, load_stack
from shophub.function_settings import REQUIRED_SETTINGS, MissingSettingsError, require_settings

ROOT = Path(__file__).resolve().parents[2]
STACK = load_stack("test")
FUNCTIONS = sorted(STACK.functions.values(), key=lambda spec: spec.name)


def import_handler(spec: FunctionSpec, environment: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Imports the function's handler in a fresh interpreter (a cold start) with ``environment``
    as its only ``SHOPHUB_*`` variables."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("SHOPHUB_")}
    env.update(environment)
    env.update({"PYTHONPATH": f"{ROOT}:{ROOT / 'shared'}", "AWS_DEFAULT_REGION": "eu-central-1"})
    return subprocess.run(
        [sys.executable, "-c", f"import {spec.module}"], capture_output=True, text=True, env=env, cwd=ROOT, check=False
    )


def test_every_function_of_the_template_declares_its_settings():
    assert sorted(REQUIRED_SETTINGS) == sorted(spec.name for spec in FUNCTIONS)


@pytest.mark.parametrize("spec", FUNCTIONS, ids=lambda spec: spec.name)
def test_the_template_gives_every_function_every_variable_its_settings_require(spec: FunctionSpec):
    given = {name for name, value in spec.environment.items() if value.strip()}

    assert sorted(REQUIRED_SETTINGS[spec.name] - given) == [], f"{spec.logical_id} lacks variables in template.yaml"


@pytest.mark.parametrize("spec", FUNCTIONS, ids=lambda spec: spec.name)
def test_a_handler_imported_without_a_variable_it_needs_fails_its_cold_start_naming_it(spec: FunctionSpec):
    # Given the function's template environment without one variable it needs
    missing = max(REQUIRED_SETTINGS[spec.name])
    environment = {k: v for k, v in spec.environment.items() if k != missing}

    # When its handler module is imported
    outcome = import_handler(spec, environment)

    # Then the import fails with the function and the variable named
    assert outcome.returncode != 0
    last_line = outcome.stderr.strip().splitlines()[-1]
    assert last_line.startswith("shophub.function_settings.MissingSettingsError:")
    assert f"functions/{spec.name} cannot start" in last_line
    assert missing in last_line


def test_the_importer_without_its_links_bucket_does_not_start():
    (importer,) = (spec for spec in FUNCTIONS if spec.name == "importer")
    environment = {k: v for k, v in importer.environment.items() if k != "SHOPHUB_LINKS_BUCKET"}

    outcome = import_handler(importer, environment)

    assert outcome.returncode != 0
    assert "environment variable SHOPHUB_LINKS_BUCKET not set" in outcome.stderr


def test_an_empty_value_is_missing_and_every_missing_variable_is_named():
    environment = {
        "SHOPHUB_TABLE_NAME": "hub",
        "SHOPHUB_EVENT_BUS_NAME": " ",
        "SHOPHUB_SECRET_PREFIX": "/s",
        "SHOPHUB_STOCK_QUEUE_URL": "https://sqs/stock",
    }

    with pytest.raises(MissingSettingsError) as raised:
        require_settings("stock_pusher", environment)

    assert raised.value.missing == ["SHOPHUB_EVENT_BUS_NAME"]
    with pytest.raises(MissingSettingsError) as raised:
        require_settings("order_poller", {"SHOPHUB_TABLE_NAME": "hub"})
    assert raised.value.missing == [
        "SHOPHUB_EVENT_BUS_NAME",
        "SHOPHUB_ORDER_POLL_QUEUE_URL",
        "SHOPHUB_SECRET_PREFIX",
        "SHOPHUB_STOCK_QUEUE_URL",
    ]
    assert "variables SHOPHUB_EVENT_BUS_NAME, SHOPHUB_ORDER_POLL_QUEUE_URL" in str(raised.value)


def test_a_function_with_its_variables_starts():
    require_settings("authorizer", {"SHOPHUB_TABLE_NAME": "shophub-test-hub"})
