"""Offer templates of an account.

``PK=ACCOUNT#<a>, SK=TEMPLATE#<id>``. The account item's ``default_template_id`` is the one
pointer to the default, so there is exactly one default at any time:

* the first template sets the pointer in the same transaction as its own creation, conditional on
  the pointer not existing (two concurrent first creates: one becomes the default, the other is
  stored as an ordinary template);
* "make default" moves the pointer in a transaction that also checks the template still exists;
* deleting checks, in the same transaction, that the pointer does not name the template and that
  no offer uses it (``offer_count``, kept by the offer writers through :meth:`tx_increment_usage`
  / :meth:`tx_decrement_usage` in the offer's own transaction).

Account writes here also bump the account's ``version``, so an optimistic save of the account
read before the change fails instead of writing the old pointer back.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shophub.domain.config import Template, TemplateSync
from shophub.errors import ConcurrentUpdateError, NotFoundError
from shophub.store import keys
from shophub.store.dynamo import ConditionFailed, Expr, HubTable, TransactionConflict

#: Attempts at a transaction that DynamoDB cancels only because another write touched one of its
#: items at the same moment (reason ``TransactionConflict``, no condition failed).
CONFLICT_ATTEMPTS = 3


class DefaultAlreadySet(Exception):
    """Another template became the default first."""


class TemplateIsDefault(Exception):
    """The account's default pointer names the template (checked inside the write)."""


class TemplateInUse(Exception):
    """Offers use the template (checked inside the write)."""

    def __init__(self, offer_count: int) -> None:
        super().__init__(f"{offer_count} offers use the template")
        self.offer_count = offer_count


def _template_not_found() -> NotFoundError:
    return NotFoundError("template", code="template_not_found", message_key="template_not_found")


def _transact(table: HubTable, operations: list[dict[str, Any]]) -> None:
    """Run the transaction; one cancelled by a concurrent write to its items (no condition failed)
    is tried again, and a 409 ``concurrent_update`` after the last attempt. A failed condition is
    raised as :class:`TransactionConflict` for the caller to explain."""
    for attempt in range(1, CONFLICT_ATTEMPTS + 1):
        try:
            table.transact_write(operations)
            return
        except TransactionConflict as conflict:
            if conflict.condition_failed:
                raise
            if attempt == CONFLICT_ATTEMPTS:
                raise ConcurrentUpdateError("template transaction kept conflicting") from None


