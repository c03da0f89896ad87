"""The stock pusher: coalesced, batched stock writes to every linked shop, and sync reports.

The stock-specific part of a push (which rows, which shop call, which record) on top of the
shared machinery of :mod:`shophub.services.push_pipeline` (lease, rounds, lanes, reports).

One invocation receives a batch of ``StockChanged`` messages. Per tenant it

1. reads the current stock of every product the batch names (so a stale or duplicated message
   pushes the newest quantity, never its own) and the product's offers (``offer_keys`` on the
   product, or GSI1 for products without them);
2. keeps the accounts that are not deleted and have ``products.update_stock`` on, and pushes
   each of them in its own thread (the accounts of every tenant of the batch in one pool,
   accounts that failed lately last), holding the account's push lease while it does: one run
   pushes an account at a time, whatever the number of invocations;
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

A quantity above the platform's largest (its profile's ``max_stock_quantity``) is not sent: the
row's entry says so and its messages succeed.

A row the shop failed to write for a passing reason fails the messages that named its product
(SQS delivers them again); a permanent refusal (e.g. the stock row was deleted in the shop) is
reported and the messages succeed.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from pydantic import ValidationError as PydanticValidationError

from shophub.clock import Clock, Deadline, utc_now
from shophub.connectors import profile_for
from shophub.domain.accounts import Account
from shophub.domain.catalog import Offer
from shophub.domain.config import OrderSettings, Template
from shophub.domain.reports import Report, ReportEntry, ReportType
from shophub.domain.shop import StockPushOutcome, StockUpdate
from shophub.domain.stock import PushBreaker, StockChangedMessage
from shophub.errors import NotFoundError, ShopError, ShopHubError
from shophub.i18n import DEFAULT_LANGUAGE, translate
from shophub.observability import logger
from shophub.ports import HubEvents
from shophub.services.push_pipeline import (
    ACCOUNT_WORKERS,
    LEASE_WAIT_SECONDS,
    AccountResult,
    Activity,
    EntrySink,
    PushKind,
    PushPipeline,
    PushTally,
    Reports,
    RowOutcome,
)
from shophub.services.shop_isolation import ShopIsolation, products_by_account
from shophub.store.accounts import AccountRepository
from shophub.store.reports import ReportRepository
from shophub.store.stock import (
    OfferStockRepository,
    ProductStock,
    PushRecord,
    StockRepository,
    offer_ref_of,
    offer_ref_parts,
)

STOCK_SYNC_REPORTED = "StockSyncReported"
#: How the stock push names itself in reports, the activity log and events.
STOCK_PUSH = PushKind(
    report_type="stock", action="stock.pushed", message_key="stock_push_logged", event=STOCK_SYNC_REPORTED, name="stock"
)
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


#: ``(account, deadline)`` → a connector whose requests stop before ``deadline`` (seconds left).
ConnectorFactory = Callable[[Account, Deadline], StockConnector]
#: Seconds one account's push may take in an invocation; rows it has not written by then go back
#: as that account's own work (an account never holds the others of its batch longer).
ACCOUNT_BUDGET_SECONDS = 30.0


@dataclass(frozen=True)
class Delivery:
    """One SQS record: its message id and body."""

    message_id: str
    body: str


@dataclass
class PushResult(PushTally):
    """What one invocation did."""

    failed_message_ids: set[str] = field(default_factory=set)
    invalid_messages: int = 0
    changes: int = 0
    #: accounts whose circuit breaker was open (parked, or opened by this invocation)
    open_breakers: int = 0
    #: rows given back as their account's own message (its shop failed or its breaker is open)
    given_back: int = 0


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
        return int(self.offer.stock_ref or 0)


#: ``(tenant, account or None)``: a message's scope (``None``: every account of the tenant).
Scope = tuple[str, str | None]


def parse_deliveries(deliveries: Iterable[Delivery]) -> tuple[dict[Scope, dict[int, set[str]]], int, int]:
    """``{(tenant, account or None): {product_id: message ids}}``, the number of changes and of
    unreadable messages (logged and dropped: delivering them again cannot help)."""
    wanted: dict[Scope, dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))
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
            wanted[(message.tenant_id, message.account_id)][change.product_id].add(delivery.message_id)
            changes += 1
    return wanted, changes, invalid


class StockPushService:
    def __init__(
        self,
        stock: StockRepository,
        offers: OfferStockRepository,
        reports: Reports,
        activity: Activity,
        events: HubEvents,
        connector_for: ConnectorFactory,
        *,
        clock: Clock = utc_now,
        deadline: Deadline | None = None,
        shop_concurrency: int = 2,
        account_workers: int = ACCOUNT_WORKERS,
        lease_wait: float = LEASE_WAIT_SECONDS,
        sleep: Callable[[float], None] = time.sleep,
        isolation: ShopIsolation | None = None,
        account_budget: float = ACCOUNT_BUDGET_SECONDS,
    ) -> None:
        self.stock = stock
        self.offers = offers
        self.connector_for = connector_for
        self.clock = clock
        self.deadline = deadline
        self.isolation = isolation
        self.account_budget = account_budget
        self.pipeline = PushPipeline(
            STOCK_PUSH,
            offers,
            reports,
            activity,
            events,
            clock=clock,
            deadline=deadline,
            shop_concurrency=shop_concurrency,
            account_workers=account_workers,
            lease_wait=lease_wait,
            sleep=sleep,
        )

    def push(self, deliveries: Sequence[Delivery]) -> PushResult:
        """Push the changes of one batch; ``failed_message_ids`` must be delivered again. Every
        tenant's accounts run side by side in one pool (a slow shop of one tenant never holds
        another tenant's), accounts that failed lately last."""
        wanted, changes, invalid = parse_deliveries(deliveries)
        result = PushResult(invalid_messages=invalid, changes=changes)
        at = self.clock()
        plans = [self._plan(tenant_id, scopes, at) for tenant_id, scopes in by_tenant(wanted).items()]
        suspects = {account_id for plan in plans for account_id in plan.known}
        runs = self.pipeline.run_many(
            [(plan.tenant_id, plan.jobs(self)) for plan in plans],
            result,
            at=at,
            order=lambda account: account.id in suspects,
        )
        failed = {plan.tenant_id: plan.failed | self._settle(plan, r, at) for plan, r in zip(plans, runs, strict=True)}
        for (tenant_id, _), products in wanted.items():
            for product_id in failed[tenant_id] & products.keys():
                result.failed_message_ids |= products[product_id]
        if self.isolation is not None:
            result.open_breakers = self.isolation.tally.open_breakers
            result.given_back = self.isolation.tally.given_back_rows
        return result

    def _plan(self, tenant_id: str, scopes: Mapping[str | None, Iterable[int]], at: datetime) -> _TenantPlan:
        """What to push for one tenant: its products' current stock, the rows by account (every
        account for a tenant-wide message, one for an account's given-back rows), and, with
        isolation, the accounts whose breaker is open parked (their rows given back)."""
        product_ids = {p for wanted in scopes.values() for p in wanted}
        products = self.stock.products(tenant_id, product_ids)
        refs: dict[str, dict[str, int]] = defaultdict(dict)
        for only, wanted in scopes.items():
            scoped = [products[p] for p in wanted if p in products]
            for account_id, account_refs in refs_by_account(self.offers, tenant_id, scoped, only).items():
                refs[account_id].update(account_refs)
        accounts, settings = self.offers.accounts(tenant_id, refs)
        eligible = [
            accounts[a] for a in sorted(refs) if a in accounts and account_pushes_stock(accounts[a], settings.get(a))
        ]
        plan = _TenantPlan(tenant_id, products, dict(refs), eligible)
        if self.isolation is not None:
            self.isolation.levels.update(products)
            plan.accounts, plan.known = self.isolation.split(eligible, at)
            parked = [a.id for a in eligible if a not in plan.accounts]
            plan.failed = self.isolation.park(tenant_id, parked, products_by_account(plan.refs), at, plan.known)
        return plan

    def _settle(self, plan: _TenantPlan, results: Mapping[str, AccountResult], at: datetime) -> set[int]:
        """The products whose messages must be delivered again after the push."""
        if self.isolation is None:
            return {p for r in results.values() for p in r.failed_subjects}
        return self.isolation.settle(plan.tenant_id, results, plan.known, at)


