"""Hub orders, the per-account poll cursor (with its lease) and stock movement markers.

Items:

* ``PK=ACCOUNT#<a>, SK=ORDER#<shop order id>`` — :class:`HubOrder`, created with
  ``attribute_not_exists(PK)`` (exactly once) and afterwards rewritten only conditionally on its
  ``version``. ``GSI1PK=ORDERS#<t>, GSI1SK=PLACED#<placed at>#<padded shop order id>#<a>`` list a
  tenant's orders newest first by when they were placed in the shop (import time for an order
  without a shop date).
* ``PK=ACCOUNT#<a>, SK=CURSOR#ORDERS`` — :class:`PollCursor`: keyset position plus a lease
  (owner + expiry, taken with a conditional update) so one poll at a time runs per account.
* ``PK=ACCOUNT#<a>, SK=MOVE#<shop order id>#SALE|RETURN`` — a stock movement marker, written
  (``attribute_not_exists``) in the same transaction as the product stock updates it describes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from shophub.clock import iso
from shophub.domain.orders import HubOrder, PollCursor, StockMoveLine
from shophub.errors import ConcurrentUpdateError
from shophub.store import keys
from shophub.store.dynamo import (
    BATCH_GET_MAX,
    UNPROCESSED,
    ConditionFailed,
    Expr,
    HubTable,
    Item,
    Key,
    deserialize_item,
    serialize_item,
)
from shophub.store.paging import decode_token, encode_token
from shophub.store.unit_of_work import Subject, UnitOfWork, Write


def order_key(account_id: str, shop_order_id: int) -> Key:
    return {"PK": keys.account_pk(account_id), "SK": keys.order_sk(shop_order_id)}


def order_item(order: HubOrder) -> Item:
    """The stored shape of ``order`` (attributes = model fields, plus keys)."""
    return {
        **order_key(order.account_id, order.shop_order_id),
        "GSI1PK": keys.tenant_orders_gsi1pk(order.tenant_id),
        "GSI1SK": keys.tenant_orders_gsi1sk(
            iso(order.shop_created_at or order.imported_at), order.shop_order_id, order.account_id
        ),
        **order.model_dump(mode="json"),
    }


def _version_condition(expr: Expr, version: int) -> str:
    return f"{expr.name('version')} = {expr.value(version)}"


class OrderRepository:
    def __init__(self, table: HubTable) -> None:
        self.table = table

    # --- reads ----------------------------------------------------------------------------------

    def get(self, account_id: str, shop_order_id: int, *, consistent: bool = False) -> HubOrder | None:
        item = self.table.get(keys.account_pk(account_id), keys.order_sk(shop_order_id), consistent=consistent)
        return HubOrder.model_validate(item) if item else None

    def fingerprints(self, account_id: str, shop_order_ids: Iterable[int]) -> dict[int, tuple[str, str | None]]:
        """``{shop order id: (shop_fingerprint, run_id)}`` of the stored orders among these ids:
        the little a poll needs to see which orders changed (projected reads, 100 per request)."""
        wanted = [serialize_item(order_key(account_id, oid)) for oid in dict.fromkeys(shop_order_ids)]
        found: dict[int, tuple[str, str | None]] = {}
        for start in range(0, len(wanted), BATCH_GET_MAX):
            pending: dict[str, Any] = {
                self.table.name: {
                    "Keys": wanted[start : start + BATCH_GET_MAX],
                    "ConsistentRead": True,
                    "ProjectionExpression": "#id, #fp, #run",
                    "ExpressionAttributeNames": {"#id": "shop_order_id", "#fp": "shop_fingerprint", "#run": "run_id"},
                }
            }
            retries = UNPROCESSED.start()
            while pending:
                self.table.request_count += 1
                answer = self.table.client.batch_get_item(RequestItems=pending)
                for raw in answer.get("Responses", {}).get(self.table.name, []):
                    item = deserialize_item(raw)
                    found[int(item["shop_order_id"])] = (str(item.get("shop_fingerprint", "")), item.get("run_id"))
                pending = answer.get("UnprocessedKeys") or {}
                if pending and not retries.pause():
                    raise RuntimeError("DynamoDB kept returning unprocessed keys")
        return found

    def list_for_tenant(
        self, tenant_id: str, *, account_id: str | None = None, limit: int = 50, next_token: str | None = None
    ) -> tuple[list[HubOrder], str | None]:
        """The tenant's orders newest first by when they were placed in the shop (optionally one
        account's), ``limit`` per page."""
        scope = keys.tenant_orders_gsi1pk(tenant_id) + (f"#{account_id}" if account_id else "")
        start = decode_token(next_token, scope)
        found: list[HubOrder] = []
        last_key: Key | None = None
        while True:
            expr = Expr()
            filter_expr = None
            if account_id:
                filter_expr = f"{expr.name('account_id')} = {expr.value(account_id)}"
            items, page_last = self.table.query_page(
                keys.tenant_orders_gsi1pk(tenant_id),
                index=keys.GSI1,
                forward=False,
                limit=limit,
                start_key=start,
                filter_expr=filter_expr,
                expr=expr,
            )
            for index, item in enumerate(items):
                found.append(HubOrder.model_validate(item))
                last_key = {k: item[k] for k in ("PK", "SK", "GSI1PK", "GSI1SK")}
                if len(found) == limit:
                    # continue after the last order returned (not after the page)
                    more = page_last is not None or index < len(items) - 1
                    return found, encode_token(last_key, scope) if more else None
            if page_last is None:
                return found, None
            start = page_last

    # --- writes ---------------------------------------------------------------------------------

    def create(self, order: HubOrder) -> bool:
        """Store a new order; False (nothing written) when it already exists."""
        try:
            self.table.put(order_item(order), condition="attribute_not_exists(PK)")
        except ConditionFailed:
            return False
        return True

    def save(self, order: HubOrder, *, expected_version: int) -> HubOrder:
        """Rewrite ``order`` (with the next version) if nobody changed it since ``expected_version``
        was read; :class:`ConcurrentUpdateError` otherwise."""
        stored = order.model_copy(update={"version": expected_version + 1})
        expr = Expr()
        try:
            self.table.put(order_item(stored), condition=_version_condition(expr, expected_version), expr=expr)
        except ConditionFailed:
            raise ConcurrentUpdateError("order changed") from None
        return stored

    # --- writes inside a unit of work ---------------------------------------------------------

    def create_in(self, unit: UnitOfWork, order: HubOrder) -> None:
        """Create ``order`` with the unit (it loses, :attr:`Subject.ORDER`, when the order exists)."""
        operation = self.table.tx_put(order_item(order), condition="attribute_not_exists(PK)")
        unit.add(Write(Subject.ORDER, _pair(order_key(order.account_id, order.shop_order_id)), operation, ref=order))

    def save_in(self, unit: UnitOfWork, order: HubOrder, *, expected_version: int) -> None:
        """Rewrite ``order`` (already carrying ``expected_version + 1``) with the unit, if nobody
        changed it since ``expected_version`` was read (:attr:`Subject.ORDER` loses otherwise)."""
        expr = Expr()
        operation = self.table.tx_put(
            order_item(order), condition=_version_condition(expr, expected_version), expr=expr
        )
        unit.add(Write(Subject.ORDER, _pair(order_key(order.account_id, order.shop_order_id)), operation, ref=order))

    def record_movement_in(
        self, unit: UnitOfWork, order: HubOrder, kind: str, lines: Sequence[StockMoveLine], at: datetime
    ) -> None:
        """Record the order's stock movement ``kind`` (SALE, RETURN) with the unit; it loses
        (:attr:`Subject.STOCK_MOVEMENT`) when this movement already happened."""
        key = (keys.account_pk(order.account_id), keys.stock_move_sk(order.shop_order_id, kind))
        item = {
            "PK": key[0],
            "SK": key[1],
            "kind": kind,
            "shop_order_id": order.shop_order_id,
            "at": iso(at),
            "lines": [line.model_dump(mode="json") for line in lines],
        }
        operation = self.table.tx_put(item, condition="attribute_not_exists(PK)")
        unit.add(Write(Subject.STOCK_MOVEMENT, key, operation, ref=kind))


