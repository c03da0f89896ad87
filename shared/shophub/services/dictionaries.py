"""Hub dictionaries (statuses, payment methods, shipping methods) and tenant-wide hub settings.

Entries are added, renamed and deleted; each change is written to the tenant's activity log.
An entry in use (mappings, order settings, hub settings, orders) is not deleted: the 409 names
every place. How a delete stays safe against writes that start using the entry at the same
moment is told in :mod:`shophub.store.dictionaries`.
"""

from __future__ import annotations

from typing import Any

from shophub.clock import Clock, utc_now
from shophub.domain.config import DictionaryEntry, DictionaryKind, TenantSettings
from shophub.errors import ConflictError, FieldProblem, ValidationError
from shophub.i18n import translate
from shophub.ids import new_id
from shophub.store.activity import ActivityLogRepository
from shophub.store.dictionaries import (
    MAX_NEW_REFERENCES,
    DictionaryRepository,
    EntriesUnavailable,
    normalized_name,
)
from shophub.store.dictionary_usage import DictionaryUsage, DictionaryUsageRepository

ACTIVITY_KIND_NAMES = {"STATUS": "statuses", "PAYMENT": "payment_methods", "SHIPPING": "shipping_methods"}


class DictionaryService:
    def __init__(
        self,
        dictionaries: DictionaryRepository,
        activity: ActivityLogRepository,
        clock: Clock = utc_now,
        usage: DictionaryUsageRepository | None = None,
    ) -> None:
        self.dictionaries = dictionaries
        self.activity = activity
        self.clock = clock
        self.usage = usage or DictionaryUsageRepository(dictionaries.table)

    def list_entries(self, tenant_id: str, kind: DictionaryKind) -> list[DictionaryEntry]:
        return self.dictionaries.get_dictionary(tenant_id, kind)

    def add_entry(self, tenant_id: str, kind: DictionaryKind, name: str, *, actor: str) -> DictionaryEntry:
        """A new entry; 409 ``duplicate_name`` when the dictionary already has that name."""
        existing = self.dictionaries.get_dictionary(tenant_id, kind)  # also seeds the defaults
        wanted = normalized_name(name)
        if any(normalized_name(e.name) == wanted for e in existing):
            raise ConflictError("duplicate dictionary name", code="duplicate_name", params={"name": name})
        entry = DictionaryEntry(kind=kind, id=new_id(), name=" ".join(name.split()), created_at=self.clock())
        self.dictionaries.add(tenant_id, entry)
        self.activity.append(
            action="mappings.dictionary_entry_added",
            outcome="ok",
            message_key="activity_dictionary_entry_created",
            params={"name": entry.name},
            actor=actor,
            tenant_id=tenant_id,
            details={"dictionary": ACTIVITY_KIND_NAMES[kind], "id": entry.id, "old": None, "new": entry.name},
        )
        return entry

    def rename_entry(
        self, tenant_id: str, kind: DictionaryKind, entry_id: str, name: str, *, actor: str
    ) -> DictionaryEntry:
        """Give the entry a new name (its id stays); 404 for an id the tenant's dictionary does
        not have, 409 ``duplicate_name`` when another entry has the name."""
        entry = self.dictionaries.get_entry(tenant_id, kind, entry_id)
        wanted = " ".join(name.split())
        if wanted == entry.name:
            return entry
        renamed = self.dictionaries.rename(tenant_id, entry, wanted)
        self.activity.append(
            action="mappings.dictionary_entry_renamed",
            outcome="ok",
            message_key="activity_dictionary_entry_renamed",
            params={"old": entry.name, "new": renamed.name},
            actor=actor,
            tenant_id=tenant_id,
            details={"dictionary": ACTIVITY_KIND_NAMES[kind], "id": entry.id, "old": entry.name, "new": renamed.name},
        )
        return renamed

    def delete_entry(self, tenant_id: str, kind: DictionaryKind, entry_id: str, *, actor: str, language: str) -> None:
        """Delete an entry nothing uses; 409 ``dictionary_entry_in_use`` naming every place that
        uses it (404 for an unknown id). The entry carries a delete mark while its uses are read,
        so a write that starts using it meanwhile fails instead of leaving a dangling id."""
        self.dictionaries.get_entry(tenant_id, kind, entry_id)  # 404 (seeds a new tenant's defaults)
        token = new_id()
        entry = self.dictionaries.mark_for_delete(tenant_id, kind, entry_id, token=token, at=self.clock())
        deleted = False
        try:
            usage = self.usage.find(tenant_id, kind, entry_id)
            if not usage.in_use:
                self.dictionaries.delete_marked(tenant_id, entry, token=token, at=self.clock())
                deleted = True
        finally:
            if not deleted:
                self.dictionaries.release_mark(tenant_id, kind, entry_id, token=token)
        if not deleted:
            self._refuse_delete(tenant_id, entry, usage, actor, language)
        self.activity.append(
            action="mappings.dictionary_entry_deleted",
            outcome="ok",
            message_key="activity_dictionary_entry_deleted",
            params={"name": entry.name},
            actor=actor,
            tenant_id=tenant_id,
            details={"dictionary": ACTIVITY_KIND_NAMES[kind], "id": entry.id, "old": entry.name, "new": None},
        )

    def _refuse_delete(
        self, tenant_id: str, entry: DictionaryEntry, usage: DictionaryUsage, actor: str, language: str
    ) -> None:
        places = usage_details(usage, language)
        self.activity.append(
            action="mappings.dictionary_entry_delete_refused",
            outcome="error",
            message_key="dictionary_entry_in_use",
            params={"name": entry.name},
            actor=actor,
            tenant_id=tenant_id,
            details={
                "dictionary": ACTIVITY_KIND_NAMES[entry.kind],
                "id": entry.id,
                "used_by": [{k: v for k, v in p.items() if k != "message"} for p in places],
            },
        )
        raise ConflictError(
            "dictionary entry in use", code="dictionary_entry_in_use", params={"name": entry.name}, details=places
        )

    def get_settings(self, tenant_id: str) -> TenantSettings:
        return self.dictionaries.get_tenant_settings(tenant_id)

    def put_settings(
        self, tenant_id: str, stock_return_statuses: list[str], *, actor: str, language: str
    ) -> TenantSettings:
        """Replace the hub settings; every status id must be one of the tenant's hub statuses."""
        known = {e.id for e in self.dictionaries.get_dictionary(tenant_id, "STATUS")}
        problems = [
            FieldProblem(f"stock_return_statuses[{i}]", translate("unknown_hub_status", language, id=status_id))
            for i, status_id in enumerate(stock_return_statuses)
            if status_id not in known
        ]
        new = TenantSettings(stock_return_statuses=list(dict.fromkeys(stock_return_statuses)))
        if not problems and len(new.stock_return_statuses) > MAX_NEW_REFERENCES:
            problems = [
                FieldProblem(
                    "stock_return_statuses", translate("too_many_hub_entries", language, max=MAX_NEW_REFERENCES)
                )
            ]
        if problems:
            raise ValidationError("unknown hub status", details=problems)
        old = self.dictionaries.get_tenant_settings(tenant_id)
        if new == old:
            return old
        try:
            self.dictionaries.save_tenant_settings(tenant_id, new, at=self.clock())
        except EntriesUnavailable as gone:
            problems = [
                FieldProblem(f"stock_return_statuses[{i}]", translate("unknown_hub_status", language, id=status_id))
                for i, status_id in enumerate(stock_return_statuses)
                if status_id in gone.ids
            ]
            raise ValidationError("hub statuses deleted meanwhile", details=problems) from None
        self.activity.append(
            action="order_settings.return_statuses_changed",
            outcome="ok",
            message_key="activity_hub_settings_updated",
            actor=actor,
            tenant_id=tenant_id,
            details={"old": old.model_dump(mode="json"), "new": new.model_dump(mode="json")},
        )
        return new


