"""Order polling: the scheduled dispatcher and the per-account poll worker.

Dispatcher: the schedule fires, one ``PollOrders`` message per account with fetching enabled goes
to ``OrderPollQueue`` (accounts come from the sparse ``FETCH#ENABLED`` index, never a scan).

Worker, one message = one account:

1. **Lease.** The ``CURSOR#ORDERS`` item is taken with a conditional update (owner + expiry), so
   one poll at a time runs per account; a second message (a duplicate delivery, an overlapping
   schedule, a "fetch now") finds the lease taken and ends without doing anything. A crashed
   poll's lease simply expires.
2. **Pages.** Changes come oldest first (``date_upd``, then id) through the connector, in pages
   of up to :attr:`OrderPollService.page_size` complete orders. The first page of a run starts
   :attr:`~OrderPollService.margin` before the cursor (never before ``fetch_from``): changes
   written late with an older ``date_upd`` are caught, and the orders already stored with the same
   ``date_upd`` are no-ops. The first page is widened by the number of already-seen orders in
   that margin (remembered on the cursor), so the overlap does not push new orders onto another
   page. Later pages continue exactly after the previous one (keyset).
3. **Writes, then announcements, then the cursor.** New orders are created exactly once
   (``attribute_not_exists``, together with their stock movement); changed ones are updated
   under their version. Then the hub events and stock changes of the page are sent, and only then
   the cursor moves (conditional on still holding the lease). A crash before the cursor moved
   repeats the page: its orders are then found stored, and those written by a run that never
   finished (``open_runs``) have their events and stock changes announced again.
4. **Failures.** A transient shop failure releases the lease and raises (SQS delivers the message
   again; the 5th failure ends in the DLQ and the log says so). A permanent one (bad key, missing
   permission) is logged and the message is dropped. A scheduled run never logs a failure and
   returns success.

Orders created in the shop before ``fetch_from`` (default: the account's creation time) are not
imported, even when they change later; every other order lands in ``landing_status`` whatever its
shop state. An unknown carrier id (not resolvable to a carrier key) or payment module
without a mapping, and lines without a linked hub product, never drop an order: it is imported
and ``unmapped`` lists what is missing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

from shophub.clock import Clock, Deadline, utc_now
from shophub.domain.accounts import Account
from shophub.domain.catalog import Offer
from shophub.domain.config import FieldMapping, OrderSettings
from shophub.domain.orders import (
    DriftLine,
    HubOrder,
    OrderAddress,
    OrderCustomer,
    OrderDrift,
    OrderLine,
    OrderTotals,
    PollCursor,
    PollOrdersJob,
    StatusChange,
    UnmappedEntry,
    event_detail,
    hub_order_id,
    shop_fingerprint,
)
from shophub.domain.shop import OrderCursor, OrderPage, ShopAddress, ShopCustomer, ShopOrder
from shophub.domain.stock import StockLevel
from shophub.errors import ConcurrentUpdateError, NotFoundError, ShopError, ShopTransientError, ValidationError
from shophub.i18n import DEFAULT_LANGUAGE, LANGUAGES, text, text_list
from shophub.ids import new_ulid
from shophub.observability import logger
from shophub.ports import HubEvents, Publisher, StockAnnouncer
from shophub.services.orders import ORDER_IMPORTED, ORDER_UPDATED, with_status
from shophub.services.poll_breakers import PollBreakers
from shophub.services.stock_movements import OrderStockService
from shophub.store.accounts import AccountRepository
from shophub.store.activity import ActivityLogRepository
from shophub.store.catalog import CatalogRepository
from shophub.store.config import ConfigRepository
from shophub.store.discovery import DiscoveryRepository
from shophub.store.orders import OrderRepository, PollCursorRepository

#: ``maxReceiveCount`` of OrderPollQueue's redrive policy (template.yaml): the last attempt.
MAX_ATTEMPTS = 5
#: At most this many already-seen orders widen a run's first page.
MAX_OVERLAP_WIDENING = 50
#: Already-seen orders remembered on the cursor (for the widening above).
MAX_RECENT = 200
#: Orders described in the message of a page's "imported without mappings" entry (all are in its
#: details).
MAX_DESCRIBED = 20
#: Shop ids of imported orders named in a run's log entry (the rest are counted).
MAX_LOGGED_IDS = 500
#: Unfinished runs remembered on the cursor (their writes are announced again by the next run).
MAX_OPEN_RUNS = 20
#: Attempts at updating one stored order that keeps changing under us.
UPDATE_ATTEMPTS = 5

PollOutcome = Literal["done", "partial", "busy", "skipped", "failed", "lost_lease", "parked"]


ConnectorFactory = Callable[..., Any]


@dataclass
class PollStats:
    pages: int = 0
    seen: int = 0
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    unreadable: int = 0
    duplicates: int = 0
    reannounced: int = 0
    stock_changes: int = 0
    shop_requests: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


@dataclass
class PollResult:
    outcome: PollOutcome
    stats: PollStats = field(default_factory=PollStats)
    run_id: str | None = None


@dataclass(frozen=True)
class OrderMappings:
    payment: dict[str, str]
    carrier: dict[str, str]
    status: dict[str, str]


@dataclass
class _Run:
    """Everything one poll run knows about its account."""

    run_id: str
    account: Account
    settings: OrderSettings
    fetch_from: datetime
    mappings: OrderMappings
    field_mapping: FieldMapping
    carriers_by_id: dict[int, int]
    return_statuses: list[str]
    suspects: set[str]
    language: str
    actor: str
    started_at: datetime
    stats: PollStats = field(default_factory=PollStats)
    #: shop ids of the orders this run imported (named in the run's log entry)
    imported_ids: list[int] = field(default_factory=list)
    #: a page was written and its events / stock changes are not sent yet
    unannounced: bool = False

    @property
    def tenant_id(self) -> str:
        return self.account.tenant_id

    @property
    def return_states(self) -> set[int]:
        """The shop states mapped to a stock-return status (the shop has given the stock back)."""
        returning = set(self.return_statuses)
        return {int(state) for state, status in self.mappings.status.items() if status in returning and state.isdigit()}


class OrderPollDispatcher:
    """The schedule's side: one message per account with fetching enabled."""

    def __init__(self, config: ConfigRepository, queue: Callable[[], Publisher]) -> None:
        self.config = config
        self.queue = queue

    def dispatch(self) -> int:
        jobs = [
            PollOrdersJob(tenant_id=tenant_id, account_id=account_id, reason="schedule").model_dump(mode="json")
            for tenant_id, account_id in self.config.list_fetch_enabled()
        ]
        if jobs:
            self.queue().send_many(jobs)
        return len(jobs)


