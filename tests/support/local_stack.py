"""The local stack (``make run``'s) for tests: free ports, no schedule, a quiet gateway."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from local.stack.__main__ import LocalConfig, LocalStack
from local.stack.moto_patches import item_level_transaction_rollback


@contextmanager
def running_stack(state_dir: Path, *, dev_token: str, shop_key: str, **config: Any) -> Iterator[LocalStack]:
    """A started :class:`LocalStack` on free ports (``config`` overrides :class:`LocalConfig`),
    stopped afterwards."""
    settings: dict[str, Any] = {
        "api_port": 0,
        "moto_port": 0,
        "shop_port": 0,
        "retry_seconds": 1,
        "dev_token": dev_token,
        "shop_key": shop_key,
        "start_scheduler": False,
        "access_log": False,
        "state_path": state_dir / "state.json",
        **config,
    }
    stack = LocalStack(LocalConfig(**settings), out=io.StringIO())
    # moto's TransactWriteItems copies the whole table per operation; restore only what it touched
    with item_level_transaction_rollback():
        stack.start()
        try:
            yield stack
        finally:
            stack.stop()
