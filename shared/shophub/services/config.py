"""Per-account configuration use cases: mappings, order settings, field mapping.

Every change is written to the account's activity log with the old and the new values; a
refusal by a business rule (409) is logged as an error entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from shophub.clock import Clock, utc_now
from shophub.connectors import profile_for
from shophub.domain.accounts import Account
from shophub.domain.config import (
    MAPPING_KINDS,
    PATH_OF_KIND,
    FieldMapping,
    MappingInput,
    MappingKindInfo,
    OrderSettings,
    ProductSettings,
    SyncSettings,
)
from shophub.errors import ConcurrentUpdateError, ConflictError, FieldProblem, ValidationError
from shophub.i18n import translate
from shophub.store.accounts import AccountRepository
from shophub.store.activity import ActivityLogRepository
from shophub.store.config import (
    ConfigRepository,
    FetchingEnabled,
    MappingSet,
    MissingMappings,
)
from shophub.store.dictionaries import MAX_NEW_REFERENCES, DictionaryRepository, EntriesUnavailable

#: At most this many mappings of one kind.
MAX_MAPPINGS_PER_KIND = 100
#: Attempts at a write that races with another one on the same item (each retry re-reads first).
REPLACE_ATTEMPTS = 3


@dataclass(frozen=True)
class MappingsView:
    items: list[dict[str, Any]]
    unmapped: list[dict[str, Any]]


def _api_value(info: MappingKindInfo, shop_value: str) -> Any:
    return int(shop_value) if info.numeric and shop_value.isdigit() else shop_value


def _sort_key(info: MappingKindInfo, shop_value: str) -> tuple[int, str]:
    return (int(shop_value), "") if info.numeric and shop_value.isdigit() else (0, shop_value)


class ConfigService:
    def __init__(
        self,
        accounts: AccountRepository,
        config: ConfigRepository,
        dictionaries: DictionaryRepository,
        activity: ActivityLogRepository,
        clock: Clock = utc_now,
    ) -> None:
        self.accounts = accounts
        self.config = config
        self.dictionaries = dictionaries
        self.activity = activity
        self.clock = clock

    # --- mappings -------------------------------------------------------------------------------

    def _discovered(self, account_id: str, info: MappingKindInfo) -> list[dict[str, Any]] | None:
        """The discovered shop values of one kind, or ``None`` when no discovery has finished."""
        discovery = self.config.get_discovery(account_id)
        if discovery is None or discovery.get("status", "done") != "done":
            return None
        entries = discovery.get(info.discovery_list) or []
        return [e for e in entries if isinstance(e, dict) and e.get(info.discovery_key) not in (None, "")]

    def get_mappings(self, tenant_id: str, account_id: str, path_kind: str) -> MappingsView:
        info = MAPPING_KINDS[path_kind]
        self.accounts.get(tenant_id, account_id)
        current = self.config.get_mappings(account_id, info.kind)
        return self._view(info, current, self._discovered(account_id, info))

    @staticmethod
    def _view(info: MappingKindInfo, current: dict[str, str], discovered: list[dict[str, Any]] | None) -> MappingsView:
        items = [
            {info.field: _api_value(info, value), "hub_id": current[value]}
            for value in sorted(current, key=lambda v: _sort_key(info, v))
        ]
        unmapped = [
            {info.field: _api_value(info, str(entry[info.discovery_key])), "name": entry.get("name", "")}
            for entry in discovered or []
            if str(entry[info.discovery_key]) not in current
        ]
        return MappingsView(items, unmapped)

    def put_mappings(
        self,
        tenant_id: str,
        account_id: str,
        path_kind: str,
        items: list[MappingInput],
        *,
        actor: str,
        language: str,
    ) -> MappingsView:
        """Replace one kind's mappings atomically with ``items``."""
        info = MAPPING_KINDS[path_kind]
        self.accounts.get(tenant_id, account_id)
        if len(items) > MAX_MAPPINGS_PER_KIND:
            raise ValidationError(
                "too many mappings",
                details=[FieldProblem("items", translate("too_many_mappings", language, max=MAX_MAPPINGS_PER_KIND))],
            )
        discovered = self._discovered(account_id, info)
        problems = self._mapping_problems(tenant_id, info, items, discovered, language)
        if problems:
            raise ValidationError("invalid mappings", details=problems)

        new = {item.shop_value: item.hub_id for item in items}
        current, changed = self._replace_mappings(tenant_id, account_id, info, new, items, actor, language)
        if changed:
            self.activity.append(
                action="mappings.changed",
                outcome="ok",
                message_key=f"activity_mappings_updated_{info.path}",
                actor=actor,
                tenant_id=tenant_id,
                account_id=account_id,
                details={"kind": info.path, "old": current.items, "new": new},
            )
        return self._view(info, new, discovered)

    def _mapping_problems(
        self,
        tenant_id: str,
        info: MappingKindInfo,
        items: list[MappingInput],
        discovered: list[dict[str, Any]] | None,
        language: str,
    ) -> list[FieldProblem]:
        hub_ids = self.dictionaries.entry_ids(tenant_id, info.dictionary)
        known_values = {str(e[info.discovery_key]) for e in discovered} if discovered is not None else None
        problems: list[FieldProblem] = []
        seen: set[str] = set()
        for index, item in enumerate(items):
            if item.shop_value in seen:
                problems.append(
                    FieldProblem(f"items[{index}].{info.field}", translate("duplicate_shop_value", language))
                )
            seen.add(item.shop_value)
            if known_values is not None and item.shop_value not in known_values:
                problems.append(
                    FieldProblem(
                        f"items[{index}].{info.field}",
                        translate(info.unknown_shop_key, language, value=item.shop_value),
                    )
                )
            if item.hub_id not in hub_ids:
                problems.append(
                    FieldProblem(f"items[{index}].hub_id", translate(info.unknown_hub_key, language, id=item.hub_id))
                )
        if len({item.hub_id for item in items}) > MAX_NEW_REFERENCES:
            problems.append(FieldProblem("items", translate("too_many_hub_entries", language, max=MAX_NEW_REFERENCES)))
        return problems

    def _replace_mappings(
        self,
        tenant_id: str,
        account_id: str,
        info: MappingKindInfo,
        new: dict[str, str],
        items: list[MappingInput],
        actor: str,
        language: str,
    ) -> tuple[MappingSet, bool]:
        """Replace the set (re-reading it after a concurrent change); the set read and whether
        anything changed. Hub entries deleted (or being deleted) meanwhile are a 422."""
        for attempt in range(1, REPLACE_ATTEMPTS + 1):
            current = self.config.get_mapping_set(account_id, info.kind)
            try:
                return current, self.config.replace_mappings(
                    account_id, current, new, at=self.clock(), tenant_id=tenant_id
                )
            except ConcurrentUpdateError:
                if attempt == REPLACE_ATTEMPTS:
                    raise
            except EntriesUnavailable as gone:
                problems = [
                    FieldProblem(f"items[{i}].hub_id", translate(info.unknown_hub_key, language, id=item.hub_id))
                    for i, item in enumerate(items)
                    if item.hub_id in gone.ids
                ]
                raise ValidationError("hub entries deleted meanwhile", details=problems) from None
            except FetchingEnabled:
                self._log_refusal(
                    tenant_id, account_id, actor, "mappings.change_refused", "mappings_in_use", {"kind": info.path}
                )
                raise ConflictError(
                    "fetching enabled", code="mappings_required", message_key="mappings_in_use"
                ) from None
        raise ConcurrentUpdateError("mappings changed")  # not reached: the last attempt raises

    # --- order settings -------------------------------------------------------------------------

    def get_order_settings(self, tenant_id: str, account_id: str) -> OrderSettings:
        """The settings with the effective ``fetch_from`` (the account's creation by default)."""
        account = self.accounts.get(tenant_id, account_id)
        return self.config.get_order_settings(account_id, default_fetch_from=account.created_at)

    def put_order_settings(
        self, tenant_id: str, account_id: str, changes: dict[str, Any], *, actor: str, language: str
    ) -> OrderSettings:
        """Apply the fields given in ``changes`` (others keep their values; ``sync`` and
        ``products`` are merged field by field). ``fetch_from: None`` goes back to the default.
        A concurrent change of the settings is merged with, not overwritten (re-read and retry)."""
        account = self.accounts.get(tenant_id, account_id)
        for attempt in range(1, REPLACE_ATTEMPTS + 1):
            current = self.config.get_order_settings(account_id, consistent=True)
            merged = self._merge(account, current, changes)
            self._check_statuses(tenant_id, merged, language)
            if merged.fetch_enabled:
                self._check_fetch_prerequisites(account, merged, actor, language)
            old = _comparable(current.model_copy(update={"fetch_from": current.fetch_from or account.created_at}))
            new = _comparable(merged)
            if old == new:
                return merged
            try:
                stored = self.config.save_order_settings(
                    tenant_id,
                    account_id,
                    merged,
                    expected_version=current.version,
                    at=self.clock(),
                    referencing=_statuses_added(current, merged),
                )
                break
            except ConcurrentUpdateError:
                if attempt == REPLACE_ATTEMPTS:
                    raise  # changed by others again and again: 409 concurrent_update
            except EntriesUnavailable as gone:
                raise ValidationError(
                    "hub statuses deleted meanwhile", details=_status_problems(merged, set(gone.ids), language)
                ) from None
            except MissingMappings as missing:
                problems = [self._missing_mapping_problem(PATH_OF_KIND[k], language) for k in missing.kinds]
                self._log_refusal(
                    tenant_id,
                    account_id,
                    actor,
                    "order_settings.change_refused",
                    "mappings_required",
                    {"missing": problems},
                )
                raise ConflictError("mappings required", code="mappings_required", details=problems) from None
        changed = {k for k in new if old.get(k) != new.get(k)}
        self.activity.append(
            action="order_settings.changed",
            outcome="ok",
            message_key="activity_order_settings_updated",
            actor=actor,
            tenant_id=tenant_id,
            account_id=account_id,
            details={"old": {k: old.get(k) for k in sorted(changed)}, "new": {k: new[k] for k in sorted(changed)}},
        )
        return stored

    def _merge(self, account: Account, current: OrderSettings, changes: dict[str, Any]) -> OrderSettings:
        update: dict[str, Any] = {}
        for name in ("fetch_enabled", "landing_status"):
            if name in changes:
                update[name] = changes[name]
        if "update_statuses" in changes:
            update["update_statuses"] = list(dict.fromkeys(changes["update_statuses"]))
        if "fetch_from" in changes:
            moment = changes["fetch_from"]
            update["fetch_from"] = moment.astimezone(UTC) if isinstance(moment, datetime) else None
        if changes.get("sync") is not None:
            update["sync"] = SyncSettings.model_validate({**current.sync.model_dump(), **changes["sync"]})
        if changes.get("products") is not None:
            update["products"] = ProductSettings.model_validate(
                {**current.products.model_dump(), **changes["products"]}
            )
        merged = current.model_copy(update=update)
        if merged.fetch_from is None:
            merged = merged.model_copy(update={"fetch_from": account.created_at})
        return merged

    def _check_statuses(self, tenant_id: str, settings: OrderSettings, language: str) -> None:
        known = self.dictionaries.entry_ids(tenant_id, "STATUS")
        named = set(_statuses_of(settings))
        problems = _status_problems(settings, {s for s in named if s not in known}, language)
        if not problems and len(named) > MAX_NEW_REFERENCES:
            problems = [
                FieldProblem("update_statuses", translate("too_many_hub_entries", language, max=MAX_NEW_REFERENCES))
            ]
        if problems:
            raise ValidationError("unknown hub status", details=problems)

    def _missing_mapping_problem(self, path: str, language: str) -> FieldProblem:
        return FieldProblem(f"mappings.{path}", translate(f"mapping_missing_{path}", language))

    def _check_fetch_prerequisites(self, account: Account, settings: OrderSettings, actor: str, language: str) -> None:
        counts = self.config.mapping_counts(account.id)
        problems = [self._missing_mapping_problem(PATH_OF_KIND[kind], language) for kind, n in counts.items() if n == 0]
        if settings.landing_status is None:
            problems.append(FieldProblem("landing_status", translate("landing_status_missing", language)))
        if problems:
            self._log_refusal(
                account.tenant_id,
                account.id,
                actor,
                "order_settings.change_refused",
                "mappings_required",
                {"missing": [p.field for p in problems]},
            )
            raise ConflictError("mappings required", code="mappings_required", details=problems)

    # --- field mapping --------------------------------------------------------------------------

    def get_field_mapping(self, tenant_id: str, account_id: str) -> FieldMapping:
        account = self.accounts.get(tenant_id, account_id)
        return self.config.get_field_mapping(account_id, account.platform)

    def put_field_mapping(
        self, tenant_id: str, account_id: str, changes: dict[str, Any], *, actor: str, language: str = "pl"
    ) -> FieldMapping:
        """Apply the identifiers given in ``changes``; the others keep their shop fields. Each
        must be one of the product fields of the account's platform (its profile)."""
        account = self.accounts.get(tenant_id, account_id)
        offered = profile_for(account.platform).product_fields
        refused = [
            FieldProblem(name, translate("field_mapping_field_unknown", language, fields=", ".join(offered)))
            for name, value in changes.items()
            if name in ("ean", "symbol", "catalog_number") and value not in offered
        ]
        if refused:
            raise ValidationError("shop field not offered by the platform", details=refused)
        current = self.config.get_field_mapping(account_id, account.platform)
        new = current.model_copy(update={**changes, "updated_at": self.clock()})
        fields = ("ean", "symbol", "catalog_number")
        changed = [f for f in fields if getattr(current, f) != getattr(new, f)]
        if not changed:
            return current
        self.config.save_field_mapping(account_id, new)
        self.activity.append(
            action="field_mapping.changed",
            outcome="ok",
            message_key="activity_field_mapping_updated",
            actor=actor,
            tenant_id=tenant_id,
            account_id=account_id,
            details={"old": {f: getattr(current, f) for f in changed}, "new": {f: getattr(new, f) for f in changed}},
        )
        return new

    # --- activity -------------------------------------------------------------------------------

    def _log_refusal(
        self, tenant_id: str, account_id: str, actor: str, action: str, message_key: str, details: dict[str, Any]
    ) -> None:
        self.activity.append(
            action=action,
            outcome="error",
            message_key=message_key,
            actor=actor,
            tenant_id=tenant_id,
            account_id=account_id,
            details={k: _plain(v) for k, v in details.items()},
        )