class OrderPollService:
    def __init__(
        self,
        *,
        accounts: AccountRepository,
        config: ConfigRepository,
        discovery: DiscoveryRepository,
        catalog: CatalogRepository,
        orders: OrderRepository,
        cursors: PollCursorRepository,
        stock_moves: OrderStockService,
        stock_announcer: StockAnnouncer,
        activity: ActivityLogRepository,
        events: HubEvents,
        poll_queue: Callable[[], Publisher],
        connector_for: ConnectorFactory,
        breakers: PollBreakers | None = None,
        clock: Clock = utc_now,
        page_size: int = 100,
        margin: timedelta = timedelta(minutes=5),
        lease_seconds: int = 180,
        min_time_left: float = 20.0,
    ) -> None:
        self.accounts = accounts
        self.config = config
        self.discovery = discovery
        self.catalog = catalog
        self.orders = orders
        self.cursors = cursors
        self.stock_moves = stock_moves
        self.stock_announcer = stock_announcer
        self.activity = activity
        self.events = events
        self.poll_queue = poll_queue
        self.breakers = breakers
        self.connector_for = connector_for
        self.clock = clock
        self.page_size = page_size
        self.margin = margin
        self.lease_seconds = lease_seconds
        self.min_time_left = min_time_left

    # --- one run ----------------------------------------------------------------------------------

    def poll(self, job: PollOrdersJob, *, attempt: int = 1, deadline: Deadline | None = None) -> PollResult:
        """Poll one account. Raises on transient failures (the message comes back)."""
        language = job.language if job.language in LANGUAGES else DEFAULT_LANGUAGE
        ready = self._account_to_poll(job)
        if isinstance(ready, PollResult):
            return ready
        account, settings = ready
        breaker = self.breakers.current(account.id) if self.breakers else None
        if self.breakers and self.breakers.parks(breaker, job, self.clock()):
            logger.info("order poll skipped: the shop's breaker is open", extra={"account_id": account.id})
            return PollResult("parked")
        run_id = new_ulid()
        cursor = self.cursors.acquire(account.id, run_id, now=self.clock(), lease_seconds=self.lease_seconds)
        if cursor is None:
            logger.info("order poll skipped: another poll holds the lease", extra={"account_id": account.id})
            return PollResult("busy")
        try:
            run = self._prepare(run_id, account, settings, cursor, language, job.actor)
        except Exception:
            self.cursors.release(
                account.id, run_id, open_runs=set(cursor.open_runs) - {run_id}, now=self.clock(), error="internal_error"
            )
            raise
        try:
            outcome = self._run_pages(run, cursor, deadline)
        except ShopTransientError as error:
            self._release(run, cursor, finished=False, error=error.code)
            last = attempt >= MAX_ATTEMPTS
            parked = self.breakers is not None and self.breakers.failed(
                account, error.code, self.clock(), last_attempt=last
            )
            self._log_failure(run, job, attempt, error, will_retry=attempt < MAX_ATTEMPTS and not parked)
            if parked:  # no retry: the cursor keeps its place, the next poll after the breaker reads on
                return PollResult("parked", run.stats, run_id)
            raise
        except (ShopError, NotFoundError, ValidationError) as error:
            # permanent: the shop refuses (key, permissions, hostile answers), or the account's
            # key or time zone is unusable; logged, the message is not retried
            self._release(run, cursor, finished=False, error=error.code)
            self._log_failure(run, job, attempt, error, will_retry=False)
            if self.breakers is not None and isinstance(error, ShopError):
                self.breakers.reached(account, breaker)  # it answered: reachable, whatever it said
            return PollResult("failed", run.stats, run_id)
        except Exception:
            self._release(run, cursor, finished=False, error="internal_error")
            raise
        if self.breakers is not None and outcome != "lost_lease":
            self.breakers.reached(account, breaker)
        return self._finish(run, cursor, outcome, job)

    def _account_to_poll(self, job: PollOrdersJob) -> tuple[Account, OrderSettings] | PollResult:
        """The account and its order settings, or the result of a poll that has nothing to do."""
        try:
            account = self.accounts.get(job.tenant_id, job.account_id)
        except NotFoundError:
            logger.info("order poll skipped: the account is gone", extra={"account_id": job.account_id})
            return PollResult("skipped")
        settings = self.config.get_order_settings(account.id, default_fetch_from=account.created_at, consistent=True)
        if not settings.fetch_enabled:
            logger.info("order poll skipped: fetching is disabled", extra={"account_id": account.id})
            return PollResult("skipped")
        if settings.landing_status is None:
            self._log_run(account, "error", "log_poll_landing_status_missing", {}, job.actor, {})
            return PollResult("failed")
        return account, settings

    def _log_failure(
        self,
        run: _Run,
        job: PollOrdersJob,
        attempt: int,
        error: ShopError | NotFoundError | ValidationError,
        *,
        will_retry: bool,
    ) -> None:
        """The failed run's entry: ``log_poll_retry`` while the message comes back, else ``log_poll_failed``."""
        detail = error.shop_message if isinstance(error, ShopError) else (error.detail or error.code)
        self._log_run(
            run.account,
            "error",
            "log_poll_retry" if will_retry else "log_poll_failed",
            {"detail": detail},
            job.actor,
            {"code": error.code, "attempt": attempt, "will_retry": will_retry, **run.stats.as_dict()},
        )

    def _finish(self, run: _Run, cursor: PollCursor, outcome: PollOutcome, job: PollOrdersJob) -> PollResult:
        """Release the lease after the pages, log what was found and queue the rest of a partial run."""
        account = run.account
        if outcome == "lost_lease":
            logger.warning("order poll lost its lease", extra={"account_id": account.id})
            return PollResult(outcome, run.stats, run.run_id)
        self._release(run, cursor, finished=outcome == "done", error=None)
        stats = run.stats
        if stats.imported or stats.updated:  # a poll that found nothing is only the cursor's last_poll_at
            self._log_run(
                account,
                "ok",
                "log_poll_done",
                {
                    "imported": stats.imported,
                    "updated": stats.updated,
                    "unchanged": stats.unchanged,
                    "skipped": stats.skipped,
                },
                job.actor,
                {
                    "reason": job.reason,
                    "complete": outcome == "done",
                    **stats.as_dict(),
                    "imported_orders": run.imported_ids[:MAX_LOGGED_IDS],
                },
            )
        if outcome == "partial":
            self.poll_queue().send(
                PollOrdersJob(
                    tenant_id=account.tenant_id, account_id=account.id, reason="continue", language=run.language
                ).model_dump(mode="json")
            )
        return PollResult(outcome, stats, run.run_id)

    def _prepare(
        self, run_id: str, account: Account, settings: OrderSettings, cursor: PollCursor, language: str, actor: str
    ) -> _Run:
        discovery = self.discovery.get(account.id)
        carriers_by_id = {c.id: c.carrier_key for c in discovery.carriers} if discovery else {}
        fetch_from = settings.fetch_from or account.created_at
        return _Run(
            run_id=run_id,
            account=account,
            settings=settings,
            fetch_from=fetch_from,
            mappings=OrderMappings(
                payment=self.config.get_mappings(account.id, "PAYMENT"),
                carrier=self.config.get_mappings(account.id, "CARRIER"),
                status=self.config.get_mappings(account.id, "STATUS"),
            ),
            field_mapping=self.config.get_field_mapping(account.id, account.platform),
            carriers_by_id=carriers_by_id,
            return_statuses=self.config.get_tenant_settings(account.tenant_id).stock_return_statuses,
            suspects=set(cursor.open_runs) - {run_id},
            language=language,
            actor=actor,
            started_at=self.clock(),
        )

    def _run_pages(self, run: _Run, cursor: PollCursor, deadline: Deadline | None) -> PollOutcome:
        connector = self.connector_for(run.account, deadline=deadline)
        try:
            return self._pages(run, cursor, connector, deadline)
        finally:
            run.stats.shop_requests += int(getattr(connector, "request_count", 0))
            connector.close()

    def _first_page(self, run: _Run, cursor: PollCursor, connector: Any) -> OrderPage:
        """The run's first page: with an overlap while the cursor is recent, else keyset."""
        if cursor.updated_at is None:
            return connector.list_order_changes(run.fetch_from, limit=self.page_size + 1)
        window_start = (cursor.clean_run_started_at or cursor.updated_at) - self.margin
        if cursor.updated_at >= window_start:
            # a change written late (visible only after the previous run read) may hide before
            # the cursor: read again from the margin, widened by the orders known to be there
            since = max(run.fetch_from, window_start)
            known = sum(1 for stamp, _ in _recent_entries(cursor) if stamp >= since.timestamp())
            limit = self.page_size + min(known, MAX_OVERLAP_WIDENING) + 1
            return connector.list_order_changes(since, limit=limit)
        after = OrderCursor(updated_at=cursor.updated_at, id=cursor.order_id or 0, tied=max(1, cursor.tied))
        return connector.list_order_changes(cursor.updated_at, after=after, limit=self.page_size + 1)

    def _pages(self, run: _Run, cursor: PollCursor, connector: Any, deadline: Deadline | None) -> PollOutcome:
        if cursor.fetch_from is not None and run.fetch_from < cursor.fetch_from:
            # the merchant moved fetch_from back: read again from there (stored orders are no-ops)
            cursor = cursor.model_copy(update={"updated_at": None, "order_id": None, "tied": 1, "recent": []})
        position: tuple[datetime, int] | None = None
        if cursor.updated_at is not None:
            position = (cursor.updated_at, cursor.order_id or 0)
        recent = _recent_entries(cursor)
        page = self._first_page(run, cursor, connector)
        while True:
            run.stats.pages += 1
            self._process_page(run, page)
            nxt = page.next_after
            if nxt is not None and (page.orders or page.failures):
                recent = _merge_recent(recent, page.orders, nxt.updated_at - self.margin)
                if position is None or (nxt.updated_at, nxt.id) > position:
                    moved = self.cursors.advance(
                        run.account.id,
                        run.run_id,
                        updated_at=nxt.updated_at,
                        order_id=nxt.id,
                        tied=nxt.tied,
                        recent=recent,
                        fetch_from=run.fetch_from,
                        now=self.clock(),
                        lease_seconds=self.lease_seconds,
                    )
                    if not moved:
                        return "lost_lease"
                    position = (nxt.updated_at, nxt.id)
            if not page.has_more:
                return "done"
            if deadline is not None and deadline() < self.min_time_left:
                return "partial"
            page = connector.list_order_changes(run.fetch_from, after=nxt, limit=self.page_size)

    def _release(self, run: _Run, cursor: PollCursor, *, finished: bool, error: str | None) -> None:
        """Give the lease back. Runs whose writes may not have been announced stay open: this one
        when it failed between a page's writes and its announcements, and the earlier ones until a
        run went through to the end."""
        still_open = set() if finished else set(run.suspects)
        if error is not None and run.unannounced:
            still_open.add(run.run_id)
        still_open = set(sorted(still_open)[-MAX_OPEN_RUNS:])  # ULIDs: the newest are kept
        released = self.cursors.release(
            run.account.id,
            run.run_id,
            open_runs=still_open,
            now=self.clock(),
            started_at=run.started_at if error is None else None,
            error=error,
            new_orders=run.stats.imported > 0,
        )
        if not released:
            logger.warning("order poll lease was taken over before release", extra={"account_id": run.account.id})

    # --- one page ---------------------------------------------------------------------------------

    def _process_page(self, run: _Run, page: OrderPage) -> None:
        stats = run.stats
        for failure in page.failures:
            stats.unreadable += 1
            self._log_order(
                run,
                "orders.unreadable",
                "error",
                "log_order_unreadable",
                {"shop_order_id": failure.order_id, "reason": failure.reason},
                {"shop_order_id": failure.order_id, "reason": failure.reason},
            )
        latest: dict[int, ShopOrder] = {}
        for shop_order in page.orders:
            latest[shop_order.id] = shop_order
        stats.seen += len(latest)
        imported: list[dict[str, Any]] = []
        updated: list[dict[str, Any]] = []
        levels: list[StockLevel] = []
        new, changed = self._sort_orders(run, latest, imported, updated, levels)
        run.unannounced = True
        if new:
            self._import(run, new, imported, levels)
        for existing, shop_order in changed:
            self._update(run, existing, shop_order, updated, levels)
        self._announce(run, imported, updated, levels)
        run.unannounced = False

    def _sort_orders(
        self,
        run: _Run,
        latest: dict[int, ShopOrder],
        imported: list[dict[str, Any]],
        updated: list[dict[str, Any]],
        levels: list[StockLevel],
    ) -> tuple[list[ShopOrder], list[tuple[HubOrder, ShopOrder]]]:
        """The page's new orders (those created before ``fetch_from`` skipped) and its changed
        ones with their hub order; what an unfinished run wrote is announced again on the way."""
        stats = run.stats
        stored = self.orders.fingerprints(run.account.id, latest.keys())
        new: list[ShopOrder] = []
        changed: list[tuple[HubOrder, ShopOrder]] = []
        for shop_order in latest.values():
            known = stored.get(shop_order.id)
            if known is None:
                if shop_order.created_at is not None and shop_order.created_at < run.fetch_from:
                    stats.skipped += 1
                    continue
                new.append(shop_order)
                continue
            fingerprint, written_by = known
            suspect = written_by is not None and written_by in run.suspects
            unchanged = fingerprint == fingerprint_of(shop_order)
            if unchanged and not suspect:
                stats.unchanged += 1
                continue
            existing = self.orders.get(run.account.id, shop_order.id, consistent=True)
            if existing is None:
                continue
            if suspect:
                self._reannounce(existing, imported, updated, levels)
                stats.reannounced += 1
            if unchanged:
                stats.unchanged += 1
                continue
            changed.append((existing, shop_order))
        return new, changed

    def _announce(
        self, run: _Run, imported: list[dict[str, Any]], updated: list[dict[str, Any]], levels: list[StockLevel]
    ) -> None:
        """Publish the page's order events, then queue each product's newest stock level."""
        if imported:
            self.events.publish_many(ORDER_IMPORTED, imported)
        if updated:
            self.events.publish_many(ORDER_UPDATED, updated)
        if levels:
            newest: dict[int, StockLevel] = {}
            for level in levels:
                if level.product_id not in newest or newest[level.product_id].version < level.version:
                    newest[level.product_id] = level
            self.stock_announcer.enqueue_changes(run.tenant_id, newest.values())
            run.stats.stock_changes += len(newest)

    def _reannounce(
        self, order: HubOrder, imported: list[dict[str, Any]], updated: list[dict[str, Any]], levels: list[StockLevel]
    ) -> None:
        """Announce again what an unfinished run wrote (consumers de-duplicate by order id)."""
        if order.last_event == ORDER_IMPORTED:
            imported.append(event_detail(order, repeated=True))
        elif order.last_event == ORDER_UPDATED:
            updated.append(event_detail(order, repeated=True))
        levels.extend(self.stock_moves.current_levels(order))

    def _import(
        self, run: _Run, shop_orders: Sequence[ShopOrder], imported: list[dict[str, Any]], levels: list[StockLevel]
    ) -> None:
        pairs = {(line.product_id, line.variant_id) for o in shop_orders for line in o.lines}
        offers = self.catalog.batch_get_offers(run.account.id, pairs, consistent=True) if pairs else {}
        now = self.clock()
        built = [build_order(o, run, offers, now) for o in shop_orders]
        unmapped: list[HubOrder] = []
        return_states = run.return_states
        outcomes = self.stock_moves.create_orders(run.tenant_id, built, offers, return_states=return_states)
        for outcome in outcomes:
            if not outcome.created:
                run.stats.duplicates += 1
                continue
            order = outcome.order
            run.stats.imported += 1
            imported.append(event_detail(order))
            levels.extend(outcome.levels)
            if order.shop_status_id in return_states:
                levels.extend(self.stock_moves.shop_restocked(order, offers))
            run.imported_ids.append(order.shop_order_id)
            if order.unmapped:
                unmapped.append(order)
        if unmapped:
            self._log_unmapped(run, unmapped)

    def _log_unmapped(self, run: _Run, orders: Sequence[HubOrder]) -> None:
        """One entry per page for the orders imported without some mapping (each named)."""
        described: list[Any] = [
            text(
                "log_order_unmapped_item",
                reference=_ref(order),
                shop_order_id=order.shop_order_id,
                missing=[text(f"unmapped_{u.kind}", value=u.shop_value or "-") for u in order.unmapped],
            )
            for order in orders[:MAX_DESCRIBED]
        ]
        if len(orders) > MAX_DESCRIBED:
            described.append("…")
        self._log_order(
            run,
            "orders.imported",
            "error",
            "log_orders_imported_unmapped",
            {"count": len(orders), "orders": text_list(described, "; ")},
            {
                "orders": [
                    {
                        "order_id": order.id,
                        "shop_order_id": order.shop_order_id,
                        "reference": order.reference,
                        "unmapped": [u.model_dump(mode="json") for u in order.unmapped],
                    }
                    for order in orders
                ]
            },
        )

    def _update(
        self,
        run: _Run,
        existing: HubOrder,
        shop_order: ShopOrder,
        updated: list[dict[str, Any]],
        levels: list[StockLevel],
    ) -> None:
        for _ in range(UPDATE_ATTEMPTS):
            after, changes, notes = apply_shop_change(existing, shop_order, run, self.clock())
            try:
                outcome = self.stock_moves.save_order(existing, after, return_statuses=run.return_statuses)
            except ConcurrentUpdateError:
                reloaded = self.orders.get(existing.account_id, existing.shop_order_id, consistent=True)
                if reloaded is None:
                    return
                existing = reloaded
                if existing.shop_fingerprint == fingerprint_of(shop_order):
                    return
                continue
            break
        else:
            raise ConcurrentUpdateError("order kept changing while it was updated")
        run.stats.updated += 1
        saved = outcome.order
        levels.extend(outcome.levels)
        return_states = run.return_states
        if shop_order.current_state in return_states and existing.shop_status_id not in return_states:
            levels.extend(self.stock_moves.shop_restocked(saved))
        for action, outcome_kind, message_key, params, details in notes:
            self._log_order(run, action, outcome_kind, message_key, params, {"order_id": saved.id, **details})
        if changes:
            updated.append(event_detail(saved, previous_status=existing.status, changes=changes))

    # --- log --------------------------------------------------------------------------------------

    def _log_order(
        self,
        run: _Run,
        action: str,
        outcome: Literal["ok", "error"],
        message_key: str,
        params: dict[str, Any],
        details: dict[str, Any],
    ) -> None:
        self.activity.append(
            action=action,
            outcome=outcome,
            message_key=message_key,
            params=params,
            actor=run.actor,
            tenant_id=run.tenant_id,
            account_id=run.account.id,
            details=details,
        )

    def _log_run(
        self,
        account: Account,
        outcome: Literal["ok", "error"],
        message_key: str,
        params: dict[str, Any],
        actor: str,
        details: dict[str, Any],
    ) -> None:
        """A poll run's entry: ``orders.fetched`` when it found orders, ``orders.fetch_failed``."""
        self.activity.append(
            action="orders.fetched" if outcome == "ok" else "orders.fetch_failed",
            outcome=outcome,
            message_key=message_key,
            params=params,
            actor=actor,
            tenant_id=account.tenant_id,
            account_id=account.id,
            details=details,
        )


