"""The stock pusher: coalesced, batched stock writes to every linked shop, and sync reports.

One invocation receives a batch of ``StockChanged`` messages. Per tenant it

1. reads the current stock of every product the batch names (so a stale or duplicated message
   pushes the newest quantity, never its own) and the product's offers (``offer_keys`` on the
   product, or GSI1 for products without them);
2. keeps the accounts that are not deleted and have ``products.update_stock`` on, and pushes
   each of them in its own thread (accounts in parallel), holding the account's push lease
   while it does: one run pushes an account at a time, whatever the number of invocations;
3. under the lease reads the offers, keeps those whose template syncs stock, drops rows the shop
   already has (``pushed_quantity`` equals the target and the row is not in doubt), and writes
   the rest with the connector's multi-row write (100 rows per request, at most
   ``shop_concurrency`` requests in flight for the account);
4. records each written row with a conditional write on its version, in transactions that also
   check the lease. A row whose record is refused (a newer version was recorded: our read was
   older than the shop's last write) is read again and pushed again, so the shop always ends
   with the newest quantity;
5. releases the lease, leaving "in doubt" the products whose rows may hold a quantity the hub did
   not record (a failed or interrupted write): the next run pushes them whatever it reads;
6. writes one sync report per account, publishes ``StockSyncReported`` and logs the run.

A row the shop failed to write for a passing reason fails the messages that named its product
(SQS delivers them again); a permanent refusal (e.g. the stock row was deleted in the shop) is
reported and the messages succeed.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any, Literal, Protocol

from pydantic import ValidationError as PydanticValidationError

from shophub.clock import Clock, Deadline, iso, utc_now
from shophub.domain.accounts import Account
from shophub.domain.catalog import Offer
from shophub.domain.config import OrderSettings, Template
from shophub.domain.reports import Report, ReportEntry, ReportType
from shophub.domain.shop import StockPushOutcome, StockUpdate
from shophub.domain.stock import StockChangedMessage
from shophub.errors import NotFoundError, ShopError, ShopHubError
from shophub.i18n import DEFAULT_LANGUAGE, translate
from shophub.ids import new_id, new_ulid
from shophub.observability import logger
from shophub.retry import Backoff, retry
from shophub.store.accounts import AccountRepository
from shophub.store.reports import ReportRepository
from shophub.store.stock import (
    LeaseBusy,
    LeaseLost,
    OfferStockRepository,
    ProductStock,
    PushRecord,
    StockRepository,
    offer_ref_of,
    offer_ref_parts,
)

#: Rows per shop request (the connector's multi-row write carries up to 100 nodes).
ROWS_PER_REQUEST = 100
#: Accounts pushed at the same time by one invocation.
ACCOUNT_WORKERS = 8
#: Rounds of "read, push, record" for rows whose record was refused.
PUSH_ROUNDS = 3
#: How long a run waits for another run's lease on an account before giving its rows back.
LEASE_WAIT_SECONDS = 20.0
#: Waits for a busy lease: 0.2 s growing by half up to 2 s, within the run's ``lease_wait``.
LEASE_BACKOFF = Backoff(base=0.2, factor=1.5, cap=2.0, budget=LEASE_WAIT_SECONDS)
#: No wait for a lease ends closer than this to the run's deadline.
LEASE_RESERVE_SECONDS = 5.0
#: A lease outlives the run that took it by this much (and lasts this long without a deadline).
LEASE_SLACK_SECONDS = 60
LEASE_DEFAULT_SECONDS = 900
STOCK_SYNC_REPORTED = "StockSyncReported"
#: Shop error codes that concern the account (key, permissions, firewall), not one row.
_ACCOUNT_ERRORS = frozenset(
    {"shop_auth_failed", "shop_permission_denied", "shop_blocked", "shop_tls_error", "shop_method_not_supported"}
)


class StockConnector(Protocol):
    """What the pusher needs from a :class:`shophub.connectors.base.Connector`."""

    @property
    def request_count(self) -> int: ...

    def push_stock(self, updates: Sequence[StockUpdate]) -> list[StockPushOutcome]: ...

    def close(self) -> None: ...


class Reports(Protocol):
    def write(self, report: Report, entries: Sequence[ReportEntry]) -> None: ...


class Activity(Protocol):
    def append(
        self,
        *,
        action: str,
        outcome: Literal["ok", "error"],
        message_key: str,
        params: dict[str, Any],
        tenant_id: str,
        account_id: str,
        details: dict[str, Any],
    ) -> object: ...


class Events(Protocol):
    def publish_many(self, detail_type: str, details: Sequence[dict[str, Any]]) -> None: ...


ConnectorFactory = Callable[[Account], StockConnector]


@dataclass(frozen=True)
class Delivery:
    """One SQS record: its message id and body."""

    message_id: str
    body: str


@dataclass
class PushResult:
    """What one invocation did."""

    failed_message_ids: set[str] = field(default_factory=set)
    invalid_messages: int = 0
    changes: int = 0
    ok: int = 0
    failed: int = 0
    unchanged: int = 0
    shop_requests: int = 0
    report_ids: list[str] = field(default_factory=list)


@dataclass
class _Row:
    """One linked shop row to bring to ``target`` (the product's stock at ``version``)."""

    offer: Offer
    target: int
    version: int

    @property
    def ref(self) -> str:
        return offer_ref_of(self.offer)

    @property
    def product_id(self) -> int:
        return self.offer.hub_product_id

    @property
    def stock_id(self) -> int:
        return int(self.offer.stock_available_id or 0)


@dataclass(frozen=True)
class _Outcome:
    ok: bool
    permanent: bool = False
    reason: str | None = None
    params: Mapping[str, str] = field(default_factory=dict)


@dataclass
class _AccountResult:
    entries: dict[str, ReportEntry] = field(default_factory=dict)  # ref → entry
    failed_products: set[int] = field(default_factory=set)
    requests: int = 0


def parse_deliveries(deliveries: Iterable[Delivery]) -> tuple[dict[str, dict[int, set[str]]], int, int]:
    """``{tenant: {product_id: message ids}}``, the number of changes and of unreadable messages
    (logged and dropped: delivering them again cannot help)."""
    wanted: dict[str, dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))
    changes = invalid = 0
    for delivery in deliveries:
        try:
            message = StockChangedMessage.model_validate_json(delivery.body)
        except PydanticValidationError as problem:
            invalid += 1
            logger.warning(
                "unreadable StockChanged message dropped",
                extra={"message_id": delivery.message_id, "errors": problem.error_count()},
            )
            continue
        for change in message.changes:
            wanted[message.tenant_id][change.product_id].add(delivery.message_id)
            changes += 1
    return wanted, changes, invalid


