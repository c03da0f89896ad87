"""From the hub to the shop: tracking numbers, sales documents and (opt-in) status changes.

One ``OrderUpdateQueue`` message = one thing about one order (:class:`OrderPushJob`). The pusher
re-reads the order and the account's settings, so a message that arrives late or twice does the
right thing:

* ``TrackingNumber`` — written to the order's first ``order_carriers`` row
  (``sync.send_tracking_numbers``); a number the shop already has costs no write.
* ``Document`` — posted as an order message (``customer_threads`` / ``customer_messages``) with
  the document's type, number and link (``sync.send_documents``); a document already sent is not
  posted again.
* ``StatusPush`` — the hub status goes to the shop through the reverse status mapping
  (``sync.push_statuses``); a status no longer current (a newer change was made) is skipped; the
  shop state the order already has is never posted again.

Each outcome is recorded on the order (``shop_sync``) and in the activity log. A permanent shop
refusal is logged and the message dropped; a transient failure raises, so SQS delivers the message
again, and the last attempt (5th, then the DLQ) is logged as given up.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from shophub.clock import Clock, Deadline, utc_now
from shophub.domain.accounts import Account
from shophub.domain.orders import SENDING_DISABLED, HubOrder, OrderPushJob, ShopSync
from shophub.errors import ConcurrentUpdateError, NotFoundError, ShopError, ShopHubError, ShopTransientError
from shophub.i18n import DEFAULT_LANGUAGE, LANGUAGES, text, translate
from shophub.observability import logger
from shophub.store.accounts import AccountRepository
from shophub.store.activity import ActivityLogRepository
from shophub.store.config import ConfigRepository
from shophub.store.orders import OrderRepository

#: ``maxReceiveCount`` of OrderUpdateQueue's redrive policy (template.yaml): the last attempt.
MAX_ATTEMPTS = 5
SAVE_ATTEMPTS = 5

PushOutcome = Literal["sent", "unchanged", "not_sent", "skipped", "failed"]

#: the activity log's action for each kind of push
_PUSH_ACTION = {
    "TrackingNumber": "orders.tracking_sent",
    "Document": "orders.document_sent",
    "StatusPush": "orders.status_sent",
}
_OPERATION_KEY = {
    "TrackingNumber": "push_operation_tracking",
    "Document": "push_operation_document",
    "StatusPush": "push_operation_status",
}


@dataclass
class PushResult:
    outcome: PushOutcome
    shop_requests: int = 0


class OrderPushService:
    def __init__(
        self,
        *,
        accounts: AccountRepository,
        config: ConfigRepository,
        orders: OrderRepository,
        activity: ActivityLogRepository,
        connector_for: Callable[..., Any],
        clock: Clock = utc_now,
    ) -> None:
        self.accounts = accounts
        self.config = config
        self.orders = orders
        self.activity = activity
        self.connector_for = connector_for
        self.clock = clock

    def push(self, job: OrderPushJob, *, attempt: int = 1, deadline: Deadline | None = None) -> PushResult:
        """Send one thing to the shop. Raises on transient failures (the message comes back)."""
        language = job.language if job.language in LANGUAGES else DEFAULT_LANGUAGE
        try:
            account = self.accounts.get(job.tenant_id, job.account_id)
        except NotFoundError:
            logger.info("order push skipped: the account is gone", extra={"account_id": job.account_id})
            return PushResult("skipped")
        order = self.orders.get(account.id, job.shop_order_id, consistent=True)
        if order is None:
            logger.info("order push skipped: no such order", extra={"shop_order_id": job.shop_order_id})
            return PushResult("skipped")
        settings = self.config.get_order_settings(account.id, default_fetch_from=account.created_at)
        connector: Any = None

        def connect() -> Any:
            nonlocal connector
            if connector is None:
                connector = self.connector_for(account, deadline=deadline)
            return connector

        try:
            if job.type == "TrackingNumber":
                outcome = self._tracking(job, account, order, settings.sync.send_tracking_numbers, connect, language)
            elif job.type == "Document":
                outcome = self._document(job, account, order, settings.sync.send_documents, connect, language)
            else:
                outcome = self._status(job, account, order, settings.sync.push_statuses, connect, language)
        except ShopTransientError as error:
            if attempt >= MAX_ATTEMPTS:
                self._failed(
                    job,
                    order,
                    language,
                    error.code,
                    "log_push_gave_up",
                    {"attempt": attempt},
                    attempts=attempt,
                    detail=error.shop_message,
                )
            raise
        except (ShopError, ShopHubError) as error:
            # permanent: the shop refused (or the connector refused the value); not retried
            detail = error.shop_message if isinstance(error, ShopError) else (error.detail or error.code)
            self._failed(job, order, language, error.code, "log_push_failed", {}, detail=detail)
            outcome = "failed"
        finally:
            requests = int(getattr(connector, "request_count", 0)) if connector is not None else 0
            if connector is not None:
                connector.close()
        return PushResult(outcome, requests)

    def _failed(
        self,
        job: OrderPushJob,
        order: HubOrder,
        language: str,
        code: str,
        message_key: str,
        details: dict[str, Any],
        **params: Any,
    ) -> None:
        """Record the push as failed on the order and log why (``message_key`` with ``params``)."""
        self._record(job, order, "failed", code)
        operation = text(_OPERATION_KEY[job.type])
        self._log(
            job,
            order,
            "error",
            message_key,
            {"reference": _ref(order), "operation": operation, **params},
            {"code": code, **details},
        )

    # --- the three kinds ------------------------------------------------------------------------

    def _tracking(
        self,
        job: OrderPushJob,
        account: Account,
        order: HubOrder,
        enabled: bool,
        connect: Callable[[], Any],
        language: str,
    ) -> PushOutcome:
        entry = next((t for t in order.tracking_numbers if t.number == job.number), None)
        if entry is None or entry.shop_sync in ("sent", "unchanged"):
            return "skipped"
        ref = _ref(order)
        if not enabled:
            self._record(job, order, "not_sent", SENDING_DISABLED)
            return "not_sent"
        changed = connect().set_tracking_number(order.shop_order_id, entry.number)
        self._record(job, order, "sent" if changed else "unchanged", None)
        key = "log_push_tracking_sent" if changed else "log_push_tracking_unchanged"
        self._log(job, order, "ok", key, {"reference": ref, "number": entry.number}, {"number": entry.number})
        return "sent" if changed else "unchanged"

    def _document(
        self,
        job: OrderPushJob,
        account: Account,
        order: HubOrder,
        enabled: bool,
        connect: Callable[[], Any],
        language: str,
    ) -> PushOutcome:
        entry = next((d for d in order.documents if d.type == job.document_type and d.number == job.number), None)
        if entry is None or entry.shop_sync == "sent":
            return "skipped"
        if not enabled:
            self._record(job, order, "not_sent", SENDING_DISABLED)
            return "not_sent"
        label = translate(f"document_type_{entry.type}", language)
        body = translate("order_document_message", language, type=label, number=entry.number, url=entry.url)
        message_id = connect().post_order_message(order.shop_order_id, body)
        self._record(job, order, "sent", None, shop_message_id=message_id)
        self._log(
            job,
            order,
            "ok",
            "log_push_document_sent",
            {"reference": _ref(order), "type": text(f"document_type_{entry.type}"), "number": entry.number},
            {"type": entry.type, "number": entry.number, "shop_message_id": message_id},
        )
        return "sent"

    def _status(
        self,
        job: OrderPushJob,
        account: Account,
        order: HubOrder,
        enabled: bool,
        connect: Callable[[], Any],
        language: str,
    ) -> PushOutcome:
        if not enabled or job.status is None or order.status != job.status:
            return "skipped"  # switched off meanwhile, or superseded by a newer change
        ref = _ref(order)
        mappings = self.config.get_mappings(account.id, "STATUS")
        candidates = sorted(int(state) for state, hub in mappings.items() if hub == job.status and state.isdigit())
        if not candidates:
            self._log(
                job,
                order,
                "error",
                "log_push_status_no_mapping",
                {"reference": ref, "status": job.status},
                {"status": job.status},
            )
            return "failed"
        if order.shop_status_id in candidates:
            self._log(
                job,
                order,
                "ok",
                "log_push_status_unchanged",
                {"reference": ref, "shop_state": order.shop_status_id},
                {"status": job.status, "shop_status_id": order.shop_status_id},
            )
            return "unchanged"
        state = candidates[0]
        changed = connect().set_order_state(order.shop_order_id, state)
        self._record(job, order, "sent" if changed else "unchanged", None, shop_status_id=state)
        key = "log_push_status_sent" if changed else "log_push_status_unchanged"
        self._log(
            job,
            order,
            "ok",
            key,
            {"reference": ref, "shop_state": state},
            {"status": job.status, "shop_status_id": state},
        )
        return "sent" if changed else "unchanged"

    # --- recording ------------------------------------------------------------------------------

    def _record(
        self,
        job: OrderPushJob,
        order: HubOrder,
        sync: ShopSync,
        problem: str | None,
        *,
        shop_message_id: int | None = None,
        shop_status_id: int | None = None,
    ) -> None:
        """Write the outcome onto the order (re-read and retried when the order changed)."""
        current = order
        for _ in range(SAVE_ATTEMPTS):
            now = self.clock()
            update: dict[str, Any] = {}
            if job.type == "TrackingNumber":
                update["tracking_numbers"] = [
                    t.model_copy(update={"shop_sync": sync, "synced_at": now, "problem": problem})
                    if t.number == job.number
                    else t
                    for t in current.tracking_numbers
                ]
            elif job.type == "Document":
                update["documents"] = [
                    d.model_copy(
                        update={
                            "shop_sync": sync,
                            "synced_at": now,
                            "problem": problem,
                            "shop_message_id": shop_message_id or d.shop_message_id,
                        }
                    )
                    if d.type == job.document_type and d.number == job.number
                    else d
                    for d in current.documents
                ]
            elif shop_status_id is not None:
                update["shop_status_id"] = shop_status_id
            if not update:
                return
            try:
                self.orders.save(current.model_copy(update=update), expected_version=current.version)
                return
            except ConcurrentUpdateError:
                reloaded = self.orders.get(current.account_id, current.shop_order_id, consistent=True)
                if reloaded is None:
                    return
                current = reloaded
        logger.warning("order push outcome not recorded: the order kept changing", extra={"order_id": order.id})

    def _log(
        self,
        job: OrderPushJob,
        order: HubOrder,
        outcome: Literal["ok", "error"],
        message_key: str,
        params: dict[str, Any],
        details: dict[str, Any],
    ) -> None:
        self.activity.append(
            action=_PUSH_ACTION[job.type],
            outcome=outcome,
            message_key=message_key,
            params=params,
            actor=job.actor,
            tenant_id=order.tenant_id,
            account_id=order.account_id,
            details={"order_id": order.id, "shop_order_id": order.shop_order_id, **details},
        )


def _ref(order: HubOrder) -> str:
    return order.reference or f"#{order.shop_order_id}"
