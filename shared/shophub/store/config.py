"""Per-account configuration: mappings, order settings, field mapping (plus read access to the
discovery result, templates and the tenant's dictionaries, for the other areas).

Items (all under ``PK=ACCOUNT#<a>``):

* ``MAP#<KIND>``: that kind's whole set (``items``: shop value → hub id, ``count``, ``version``).
  A PUT replaces it with one write conditional on the version read, so readers never see half of
  a change and two concurrent replacements never mix; up to 100 mappings of a kind (a few KB)
  always fit, which one transaction of per-value items (at most 100 operations) would not.
* ``SETTINGS#ORDERS``: :class:`OrderSettings` with an optimistic ``version``; while fetching is
  enabled it carries ``GSI1PK=FETCH#ENABLED`` / ``GSI1SK=<tenant>#<account>`` (a sparse index the
  order poller's dispatcher queries). Enabling checks, in the same transaction, that every
  mapping set is non-empty.
* ``SETTINGS#FIELDS``: :class:`FieldMapping`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NoReturn

from shophub.domain.config import (
    ALL_MAPPING_KINDS,
    KIND_OF_PATH,
    MAPPING_KINDS,
    DictionaryEntry,
    DictionaryKind,
    FieldMapping,
    MappingKind,
    OrderSettings,
    Template,
    TenantSettings,
)
from shophub.errors import ConcurrentUpdateError
from shophub.store import keys
from shophub.store.dictionaries import DictionaryRepository, EntriesUnavailable
from shophub.store.dynamo import ConditionFailed, Expr, HubTable, TransactionConflict
from shophub.store.templates import TemplateRepository


def mapping_kind(kind: str) -> MappingKind:
    """``PAYMENT`` / ``CARRIER`` / ``STATUS`` from either that or the API's path name."""
    upper = kind.upper()
    for known in ALL_MAPPING_KINDS:
        if upper == known:
            return known
    if kind in KIND_OF_PATH:
        return KIND_OF_PATH[kind]
    raise ValueError(f"unknown mapping kind {kind!r}")


@dataclass(frozen=True)
class MappingSet:
    """One kind's mappings as read, with the version a replacement must be conditional on."""

    kind: MappingKind
    version: int
    items: dict[str, str]  # shop value → hub id


class MissingMappings(Exception):
    """Enabling fetching found these mapping kinds empty (checked inside the write)."""

    def __init__(self, kinds: list[MappingKind]) -> None:
        super().__init__("missing mappings: " + ", ".join(kinds))
        self.kinds = kinds


class FetchingEnabled(Exception):
    """Emptying a mapping set was refused because fetching is enabled (checked inside the write)."""


_FAILED = "ConditionalCheckFailed"
#: The hub dictionary each mapping kind points into.
DICTIONARY_OF_MAPPING: dict[MappingKind, DictionaryKind] = {
    info.kind: info.dictionary for info in MAPPING_KINDS.values()
}


def _added(before: Iterable[str], after: Iterable[str]) -> list[str]:
    """The values of ``after`` not in ``before`` (each once, in order)."""
    known = set(before)
    return [value for value in dict.fromkeys(after) if value not in known]


def _raise_settings_refusal(reasons: list[str], kinds: Sequence[MappingKind], statuses: list[str]) -> NoReturn:
    """The refusal of a cancelled order settings write: empty mapping sets first, then the
    version, then statuses no longer usable."""
    missing = [kind for kind, reason in zip(kinds, reasons[1:], strict=False) if reason == _FAILED]
    if missing:
        raise MissingMappings(missing)
    if reasons[:1] == [_FAILED]:
        raise ConcurrentUpdateError("order settings changed")
    lost = [s for s, reason in zip(statuses, reasons[1 + len(kinds) :], strict=False) if reason == _FAILED]
    if lost:
        raise EntriesUnavailable("STATUS", lost)
    raise ConcurrentUpdateError("order settings changed")


