"""Where a running local stack can be found: ``.local-stack/state.json`` (git-ignored).

The stack writes its process id, URLs, ports, stage and table name there at start-up and
removes the file when it stops; ``make token`` reads it. ``SHOPHUB_STATE_FILE`` moves the file.
Secrets (the dev token, the simulator's key) are not written.
"""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from local.stack.runtime import ROOT

DEFAULT_STATE_FILE = ROOT / ".local-stack" / "state.json"


def state_file() -> Path:
    return Path(os.environ.get("SHOPHUB_STATE_FILE") or DEFAULT_STATE_FILE)


def write_state(state: dict[str, Any], path: Path | None = None) -> Path:
    path = path or state_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(state, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    temporary.replace(path)
    return path


def read_state(path: Path | None = None) -> dict[str, Any] | None:
    path = path or state_file()
    try:
        return dict(json.loads(path.read_text(encoding="utf-8")))
    except (FileNotFoundError, ValueError):
        return None


def clear_state(path: Path | None = None, *, pid: int | None = None) -> None:
    """Remove the file (only if it still belongs to ``pid``, when given)."""
    path = path or state_file()
    state = read_state(path)
    if state is not None and pid is not None and state.get("pid") != pid:
        return
    path.unlink(missing_ok=True)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _reachable(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 80), timeout=1):
            return True
    except OSError:
        return False


def running_state(path: Path | None = None) -> dict[str, Any] | None:
    """The state of a stack that is actually running (process alive, moto answering), or None."""
    state = read_state(path)
    if not state:
        return None
    pid = state.get("pid")
    if isinstance(pid, int) and not _pid_alive(pid):
        return None
    if not _reachable(str(state.get("moto_endpoint", ""))):
        return None
    return state