class StockPushService:
    def __init__(
        self,
        stock: StockRepository,
        offers: OfferStockRepository,
        reports: Reports,
        activity: Activity,
        events: Events,
        connector_for: ConnectorFactory,
        *,
        clock: Clock = utc_now,
        deadline: Deadline | None = None,
        shop_concurrency: int = 2,
        account_workers: int = ACCOUNT_WORKERS,
        lease_wait: float = LEASE_WAIT_SECONDS,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.stock = stock
        self.offers = offers
        self.reports = reports
        self.activity = activity
        self.events = events
        self.connector_for = connector_for
        self.clock = clock
        self.deadline = deadline
        self.shop_concurrency = max(1, shop_concurrency)
        self.account_workers = max(1, account_workers)
        self.lease_wait = lease_wait
        self.sleep = sleep

    def push(self, deliveries: Sequence[Delivery]) -> PushResult:
        """Push the changes of one batch; ``failed_message_ids`` must be delivered again."""
        wanted, changes, invalid = parse_deliveries(deliveries)
        result = PushResult(invalid_messages=invalid, changes=changes)
        for tenant_id, products in wanted.items():
            failed_products = _TenantRun(self, tenant_id, result).run(set(products))
            for product_id in failed_products & products.keys():
                result.failed_message_ids |= products[product_id]
        return result

    def remaining(self) -> float:
        return float("inf") if self.deadline is None else float(self.deadline())


class _TenantRun:
    """One tenant's share of an invocation."""

    def __init__(self, service: StockPushService, tenant_id: str, result: PushResult) -> None:
        self.service = service
        self.tenant_id = tenant_id
        self.result = result
        self.at = service.clock()

    def run(self, product_ids: set[int]) -> set[int]:
        products = self.service.stock.products(self.tenant_id, product_ids)
        refs = refs_by_account(self.service.offers, self.tenant_id, products.values())
        accounts, settings = self.service.offers.accounts(self.tenant_id, refs)
        eligible = [
            accounts[a] for a in sorted(refs) if a in accounts and account_pushes_stock(accounts[a], settings.get(a))
        ]
        if not eligible:
            return set()
        workers = min(self.service.account_workers, len(eligible))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="stock-account") as pool:
            results = list(
                pool.map(lambda account: _AccountPush(self, account, refs[account.id], products).run(), eligible)
            )
        failed: set[int] = set()
        reports: list[tuple[Account, _AccountResult]] = []
        for account, outcome in zip(eligible, results, strict=True):
            failed |= outcome.failed_products
            if outcome.entries:
                reports.append((account, outcome))
        self._report(reports)
        return failed

    def _report(self, results: Sequence[tuple[Account, _AccountResult]]) -> None:
        events = []
        for account, outcome in results:
            entries = sorted(
                outcome.entries.values(),
                key=lambda e: (e.hub_product_id or 0, e.shop_product_id or 0, e.shop_combination_id or 0),
            )
            counts: dict[str, int] = defaultdict(int)
            for entry in entries:
                counts[entry.outcome] += 1
            summary = {
                "ok": counts["ok"],
                "failed": counts["failed"],
                "unchanged": counts["unchanged"],
                "skipped": counts["skipped"],
                "shop_requests": outcome.requests,
            }
            report = Report(
                id=new_id(),
                type="stock",
                account_id=account.id,
                tenant_id=self.tenant_id,
                at=self.at,
                ok=counts["ok"],
                failed=counts["failed"],
                summary=summary,
            )
            self.service.reports.write(report, entries)
            self.service.activity.append(
                action="stock.pushed",
                outcome="error" if counts["failed"] else "ok",
                message_key="stock_push_logged",
                params=summary,
                tenant_id=self.tenant_id,
                account_id=account.id,
                details={"report_id": report.id, "rows": len(entries), **summary},
            )
            events.append(
                {
                    "tenant_id": self.tenant_id,
                    "account_id": account.id,
                    "report_id": report.id,
                    "at": iso(self.at),
                    **summary,
                }
            )
            self.result.report_ids.append(report.id)
            self.result.ok += counts["ok"]
            self.result.failed += counts["failed"]
            self.result.unchanged += counts["unchanged"]
            self.result.shop_requests += outcome.requests
        if events:
            self.service.events.publish_many(STOCK_SYNC_REPORTED, events)


