"""Where a hub dictionary entry is used: read before the entry is deleted (and after its delete
mark, :meth:`shophub.store.dictionaries.DictionaryRepository.mark_for_delete`, so every read
here is consistent: a write committed before the mark is seen).

A tenant's entry can be named by

* the mapping sets of its accounts (``PK=ACCOUNT#<a>, SK=MAP#<kind>``: shop value → hub id);
* its accounts' order settings (``SETTINGS#ORDERS``: ``landing_status`` and ``update_statuses``,
  the only fields holding hub ids: statuses);
* its hub settings (``PK=TENANT#<t>, SK=SETTINGS#TENANT``: ``stock_return_statuses``);
* its orders (``PK=ACCOUNT#<a>, SK=ORDER#<id>``: ``status``, ``payment_method``,
  ``shipping_method``), also those of deleted accounts (their orders are kept).

Orders have no index by status or method (``GSI1`` lists them by when they were placed) and no
per-entry counter: a counter would have to be written in the same transaction as every order
write (the poller's batches, status changes, stock movements), turning a few hot items into a
point of contention for every order of the tenant. So orders are counted by a query per account
(``Select=COUNT`` with a filter, consistent reads, nothing returned but the count), bounded by
:data:`ORDER_PAGES_MAX` pages of at most 1 MB each. Within the bound the count is exact; beyond
it the count is "at least", and when no order was found in the pages read the entry is treated as
possibly used (:attr:`OrderUse.checked` is False): a delete never proceeds on a guess.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from shophub.domain.accounts import Account
from shophub.domain.config import MAPPING_KINDS, DictionaryKind, MappingKindInfo, OrderSettings
from shophub.store import keys
from shophub.store.dynamo import HubTable, Key, deserialize_item, serialize_item

#: Pages of orders (each at most 1 MB) one delete may read to count the entry's orders.
ORDER_PAGES_MAX = 40

#: The mapping kind that points into each dictionary.
MAPPING_OF_DICTIONARY: dict[DictionaryKind, MappingKindInfo] = {
    info.dictionary: info for info in MAPPING_KINDS.values()
}
#: The order attribute holding an entry of each dictionary.
ORDER_FIELD: dict[DictionaryKind, str] = {
    "STATUS": "status",
    "PAYMENT": "payment_method",
    "SHIPPING": "shipping_method",
}
#: Order settings fields holding hub status ids.
STATUS_SETTINGS_FIELDS = ("landing_status", "update_statuses")


@dataclass(frozen=True)
class MappingUse:
    """An account's mapping of ``shop_value`` (``mapping``: payments, carriers, statuses)."""

    account_id: str
    account_name: str
    mapping: str
    shop_value: str


@dataclass(frozen=True)
class SettingsUse:
    """A field of an account's order settings (``landing_status`` or ``update_statuses``)."""

    account_id: str
    account_name: str
    field: str


@dataclass(frozen=True)
class OrderUse:
    """Orders naming the entry: ``count`` of them, exact when every order was read (``exact``);
    otherwise at least ``count``. ``checked`` is False when none was found but not every order
    could be read within the bound."""

    count: int
    exact: bool

    @property
    def checked(self) -> bool:
        return self.exact or self.count > 0


@dataclass(frozen=True)
class DictionaryUsage:
    mappings: list[MappingUse] = field(default_factory=list)
    order_settings: list[SettingsUse] = field(default_factory=list)
    #: hub settings fields naming the entry (``stock_return_statuses``)
    hub_settings: list[str] = field(default_factory=list)
    orders: OrderUse = OrderUse(0, exact=True)

    @property
    def in_use(self) -> bool:
        return bool(self.mappings or self.order_settings or self.hub_settings or self.orders.count) or (
            not self.orders.checked
        )


