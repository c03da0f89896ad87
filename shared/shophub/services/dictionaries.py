"""Hub dictionaries (statuses, payment methods, shipping methods) and tenant-wide hub settings."""

from __future__ import annotations

from shophub.clock import Clock, utc_now
from shophub.domain.config import DictionaryEntry, DictionaryKind, TenantSettings
from shophub.errors import ConflictError, FieldProblem, ValidationError
from shophub.i18n import translate
from shophub.ids import new_id
from shophub.store.activity import ActivityLogRepository
from shophub.store.dictionaries import DictionaryRepository, normalized_name

ACTIVITY_KIND_NAMES = {"STATUS": "statuses", "PAYMENT": "payment_methods", "SHIPPING": "shipping_methods"}


class DictionaryService:
    def __init__(
        self, dictionaries: DictionaryRepository, activity: ActivityLogRepository, clock: Clock = utc_now
    ) -> None:
        self.dictionaries = dictionaries
        self.activity = activity
        self.clock = clock

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
        if problems:
            raise ValidationError("unknown hub status", details=problems)
        new = TenantSettings(stock_return_statuses=list(dict.fromkeys(stock_return_statuses)))
        old = self.dictionaries.get_tenant_settings(tenant_id)
        if new == old:
            return old
        self.dictionaries.save_tenant_settings(tenant_id, new)
        self.activity.append(
            action="order_settings.return_statuses_changed",
            outcome="ok",
            message_key="activity_hub_settings_updated",
            actor=actor,
            tenant_id=tenant_id,
            details={"old": old.model_dump(mode="json"), "new": new.model_dump(mode="json")},
        )
        return new
