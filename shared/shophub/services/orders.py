"""Order use cases of the HTTP API: list and read orders, change a status, add tracking
numbers and sales documents, fetch now. Plus the status rules the poller shares.

Status rules (DESIGN.md section 4):

* a new order lands in the account's ``landing_status``, whatever its shop state;
* while its hub status is one of ``update_statuses`` (and ``sync.update_statuses`` is on), shop
  state changes move it through the status mapping;
* once its hub status is not one of ``update_statuses`` the order is ``frozen`` for good;
* the hub user may always change the status (``PATCH /orders/{oid}``); a status outside
  ``update_statuses`` freezes the order; the change goes to the shop (reverse status mapping)
  only when ``sync.push_statuses`` is on;
* a status in the tenant's ``stock_return_statuses`` gives the order's stock back (once);
* every change of the hub status (landing, followed shop state, merchant's change) is added to the
  order's ``status_history`` in the write that makes it (:func:`with_status`, the poller's
  ``build_order``).

Tracking numbers and documents are stored on the order whatever the settings; they are queued
for the shop (``OrderUpdateQueue``) only when ``sync.send_tracking_numbers`` /
``sync.send_documents`` is on.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from shophub.clock import Clock, utc_now
from shophub.connectors import profile_for
from shophub.domain.accounts import Account
from shophub.domain.config import OrderSettings
from shophub.domain.orders import (
    SENDING_DISABLED,
    DocumentType,
    HubOrder,
    OrderDocument,
    OrderPushJob,
    PollOrdersJob,
    StatusChange,
    StatusSource,
    TrackingNumber,
    append_status_change,
    event_detail,
    parse_hub_order_id,
)
from shophub.errors import ConcurrentUpdateError, ConflictError, FieldProblem, NotFoundError, ValidationError
from shophub.i18n import text, translate
from shophub.ports import HubEvents, Publisher, StockAnnouncer
from shophub.services.stock_movements import OrderStockService
from shophub.store.accounts import AccountRepository
from shophub.store.activity import ActivityLogRepository
from shophub.store.config import ConfigRepository
from shophub.store.orders import OrderRepository

#: Attempts at a read-modify-write of one order that races with the poller or another request.
SAVE_ATTEMPTS = 5


def check_tracking_number(number: str, platform: str, language: str) -> None:
    """422 when the shop's platform would refuse ``number`` (its profile's tracking rule)."""
    rule = profile_for(platform).tracking
    if not rule.accepts(number):
        message = translate("order_tracking_number_invalid", language, symbols=rule.symbols, max_length=rule.max_length)
        raise ValidationError("invalid tracking number", details=[FieldProblem("tracking_number", message)])


ORDER_UPDATED = "OrderUpdated"
ORDER_IMPORTED = "OrderImported"


def with_status(
    order: HubOrder,
    status: str,
    settings: OrderSettings,
    now: datetime,
    *,
    source: StatusSource,
    actor: str,
    shop_status_id: int | None = None,
) -> HubOrder:
    """``order`` in ``status``, the change added to its ``status_history`` (saved by the same
    write); frozen for good once the status is not one of ``update_statuses``."""
    frozen = order.frozen or status not in settings.update_statuses
    change = StatusChange(at=now, status=status, shop_status_id=shop_status_id, source=source, actor=actor)
    return order.model_copy(
        update={
            "status": status,
            "frozen": frozen,
            "updated_at": now,
            "status_history": append_status_change(order.status_history, change),
        }
    )


def order_not_found() -> NotFoundError:
    return NotFoundError("order", code="order_not_found", message_key="order_not_found")


class OrderService:
    def __init__(
        self,
        *,
        orders: OrderRepository,
        accounts: AccountRepository,
        config: ConfigRepository,
        stock_moves: OrderStockService,
        stock_announcer: StockAnnouncer,
        activity: ActivityLogRepository,
        events: HubEvents,
        poll_queue: Callable[[], Publisher],
        update_queue: Callable[[], Publisher],
        clock: Clock = utc_now,
    ) -> None:
        self.orders = orders
        self.accounts = accounts
        self.config = config
        self.stock_moves = stock_moves
        self.stock_announcer = stock_announcer
        self.activity = activity
        self.events = events
        self.poll_queue = poll_queue
        self.update_queue = update_queue
        self.clock = clock

    # --- reading ----------------------------------------------------------------------------------

    def list(
        self, tenant_id: str, *, account_id: str | None = None, limit: int = 50, next_token: str | None = None
    ) -> tuple[list[HubOrder], str | None]:
        """The tenant's orders, newest first; one account's when ``account_id`` is given."""
        if account_id is not None:
            self.accounts.get(tenant_id, account_id, include_deleted=True)
        return self.orders.list_for_tenant(tenant_id, account_id=account_id, limit=limit, next_token=next_token)

    def get(self, tenant_id: str, order_id: str) -> HubOrder:
        """One order of the tenant (another tenant's is simply not found)."""
        order, _ = self._load(tenant_id, order_id, live_account=False)
        return order

    def _load(self, tenant_id: str, order_id: str, *, live_account: bool) -> tuple[HubOrder, Account]:
        parsed = parse_hub_order_id(order_id)
        if parsed is None:
            raise order_not_found()
        account_id, shop_order_id = parsed
        try:
            account = self.accounts.get(tenant_id, account_id, include_deleted=True)
        except NotFoundError:
            raise order_not_found() from None
        order = self.orders.get(account_id, shop_order_id, consistent=True)
        if order is None or order.tenant_id != tenant_id:
            raise order_not_found()
        if live_account and account.status == "deleted":
            raise ConflictError("account deleted", code="account_deleted", message_key="order_account_deleted")
        return order, account

    # --- status -----------------------------------------------------------------------------------

    def change_status(self, tenant_id: str, order_id: str, status: str, *, actor: str, language: str) -> HubOrder:
        """The hub user sets the status (always allowed; may freeze the order, may give stock
        back, goes to the shop only with ``sync.push_statuses``)."""
        order, account = self._load(tenant_id, order_id, live_account=True)
        known = {entry.id for entry in self.config.get_dictionary(tenant_id, "STATUS")}
        if status not in known:
            raise ValidationError(
                "unknown hub status",
                details=[FieldProblem("status", translate("order_unknown_status", language))],
            )
        settings = self.config.get_order_settings(account.id, default_fetch_from=account.created_at)
        return_statuses = self.config.get_tenant_settings(tenant_id).stock_return_statuses
        for _ in range(SAVE_ATTEMPTS):
            if order.status == status:
                # nothing changes; a retried request still re-announces what a return moved
                if order.stock is not None and order.stock.returned_at is not None:
                    self.stock_announcer.enqueue_changes(tenant_id, self.stock_moves.current_levels(order))
                return order
            after = with_status(order, status, settings, self.clock(), source="hub", actor=actor)
            try:
                outcome = self.stock_moves.save_order(order, after, return_statuses=return_statuses)
            except ConcurrentUpdateError:
                order, account = self._load(tenant_id, order_id, live_account=True)
                continue
            break
        else:
            raise ConcurrentUpdateError("order kept changing")
        saved = outcome.order
        if outcome.levels:
            self.stock_announcer.enqueue_changes(tenant_id, outcome.levels)
        self._log(
            saved,
            "orders.status_changed",
            "log_order_status_changed",
            {"reference": _ref(saved), "status": status},
            actor=actor,
            details={"previous_status": order.status, "status": status, "frozen": saved.frozen},
        )
        if saved.frozen and not order.frozen:
            self._log(saved, "orders.frozen", "log_order_frozen", {"reference": _ref(saved)}, actor=actor)
        self.events.publish(ORDER_UPDATED, event_detail(saved, previous_status=order.status, changes=["status"]))
        if settings.sync.push_statuses:
            self._queue_push(saved, "StatusPush", actor, language, status=status)
        return saved

    # --- tracking numbers and documents -----------------------------------------------------------

    def add_tracking_number(
        self, tenant_id: str, order_id: str, number: str, *, actor: str, language: str
    ) -> tuple[HubOrder, TrackingNumber]:
        order, account = self._load(tenant_id, order_id, live_account=True)
        check_tracking_number(number, account.platform, language)
        settings = self.config.get_order_settings(account.id, default_fetch_from=account.created_at)
        send = settings.sync.send_tracking_numbers

        def add(current: HubOrder) -> tuple[HubOrder | None, TrackingNumber]:
            existing = next((t for t in current.tracking_numbers if t.number == number), None)
            if existing is not None and (existing.shop_sync in ("sent", "unchanged", "pending") or not send):
                return None, existing
            entry = TrackingNumber(
                number=number,
                added_at=self.clock(),
                actor=actor,
                shop_sync="pending" if send else "not_sent",
                problem=None if send else SENDING_DISABLED,
            )
            others = [t for t in current.tracking_numbers if t.number != number]
            return current.model_copy(update={"tracking_numbers": [*others, entry], "updated_at": self.clock()}), entry

        saved, entry, changed = self._save_retrying(tenant_id, order_id, order, add)
        if changed:
            key = "log_order_tracking_added" if send else "log_push_tracking_disabled"
            self._log(
                saved,
                "orders.tracking_added",
                key,
                {"reference": _ref(saved), "number": number},
                actor=actor,
                details={"number": number, "send_to_shop": send},
            )
        if send and entry.shop_sync == "pending":
            self._queue_push(saved, "TrackingNumber", actor, language, number=number)
        return saved, entry

    def add_document(
        self,
        tenant_id: str,
        order_id: str,
        *,
        document_type: DocumentType,
        number: str,
        url: str,
        actor: str,
        language: str,
    ) -> tuple[HubOrder, OrderDocument]:
        order, account = self._load(tenant_id, order_id, live_account=True)
        settings = self.config.get_order_settings(account.id, default_fetch_from=account.created_at)
        send = settings.sync.send_documents

        def same(d: OrderDocument) -> bool:
            return d.type == document_type and d.number == number

        def add(current: HubOrder) -> tuple[HubOrder | None, OrderDocument]:
            existing = next((d for d in current.documents if same(d)), None)
            if existing is not None and existing.url == url and (existing.shop_sync != "failed" or not send):
                return None, existing
            entry = OrderDocument(
                type=document_type,
                number=number,
                url=url,
                added_at=self.clock(),
                actor=actor,
                shop_sync="pending" if send else "not_sent",
                problem=None if send else SENDING_DISABLED,
            )
            others = [d for d in current.documents if not same(d)]
            return current.model_copy(update={"documents": [*others, entry], "updated_at": self.clock()}), entry

        saved, entry, changed = self._save_retrying(tenant_id, order_id, order, add)
        if changed:
            key = "log_order_document_added" if send else "log_push_document_disabled"
            self._log(
                saved,
                "orders.document_added",
                key,
                {"reference": _ref(saved), "type": text(f"document_type_{document_type}"), "number": number},
                actor=actor,
                details={"type": document_type, "number": number, "url": url, "send_to_shop": send},
            )
        if send and entry.shop_sync == "pending":
            self._queue_push(saved, "Document", actor, language, number=number, document_type=document_type)
        return saved, entry

    def _save_retrying[Entry](
        self,
        tenant_id: str,
        order_id: str,
        order: HubOrder,
        change: Callable[[HubOrder], tuple[HubOrder | None, Entry]],
    ) -> tuple[HubOrder, Entry, bool]:
        """Apply ``change`` (the changed order, or None when nothing is to be saved) and save it
        conditionally on the order's version, re-reading and re-applying when another writer got
        there first. Returns the order as it now stands, ``change``'s entry and whether it saved."""
        for _ in range(SAVE_ATTEMPTS):
            changed, entry = change(order)
            if changed is None:
                return order, entry, False
            try:
                return self.orders.save(changed, expected_version=order.version), entry, True
            except ConcurrentUpdateError:
                order, _ = self._load(tenant_id, order_id, live_account=True)
        raise ConcurrentUpdateError("order kept changing")

    def _queue_push(self, order: HubOrder, kind: Any, actor: str, language: str, **fields: Any) -> None:
        job = OrderPushJob(
            type=kind,
            tenant_id=order.tenant_id,
            account_id=order.account_id,
            shop_order_id=order.shop_order_id,
            actor=actor,
            language=language,
            **fields,
        )
        self.update_queue().send(job.model_dump(mode="json"))

    # --- fetch now --------------------------------------------------------------------------------

    def request_fetch(self, tenant_id: str, account_id: str, *, actor: str, language: str) -> PollOrdersJob:
        """Queue a poll of this account now. Allowed only while fetching is enabled and the
        account still has every mapping kind and a landing status (409 otherwise)."""
        account = self.accounts.get(tenant_id, account_id)
        settings = self.config.get_order_settings(account.id, default_fetch_from=account.created_at)
        if not settings.fetch_enabled:
            raise ConflictError("fetching disabled", code="fetch_disabled", message_key="order_fetch_disabled")
        counts = self.config.mapping_counts(account.id)
        paths = {"PAYMENT": "payments", "CARRIER": "carriers", "STATUS": "statuses"}
        problems = [
            FieldProblem(f"mappings.{paths[kind]}", translate(f"mapping_missing_{paths[kind]}", language))
            for kind, count in counts.items()
            if count == 0
        ]
        if settings.landing_status is None:
            problems.append(FieldProblem("landing_status", translate("landing_status_missing", language)))
        if problems:
            raise ConflictError(
                "mappings required", code="mappings_required", message_key="order_mappings_required", details=problems
            )
        job = PollOrdersJob(tenant_id=tenant_id, account_id=account.id, reason="manual", actor=actor, language=language)
        self.poll_queue().send(job.model_dump(mode="json"))
        self.activity.append(
            action="orders.fetch_requested",
            outcome="ok",
            message_key="log_poll_requested",
            actor=actor,
            tenant_id=tenant_id,
            account_id=account.id,
        )
        return job

    # --- helpers ----------------------------------------------------------------------------------

    def _log(
        self,
        order: HubOrder,
        action: str,
        message_key: str,
        params: dict[str, Any],
        *,
        actor: str,
        details: dict[str, Any] | None = None,
    ) -> None:
        self.activity.append(
            action=action,
            outcome="ok",
            message_key=message_key,
            params=params,
            actor=actor,
            tenant_id=order.tenant_id,
            account_id=order.account_id,
            details={"order_id": order.id, "shop_order_id": order.shop_order_id, **(details or {})},
        )


def _ref(order: HubOrder) -> str:
    return order.reference or f"#{order.shop_order_id}"