def _statuses_of(settings: OrderSettings) -> list[str]:
    """The hub status ids the settings name (landing status first)."""
    return [s for s in (settings.landing_status, *settings.update_statuses) if s is not None]


def _statuses_added(current: OrderSettings, merged: OrderSettings) -> list[str]:
    """The statuses ``merged`` names and ``current`` (the version it replaces) does not."""
    before = set(_statuses_of(current))
    return [s for s in dict.fromkeys(_statuses_of(merged)) if s not in before]


def _status_problems(settings: OrderSettings, unknown: set[str], language: str) -> list[FieldProblem]:
    """One problem per field of ``settings`` naming a status of ``unknown``."""
    problems = []
    if settings.landing_status is not None and settings.landing_status in unknown:
        problems.append(
            FieldProblem("landing_status", translate("unknown_hub_status", language, id=settings.landing_status))
        )
    problems += [
        FieldProblem(f"update_statuses[{i}]", translate("unknown_hub_status", language, id=status_id))
        for i, status_id in enumerate(settings.update_statuses)
        if status_id in unknown
    ]
    return problems


def _plain(value: Any) -> Any:
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, FieldProblem):
        return value.field
    return value


def _comparable(settings: OrderSettings) -> dict[str, Any]:
    """The merchant-visible fields, JSON-shaped (for change detection and the activity log)."""
    return settings.model_dump(
        mode="json",
        include={"fetch_enabled", "fetch_from", "landing_status", "update_statuses", "sync", "products"},
    )