def _pair(key: Key) -> tuple[str, str]:
    return (str(key["PK"]), str(key["SK"]))


class PollCursorRepository:
    """The ``CURSOR#ORDERS`` item: a lease (one poll per account) and the keyset position."""

    def __init__(self, table: HubTable) -> None:
        self.table = table

    def get(self, account_id: str) -> PollCursor | None:
        item = self.table.get(keys.account_pk(account_id), keys.ORDER_CURSOR_SK, consistent=True)
        return _cursor(item, account_id) if item else None

    def get_many(self, account_ids: Iterable[str]) -> dict[str, PollCursor]:
        """The cursors of ``account_ids`` that have one (one BatchGetItem per 100 accounts)."""
        wanted = [{"PK": keys.account_pk(a), "SK": keys.ORDER_CURSOR_SK} for a in account_ids]
        found = self.table.batch_get(wanted) if wanted else []
        return {
            cursor.account_id: cursor
            for cursor in (_cursor(item, str(item["PK"]).removeprefix(keys.ACCOUNT_PREFIX)) for item in found)
        }

    def acquire(self, account_id: str, owner: str, *, now: datetime, lease_seconds: int) -> PollCursor | None:
        """Take the lease if it is free, expired or already ``owner``'s; None when another poll
        holds it. ``owner`` joins ``open_runs`` until :meth:`release` says it finished."""
        expr = Expr()
        lease_owner, lease_expires = expr.name("lease_owner"), expr.name("lease_expires_at")
        now_epoch = int(now.timestamp())
        condition = (
            f"attribute_not_exists({lease_owner}) OR {lease_expires} < {expr.value(now_epoch)} "
            f"OR {lease_owner} = {expr.value(owner)}"
        )
        try:
            item = self.table.update(
                keys.account_pk(account_id),
                keys.ORDER_CURSOR_SK,
                set_={
                    "account_id": account_id,
                    "lease_owner": owner,
                    "lease_expires_at": now_epoch + lease_seconds,
                    "last_run_at": iso(now),
                },
                add={"open_runs": {owner}},  # type: ignore[dict-item]
                condition=condition,
                expr=expr,
            )
        except ConditionFailed:
            return None
        return _cursor(item or {}, account_id)

    def advance(
        self,
        account_id: str,
        owner: str,
        *,
        updated_at: datetime,
        order_id: int,
        tied: int,
        recent: Sequence[tuple[int, int]] = (),
        fetch_from: datetime | None = None,
        now: datetime,
        lease_seconds: int,
    ) -> bool:
        """Move the cursor (and extend the lease) if ``owner`` still holds the lease."""
        expr = Expr()
        try:
            self.table.update(
                keys.account_pk(account_id),
                keys.ORDER_CURSOR_SK,
                set_={
                    "updated_at": iso(updated_at),
                    "order_id": order_id,
                    "tied": tied,
                    "recent": [list(entry) for entry in recent],
                    "fetch_from": iso(fetch_from) if fetch_from else None,
                    "lease_expires_at": int(now.timestamp()) + lease_seconds,
                },
                condition=f"{expr.name('lease_owner')} = {expr.value(owner)}",
                expr=expr,
                return_new=False,
            )
        except ConditionFailed:
            return False
        return True

    def release(
        self,
        account_id: str,
        owner: str,
        *,
        open_runs: set[str],
        now: datetime,
        started_at: datetime | None = None,
        error: str | None = None,
        new_orders: bool = False,
    ) -> bool:
        """Give the lease back; ``open_runs`` is what stays open (the owner's own id when it did
        not finish cleanly); ``started_at`` (a clean run's start) bounds the next run's overlap.
        The same write records the account's last poll (``last_poll_at``) and, when the run
        imported orders, its last new order (``last_order_at``): an empty poll costs no other write.
        False when the lease was no longer ``owner``'s."""
        expr = Expr()
        fields: dict[str, Any] = {
            "lease_owner": None,
            "lease_expires_at": None,
            "open_runs": set(open_runs) or None,
            "last_error": error,
            "last_poll_at": iso(now),
        }
        if new_orders:
            fields["last_order_at"] = iso(now)
        if error is None:
            fields["last_success_at"] = iso(now)
            if started_at is not None:
                fields["clean_run_started_at"] = iso(started_at)
        try:
            self.table.update(
                keys.account_pk(account_id),
                keys.ORDER_CURSOR_SK,
                set_=fields,
                condition=f"{expr.name('lease_owner')} = {expr.value(owner)}",
                expr=expr,
                return_new=False,
            )
        except ConditionFailed:
            return False
        return True


def _cursor(item: Item, account_id: str) -> PollCursor:
    data = dict(item)
    data.setdefault("account_id", account_id)
    data["open_runs"] = set(data.get("open_runs") or ())
    return PollCursor.model_validate(data)