# --- building and updating hub orders ---------------------------------------------------------------


def _money(value: Decimal | None) -> Decimal | None:
    """Shop money (6 decimals) as the hub shows it: at most 2 decimals unless more are real."""
    if value is None:
        return None
    cents = value.quantize(Decimal("0.01"))
    return cents if cents == value else value.normalize()


def _address(address: ShopAddress | None) -> OrderAddress | None:
    if address is None:
        return None
    return OrderAddress(
        shop_address_id=address.id,
        firstname=address.firstname,
        lastname=address.lastname,
        company=address.company,
        address1=address.address1,
        address2=address.address2,
        postcode=address.postcode,
        city=address.city,
        country_id=address.country_id,
        phone=address.phone,
        phone_mobile=address.phone_mobile,
        vat_number=address.vat_number,
    )


def _shipping_method(shop: ShopOrder, run: _Run, unmapped: list[UnmappedEntry]) -> tuple[str | None, int | None]:
    """(hub shipping method, carrier reference) of a shop order; a missing mapping goes to ``unmapped``."""
    shipping: str | None = None
    reference = shop.carrier_reference
    if reference is None and shop.carrier_id is not None:
        reference = run.carriers_by_id.get(shop.carrier_id)
    if reference is not None:
        shipping = run.mappings.carrier.get(str(reference))
        if shipping is None:
            unmapped.append(UnmappedEntry(kind="shipping_method", shop_value=str(reference)))
    elif shop.carrier_id is not None:
        unmapped.append(UnmappedEntry(kind="shipping_method", shop_value=f"id:{shop.carrier_id}"))
    return shipping, reference


