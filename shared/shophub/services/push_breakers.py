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

from shophub.domain.stock import PushBreaker

#: Runs in a row that could not reach the shop before the breaker opens.
OPEN_AFTER = 3
#: The longest delay SQS gives a message.
MAX_DELAY_SECONDS = 900


@dataclass(frozen=True)
class BreakerPolicy:
    """Delays of an account's given-back rows: ``retry_seconds`` while the breaker is closed,
    then ``open_seconds`` doubling per failure up to :data:`MAX_DELAY_SECONDS`."""

    open_after: int = OPEN_AFTER
    retry_seconds: int = 10
    open_seconds: int = 30

    def open_for(self, failures: int) -> int:
        """Seconds the breaker stays open after its ``failures``-th failure in a row."""
        extra = max(0, failures - self.open_after)
        return min(MAX_DELAY_SECONDS, self.open_seconds * 2 ** min(extra, 10))

    def opens(self, breaker: PushBreaker) -> bool:
        return breaker.failures >= self.open_after


def retry_delay(breaker: PushBreaker | None, now: datetime, policy: BreakerPolicy) -> int:
    """Seconds until an account's given-back rows should be tried again."""
    if breaker is None or breaker.open_until is None:
        return policy.retry_seconds
    wait = (breaker.open_until - now) / timedelta(seconds=1)
    return max(policy.retry_seconds, min(MAX_DELAY_SECONDS, int(wait) + 1))
