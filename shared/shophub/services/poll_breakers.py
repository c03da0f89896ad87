"""Per-account circuit breakers for order polls: a shop that stays down is left alone.

Every scheduled poll of a dead shop used to fail five times and land in the dead-letter queue:
one message every five minutes per dead shop, and an alarm that meant nothing new. Now each poll
that cannot reach the shop (a timeout, a refused connection, a 5xx) counts a failure, and a
message's deliveries are retried as before (a burst of errors passes); when the last delivery
fails too (at least :data:`~shophub.services.push_breakers.OPEN_AFTER` failures in a row), the
breaker opens:

* the failing message is not retried (the poll cursor keeps its place, so no order is lost: the
  first poll that gets through reads from where the last good one stopped);
* scheduled polls are skipped without a shop request until the breaker's retry time; the first
  poll after it that fails opens it again at once, for twice as long (same policy as stock
  pushes);
* a poll the merchant asks for ("fetch now") still goes to the shop;
* the account's page shows it (``order_poll``), the activity log says so once
  (``orders.poll_parked``), and the first poll that gets through closes it
  (``orders.poll_resumed``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from shophub.domain.accounts import Account
from shophub.domain.orders import PollOrdersJob
from shophub.domain.stock import PushBreaker
from shophub.services.push_breakers import BreakerPolicy, log_breaker
from shophub.services.push_pipeline import Activity
from shophub.store.breakers import BreakerRepository


class PollBreakers:
    def __init__(self, breakers: BreakerRepository, activity: Activity, policy: BreakerPolicy | None = None) -> None:
        self.breakers = breakers
        self.activity = activity
        self.policy = policy or BreakerPolicy()

    def current(self, account_id: str) -> PushBreaker | None:
        """The account's breaker (None while its polls get through)."""
        return self.breakers.get(account_id)

    def parks(self, breaker: PushBreaker | None, job: PollOrdersJob, now: datetime) -> bool:
        """Whether this poll is skipped: the breaker is open and nobody asked for the poll."""
        return breaker is not None and breaker.is_open(now) and job.reason != "manual"

    def failed(self, account: Account, error: str, now: datetime, *, last_attempt: bool) -> bool:
        """Count a poll that could not reach the shop; True when the breaker opens (the message
        is then not retried). It opens on a message's last delivery (instead of the DLQ), or at
        once when it had opened before and the shop still does not answer."""
        breaker = self.breakers.add_failure(account.id, error)
        tripped = last_attempt or breaker.opened_at is not None
        if not (tripped and self.policy.opens(breaker)):
            return False
        until = now + timedelta(seconds=self.policy.open_for(breaker.failures))
        first = breaker.opened_at is None
        self.breakers.open(account.id, until=until, at=now, first=first)
        if first:
            log_breaker(
                self.activity,
                account.tenant_id,
                account.id,
                "orders.poll_parked",
                "error",
                breaker.failures,
                until,
                error,
            )
        return True

    def reached(self, account: Account, breaker: PushBreaker | None) -> None:
        """A poll reached the shop: the breaker (if any) is closed."""
        if breaker is None:
            return
        self.breakers.close(account.id)
        if breaker.opened_at is not None:
            log_breaker(
                self.activity, account.tenant_id, account.id, "orders.poll_resumed", "ok", breaker.failures, None, ""
            )