def _order_lines(
    shop: ShopOrder, run: _Run, offers: Mapping[tuple[int, int], Offer], unmapped: list[UnmappedEntry]
) -> list[OrderLine]:
    """The hub order's lines; a line without a linked hub product goes to ``unmapped``."""
    lines = []
    for line in shop.lines:
        offer = offers.get((line.product_id, line.variant_id))
        if offer is None:
            unmapped.append(
                UnmappedEntry(kind="product", shop_value=f"{line.product_id}:{line.variant_id}", line_id=line.id)
            )
        lines.append(
            OrderLine(
                line_id=line.id,
                hub_product_id=offer.hub_product_id if offer else None,
                shop_product_id=line.product_id,
                shop_variant_id=line.variant_id,
                name=line.name,
                quantity=line.quantity,
                unit_price_gross=_money(line.unit_price_gross) or Decimal(0),
                unit_price_net=_money(line.unit_price_net),
                total_price_gross=_money(line.total_price_gross),
                ean=line.identifiers.get(run.field_mapping.ean, ""),
                symbol=line.identifiers.get(run.field_mapping.symbol, ""),
            )
        )
    return lines


def _order_totals(shop: ShopOrder) -> OrderTotals:
    totals = shop.totals
    return OrderTotals(
        paid_gross=_money(totals.paid_gross) or Decimal(0),
        paid_net=_money(totals.paid_net) or Decimal(0),
        products_gross=_money(totals.products_gross) or Decimal(0),
        products_net=_money(totals.products_net) or Decimal(0),
        shipping_gross=_money(totals.shipping_gross) or Decimal(0),
        shipping_net=_money(totals.shipping_net) or Decimal(0),
        discounts_gross=_money(totals.discounts_gross) or Decimal(0),
        wrapping_gross=_money(totals.wrapping_gross) or Decimal(0),
        currency=shop.currency,
    )