class TemplateRepository:
    def __init__(self, table: HubTable) -> None:
        self.table = table

    # --- reads ----------------------------------------------------------------------------------

    def get_template(self, account_id: str, template_id: str, *, consistent: bool = False) -> Template:
        """The account's template; 404 ``template_not_found`` when there is none with that id."""
        item = self.table.get(keys.account_pk(account_id), keys.template_sk(template_id), consistent=consistent)
        if item is None:
            raise _template_not_found()
        return Template.model_validate(item)

    def list_templates(self, account_id: str) -> list[Template]:
        """Every template of the account, oldest first."""
        items = self.table.query(keys.account_pk(account_id), sk_prefix=keys.TEMPLATE_PREFIX)
        return sorted((Template.model_validate(i) for i in items), key=lambda t: (t.created_at, t.id))

    # --- writes ---------------------------------------------------------------------------------

    def _item(self, account_id: str, template: Template) -> dict[str, Any]:
        return {
            "PK": keys.account_pk(account_id),
            "SK": keys.template_sk(template.id),
            **template.model_dump(mode="json"),
        }

    def create(self, account_id: str, template: Template) -> None:
        self.table.put(self._item(account_id, template), condition="attribute_not_exists(PK)")

    def create_as_default(self, tenant_id: str, account_id: str, template: Template) -> None:
        """Create the template and make it the default, only if the account has no default yet
        (:class:`DefaultAlreadySet` otherwise; nothing is written then)."""
        expr = Expr()
        pointer = expr.name("default_template_id")
        condition = f"attribute_exists(PK) AND (attribute_not_exists({pointer}) OR attribute_type({pointer}, {expr.value('NULL')}))"
        try:
            _transact(
                self.table,
                [
                    self.table.tx_put(self._item(account_id, template), condition="attribute_not_exists(PK)"),
                    self.table.tx_update(
                        keys.tenant_pk(tenant_id),
                        keys.account_sk(account_id),
                        set_={"default_template_id": template.id},
                        add={"version": 1},
                        condition=condition,
                        expr=expr,
                    ),
                ],
            )
        except TransactionConflict:
            raise DefaultAlreadySet() from None

    def update(self, account_id: str, template_id: str, *, name: str, sync: TemplateSync, at: datetime) -> Template:
        """Change name and switches (also of a template in use); 404 if it was deleted meanwhile."""
        try:
            item = self.table.update(
                keys.account_pk(account_id),
                keys.template_sk(template_id),
                set_={"name": name, "sync": sync.model_dump(), "updated_at": at.isoformat()},
                condition="attribute_exists(PK)",
            )
        except ConditionFailed:
            raise _template_not_found() from None
        return Template.model_validate(item)

    def set_default(self, tenant_id: str, account_id: str, template_id: str) -> None:
        """Point the account's default at the template, if the template (still) exists."""
        try:
            _transact(
                self.table,
                [
                    self.table.tx_check(
                        keys.account_pk(account_id), keys.template_sk(template_id), condition="attribute_exists(PK)"
                    ),
                    self.table.tx_update(
                        keys.tenant_pk(tenant_id),
                        keys.account_sk(account_id),
                        set_={"default_template_id": template_id},
                        add={"version": 1},
                        condition="attribute_exists(PK)",
                    ),
                ],
            )
        except TransactionConflict as conflict:
            if conflict.reasons[0] == "ConditionalCheckFailed":
                raise _template_not_found() from None
            if conflict.reasons[1] == "ConditionalCheckFailed":
                raise NotFoundError("account", code="account_not_found", message_key="not_found") from None
            raise

    def delete(self, tenant_id: str, account_id: str, template_id: str) -> None:
        """Delete a template that is neither the default nor used by an offer."""
        template_expr = Expr()
        count = template_expr.name("offer_count")
        template_condition = (
            f"attribute_exists(PK) AND (attribute_not_exists({count}) OR {count} = {template_expr.value(0)})"
        )
        account_expr = Expr()
        pointer = account_expr.name("default_template_id")
        account_condition = f"attribute_not_exists({pointer}) OR {pointer} <> {account_expr.value(template_id)}"
        try:
            _transact(
                self.table,
                [
                    self.table.tx_delete(
                        keys.account_pk(account_id),
                        keys.template_sk(template_id),
                        condition=template_condition,
                        expr=template_expr,
                    ),
                    self.table.tx_check(
                        keys.tenant_pk(tenant_id),
                        keys.account_sk(account_id),
                        condition=account_condition,
                        expr=account_expr,
                    ),
                ],
            )
        except TransactionConflict as conflict:
            if conflict.reasons[1] == "ConditionalCheckFailed":
                raise TemplateIsDefault() from None
            if conflict.reasons[0] == "ConditionalCheckFailed":
                item = self.table.get(keys.account_pk(account_id), keys.template_sk(template_id), consistent=True)
                if item is None:
                    raise _template_not_found() from None
                raise TemplateInUse(int(item.get("offer_count", 0))) from None
            raise

    # --- usage counter (for the offer writers) ---------------------------------------------------

    def tx_increment_usage(self, account_id: str, template_id: str, count: int = 1) -> dict[str, Any]:
        """A transact item counting ``count`` more offers on the template. Put it in the transaction
        that writes the offers: it fails (ConditionalCheckFailed) if the template does not exist,
        so an offer can never point at a deleted template."""
        return self.table.tx_update(
            keys.account_pk(account_id),
            keys.template_sk(template_id),
            add={"offer_count": count},
            condition="attribute_exists(PK)",
        )

    def tx_decrement_usage(self, account_id: str, template_id: str, count: int = 1) -> dict[str, Any]:
        """A transact item counting ``count`` offers less (in the transaction that deletes the
        offers or moves them to another template); fails if the counter would go below zero."""
        expr = Expr()
        return self.table.tx_update(
            keys.account_pk(account_id),
            keys.template_sk(template_id),
            add={"offer_count": -count},
            condition=f"attribute_exists(PK) AND {expr.name('offer_count')} >= {expr.value(count)}",
            expr=expr,
        )