def account_pushes_stock(account: Account, settings: OrderSettings | None) -> bool:
    """Whether the pusher writes stock to this account's shop at all: the account is not
    deleted and its order settings have ``products.update_stock`` on (no settings: off)."""
    return account.status != "deleted" and settings is not None and settings.products.update_stock


def offer_template_id(offer: Offer, account: Account) -> str | None:
    """The template an offer follows: its own, else the account's default."""
    return offer.template_id or account.default_template_id


def template_pushes_stock(template: Template | None) -> bool:
    """Whether rows under this template get stock (a template that no longer exists: no)."""
    return template is not None and template.sync.stock


def refs_by_account(
    offers: OfferStockRepository, tenant_id: str, products: Iterable[ProductStock], account_id: str | None = None
) -> dict[str, dict[str, int]]:
    """``{account: {offer ref: product id}}`` from the products' ``offer_keys`` (GSI1 for
    products without them), optionally for one account only."""
    found: dict[str, dict[str, int]] = defaultdict(dict)
    for product in products:
        product_refs = product.offer_keys
        if product_refs is None:
            product_refs = offers.offer_refs_of_product(tenant_id, product.id)
        for ref in product_refs:
            account = offer_ref_parts(ref)[0]
            if account_id is None or account == account_id:
                found[account][ref] = product.id
    return found


