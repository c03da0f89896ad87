"""What the echo function received, shared by all of its execution environments.

The local invoker loads a private copy of a handler module per concurrent execution
environment; this module is imported normally, so every copy records into the same place.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Received:
    kind: str  # "http", "sqs", "schedule", "authorizer"
    event: dict[str, Any]
    at: float
    environment: dict[str, str | None]


_lock = threading.Lock()
received: list[Received] = []
active = 0
peak = 0


def record(kind: str, event: dict[str, Any], environment: dict[str, str | None]) -> None:
    with _lock:
        received.append(Received(kind, event, time.monotonic(), environment))


def enter() -> None:
    global active, peak
    with _lock:
        active += 1
        peak = max(peak, active)


def leave() -> None:
    global active
    with _lock:
        active -= 1


def of_kind(kind: str) -> list[Received]:
    with _lock:
        return [r for r in received if r.kind == kind]


def reset() -> None:
    global active, peak
    with _lock:
        received.clear()
        active = 0
        peak = 0