@dataclass
class _TenantPlan:
    """One tenant's part of a batch: the accounts to push and what they push."""

    tenant_id: str
    products: dict[int, ProductStock]
    refs: dict[str, dict[str, int]]
    accounts: list[Account]
    known: dict[str, PushBreaker] = field(default_factory=dict)
    #: products whose messages must come back whatever the push does (rows not given back)
    failed: set[int] = field(default_factory=set)

    def jobs(self, service: StockPushService) -> list[tuple[Account, StockRows]]:
        return [(a, StockRows(service, self.tenant_id, a, self.refs[a.id], self.products)) for a in self.accounts]


def by_tenant(wanted: Mapping[Scope, Mapping[int, set[str]]]) -> dict[str, dict[str | None, list[int]]]:
    """``{tenant: {account or None: product ids}}`` of :func:`parse_deliveries`' answer."""
    grouped: dict[str, dict[str | None, list[int]]] = defaultdict(dict)
    for (tenant_id, only), products in wanted.items():
        grouped[tenant_id][only] = list(products)
    return dict(grouped)


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


class StockRows:
    """One account's stock push for the pipeline (:class:`shophub.services.push_pipeline.PushRows`):
    rows are the account's linked offers, the subject is the hub product, the shop call is the
    connector's multi-row stock write and the record is the offer's pushed quantity and version."""

    def __init__(
        self,
        service: StockPushService,
        tenant_id: str,
        account: Account,
        refs: Mapping[str, int],
        products: Mapping[int, ProductStock],
    ) -> None:
        self.service = service
        self.tenant_id = tenant_id
        self.account = account
        self.refs = dict(refs)
        self.products = dict(products)
        self.templates: dict[str, Template] = {}
        self.max_quantity = profile_for(account.platform).max_stock_quantity
        self._budget_end: float | None = None

    def subjects(self) -> dict[str, int]:
        return dict(self.refs)

    def add_subjects(self, subjects: set[int]) -> dict[str, int]:
        extra = self.service.stock.products(self.tenant_id, subjects)
        self.products.update(extra)
        found = refs_by_account(self.service.offers, self.tenant_id, extra.values(), self.account.id)
        return dict(found.get(self.account.id, {}))

    def refresh(self, subjects: set[int]) -> None:
        self.products.update(self.service.stock.products(self.tenant_id, subjects))

    def rows(self, todo: Mapping[str, int], forced: set[int], report: EntrySink) -> list[_Row]:
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
            if offer.stock_ref is None:
                report(row.ref, self._entry(row, "failed", reason="stock_entry_no_stock_row"))
            elif row.target > self.max_quantity:
                params = {"quantity": str(row.target), "max": str(self.max_quantity)}
                report(row.ref, self._entry(row, "failed", reason="stock_entry_too_large", params=params))
            elif offer.hub_product_id not in forced and offer.pushed_quantity == row.target:
                report(row.ref, self._entry(row, "unchanged", old=row.target, reason="stock_entry_unchanged"))
            else:
                to_push.append(row)
        return to_push

    def _load_templates(self, offers: Sequence[Offer]) -> None:
        wanted = {offer_template_id(o, self.account) for o in offers}
        missing = {t for t in wanted if t and t not in self.templates}
        if missing:
            self.templates.update(self.service.offers.templates(self.account.id, missing))

    def key(self, row: _Row) -> str:
        return row.ref

    def subject(self, row: _Row) -> int:
        return row.product_id

    def conflicts(self, rows: Sequence[_Row]) -> dict[str, RowOutcome]:
        """Rows of one shop stock row linked to several products: the first one's stock is sent."""
        outcomes: dict[str, RowOutcome] = {}
        sending: dict[int, _Row] = {}
        for row in rows:
            first = sending.setdefault(row.stock_id, row)
            if first is not row:
                outcomes[row.ref] = RowOutcome(
                    ok=False,
                    permanent=True,
                    reason="stock_entry_shared_row",
                    params={
                        "stock_id": str(row.stock_id),
                        "products": f"{first.product_id}, {row.product_id}",
                        "sent": str(first.product_id),
                    },
                )
        return outcomes

    def connect(self) -> StockConnector:
        """A connection whose requests stop at the account's time budget (counted from its first
        connection in this invocation) or the invocation's deadline, whichever comes first."""
        if self._budget_end is None:
            self._budget_end = time.monotonic() + self.service.account_budget
        end, outer = self._budget_end, self.service.deadline

        def remaining() -> float:
            left = end - time.monotonic()
            return min(left, outer()) if outer is not None else left

        return self.service.connector_for(self.account, remaining)

    def write(self, connection: StockConnector, rows: Sequence[_Row]) -> dict[str, RowOutcome]:
        updates = [StockUpdate(stock_id=r.stock_id, quantity=r.target) for r in rows]
        answers = {answer.stock_id: answer for answer in connection.push_stock(updates)}
        return {row.ref: _outcome_of(answers.get(row.stock_id)) for row in rows}

    def failure(self, error: ShopHubError | None) -> RowOutcome:
        if error is None:
            return RowOutcome(ok=False, reason="stock_entry_retry", params={"detail": "internal error"})
        return _failure(error)

    def record(self, token: str, rows: Sequence[_Row], at: datetime) -> set[str]:
        return self.service.offers.record_pushed(
            self.account.id, token, [PushRecord(r.offer, r.target, r.version) for r in rows], at
        )

    def entry(self, row: _Row, outcome: str, *, reason: str | None, params: Mapping[str, str]) -> ReportEntry:
        return self._entry(row, outcome, reason=reason, params=params)

    def _entry(
        self,
        row: _Row,
        outcome: str,
        *,
        old: int | None = None,
        reason: str | None = None,
        params: Mapping[str, str] | None = None,
    ) -> ReportEntry:
        previous = row.offer.pushed_quantity if old is None else old
        return _entry(
            row.product_id,
            row.offer.shop_product_id,
            row.offer.shop_variant_id,
            outcome,
            old=previous,
            new=row.target,
            reason=reason,
            params=params,
        )

    def contended(self, key: str, subject: int) -> ReportEntry:
        """An entry for a row whose pushes kept being refused."""
        _, shop_product_id, shop_variant_id = offer_ref_parts(key)
        product = self.products.get(subject)
        return _entry(
            subject,
            shop_product_id,
            shop_variant_id,
            "failed",
            old=None,
            new=product.stock if product else None,
            reason="stock_entry_contended",
        )