class ConfigRepository:
    def __init__(
        self,
        table: HubTable,
        templates: TemplateRepository | None = None,
        dictionaries: DictionaryRepository | None = None,
    ) -> None:
        self.table = table
        self.templates = templates or TemplateRepository(table)
        self.dictionaries = dictionaries or DictionaryRepository(table)

    # --- discovery (written by the accounts area) -----------------------------------------------

    def get_discovery(self, account_id: str) -> dict[str, Any] | None:
        return self.table.get(keys.account_pk(account_id), keys.DISCOVERY_SK)

    # --- mappings -------------------------------------------------------------------------------

    def get_mappings(self, account_id: str, kind: str) -> dict[str, str]:
        """``{shop value: hub id}`` of one kind (``PAYMENT``/``CARRIER``/``STATUS``, or the API's
        ``payments``/``carriers``/``statuses``; carrier keys and shop status ids as text)."""
        return dict(self.get_mapping_set(account_id, kind, consistent=False).items)

    def get_mapping_set(self, account_id: str, kind: str, *, consistent: bool = True) -> MappingSet:
        """The kind's set and its version (consistent by default: a replacement is computed from it)."""
        known = mapping_kind(kind)
        item = self.table.get(keys.account_pk(account_id), keys.mapping_set_sk(known), consistent=consistent)
        if not item:
            return MappingSet(known, 0, {})
        return MappingSet(
            known, int(item.get("version", 0)), {str(k): str(v) for k, v in item.get("items", {}).items()}
        )

    def mapping_counts(self, account_id: str) -> dict[MappingKind, int]:
        """How many mappings each kind has (one batch read)."""
        pk = keys.account_pk(account_id)
        sets = self.table.batch_get([{"PK": pk, "SK": keys.mapping_set_sk(k)} for k in ALL_MAPPING_KINDS])
        counts: dict[MappingKind, int] = dict.fromkeys(ALL_MAPPING_KINDS, 0)
        for item in sets:
            counts[mapping_kind(str(item["kind"]))] = int(item.get("count", 0))
        return counts

    def replace_mappings(
        self,
        account_id: str,
        current: MappingSet,
        new: dict[str, str],
        *,
        refuse_empty_while_fetching: bool = True,
        at: datetime,
        tenant_id: str | None = None,
    ) -> bool:
        """Make ``new`` the kind's whole set if nobody changed it since ``current`` was read
        (:class:`ConcurrentUpdateError` otherwise). ``False`` when nothing changed. Emptying a set
        while fetching is enabled raises :class:`FetchingEnabled` (checked inside the write).

        With ``tenant_id``, the hub entries the set starts to use (not in ``current``) are checked
        in the same transaction: :class:`EntriesUnavailable` names those deleted or being deleted.
        Entries ``current`` already uses need no check: the version condition keeps them named."""
        if new == current.items:
            return False
        pk = keys.account_pk(account_id)
        expr = Expr()
        if current.version:
            condition = f"{expr.name('version')} = {expr.value(current.version)}"
        else:
            condition = "attribute_not_exists(PK)"
        item = {
            "PK": pk,
            "SK": keys.mapping_set_sk(current.kind),
            "kind": current.kind,
            "items": new,
            "count": len(new),
            "version": current.version + 1,
            "updated_at": at.isoformat(),
        }
        added = [] if tenant_id is None else _added(current.items.values(), new.values())
        if tenant_id is not None and added:
            self._put_using_entries(item, condition, expr, tenant_id, DICTIONARY_OF_MAPPING[current.kind], added, at)
        elif new or not refuse_empty_while_fetching:
            try:
                self.table.put(item, condition=condition, expr=expr)
            except ConditionFailed:
                raise ConcurrentUpdateError("mappings changed") from None
        else:
            self._put_empty_set(item, condition, expr)
        return True

    def _put_using_entries(
        self,
        item: dict[str, Any],
        condition: str,
        expr: Expr,
        tenant_id: str,
        kind: DictionaryKind,
        entry_ids: list[str],
        at: datetime,
    ) -> None:
        """Put ``item`` (conditional) with a check of each entry it starts to use."""
        checks = self.dictionaries.usable_checks(tenant_id, kind, entry_ids, at=at)
        try:
            self.table.transact_write([self.table.tx_put(item, condition=condition, expr=expr), *checks])
        except TransactionConflict as conflict:
            lost = [e for e, reason in zip(entry_ids, conflict.reasons[1:], strict=False) if reason == _FAILED]
            if lost and conflict.reasons[0] != _FAILED:
                raise EntriesUnavailable(kind, lost) from None
            raise ConcurrentUpdateError("mappings changed") from None

    def _put_empty_set(self, item: dict[str, Any], condition: str, expr: Expr) -> None:
        guard = Expr()
        enabled = guard.name("fetch_enabled")
        try:
            self.table.transact_write(
                [
                    self.table.tx_put(item, condition=condition, expr=expr),
                    self.table.tx_check(
                        str(item["PK"]),
                        keys.ORDER_SETTINGS_SK,
                        condition=f"attribute_not_exists({enabled}) OR {enabled} = {guard.value(False)}",
                        expr=guard,
                    ),
                ]
            )
        except TransactionConflict as conflict:
            if conflict.reasons[1:2] == [_FAILED]:
                raise FetchingEnabled() from None
            raise ConcurrentUpdateError("mappings changed") from None

    # --- order settings -------------------------------------------------------------------------

    def get_order_settings(
        self, account_id: str, *, default_fetch_from: datetime | None = None, consistent: bool = False
    ) -> OrderSettings:
        """The account's order settings (defaults when never saved). ``fetch_from`` is ``None``
        only for never-saved settings, unless ``default_fetch_from`` (the account's creation
        time) is given."""
        item = self.table.get(keys.account_pk(account_id), keys.ORDER_SETTINGS_SK, consistent=consistent)
        settings = OrderSettings.model_validate(item) if item else OrderSettings(account_id=account_id)
        if settings.fetch_from is None and default_fetch_from is not None:
            settings = settings.model_copy(update={"fetch_from": default_fetch_from})
        return settings

    def save_order_settings(
        self,
        tenant_id: str,
        account_id: str,
        settings: OrderSettings,
        *,
        expected_version: int,
        at: datetime,
        referencing: Collection[str] = (),
    ) -> OrderSettings:
        """Write ``settings`` if the stored version is still ``expected_version``. Enabled settings
        join the fetch index and are checked against the mapping sets in the same transaction
        (:class:`MissingMappings` names the empty kinds). ``referencing``: the hub statuses the
        settings start to use, checked in the same transaction (:class:`EntriesUnavailable`)."""
        pk = keys.account_pk(account_id)
        stored = settings.model_copy(
            update={"tenant_id": tenant_id, "account_id": account_id, "version": expected_version + 1, "updated_at": at}
        )
        item: dict[str, Any] = {"PK": pk, "SK": keys.ORDER_SETTINGS_SK, **stored.model_dump(mode="json")}
        if stored.fetch_enabled:
            item["GSI1PK"] = keys.FETCH_ENABLED_GSI1PK
            item["GSI1SK"] = keys.fetch_enabled_gsi1sk(tenant_id, account_id)
        expr = Expr()
        if expected_version:
            condition = f"{expr.name('version')} = {expr.value(expected_version)}"
        else:
            condition = "attribute_not_exists(PK)"
        statuses = list(dict.fromkeys(referencing))
        if not stored.fetch_enabled and not statuses:
            try:
                self.table.put(item, condition=condition, expr=expr)
            except ConditionFailed:
                raise ConcurrentUpdateError("order settings changed") from None
            return stored
        kinds = ALL_MAPPING_KINDS if stored.fetch_enabled else ()
        operations = [self.table.tx_put(item, condition=condition, expr=expr), *self._mapping_checks(pk, kinds)]
        operations += self.dictionaries.usable_checks(tenant_id, "STATUS", statuses, at=at)
        try:
            self.table.transact_write(operations)
        except TransactionConflict as conflict:
            _raise_settings_refusal(conflict.reasons, kinds, statuses)
        return stored

    def _mapping_checks(self, pk: str, kinds: Sequence[MappingKind]) -> list[dict[str, Any]]:
        """One check per kind: its mapping set is not empty."""
        operations = []
        for kind in kinds:
            check = Expr()
            operations.append(
                self.table.tx_check(
                    pk,
                    keys.mapping_set_sk(kind),
                    condition=f"{check.name('count')} > {check.value(0)}",
                    expr=check,
                )
            )
        return operations

    def list_fetch_enabled(self) -> list[tuple[str, str]]:
        """``(tenant_id, account_id)`` of every account whose order fetching is enabled."""
        pairs = []
        for item in self.table.query(keys.FETCH_ENABLED_GSI1PK, index=keys.GSI1):
            tenant_id, account_id = item.get("tenant_id"), item.get("account_id")
            if not tenant_id or not account_id:
                tenant_id, _, account_id = str(item["GSI1SK"]).rpartition("#")
            pairs.append((str(tenant_id), str(account_id)))
        return pairs

    # --- field mapping --------------------------------------------------------------------------

    def get_field_mapping(self, account_id: str, platform: str | None = None) -> FieldMapping:
        """Which shop field each hub identifier reads (``platform``'s defaults when never saved)."""
        item = self.table.get(keys.account_pk(account_id), keys.FIELD_MAPPING_SK)
        return FieldMapping.model_validate(item) if item else FieldMapping.defaults_for(platform)

    def save_field_mapping(self, account_id: str, mapping: FieldMapping) -> None:
        self.table.put(
            {"PK": keys.account_pk(account_id), "SK": keys.FIELD_MAPPING_SK, **mapping.model_dump(mode="json")}
        )

    # --- reads other areas use ------------------------------------------------------------------

    def get_template(self, account_id: str, template_id: str) -> Template:
        return self.templates.get_template(account_id, template_id)

    def list_templates(self, account_id: str) -> list[Template]:
        return self.templates.list_templates(account_id)

    def get_dictionary(self, tenant_id: str, kind: DictionaryKind) -> list[DictionaryEntry]:
        return self.dictionaries.get_dictionary(tenant_id, kind)

    def get_tenant_settings(self, tenant_id: str) -> TenantSettings:
        return self.dictionaries.get_tenant_settings(tenant_id)
