"""What the services need from outside the core and do not build themselves, declared once.

The implementations live elsewhere (:class:`shophub.store.messaging.QueuePublisher` for a queue);
tests pass fakes. The time a job may still take is :data:`shophub.clock.Deadline`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol


class Publisher(Protocol):
    """JSON messages to one queue (e.g. ``StockQueue``, ``OrderPollQueue``)."""

    def send(self, body: dict[str, Any], *, delay_seconds: int = 0) -> None: ...

    def send_many(self, bodies: Sequence[dict[str, Any]], *, delay_seconds: int = 0) -> None: ...