def _entry(
    product_id: int,
    shop_product_id: int,
    shop_variant_id: int,
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
        shop_variant_id=shop_variant_id,
        old=old,
        new=new,
        outcome=outcome,
        message=translate(reason, DEFAULT_LANGUAGE, **text) if reason else "",
        reason=reason,
        params=text,
    )


def _failure(error: ShopHubError) -> RowOutcome:
    """A row's outcome when its whole push failed with ``error``."""
    retryable = isinstance(error, ShopError) and error.retryable
    detail = error.shop_message if isinstance(error, ShopError) else (error.detail or error.code)
    if retryable:
        return RowOutcome(ok=False, reason="stock_entry_retry", params={"detail": detail})
    return RowOutcome(ok=False, permanent=True, reason="stock_entry_account_failed", params={"detail": detail})


def _outcome_of(answer: StockPushOutcome | None) -> RowOutcome:
    if answer is None:
        return RowOutcome(ok=False, reason="stock_entry_retry", params={"detail": "no answer for the row"})
    if answer.ok:
        return RowOutcome(ok=True)
    detail = answer.message or answer.error_code or "error"
    if not answer.permanent:
        return RowOutcome(ok=False, reason="stock_entry_retry", params={"detail": detail})
    if answer.error_code in _ACCOUNT_ERRORS:
        return RowOutcome(ok=False, permanent=True, reason="stock_entry_account_failed", params={"detail": detail})
    if answer.error_code == "not_found":
        return RowOutcome(
            ok=False, permanent=True, reason="stock_entry_row_missing", params={"stock_id": str(answer.stock_id)}
        )
    return RowOutcome(ok=False, permanent=True, reason="stock_entry_refused", params={"detail": detail})


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