class _AccountPush:
    """One account's push, under the account's lease."""

    def __init__(
        self, run: _TenantRun, account: Account, refs: Mapping[str, int], products: Mapping[int, ProductStock]
    ):
        self.run_ = run
        self.service = run.service
        self.tenant_id = run.tenant_id
        self.account = account
        self.refs = dict(refs)
        self.products = dict(products)
        self.token = new_ulid()
        self.templates: dict[str, Template] = {}
        self.result = _AccountResult()
        self.doubt: set[int] = set()

    # --- the lease ------------------------------------------------------------------------------

    def run(self) -> _AccountResult:
        pushing = sorted(set(self.refs.values()))
        try:
            in_doubt = self._acquire(pushing)
        except LeaseBusy:
            # another run keeps pushing this account: the messages come back later (and the
            # rows are reported then)
            logger.info("stock push lease busy", extra={"account_id": self.account.id})
            self.result.failed_products |= set(pushing)
            return self.result
        try:
            self._push_all(in_doubt)
        except LeaseLost:
            logger.warning("stock push lease lost", extra={"account_id": self.account.id})
            self.result.failed_products |= set(self.refs.values())
            return self.result
        except BaseException:
            self._release(set(pushing) | in_doubt)
            raise
        self._release(self.doubt)
        return self.result

    def _acquire(self, pushing: Sequence[int]) -> set[int]:
        """Take the account's lease; while another run holds it, wait (:data:`LEASE_BACKOFF`) at
        most ``lease_wait`` seconds and never into the deadline's last
        :data:`LEASE_RESERVE_SECONDS`, then :class:`LeaseBusy`."""

        def take() -> set[int]:
            now = int(self.service.clock().timestamp())
            remaining = self.service.remaining()
            lease = LEASE_DEFAULT_SECONDS if remaining == float("inf") else int(remaining) + LEASE_SLACK_SECONDS
            return self.service.offers.acquire_lease(
                self.account.id, self.token, now=now, until=now + lease, pushing=pushing
            )

        return retry(
            take,
            replace(LEASE_BACKOFF, budget=self.service.lease_wait),
            on=LeaseBusy,
            sleep=self.service.sleep,
            deadline=self.service.remaining,
            reserve=LEASE_RESERVE_SECONDS,
        )

    def _release(self, in_doubt: set[int]) -> None:
        try:
            self.service.offers.release_lease(self.account.id, self.token, in_doubt)
        except LeaseLost:
            logger.warning("stock push lease lost before release", extra={"account_id": self.account.id})

    # --- the rounds -----------------------------------------------------------------------------

    def _push_all(self, in_doubt: set[int]) -> None:
        forced = set(in_doubt)
        earlier = in_doubt - set(self.refs.values())
        if earlier:
            extra = self.service.stock.products(self.tenant_id, earlier)
            self.products.update(extra)
            for ref, product_id in (
                refs_by_account(self.service.offers, self.tenant_id, extra.values(), self.account.id)
                .get(self.account.id, {})
                .items()
            ):
                self.refs[ref] = product_id
        todo = dict(self.refs)
        for attempt in range(PUSH_ROUNDS):
            refused = self._round(todo, forced)
            if not refused:
                break
            forced |= set(refused.values())
            if attempt + 1 < PUSH_ROUNDS:
                self.products.update(self.service.stock.products(self.tenant_id, set(refused.values())))
            todo = refused
        else:
            for ref, product_id in todo.items():
                self._report_ref(ref, product_id, "stock_entry_contended")
                self.result.failed_products.add(product_id)
                self.doubt.add(product_id)

    def _round(self, todo: Mapping[str, int], forced: set[int]) -> dict[str, int]:
        """Push ``todo`` rows; returns the rows whose record was refused (ref → product)."""
        offers = [
            o
            for o in self.service.offers.offers(todo)
            if o.tenant_id == self.tenant_id and todo.get(offer_ref_of(o)) == o.hub_product_id
        ]
        self._load_templates(offers)
        to_push: list[_Row] = []
        for offer in offers:
            product = self.products.get(offer.hub_product_id)
            template_id = offer_template_id(offer, self.account)
            template = self.templates.get(template_id) if template_id else None
            if product is None or not template_pushes_stock(template):
                continue
            row = _Row(offer, product.stock, product.stock_version)
            if offer.stock_available_id is None:
                self._report(row, "failed", reason="stock_entry_no_stock_row")
            elif offer.hub_product_id not in forced and offer.pushed_quantity == row.target:
                self._report(row, "unchanged", old=row.target, reason="stock_entry_unchanged")
            else:
                to_push.append(row)
        if not to_push:
            return {}

        outcomes = self._push(to_push)
        written = [row for row in to_push if outcomes[row.ref].ok]
        refused = self.service.offers.record_pushed(
            self.account.id,
            self.token,
            [PushRecord(r.offer, r.target, r.version) for r in written],
            self.run_.at,
        )
        again: dict[str, int] = {}
        for row in to_push:
            outcome = outcomes[row.ref]
            if outcome.ok and row.ref in refused:
                again[row.ref] = row.product_id
            elif outcome.ok:
                self._report(row, "ok", reason=outcome.reason, params=outcome.params)
            else:
                self._report(row, "failed", reason=outcome.reason, params=outcome.params)
                if not outcome.permanent:
                    # the write may or may not have reached the shop: the product stays in doubt
                    self.result.failed_products.add(row.product_id)
                    self.doubt.add(row.product_id)
        return again

    def _load_templates(self, offers: Sequence[Offer]) -> None:
        wanted = {offer_template_id(o, self.account) for o in offers}
        missing = {t for t in wanted if t and t not in self.templates}
        if missing:
            self.templates.update(self.service.offers.templates(self.account.id, missing))

    # --- pushing --------------------------------------------------------------------------------

    def _push(self, rows: Sequence[_Row]) -> dict[str, _Outcome]:
        """Write the rows, 100 per request, in at most ``shop_concurrency`` lanes (each lane one
        connection sending its requests one after another)."""
        outcomes: dict[str, _Outcome] = {}
        sending: dict[int, _Row] = {}
        for row in rows:
            first = sending.setdefault(row.stock_id, row)
            if first is not row:
                outcomes[row.ref] = _Outcome(
                    ok=False,
                    permanent=True,
                    reason="stock_entry_shared_row",
                    params={
                        "stock_id": str(row.stock_id),
                        "products": f"{first.product_id}, {row.product_id}",
                        "sent": str(first.product_id),
                    },
                )
        unique = list(sending.values())
        chunks = [unique[i : i + ROWS_PER_REQUEST] for i in range(0, len(unique), ROWS_PER_REQUEST)]
        lanes = [chunks[i :: self.service.shop_concurrency] for i in range(self.service.shop_concurrency)]
        lanes = [lane for lane in lanes if lane]
        with ThreadPoolExecutor(max_workers=len(lanes), thread_name_prefix="stock-lane") as pool:
            for lane_outcomes, requests in pool.map(self._push_lane, lanes):
                outcomes.update(lane_outcomes)
                self.result.requests += requests
        return outcomes

    def _push_lane(self, chunks: list[list[_Row]]) -> tuple[dict[str, _Outcome], int]:
        rows = [row for chunk in chunks for row in chunk]
        try:
            connector = self.service.connector_for(self.account)
        except ShopHubError as error:
            return {row.ref: _failure(error) for row in rows}, 0
        try:
            answers: dict[int, StockPushOutcome] = {}
            for chunk in chunks:
                updates = [StockUpdate(stock_id=r.stock_id, quantity=r.target) for r in chunk]
                for answer in connector.push_stock(updates):
                    answers[answer.stock_id] = answer
            return {row.ref: _outcome_of(answers.get(row.stock_id)) for row in rows}, connector.request_count
        except ShopHubError as error:
            return {row.ref: _failure(error) for row in rows}, connector.request_count
        except Exception:
            logger.exception("stock push failed unexpectedly", extra={"account_id": self.account.id})
            retry = _Outcome(ok=False, reason="stock_entry_retry", params={"detail": "internal error"})
            return dict.fromkeys((row.ref for row in rows), retry), connector.request_count
        finally:
            connector.close()

    # --- entries --------------------------------------------------------------------------------

    def _report(
        self,
        row: _Row,
        outcome: str,
        *,
        old: int | None = None,
        reason: str | None = None,
        params: Mapping[str, str] | None = None,
    ) -> None:
        previous = row.offer.pushed_quantity if old is None else old
        self.result.entries[row.ref] = _entry(
            row.product_id,
            row.offer.shop_product_id,
            row.offer.shop_combination_id,
            outcome,
            old=previous,
            new=row.target,
            reason=reason,
            params=params,
        )

    def _report_ref(self, ref: str, product_id: int, reason: str) -> None:
        """An entry for a row whose pushes kept being refused."""
        _, shop_product_id, shop_combination_id = offer_ref_parts(ref)
        product = self.products.get(product_id)
        self.result.entries[ref] = _entry(
            product_id,
            shop_product_id,
            shop_combination_id,
            "failed",
            old=None,
            new=product.stock if product else None,
            reason=reason,
        )


