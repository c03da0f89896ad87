"""Shop accounts of a tenant, and the one-shop-per-tenant rule.

Each live account has a uniqueness item ``PK=TENANT#<t>, SK=SHOPURL#<sha256 of its normalized
shop URL>`` (``account_id``, ``shop_url``). It is written in the same transaction as the account
(``attribute_not_exists``), moved in the same transaction as a URL change and removed in the same
transaction as the delete, so two concurrent ``POST /accounts`` for one shop can never both
succeed. Accounts saved before the rule have no such item: they block nothing until their URL
changes (their item is then written like any other).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from shophub.domain.accounts import Account, shop_identity
from shophub.errors import ConcurrentUpdateError, NotFoundError, ShopAlreadyConnectedError
from shophub.retry import FULL_JITTER, Backoff
from shophub.store import keys
from shophub.store.dynamo import ConditionFailed, Expr, HubTable, TransactionConflict
from shophub.store.paging import decode_token, encode_token

#: A transaction that concurrent transactions on the same items keep cancelling: 4 attempts in
#: all, short jittered waits (up to 20, 40, 80 ms).
_CONFLICTS = Backoff(base=0.02, cap=0.08, jitter=FULL_JITTER, attempts=4)
_CONDITION_FAILED = "ConditionalCheckFailed"


def _item(account: Account) -> dict[str, Any]:
    return {
        "PK": keys.tenant_pk(account.tenant_id),
        "SK": keys.account_sk(account.id),
        **account.model_dump(mode="json"),
    }


def _shop_key(tenant_id: str, shop_url: str) -> tuple[str, str]:
    return keys.tenant_pk(tenant_id), keys.connected_shop_sk(shop_identity(shop_url))


def _already_connected(account: Account) -> ShopAlreadyConnectedError:
    return ShopAlreadyConnectedError.naming(account_id=account.id, name=account.name, shop_url=account.shop_url)


class AccountRepository:
    def __init__(self, table: HubTable) -> None:
        self.table = table

    def create(self, account: Account) -> None:
        """Save a new account and claim its shop for the tenant, in one transaction.
        :class:`ShopAlreadyConnectedError` (naming the other account) when the tenant already
        has an account for that shop."""
        for _ in _CONFLICTS.start():
            failed = self._transact(
                [
                    self.table.tx_put(_item(account), condition="attribute_not_exists(PK)"),
                    self._tx_claim_shop(account.tenant_id, account.id, account.shop_url),
                ]
            )
            if failed is None:
                return
            if 1 in failed:
                self._refuse_if_connected(account.tenant_id, account.shop_url)
            elif failed:
                raise ConcurrentUpdateError("account id taken")
        raise ConcurrentUpdateError("account creation kept conflicting")

    def connected_account(self, tenant_id: str, shop_url: str) -> Account | None:
        """The tenant's live account connected to ``shop_url`` (normalized), if any."""
        pk, sk = _shop_key(tenant_id, shop_url)
        claim = self.table.get(pk, sk, consistent=True)
        if not claim:
            return None
        item = self.table.get(keys.tenant_pk(tenant_id), keys.account_sk(str(claim["account_id"])), consistent=True)
        if not item or item.get("status") == "deleted":
            return None
        return Account.model_validate(item)

    def _refuse_if_connected(self, tenant_id: str, shop_url: str) -> None:
        """Raise :class:`ShopAlreadyConnectedError` when a live account holds the shop; else drop
        the claim left by an account that no longer exists, so the next attempt can take it."""
        existing = self.connected_account(tenant_id, shop_url)
        if existing is not None:
            raise _already_connected(existing)
        pk, sk = _shop_key(tenant_id, shop_url)
        claim = self.table.get(pk, sk, consistent=True)
        if claim:
            expr = Expr()
            try:
                condition = f"{expr.name('account_id')} = {expr.value(claim['account_id'])}"
                self.table.delete(pk, sk, condition=condition, expr=expr)
            except ConditionFailed:
                pass  # claimed again meanwhile: the next attempt finds out by whom

    def _tx_claim_shop(self, tenant_id: str, account_id: str, shop_url: str) -> dict[str, Any]:
        pk, sk = _shop_key(tenant_id, shop_url)
        expr = Expr()
        condition = f"attribute_not_exists(PK) OR {expr.name('account_id')} = {expr.value(account_id)}"
        item = {"PK": pk, "SK": sk, "account_id": account_id, "shop_url": shop_identity(shop_url)}
        return self.table.tx_put(item, condition=condition, expr=expr)

    def _tx_release_shop(self, tenant_id: str, account_id: str, shop_url: str) -> dict[str, Any]:
        pk, sk = _shop_key(tenant_id, shop_url)
        expr = Expr()
        condition = f"attribute_not_exists(PK) OR {expr.name('account_id')} = {expr.value(account_id)}"
        return self.table.tx_delete(pk, sk, condition=condition, expr=expr)

    def _transact(self, operations: Sequence[dict[str, Any]]) -> set[int] | None:
        """None when written; else the indexes of the operations whose condition failed (empty:
        cancelled by a concurrent transaction)."""
        try:
            self.table.transact_write(operations)
        except TransactionConflict as cancelled:
            return {i for i, reason in enumerate(cancelled.reasons) if reason == _CONDITION_FAILED}
        return None

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

    def update_versioned(
        self, tenant_id: str, account_id: str, expected_version: int, *, moved_from: str | None = None, **fields: Any
    ) -> Account:
        """Set only ``fields`` (JSON-ready values; None removes) if the account is still at
        ``expected_version``, and bump the version. Attributes written meanwhile by workers
        through :meth:`update_fields` are left as they are.

        ``moved_from`` (the account's current shop URL, when ``fields`` change ``shop_url`` to
        another shop) moves the shop claim in the same transaction:
        :class:`ShopAlreadyConnectedError` when the tenant has another account for the new shop."""
        new_url = fields.get("shop_url")
        if moved_from is not None and new_url and shop_identity(new_url) != shop_identity(moved_from):
            return self._move_shop(tenant_id, account_id, expected_version, moved_from, fields)
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

    def _move_shop(
        self, tenant_id: str, account_id: str, expected_version: int, old_url: str, fields: dict[str, Any]
    ) -> Account:
        expr = Expr()
        update = self.table.tx_update(
            keys.tenant_pk(tenant_id),
            keys.account_sk(account_id),
            set_={**fields, "version": expected_version + 1},
            condition=f"{expr.name('version')} = {expr.value(expected_version)}",
            expr=expr,
        )
        claim = self._tx_claim_shop(tenant_id, account_id, str(fields["shop_url"]))
        release: dict[str, Any] | None = self._tx_release_shop(tenant_id, account_id, old_url)
        for _ in _CONFLICTS.start():
            failed = self._transact([update, claim] + ([release] if release else []))
            if failed is None:
                return self._read(tenant_id, account_id)
            if 0 in failed:
                raise ConcurrentUpdateError("account changed")
            if 1 in failed:
                self._refuse_if_connected(tenant_id, str(fields["shop_url"]))
            if 2 in failed:
                release = None  # the old URL's claim is another (older) account's: leave it
        raise ConcurrentUpdateError("account change kept conflicting")

    def mark_deleted(self, tenant_id: str, account_id: str, at: str) -> Account:
        """Flag the account ``deleted``, bump its version (so a change read before the delete,
        e.g. a key replacement still waiting for its connection check, cannot bring it back) and
        give its shop up for the tenant, in one transaction."""
        account = self._read(tenant_id, account_id)
        update = self.table.tx_update(
            keys.tenant_pk(tenant_id),
            keys.account_sk(account_id),
            set_={"status": "deleted", "deleted_at": at, "updated_at": at},
            add={"version": 1},
            condition="attribute_exists(PK)",
        )
        release: dict[str, Any] | None = self._tx_release_shop(tenant_id, account_id, account.shop_url)
        for _ in _CONFLICTS.start():
            failed = self._transact([update] + ([release] if release else []))
            if failed is None:
                return self._read(tenant_id, account_id)
            if 0 in failed:
                raise NotFoundError("account")
            if 1 in failed:
                release = None  # the claim is another (older) account's: leave it
        raise ConcurrentUpdateError("account delete kept conflicting")

    def _read(self, tenant_id: str, account_id: str) -> Account:
        item = self.table.get(keys.tenant_pk(tenant_id), keys.account_sk(account_id), consistent=True)
        if not item:
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