def _customer(customer: ShopCustomer | None) -> OrderCustomer | None:
    if customer is None:
        return None
    return OrderCustomer(
        shop_customer_id=customer.id,
        firstname=customer.firstname,
        lastname=customer.lastname,
        email=customer.email,
        company=customer.company,
    )


def build_order(shop: ShopOrder, run: _Run, offers: Mapping[tuple[int, int], Offer], now: datetime) -> HubOrder:
    """The hub order for a shop order seen for the first time (lines fixed from now on)."""
    unmapped: list[UnmappedEntry] = []
    payment = run.mappings.payment.get(shop.payment_module)
    if payment is None:
        unmapped.append(UnmappedEntry(kind="payment_method", shop_value=shop.payment_module))
    shipping, reference = _shipping_method(shop, run, unmapped)
    lines = _order_lines(shop, run, offers, unmapped)
    landing = run.settings.landing_status or ""
    return HubOrder(
        id=hub_order_id(run.account.id, shop.id),
        tenant_id=run.tenant_id,
        account_id=run.account.id,
        shop_order_id=shop.id,
        reference=shop.reference,
        status=landing,
        shop_status_id=shop.current_state,
        status_history=[
            StatusChange(at=now, status=landing, shop_status_id=shop.current_state, source="imported", actor=run.actor)
        ],
        payment_method=payment,
        payment_module=shop.payment_module,
        payment_name=shop.payment_name,
        shipping_method=shipping,
        carrier_id=shop.carrier_id,
        carrier_reference=reference,
        unmapped=unmapped,
        frozen=landing not in run.settings.update_statuses,
        lines=lines,
        totals=_order_totals(shop),
        customer=_customer(shop.customer),
        delivery_address=_address(shop.delivery_address),
        invoice_address=_address(shop.invoice_address),
        note=shop.note,
        shop_created_at=shop.created_at,
        shop_updated_at=shop.updated_at,
        shop_fingerprint=fingerprint_of(shop),
        imported_at=now,
        updated_at=now,
        run_id=run.run_id,
        last_event=ORDER_IMPORTED,
    )


