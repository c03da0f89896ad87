"""One slow or dead shop costs only its own rows (:mod:`shophub.services.push_breakers` says why
and how).

Around each push of a tenant's accounts: accounts whose breaker is open are not pushed (their
rows go straight back, delayed until the breaker's retry time); after the push, an account whose
run could not reach its shop counts a failure (opening the breaker at the threshold) and gets its
failed rows back as its own ``StockChanged`` message (``account_id`` set); an account that was
failing and got through closes its breaker. Rows given back never fail the batch's messages; only
when the message cannot be sent do they, as before.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from shophub.domain.accounts import Account
from shophub.domain.stock import PushBreaker, StockChangedMessage, StockLevel
from shophub.observability import logger
from shophub.ports import Publisher
from shophub.services.push_breakers import BreakerPolicy, log_breaker, retry_delay
from shophub.services.push_pipeline import AccountResult, Activity
from shophub.store.breakers import BreakerRepository
from shophub.store.stock import ProductStock


@dataclass
class IsolationTally:
    """What isolation did in one invocation (for the function's metrics)."""

    parked_accounts: int = 0
    given_back_rows: int = 0
    open_breakers: int = 0
    opened: list[str] = field(default_factory=list)
    closed: list[str] = field(default_factory=list)


class ShopIsolation:
    def __init__(
        self,
        breakers: BreakerRepository,
        queue: Callable[[], Publisher],
        activity: Activity,
        *,
        policy: BreakerPolicy | None = None,
    ) -> None:
        self.breakers = breakers
        self.queue = queue
        self.activity = activity
        self.policy = policy or BreakerPolicy()
        self.tally = IsolationTally()
        #: the stock levels of the products being pushed (what a given-back message carries;
        #: the pusher reads the current level again anyway)
        self.levels: dict[int, ProductStock] = {}

    def split(self, accounts: Sequence[Account], at: datetime) -> tuple[list[Account], dict[str, PushBreaker]]:
        """The accounts to push now, and the breakers of all (open ones are left out; the
        others with a breaker failed lately)."""
        known = self.breakers.get_many([a.id for a in accounts])
        to_push = [a for a in accounts if not (a.id in known and known[a.id].is_open(at))]
        self.tally.open_breakers += len(accounts) - len(to_push)
        return to_push, known

    def park(
        self,
        tenant_id: str,
        account_ids: Sequence[str],
        subjects: Mapping[str, set[int]],
        at: datetime,
        known: Mapping[str, PushBreaker],
    ) -> set[int]:
        """Give back the rows of accounts whose breaker is open; returns the subjects that could
        not be given back (their messages must fail)."""
        failed: set[int] = set()
        for account_id in account_ids:
            self.tally.parked_accounts += 1
            delay = retry_delay(known.get(account_id), at, self.policy)
            failed |= self._give_back(tenant_id, account_id, subjects.get(account_id, set()), delay)
        return failed

    def settle(
        self,
        tenant_id: str,
        results: Mapping[str, AccountResult],
        known: Mapping[str, PushBreaker],
        at: datetime,
    ) -> set[int]:
        """After a push: breakers counted, opened or closed; failed rows of unreachable shops
        given back. Returns the subjects whose messages must fail."""
        failed: set[int] = set()
        for account_id, result in results.items():
            if result.unreachable and result.failed_subjects:
                breaker = self._failed(tenant_id, account_id, result.unreachable, at)
                delay = retry_delay(breaker, at, self.policy)
                failed |= self._give_back(tenant_id, account_id, result.failed_subjects, delay)
            else:
                failed |= result.failed_subjects
                if account_id in known and not result.unreachable:
                    self._recovered(tenant_id, account_id, known[account_id])
        return failed

    # --- the breaker ------------------------------------------------------------------------------

    def _failed(self, tenant_id: str, account_id: str, error: str, at: datetime) -> PushBreaker:
        breaker = self.breakers.add_failure(account_id, error)
        if not self.policy.opens(breaker):
            return breaker
        until = at + timedelta(seconds=self.policy.open_for(breaker.failures))
        first = breaker.opened_at is None
        self.breakers.open(account_id, until=until, at=at, first=first)
        self.tally.open_breakers += 1
        if first:
            self.tally.opened.append(account_id)
            log_breaker(
                self.activity, tenant_id, account_id, "stock.push_parked", "error", breaker.failures, until, error
            )
        return breaker.model_copy(update={"open_until": until})

    def _recovered(self, tenant_id: str, account_id: str, breaker: PushBreaker) -> None:
        self.breakers.close(account_id)
        if breaker.opened_at is not None:
            self.tally.closed.append(account_id)
            log_breaker(self.activity, tenant_id, account_id, "stock.push_resumed", "ok", breaker.failures, None, "")

    # --- rows given back --------------------------------------------------------------------------

    def _give_back(self, tenant_id: str, account_id: str, subjects: set[int], delay: int) -> set[int]:
        """Send the account's rows back as its own message (delayed); the subjects when it fails."""
        if not subjects:
            return set()
        changes = [
            StockLevel(
                product_id=p,
                quantity=self.levels[p].stock if p in self.levels else 0,
                version=self.levels[p].stock_version if p in self.levels else 0,
            )
            for p in sorted(subjects)
        ]
        message = StockChangedMessage(tenant_id=tenant_id, changes=changes, account_id=account_id)
        try:
            self.queue().send(message.model_dump(mode="json", exclude_none=True), delay_seconds=delay)
        except Exception:
            logger.exception("stock rows could not be given back", extra={"account_id": account_id})
            return set(subjects)
        self.tally.given_back_rows += len(subjects)
        return set()


def products_by_account(refs: Mapping[str, Mapping[str, int]]) -> dict[str, set[int]]:
    """``{account: products}`` of ``refs_by_account``'s answer."""
    return {account: set(refs_of.values()) for account, refs_of in refs.items()}


__all__ = ["IsolationTally", "ProductStock", "ShopIsolation", "products_by_account"]
