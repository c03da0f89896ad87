"""Shop accounts of a tenant."""

from __future__ import annotations

from typing import Any

from shophub.domain.accounts import Account
from shophub.errors import ConcurrentUpdateError, NotFoundError
from shophub.store import keys
from shophub.store.dynamo import ConditionFailed, Expr, HubTable
from shophub.store.paging import decode_token, encode_token


def _item(account: Account) -> dict[str, Any]:
    return {
        "PK": keys.tenant_pk(account.tenant_id),
        "SK": keys.account_sk(account.id),
        **account.model_dump(mode="json"),
    }


class AccountRepository:
    def __init__(self, table: HubTable) -> None:
        self.table = table

    def create(self, account: Account) -> None:
        self.table.put_new(_item(account))

    def get(self, tenant_id: str, account_id: str, *, include_deleted: bool = False) -> Account:
        """The tenant's account; another tenant's (or a deleted) one is simply not found."""
        item = self.table.get(keys.tenant_pk(tenant_id), keys.account_sk(account_id))
        if not item or (item.get("status") == "deleted" and not include_deleted):
            raise NotFoundError("account", code="account_not_found", message_key="not_found")
        return Account.model_validate(item)

    def list(
        self, tenant_id: str, *, limit: int = 50, next_token: str | None = None
    ) -> tuple[list[Account], str | None]:
        scope = keys.tenant_pk(tenant_id) + "#ACCOUNTS"
        start = decode_token(next_token, scope)
        expr = Expr()
        items, last = self.table.query_page(
            keys.tenant_pk(tenant_id),
            sk_prefix=keys.ACCOUNT_PREFIX,
            limit=limit,
            start_key=start,
            filter_expr=f"{expr.name('status')} <> {expr.value('deleted')}",
            expr=expr,
        )
        return [Account.model_validate(i) for i in items], encode_token(last, scope)

    def save(self, account: Account) -> Account:
        """Write ``account`` if nobody changed it since it was read (optimistic version)."""
        expr = Expr()
        condition = f"{expr.name('version')} = {expr.value(account.version)}"
        updated = account.model_copy(update={"version": account.version + 1})
        try:
            self.table.put(_item(updated), condition=condition, expr=expr)
        except ConditionFailed:
            raise ConcurrentUpdateError("account changed") from None
        return updated

    def update_fields(self, tenant_id: str, account_id: str, **fields: Any) -> Account:
        """Set a few attributes unconditionally (status flags written by workers)."""
        item = self.table.update(
            keys.tenant_pk(tenant_id),
            keys.account_sk(account_id),
            set_=fields,
            condition="attribute_exists(PK)",
        )
        if item is None:
            raise NotFoundError("account")
        return Account.model_validate(item)

    def update_versioned(self, tenant_id: str, account_id: str, expected_version: int, **fields: Any) -> Account:
        """Set only ``fields`` (JSON-ready values; None removes) if the account is still at
        ``expected_version``, and bump the version. Attributes written meanwhile by workers
        through :meth:`update_fields` are left as they are."""
        expr = Expr()
        condition = f"{expr.name('version')} = {expr.value(expected_version)}"
        try:
            item = self.table.update(
                keys.tenant_pk(tenant_id),
                keys.account_sk(account_id),
                set_={**fields, "version": expected_version + 1},
                condition=condition,
                expr=expr,
            )
        except ConditionFailed:
            raise ConcurrentUpdateError("account changed") from None
        if item is None:
            raise NotFoundError("account")
        return Account.model_validate(item)

    def mark_deleted(self, tenant_id: str, account_id: str, at: str) -> Account:
        """Flag the account ``deleted`` and bump its version, so a change read before the delete
        (e.g. a key replacement still waiting for its connection check) cannot bring it back."""
        item = self.table.update(
            keys.tenant_pk(tenant_id),
            keys.account_sk(account_id),
            set_={"status": "deleted", "deleted_at": at, "updated_at": at},
            add={"version": 1},
            condition="attribute_exists(PK)",
        )
        if item is None:
            raise NotFoundError("account")
        return Account.model_validate(item)

    # --- deleting an account's data ---------------------------------------------------------------

    def delete_account_data(self, account_id: str) -> int:
        """Delete every item under ``PK=ACCOUNT#<a>`` except orders and activity log entries
        (settings, mappings, templates, offers, cursor, discovery, imports, reports), plus the
        item partitions of its imports and reports. Returns how many items were deleted.

        Orders and log entries are skipped by key range, never read.
        """
        pk = keys.account_pk(account_id)
        ranges: list[dict[str, Any]] = [
            {"sk_between": (" ", keys.LOG_PREFIX)},
            {"sk_between": (_after(keys.LOG_PREFIX), keys.ORDER_PREFIX)},
            {"sk_gt": _after(keys.ORDER_PREFIX)},
        ]
        doomed: list[dict[str, str]] = []
        children: list[str] = []
        for key_range in ranges:
            for item in self.table.query(pk, **key_range):
                sk = str(item["SK"])
                doomed.append({"PK": pk, "SK": sk})
                if sk.startswith(keys.IMPORT_PREFIX) and sk != keys.RUNNING_IMPORT_SK:
                    children.append(keys.import_pk(sk.removeprefix(keys.IMPORT_PREFIX)))
                elif sk.startswith(keys.REPORT_PREFIX):
                    children.append(keys.report_pk(sk.rsplit("#", 1)[-1]))
        for child in children:
            doomed.extend({"PK": child, "SK": str(item["SK"])} for item in self.table.query(child))
        self.table.batch_write(deletes=doomed)
        return len(doomed)

    def mark_orders_account_deleted(self, account_id: str, *, chunk: int = 100) -> int:
        """Flag every imported order of the account ``account_deleted: true`` (orders are kept).

        Runs after the account item is marked deleted, so no worker writes these orders any more;
        items are rewritten in batches of 25 instead of one update per order.
        """
        pending: list[dict[str, Any]] = []
        flagged = 0
        for item in self.table.query(keys.account_pk(account_id), sk_prefix=keys.ORDER_PREFIX):
            if item.get("account_deleted") is True:
                continue
            pending.append({**item, "account_deleted": True})
            if len(pending) >= chunk:
                self.table.batch_write(puts=pending)
                flagged += len(pending)
                pending = []
        if pending:
            self.table.batch_write(puts=pending)
            flagged += len(pending)
        return flagged


def _after(prefix: str) -> str:
    """The smallest string above every key starting with ``prefix`` (which ends with ``#``)."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)