def drift_lines(lines: Iterable[OrderLine], shop: ShopOrder) -> list[DriftLine]:
    """Products whose quantity differs between the hub's lines and the shop's cart now."""
    hub: dict[tuple[int, int], int] = defaultdict(int)
    names: dict[tuple[int, int], str] = {}
    for line in lines:
        key = (line.shop_product_id, line.shop_variant_id)
        hub[key] += line.quantity
        names[key] = line.name
    now: dict[tuple[int, int], int] = defaultdict(int)
    for shop_line in shop.lines:
        key = (shop_line.product_id, shop_line.variant_id)
        now[key] += shop_line.quantity
        names.setdefault(key, shop_line.name)
    return [
        DriftLine(
            shop_product_id=key[0],
            shop_variant_id=key[1],
            name=names.get(key, ""),
            hub_quantity=hub.get(key, 0),
            shop_quantity=now.get(key, 0),
        )
        for key in sorted(set(hub) | set(now))
        if hub.get(key, 0) != now.get(key, 0)
    ]


#: ``(action, outcome, message key, its params, details)`` of one activity entry
Note = tuple[str, Literal["ok", "error"], str, dict[str, Any], dict[str, Any]]


@dataclass
class _ShopChange:
    """A change in the shop applied to a stored order: what changed, and the entries to log."""

    existing: HubOrder
    shop: ShopOrder
    now: datetime
    changes: list[str] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)

    @property
    def ref(self) -> str:
        return _ref(self.existing)