class DictionaryUsageRepository:
    def __init__(self, table: HubTable, *, order_pages: int = ORDER_PAGES_MAX) -> None:
        self.table = table
        self.order_pages = order_pages

    def find(self, tenant_id: str, kind: DictionaryKind, entry_id: str) -> DictionaryUsage:
        """Every place of the tenant that names the entry (consistent reads)."""
        accounts = self._accounts(tenant_id)
        live = [a for a in accounts if a.status != "deleted"]
        mappings, settings = self._config(live, kind, entry_id)
        hub = self._hub_settings(tenant_id, entry_id) if kind == "STATUS" else []
        orders = self._orders([a.id for a in accounts], ORDER_FIELD[kind], entry_id)
        return DictionaryUsage(mappings=mappings, order_settings=settings, hub_settings=hub, orders=orders)

    def _accounts(self, tenant_id: str) -> list[Account]:
        items = self.table.query(keys.tenant_pk(tenant_id), sk_prefix=keys.ACCOUNT_PREFIX, consistent=True)
        return [Account.model_validate(item) for item in items]

    def _config(
        self, accounts: list[Account], kind: DictionaryKind, entry_id: str
    ) -> tuple[list[MappingUse], list[SettingsUse]]:
        info = MAPPING_OF_DICTIONARY[kind]
        wanted = [{"PK": keys.account_pk(a.id), "SK": keys.mapping_set_sk(info.kind)} for a in accounts]
        if kind == "STATUS":
            wanted += [{"PK": keys.account_pk(a.id), "SK": keys.ORDER_SETTINGS_SK} for a in accounts]
        found = (
            {(str(i["PK"]), str(i["SK"])): i for i in self.table.batch_get(wanted, consistent=True)} if wanted else {}
        )
        mappings: list[MappingUse] = []
        settings: list[SettingsUse] = []
        for account in accounts:
            pk = keys.account_pk(account.id)
            mapped = (found.get((pk, keys.mapping_set_sk(info.kind))) or {}).get("items") or {}
            mappings += [
                MappingUse(account.id, account.name, info.path, str(value))
                for value, hub_id in sorted(mapped.items(), key=lambda pair: _natural(pair[0]))
                if hub_id == entry_id
            ]
            settings += _settings_uses(account, found.get((pk, keys.ORDER_SETTINGS_SK)), entry_id)
        return mappings, settings

    def _hub_settings(self, tenant_id: str, entry_id: str) -> list[str]:
        item = self.table.get(keys.tenant_pk(tenant_id), keys.TENANT_SETTINGS_SK, consistent=True) or {}
        return ["stock_return_statuses"] if entry_id in (item.get("stock_return_statuses") or []) else []

    def _orders(self, account_ids: Iterable[str], attribute: str, entry_id: str) -> OrderUse:
        count, pages = 0, 0
        for account_id in account_ids:
            start: Key | None = None
            while True:
                if pages == self.order_pages:
                    return OrderUse(count, exact=False)
                found, start = self._count_page(account_id, attribute, entry_id, start)
                count, pages = count + found, pages + 1
                if start is None:
                    break
        return OrderUse(count, exact=True)

    def _count_page(self, account_id: str, attribute: str, entry_id: str, start: Key | None) -> tuple[int, Key | None]:
        """How many orders of one page of the account's orders name the entry (only the count
        comes back)."""
        request: dict[str, Any] = {
            "TableName": self.table.name,
            "KeyConditionExpression": "#pk = :pk AND begins_with(#sk, :orders)",
            "FilterExpression": "#attr = :entry",
            "ExpressionAttributeNames": {"#pk": "PK", "#sk": "SK", "#attr": attribute},
            "ExpressionAttributeValues": serialize_item(
                {":pk": keys.account_pk(account_id), ":orders": keys.ORDER_PREFIX, ":entry": entry_id}
            ),
            "Select": "COUNT",
            "ConsistentRead": True,
        }
        if start:
            request["ExclusiveStartKey"] = serialize_item(start)
        self.table.request_count += 1
        answer = self.table.client.query(**request)
        last = answer.get("LastEvaluatedKey")
        return int(answer.get("Count", 0)), (deserialize_item(last) if last else None)


def _settings_uses(account: Account, item: dict[str, Any] | None, entry_id: str) -> list[SettingsUse]:
    if not item:
        return []
    settings = OrderSettings.model_validate(item)
    named = {
        "landing_status": settings.landing_status == entry_id,
        "update_statuses": entry_id in settings.update_statuses,
    }
    return [SettingsUse(account.id, account.name, name) for name in STATUS_SETTINGS_FIELDS if named[name]]


def _natural(value: str) -> tuple[int, str]:
    """Shop values in their natural order (numeric ids as numbers)."""
    return (int(value), "") if value.isdigit() else (0, value)
