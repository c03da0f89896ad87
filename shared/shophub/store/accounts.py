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