def apply_shop_change(
    existing: HubOrder, shop: ShopOrder, run: _Run, now: datetime
) -> tuple[HubOrder, list[str], list[Note]]:
    """The stored order after a change in the shop: the new ``date_upd`` and shop state are
    recorded; a changed cart is recorded as ``drift`` (lines stay); the status follows the shop
    through the status mapping while the order is not frozen and its status is one of
    ``update_statuses`` (and ``sync.update_statuses`` is on)."""
    change = _ShopChange(existing, shop, now)
    update: dict[str, Any] = {
        "shop_updated_at": shop.updated_at,
        "shop_status_id": shop.current_state,
        "shop_fingerprint": fingerprint_of(shop),
    }
    _record_drift(change, update)
    after = _follow_shop_state(change, existing.model_copy(update=update), run)
    if change.changes:
        after = after.model_copy(update={"updated_at": now, "run_id": run.run_id, "last_event": ORDER_UPDATED})
    return after, change.changes, change.notes


def _record_drift(change: _ShopChange, update: dict[str, Any]) -> None:
    """Set ``drift`` in ``update`` when the shop's cart now differs (or no longer differs)."""
    existing, shop = change.existing, change.shop
    differences = drift_lines(existing.lines, shop)
    if differences:
        if existing.drift is None or existing.drift.lines != differences:
            update["drift"] = OrderDrift(
                detected_at=change.now,
                shop_updated_at=shop.updated_at,
                lines=differences,
                shop_paid_gross=_money(shop.totals.paid_gross),
            )
            change.changes.append("drift")
            changed_lines = ", ".join(
                f"{d.shop_product_id}:{d.shop_variant_id} {d.hub_quantity} → {d.shop_quantity}" for d in differences
            )
            change.notes.append(
                (
                    "orders.drifted",
                    "error",
                    "log_order_drift",
                    {"reference": change.ref, "changes": changed_lines},
                    {"drift": [d.model_dump(mode="json") for d in differences]},
                )
            )
    elif existing.drift is not None:
        update["drift"] = None
        change.changes.append("drift")


