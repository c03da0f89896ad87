"""What the services need from outside the core and do not build themselves, declared once.

The implementations live elsewhere (:class:`shophub.store.messaging.QueuePublisher` for a queue,
:class:`shophub.store.messaging.EventPublisher` for the hub's event bus,
:class:`shophub.services.stock.StockService` announcing stock changes); tests pass fakes. The time a job may still take is :data:`shophub.clock.Deadline`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from shophub.domain.stock import StockLevel


class Publisher(Protocol):
    """JSON messages to one queue (e.g. ``StockQueue``, ``OrderPollQueue``)."""

    def send(self, body: dict[str, Any], *, delay_seconds: int = 0) -> None: ...

    def send_many(self, bodies: Sequence[dict[str, Any]], *, delay_seconds: int = 0) -> None: ...


class HubEvents(Protocol):
    """Events on the hub's bus (``OrderImported``, ``StockSyncReported``, …)."""

    def publish(self, detail_type: str, detail: dict[str, Any]) -> None: ...

    def publish_many(self, detail_type: str, details: Sequence[dict[str, Any]]) -> None: ...


class StockAnnouncer(Protocol):
    """Queues changed hub stock levels for the stock push; answers how many were queued."""

    def enqueue_changes(self, tenant_id: str, changes: Iterable[StockLevel]) -> int: ...
