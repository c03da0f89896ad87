"""Per-account circuit breakers for pushes: a shop that keeps failing costs only its own rows.

A run that could not reach an account's shop (a timeout, a refused connection, a 5xx, its time
budget spent) gives that account's rows back as the account's own delayed message, never by
failing the batch's messages, which other shops' rows share. After :data:`OPEN_AFTER` such runs
in a row the breaker opens: the account's pushes are parked (no request reaches the shop) and
retried after a delay that doubles each time, up to SQS's 15 minutes; the account's page and
activity log say so, and a metric counts open breakers. The first run that reaches the shop
closes it (and says so in the log).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Literal

from shophub.domain.stock import PushBreaker

if TYPE_CHECKING:
    from shophub.services.push_pipeline import Activity

#: Runs in a row that could not reach the shop before the breaker opens.
OPEN_AFTER = 3
#: The longest delay SQS gives a message.
MAX_DELAY_SECONDS = 900


@dataclass(frozen=True)
class BreakerPolicy:
    """Delays of an account's given-back rows: ``retry_seconds`` while the breaker is closed,
    then ``open_seconds`` doubling per failure up to ``max_seconds`` (at most SQS's
    :data:`MAX_DELAY_SECONDS`)."""

    open_after: int = OPEN_AFTER
    retry_seconds: int = 10
    open_seconds: int = 30
    max_seconds: int = MAX_DELAY_SECONDS

    def open_for(self, failures: int) -> int:
        """Seconds the breaker stays open after its ``failures``-th failure in a row."""
        extra = max(0, failures - self.open_after)
        return min(self.longest, self.open_seconds * 2 ** min(extra, 10))

    @property
    def longest(self) -> int:
        return max(1, min(MAX_DELAY_SECONDS, self.max_seconds))

    def opens(self, breaker: PushBreaker) -> bool:
        return breaker.failures >= self.open_after


def retry_delay(breaker: PushBreaker | None, now: datetime, policy: BreakerPolicy) -> int:
    """Seconds until an account's given-back rows should be tried again."""
    if breaker is None or breaker.open_until is None:
        return policy.retry_seconds
    wait = (breaker.open_until - now) / timedelta(seconds=1)
    return max(policy.retry_seconds, min(policy.longest, int(wait) + 1))


def log_breaker(
    activity: Activity,
    tenant_id: str,
    account_id: str,
    action: str,
    outcome: Literal["ok", "error"],
    failures: int,
    until: datetime | None,
    error: str,
) -> None:
    """The activity-log entry of a breaker that opened (``until``) or closed (``until`` None)."""
    params = {"failures": failures, "until": until.isoformat(timespec="seconds") if until else ""}
    activity.append(
        action=action,
        outcome=outcome,
        message_key=f"activity_{action.replace('.', '_')}",
        params=params,
        tenant_id=tenant_id,
        account_id=account_id,
        details={**params, "error": error[:300]},
    )
