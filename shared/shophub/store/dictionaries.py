"""Hub dictionaries of a tenant (statuses, payment methods, shipping methods) and the tenant's
hub-wide settings.

A tenant's dictionaries are seeded with defaults the first time anything reads them: one
transaction writes every default entry, its name guard, the default tenant settings and a seed
marker, conditional on the marker not existing, so concurrent first reads never duplicate
anything (the loser of the race simply reads what the winner wrote). Entry names are unique per
dictionary (case- and whitespace-insensitive) through name-guard items written in the same
transaction as the entry; a rename releases the old guard and claims the new one in the
transaction that renames the entry.

Deleting an entry is race-safe in two steps. :meth:`DictionaryRepository.mark_for_delete` puts
a short-lived delete mark on the entry (``deleting_by``, ``deleting_until``); every write that
starts to use an entry (a mapping set, order settings, hub settings) carries a condition check on
that entry (:meth:`DictionaryRepository.usable_checks`: it exists and is not marked) in its own
transaction. After the mark, the deleting request reads where the entry is used (consistent
reads) and only then deletes it, conditional on its own mark still holding. A write committed
before the mark is seen by that read (the delete is refused); a write committed after it fails
its check. Either the delete or the write fails: no reference to a deleted entry is left.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shophub.clock import Clock, utc_now
from shophub.domain.config import DictionaryEntry, DictionaryKind, TenantSettings
from shophub.errors import ConcurrentUpdateError, ConflictError, NotFoundError
from shophub.store import keys
from shophub.store.dynamo import ConditionFailed, Expr, HubTable, TransactionConflict


@dataclass(frozen=True)
class DefaultEntry:
    id: str
    name: str


#: What every tenant starts with. Ids are stable, readable and the same for every tenant (the
#: tenant is in the partition key); entries added later get generated ids.
DEFAULT_DICTIONARIES: dict[DictionaryKind, tuple[DefaultEntry, ...]] = {
    "STATUS": (
        DefaultEntry("nowe", "Nowe"),
        DefaultEntry("oczekuje-na-platnosc", "Oczekuje na płatność"),
        DefaultEntry("w-realizacji", "W realizacji"),
        DefaultEntry("wyslane", "Wysłane"),
        DefaultEntry("dostarczone", "Dostarczone"),
        DefaultEntry("anulowane", "Anulowane"),
        DefaultEntry("zwrocone", "Zwrócone"),
    ),
    "PAYMENT": (
        DefaultEntry("przelew", "Przelew"),
        DefaultEntry("pobranie", "Pobranie"),
        DefaultEntry("karta-platnicza", "Karta płatnicza"),
        DefaultEntry("platnosc-online", "Płatność online"),
        DefaultEntry("czek", "Czek"),
    ),
    "SHIPPING": (
        DefaultEntry("kurier", "Kurier"),
        DefaultEntry("paczkomat", "Paczkomat"),
        DefaultEntry("odbior-osobisty", "Odbiór osobisty"),
        DefaultEntry("poczta-polska", "Poczta Polska"),
    ),
}

#: The seeded status whose orders give their stock back (the default of ``stock_return_statuses``).
DEFAULT_STOCK_RETURN_STATUS = "anulowane"

_SPACES = re.compile(r"\s+")
#: Attempts at the seed transaction when DynamoDB cancels it for a concurrent write (no condition
#: failed): the loser of two first reads may be cancelled that way before the winner commits.
SEED_ATTEMPTS = 3
_CONDITION_FAILED = "ConditionalCheckFailed"


#: How long a delete's mark holds (seconds): longer than an API request may run (29 s), so a
#: running delete always finishes under its mark; the mark of one that crashed lapses by itself.
DELETE_MARK_SECONDS = 120
#: The most entries one write may start to use: each is a condition check in its transaction
#: (at most 100 operations, the write itself and its other checks included).
MAX_NEW_REFERENCES = 90


class EntriesUnavailable(Exception):
    """A write that starts using entries found some of them deleted or being deleted (checked
    inside the write); ``ids`` names them. Nothing was written."""

    def __init__(self, kind: DictionaryKind, ids: list[str]) -> None:
        super().__init__(f"{kind} entries unavailable: " + ", ".join(ids))
        self.kind = kind
        self.ids = ids


def normalized_name(name: str) -> str:
    """The form names are compared in: case-folded, inner whitespace collapsed."""
    return _SPACES.sub(" ", name.strip()).casefold()


class DictionaryRepository:
    def __init__(self, table: HubTable, clock: Clock = utc_now) -> None:
        self.table = table
        self.clock = clock

    # --- seeding --------------------------------------------------------------------------------

    def ensure_seeded(self, tenant_id: str) -> bool:
        """Write the defaults unless they were written before; ``True`` when this call wrote them."""
        pk = keys.tenant_pk(tenant_id)
        now = self.clock()
        operations = [
            self.table.tx_put(
                {"PK": pk, "SK": keys.DICTIONARY_SEED_SK, "seeded_at": now.isoformat()},
                condition="attribute_not_exists(PK)",
            ),
            self.table.tx_put(
                {
                    "PK": pk,
                    "SK": keys.TENANT_SETTINGS_SK,
                    **TenantSettings(stock_return_statuses=[DEFAULT_STOCK_RETURN_STATUS]).model_dump(mode="json"),
                }
            ),
        ]
        for kind, entries in DEFAULT_DICTIONARIES.items():
            for entry in entries:
                operations.extend(self._entry_puts(tenant_id, DictionaryEntry(kind=kind, id=entry.id, name=entry.name)))
        for _ in range(SEED_ATTEMPTS):
            try:
                self.table.transact_write(operations)
            except TransactionConflict as conflict:
                if conflict.condition_failed:
                    return False  # seeded by someone else (before, or right now)
                continue  # cancelled by a concurrent write to one of its items: try again
            return True
        return False

    @staticmethod
    def _seed_entries(kind: DictionaryKind) -> list[DictionaryEntry]:
        return [DictionaryEntry(kind=kind, id=e.id, name=e.name) for e in DEFAULT_DICTIONARIES[kind]]

    # --- dictionaries ---------------------------------------------------------------------------

    def get_dictionary(self, tenant_id: str, kind: DictionaryKind) -> list[DictionaryEntry]:
        """Every entry of one dictionary, oldest first (defaults first); seeds on first use."""
        entries = self._query(tenant_id, kind, consistent=False)
        if entries:
            return entries
        if self.ensure_seeded(tenant_id):
            return self._seed_entries(kind)
        return self._query(tenant_id, kind, consistent=True)

    def _query(self, tenant_id: str, kind: DictionaryKind, *, consistent: bool) -> list[DictionaryEntry]:
        items = self.table.query(
            keys.tenant_pk(tenant_id), sk_prefix=keys.dictionary_prefix(kind), consistent=consistent
        )
        entries = [DictionaryEntry.model_validate(item) for item in items]
        seeded_order = {e.id: i for i, e in enumerate(DEFAULT_DICTIONARIES[kind])}
        return sorted(
            entries,
            key=lambda e: (
                e.id not in seeded_order,
                seeded_order.get(e.id, 0),
                e.created_at.timestamp() if e.created_at else 0.0,
                e.id,
            ),
        )

    def add(self, tenant_id: str, entry: DictionaryEntry) -> None:
        """Store a new entry; 409 ``duplicate_name`` when its dictionary already has the name."""
        try:
            self.table.transact_write(self._entry_puts(tenant_id, entry, conditional=True))
        except TransactionConflict as conflict:
            if conflict.condition_failed:
                raise ConflictError(
                    "duplicate dictionary name", code="duplicate_name", params={"name": entry.name}
                ) from None
            raise ConcurrentUpdateError("dictionary changed meanwhile") from None

    def _entry_puts(self, tenant_id: str, entry: DictionaryEntry, *, conditional: bool = False) -> list[dict[str, Any]]:
        pk = keys.tenant_pk(tenant_id)
        condition = "attribute_not_exists(PK)" if conditional else None
        return [
            self.table.tx_put(
                {"PK": pk, "SK": keys.dictionary_sk(entry.kind, entry.id), **entry.model_dump(mode="json")},
                condition=condition,
            ),
            self.table.tx_put(
                {
                    "PK": pk,
                    "SK": keys.dictionary_name_sk(entry.kind, normalized_name(entry.name)),
                    "kind": entry.kind,
                    "id": entry.id,
                },
                condition=condition,
            ),
        ]

    def get_entry(self, tenant_id: str, kind: DictionaryKind, entry_id: str) -> DictionaryEntry:
        """One entry, read consistently (seeding the defaults first if needed); 404 when the
        tenant's dictionary has no such id."""
        pk, sk = keys.tenant_pk(tenant_id), keys.dictionary_sk(kind, entry_id)
        item = self.table.get(pk, sk, consistent=True)
        if item is None and self.ensure_seeded(tenant_id):
            item = self.table.get(pk, sk, consistent=True)
        if item is None:
            raise NotFoundError("dictionary entry", message_key="dictionary_entry_not_found")
        return DictionaryEntry.model_validate(item)

    def rename(self, tenant_id: str, entry: DictionaryEntry, name: str) -> DictionaryEntry:
        """Give ``entry`` (as read) the new ``name``: the entry, the release of its old name guard
        and the claim of the new one in one transaction. 409 ``duplicate_name`` when another entry
        has the name; 404 when the entry is gone; ``concurrent_update`` when it was renamed meanwhile."""
        renamed = entry.model_copy(update={"name": name})
        pk = keys.tenant_pk(tenant_id)
        expr = Expr()
        operations = [
            self.table.tx_update(
                pk,
                keys.dictionary_sk(entry.kind, entry.id),
                set_={"name": name},
                condition=f"attribute_exists(PK) AND {expr.name('name')} = {expr.value(entry.name)}",
                expr=expr,
            )
        ]
        if normalized_name(name) != normalized_name(entry.name):
            operations += [
                self._guard_delete(tenant_id, entry),
                self._entry_puts(tenant_id, renamed, conditional=True)[1],
            ]
        try:
            self.table.transact_write(operations)
        except TransactionConflict as conflict:
            if conflict.reasons[2:3] == [_CONDITION_FAILED]:
                raise ConflictError("duplicate dictionary name", code="duplicate_name", params={"name": name}) from None
            self.get_entry(tenant_id, entry.kind, entry.id)  # 404 when it is gone
            raise ConcurrentUpdateError("dictionary entry changed meanwhile") from None
        return renamed

    def _guard_delete(self, tenant_id: str, entry: DictionaryEntry) -> dict[str, Any]:
        """Remove the entry's name guard (if it is the entry's: never another entry's)."""
        expr = Expr()
        return self.table.tx_delete(
            keys.tenant_pk(tenant_id),
            keys.dictionary_name_sk(entry.kind, normalized_name(entry.name)),
            condition=f"attribute_not_exists(PK) OR {expr.name('id')} = {expr.value(entry.id)}",
            expr=expr,
        )

    # --- deleting -------------------------------------------------------------------------------

    def mark_for_delete(
        self, tenant_id: str, kind: DictionaryKind, entry_id: str, *, token: str, at: datetime
    ) -> DictionaryEntry:
        """Put the delete mark ``token`` on the entry for :data:`DELETE_MARK_SECONDS`: from now
        on no write can start using it. 404 when it is gone; ``concurrent_update`` while another
        delete holds its mark."""
        now = int(at.timestamp())
        expr = Expr()
        until = expr.name("deleting_until")
        try:
            item = self.table.update(
                keys.tenant_pk(tenant_id),
                keys.dictionary_sk(kind, entry_id),
                set_={"deleting_by": token, "deleting_until": now + DELETE_MARK_SECONDS},
                condition=f"attribute_exists(PK) AND (attribute_not_exists({until}) OR {until} < {expr.value(now)})",
                expr=expr,
            )
        except ConditionFailed as failed:
            if failed.item is None:
                raise NotFoundError("dictionary entry", message_key="dictionary_entry_not_found") from None
            raise ConcurrentUpdateError("dictionary entry being deleted") from None
        return DictionaryEntry.model_validate(item or {})

    def release_mark(self, tenant_id: str, kind: DictionaryKind, entry_id: str, *, token: str) -> None:
        """Take the delete mark ``token`` off the entry (nothing when it no longer holds it)."""
        expr = Expr()
        try:
            self.table.update(
                keys.tenant_pk(tenant_id),
                keys.dictionary_sk(kind, entry_id),
                remove=("deleting_by", "deleting_until"),
                condition=f"{expr.name('deleting_by')} = {expr.value(token)}",
                expr=expr,
                return_new=False,
            )
        except ConditionFailed:
            return  # another delete's mark, or none: not ours to take off

    def delete_marked(self, tenant_id: str, entry: DictionaryEntry, *, token: str, at: datetime) -> None:
        """Delete the entry and its name guard, if it still carries the live mark ``token`` and
        the name it had when marked (``concurrent_update`` otherwise: nothing is deleted)."""
        expr = Expr()
        condition = (
            f"{expr.name('deleting_by')} = {expr.value(token)} "
            f"AND {expr.name('deleting_until')} > {expr.value(int(at.timestamp()))} "
            f"AND {expr.name('name')} = {expr.value(entry.name)}"
        )
        operations = [
            self.table.tx_delete(
                keys.tenant_pk(tenant_id), keys.dictionary_sk(entry.kind, entry.id), condition=condition, expr=expr
            ),
            self._guard_delete(tenant_id, entry),
        ]
        try:
            self.table.transact_write(operations)
        except TransactionConflict:
            raise ConcurrentUpdateError("dictionary entry changed while being deleted") from None

    def usable_checks(
        self, tenant_id: str, kind: DictionaryKind, entry_ids: Iterable[str], *, at: datetime
    ) -> list[dict[str, Any]]:
        """For the store's other writes: one condition check per entry (it exists and no live
        delete mark is on it), to put in the transaction of a write that starts using them."""
        pk, now = keys.tenant_pk(tenant_id), int(at.timestamp())
        checks = []
        for entry_id in entry_ids:
            expr = Expr()
            until = expr.name("deleting_until")
            checks.append(
                self.table.tx_check(
                    pk,
                    keys.dictionary_sk(kind, entry_id),
                    condition=f"attribute_exists(PK) AND (attribute_not_exists({until}) OR {until} < {expr.value(now)})",
                    expr=expr,
                )
            )
        return checks

    # --- tenant settings ------------------------------------------------------------------------

    def get_tenant_settings(self, tenant_id: str) -> TenantSettings:
        """The tenant's hub-wide settings (the defaults are seeded with the dictionaries)."""
        pk = keys.tenant_pk(tenant_id)
        item = self.table.get(pk, keys.TENANT_SETTINGS_SK)
        if item is None:
            if self.ensure_seeded(tenant_id):
                return TenantSettings(stock_return_statuses=[DEFAULT_STOCK_RETURN_STATUS])
            item = self.table.get(pk, keys.TENANT_SETTINGS_SK, consistent=True)
        return TenantSettings.model_validate(item or {})

    def save_tenant_settings(self, tenant_id: str, settings: TenantSettings, *, at: datetime) -> None:
        """Write ``settings``; every status they name is checked in the same transaction
        (:class:`EntriesUnavailable` names those deleted or being deleted meanwhile). The item has
        no version, so every status is checked, not only the ones added."""
        item = {"PK": keys.tenant_pk(tenant_id), "SK": keys.TENANT_SETTINGS_SK, **settings.model_dump(mode="json")}
        statuses = list(dict.fromkeys(settings.stock_return_statuses))
        try:
            self.table.transact_write(
                [self.table.tx_put(item), *self.usable_checks(tenant_id, "STATUS", statuses, at=at)]
            )
        except TransactionConflict as conflict:
            lost = [s for s, reason in zip(statuses, conflict.reasons[1:], strict=False) if reason == _CONDITION_FAILED]
            if lost:
                raise EntriesUnavailable("STATUS", lost) from None
            raise ConcurrentUpdateError("hub settings changed meanwhile") from None

    def entry_ids(self, tenant_id: str, kind: DictionaryKind) -> set[str]:
        return {e.id for e in self.get_dictionary(tenant_id, kind)}
