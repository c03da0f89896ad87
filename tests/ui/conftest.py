"""Browser tests: one local stack for the module (messy catalogue, as `make run`), Chromium from
Debian through pytest-playwright's fixtures."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from local.stack.__main__ import LocalStack
from tests.support.browser import DESKTOP, chromium_launch_args, require_built_panel
from tests.support.local_stack import running_stack
from tests.support.merchant import HttpApiClient

DEV_TOKEN = "panel-test-token"
SHOP_KEY = "PANELTESTKEY0123456789ABCDEFGHIJ"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_type_launch_args, **chromium_launch_args()}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "viewport": DESKTOP, "locale": "pl-PL"}


@pytest.fixture(scope="module")
def stack_config() -> dict[str, Any]:
    """What a test module changes in its local stack's :class:`LocalConfig` (nothing by default)."""
    return {}


@pytest.fixture(scope="module")
def local_stack(tmp_path_factory: pytest.TempPathFactory, stack_config: dict[str, Any]) -> Iterator[LocalStack]:
    panel = require_built_panel()
    state: Path = tmp_path_factory.mktemp("stack")
    settings: dict[str, Any] = {"shop_catalog": "messy", "panel_dir": panel, **stack_config}
    with running_stack(state, dev_token=DEV_TOKEN, shop_key=SHOP_KEY, **settings) as stack:
        yield stack


@pytest.fixture(scope="module")
def panel_url(local_stack: LocalStack) -> str:
    assert local_stack.gateway is not None
    return f"{local_stack.gateway.url}/panel/"


@pytest.fixture(scope="module")
def api(local_stack: LocalStack) -> Iterator[HttpApiClient]:
    """The same tenant's API, to check what the panel's actions did."""
    assert local_stack.gateway is not None
    client = HttpApiClient(local_stack.gateway.url, DEV_TOKEN, "pl")
    yield client
    client.close()
