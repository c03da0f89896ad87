"""Hub dictionaries of a tenant (statuses, payment methods, shipping methods) and the tenant's
hub-wide settings.

A tenant's dictionaries are seeded with defaults the first time anything reads them: one
transaction writes every default entry, its name guard, the default tenant settings and a seed
marker, conditional on the marker not existing, so concurrent first reads never duplicate
anything (the loser of the race simply reads what the winner wrote). Entry names are unique per
dictionary (case- and whitespace-insensitive) through name-guard items written in the same
transaction as the entry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from shophub.clock import Clock, utc_now
from shophub.domain.config import DictionaryEntry, DictionaryKind, TenantSettings
from shophub.errors import ConcurrentUpdateError, ConflictError
from shophub.store import keys
from shophub.store.dynamo import HubTable, TransactionConflict


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

    def save_tenant_settings(self, tenant_id: str, settings: TenantSettings) -> None:
        self.table.put(
            {"PK": keys.tenant_pk(tenant_id), "SK": keys.TENANT_SETTINGS_SK, **settings.model_dump(mode="json")}
        )

    def entry_ids(self, tenant_id: str, kind: DictionaryKind) -> set[str]:
        return {e.id for e in self.get_dictionary(tenant_id, kind)}
