"""Time, injectable: services take a ``Clock`` so tests control "now", and work that must end
before the Lambda's timeout takes a ``Deadline``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]
#: Seconds left before work must stop (e.g. the Lambda's remaining time less a margin).
Deadline = Callable[[], float]


def utc_now() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """``2026-11-27T09:31:00.123456Z``: sortable, always UTC."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def lambda_deadline(context: object, margin: float) -> Deadline | None:
    """Seconds left in a Lambda invocation minus ``margin`` (what a connector's ``deadline``
    takes); ``None`` when there is no Lambda context (tests calling services directly)."""
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if remaining is None:
        return None
    return lambda: float(remaining()) / 1000 - margin