def _entry(
    product_id: int,
    shop_product_id: int,
    shop_combination_id: int,
    outcome: str,
    *,
    old: int | None,
    new: int | None,
    reason: str | None,
    params: Mapping[str, str] | None = None,
) -> ReportEntry:
    text = dict(params or {})
    return ReportEntry(
        hub_product_id=product_id,
        shop_product_id=shop_product_id,
        shop_combination_id=shop_combination_id,
        old=old,
        new=new,
        outcome=outcome,
        message=translate(reason, DEFAULT_LANGUAGE, **text) if reason else "",
        reason=reason,
        params=text,
    )


def _failure(error: ShopHubError) -> _Outcome:
    """A row's outcome when its whole push failed with ``error``."""
    retryable = isinstance(error, ShopError) and error.retryable
    detail = error.shop_message if isinstance(error, ShopError) else (error.detail or error.code)
    if retryable:
        return _Outcome(ok=False, reason="stock_entry_retry", params={"detail": detail})
    return _Outcome(ok=False, permanent=True, reason="stock_entry_account_failed", params={"detail": detail})


def _outcome_of(answer: StockPushOutcome | None) -> _Outcome:
    if answer is None:
        return _Outcome(ok=False, reason="stock_entry_retry", params={"detail": "no answer for the row"})
    if answer.ok:
        return _Outcome(ok=True)
    detail = answer.message or answer.error_code or "error"
    if not answer.permanent:
        return _Outcome(ok=False, reason="stock_entry_retry", params={"detail": detail})
    if answer.error_code in _ACCOUNT_ERRORS:
        return _Outcome(ok=False, permanent=True, reason="stock_entry_account_failed", params={"detail": detail})
    if answer.error_code == "not_found":
        return _Outcome(
            ok=False, permanent=True, reason="stock_entry_row_missing", params={"stock_id": str(answer.stock_id)}
        )
    return _Outcome(ok=False, permanent=True, reason="stock_entry_refused", params={"detail": detail})


# --- reading reports (the report routes) ----------------------------------------------------------


class ReportService:
    """Sync and import reports of a tenant's account."""

    def __init__(self, accounts: AccountRepository, reports: ReportRepository) -> None:
        self.accounts = accounts
        self.reports = reports

    def list_reports(
        self, tenant_id: str, account_id: str, *, report_type: ReportType | None, limit: int, next_token: str | None
    ) -> tuple[list[Report], str | None]:
        self.accounts.get(tenant_id, account_id)
        return self.reports.list(account_id, report_type=report_type, limit=limit, next_token=next_token)

    def get_report(self, tenant_id: str, account_id: str, report_id: str) -> tuple[Report, list[ReportEntry]]:
        self.accounts.get(tenant_id, account_id)
        try:
            report, entries = self.reports.get(account_id, report_id)
        except NotFoundError:
            raise NotFoundError("report", code="report_not_found", message_key="report_not_found") from None
        if report.tenant_id != tenant_id:
            raise NotFoundError("report", code="report_not_found", message_key="report_not_found")
        return report, entries