def usage_details(usage: DictionaryUsage, language: str) -> list[dict[str, Any]]:
    """Every place that uses an entry, as the 409's ``details``: ``field`` names the place
    (``mappings.<kind>``, ``order_settings.<field>``, ``hub_settings.stock_return_statuses``,
    ``orders``), ``message`` says it in ``language``, the other keys identify it."""
    places: list[dict[str, Any]] = [
        {
            "field": f"mappings.{use.mapping}",
            "message": translate(
                f"dictionary_used_by_mapping_{use.mapping}", language, account=use.account_name, value=use.shop_value
            ),
            "account_id": use.account_id,
            "account_name": use.account_name,
            "shop_value": use.shop_value,
        }
        for use in usage.mappings
    ]
    places += [
        {
            "field": f"order_settings.{use.field}",
            "message": translate(f"dictionary_used_by_{use.field}", language, account=use.account_name),
            "account_id": use.account_id,
            "account_name": use.account_name,
        }
        for use in usage.order_settings
    ]
    places += [
        {"field": f"hub_settings.{name}", "message": translate(f"dictionary_used_by_{name}", language)}
        for name in usage.hub_settings
    ]
    orders = usage.orders
    if orders.count or not orders.checked:
        key = "dictionary_used_by_orders" if orders.exact else "dictionary_used_by_orders_at_least"
        if not orders.checked:
            key = "dictionary_orders_not_checked"
        places.append(
            {
                "field": "orders",
                "message": translate(key, language, count=orders.count),
                "count": orders.count,
                "exact": orders.exact,
            }
        )
    return places
