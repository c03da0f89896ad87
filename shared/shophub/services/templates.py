"""Offer templates: name + sync switches; exactly one default per account.

The first template becomes the default; the default cannot be deleted, nor can a template an
offer uses (it can be edited). Imports ask :meth:`TemplateService.default_template`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shophub.clock import Clock, utc_now
from shophub.domain.accounts import Account
from shophub.domain.config import Template, TemplateSync
from shophub.errors import ConflictError, NotFoundError
from shophub.ids import new_id
from shophub.store.accounts import AccountRepository
from shophub.store.activity import ActivityLogRepository
from shophub.store.templates import DefaultAlreadySet, TemplateInUse, TemplateIsDefault, TemplateRepository


@dataclass(frozen=True)
class TemplateView:
    template: Template
    default: bool


class TemplateService:
    def __init__(
        self,
        accounts: AccountRepository,
        templates: TemplateRepository,
        activity: ActivityLogRepository,
        clock: Clock = utc_now,
    ) -> None:
        self.accounts = accounts
        self.templates = templates
        self.activity = activity
        self.clock = clock

    # --- for the import area --------------------------------------------------------------------

    def default_template(self, account: Account) -> Template:
        """The account's default template; 409 ``no_default_template`` when it has none."""
        if not account.default_template_id:
            raise ConflictError("no default template", code="no_default_template")
        try:
            return self.templates.get_template(account.id, account.default_template_id, consistent=True)
        except NotFoundError:
            raise ConflictError("no default template", code="no_default_template") from None

    # --- use cases ------------------------------------------------------------------------------

    def list_templates(self, tenant_id: str, account_id: str) -> list[TemplateView]:
        account = self.accounts.get(tenant_id, account_id)
        return [TemplateView(t, t.id == account.default_template_id) for t in self.templates.list_templates(account_id)]

    def get_template(self, tenant_id: str, account_id: str, template_id: str) -> TemplateView:
        account = self.accounts.get(tenant_id, account_id)
        template = self.templates.get_template(account_id, template_id)
        return TemplateView(template, template.id == account.default_template_id)

    def create_template(
        self, tenant_id: str, account_id: str, name: str, sync: TemplateSync, *, actor: str
    ) -> TemplateView:
        """A new template; the account's first one becomes its default."""
        account = self.accounts.get(tenant_id, account_id)
        template = Template(id=new_id(), name=name, sync=sync, created_at=self.clock())
        default = False
        if not account.default_template_id:
            try:
                self.templates.create_as_default(tenant_id, account_id, template)
                default = True
            except DefaultAlreadySet:
                default = False
        if not default:
            self.templates.create(account_id, template)
        self._log(
            account,
            actor,
            "templates.created",
            "activity_template_created",
            {"name": template.name},
            {"id": template.id, "old": None, "new": _public(template), "default": default},
        )
        return TemplateView(template, default)

    def update_template(
        self,
        tenant_id: str,
        account_id: str,
        template_id: str,
        *,
        name: str | None,
        sync_changes: dict[str, bool] | None,
        actor: str,
    ) -> TemplateView:
        """Change the name and/or the switches given (others keep their values)."""
        account = self.accounts.get(tenant_id, account_id)
        current = self.templates.get_template(account_id, template_id, consistent=True)
        new_name = name if name is not None else current.name
        new_sync = TemplateSync.model_validate({**current.sync.model_dump(), **(sync_changes or {})})
        default = template_id == account.default_template_id
        if new_name == current.name and new_sync == current.sync:
            return TemplateView(current, default)
        updated = self.templates.update(account_id, template_id, name=new_name, sync=new_sync, at=self.clock())
        self._log(
            account,
            actor,
            "templates.changed",
            "activity_template_updated",
            {"name": updated.name},
            {"id": template_id, "old": _public(current), "new": _public(updated)},
        )
        return TemplateView(updated, default)

    def set_default(self, tenant_id: str, account_id: str, template_id: str, *, actor: str) -> TemplateView:
        """Make the template the account's only default."""
        account = self.accounts.get(tenant_id, account_id)
        template = self.templates.get_template(account_id, template_id)
        if account.default_template_id == template_id:
            return TemplateView(template, True)
        self.templates.set_default(tenant_id, account_id, template_id)
        self._log(
            account,
            actor,
            "templates.default_changed",
            "activity_template_default_changed",
            {"name": template.name},
            {"old": account.default_template_id, "new": template_id},
        )
        return TemplateView(template, True)

    def delete_template(self, tenant_id: str, account_id: str, template_id: str, *, actor: str) -> None:
        """Delete a template that is not the default and that no offer uses."""
        account = self.accounts.get(tenant_id, account_id)
        template = self.templates.get_template(account_id, template_id, consistent=True)
        try:
            if account.default_template_id == template_id:
                raise TemplateIsDefault()
            if template.offer_count > 0:
                raise TemplateInUse(template.offer_count)
            self.templates.delete(tenant_id, account_id, template_id)
        except TemplateIsDefault:
            self._refuse(account, actor, template, "default_template")
            raise ConflictError("default template", code="default_template", params={"name": template.name}) from None
        except TemplateInUse as in_use:
            self._refuse(account, actor, template, "template_in_use", offers=in_use.offer_count)
            raise ConflictError(
                "template in use",
                code="template_in_use",
                params={"name": template.name, "count": in_use.offer_count},
            ) from None
        self._log(
            account,
            actor,
            "templates.deleted",
            "activity_template_deleted",
            {"name": template.name},
            {"id": template_id, "old": _public(template), "new": None},
        )

    # --- activity -------------------------------------------------------------------------------

    def _log(
        self,
        account: Account,
        actor: str,
        action: str,
        message_key: str,
        params: dict[str, Any],
        details: dict[str, Any],
    ) -> None:
        self.activity.append(
            action=action,
            outcome="ok",
            message_key=message_key,
            params=params,
            actor=actor,
            tenant_id=account.tenant_id,
            account_id=account.id,
            details=details,
        )

    def _refuse(self, account: Account, actor: str, template: Template, code: str, *, offers: int = 0) -> None:
        self.activity.append(
            action="templates.delete_refused",
            outcome="error",
            message_key=code,
            params={"name": template.name, "count": offers},
            actor=actor,
            tenant_id=account.tenant_id,
            account_id=account.id,
            details={"id": template.id, "code": code},
        )


def _public(template: Template) -> dict[str, Any]:
    return {"name": template.name, "sync": template.sync.model_dump()}