def _follow_shop_state(change: _ShopChange, after: HubOrder, run: _Run) -> HubOrder:
    """``after`` once a new shop state is followed: the order is frozen when its status may no
    longer change, else it takes the mapped status (when status sync is on)."""
    existing, shop, settings, ref = change.existing, change.shop, run.settings, change.ref
    if shop.current_state == existing.shop_status_id or existing.frozen:
        return after
    if existing.status not in settings.update_statuses:
        after = after.model_copy(update={"frozen": True})
        change.changes.append("frozen")
        change.notes.append(("orders.frozen", "ok", "log_order_frozen", {"reference": ref}, {}))
        return after
    if not settings.sync.update_statuses:
        return after
    target = run.mappings.status.get(str(shop.current_state))
    if target is None:
        change.notes.append(
            (
                "orders.status_unmapped",
                "error",
                "log_order_state_unmapped",
                {"reference": ref, "shop_state": shop.current_state},
                {"shop_status_id": shop.current_state},
            )
        )
    elif target != existing.status:
        after = with_status(
            after, target, settings, change.now, source="shop", actor=run.actor, shop_status_id=shop.current_state
        )
        change.changes.append("status")
        change.notes.append(
            (
                "orders.status_changed",
                "ok",
                "log_order_status_from_shop",
                {"reference": ref, "status": target, "shop_state": shop.current_state},
                {"previous_status": existing.status, "status": target, "shop_status_id": shop.current_state},
            )
        )
        if after.frozen:
            change.notes.append(("orders.frozen", "ok", "log_order_frozen", {"reference": ref}, {}))
    return after


def fingerprint_of(shop: ShopOrder) -> str:
    return shop_fingerprint(
        shop.updated_at,
        shop.current_state,
        ((line.product_id, line.variant_id, line.quantity) for line in shop.lines),
    )


def _ref(order: HubOrder) -> str:
    return order.reference or f"#{order.shop_order_id}"


def _recent_entries(cursor: PollCursor) -> list[tuple[int, int]]:
    return [(int(stamp), int(oid)) for stamp, oid in cursor.recent]


def _merge_recent(recent: list[tuple[int, int]], orders: Iterable[ShopOrder], floor: datetime) -> list[tuple[int, int]]:
    """Orders seen with a change at or after ``floor`` (newest kept), for the next run's overlap."""
    by_id = {oid: stamp for stamp, oid in recent}
    for order in orders:
        by_id[order.id] = int(order.updated_at.timestamp())
    limit = int(floor.timestamp())
    kept = sorted(((stamp, oid) for oid, stamp in by_id.items() if stamp >= limit), reverse=True)
    return sorted(kept[:MAX_RECENT])
