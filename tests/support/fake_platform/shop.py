"""A Kramik shop in memory: items with SKUs, inventory slots, sales with fulfilment statuses.

Shops are found by URL (:data:`shops`), as a connector would reach them over the network. A sale
takes its quantities out of the slots, as a real shop does; a cancelled sale gives them back.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

#: Fulfilment statuses: id → (name, gives the stock back).
STATUSES = {110: ("Przyjęte", False), 120: ("Opłacone", False), 130: ("Wysłane", False), 190: ("Anulowane", True)}
#: Shipping profiles: profile number → (current version id, name).
SHIPPING_PROFILES = {7001: (71, "Kurier Kramik"), 7002: (72, "Odbiór w punkcie")}


@dataclass
class Sku:
    id: int
    item_id: int
    name: str
    gtin: str
    sku: str
    mpn: str
    slot_id: int
    price: Decimal


@dataclass
class Item:
    id: int
    name: str
    skus: list[Sku]
    updated_at: datetime


@dataclass
class SaleLine:
    id: int
    sku: Sku
    quantity: int


@dataclass
class Sale:
    id: int
    number: str
    status: int
    payment: str
    shipping_profile: int
    lines: list[SaleLine]
    updated_at: datetime
    tracking: str = ""
    notes: list[str] = field(default_factory=list)


class KramikShop:
    """One shop: its key, the scopes the key was given, its catalogue, slots and sales."""

    def __init__(
        self, url: str, key: str, *, items: int = 4, skus_per_item: int = 3, clock: Callable[[], datetime] | None = None
    ) -> None:
        self.url = url
        self.clock = clock
        #: requests that reached this shop (any connector, any key)
        self.requests = 0
        self.key = key
        self.scopes: dict[str, set[str]] = {
            "catalog": {"READ"},
            "inventory": {"READ", "WRITE"},
            "sales": {"READ", "WRITE"},
            "fulfilment": {"WRITE"},
        }
        self.now = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
        self.slots: dict[int, int] = {}
        self.items: dict[int, Item] = {}
        self.sales: dict[int, Sale] = {}
        self._ids = itertools.count(1)
        for n in range(1, items + 1):
            self._add_item(n, skus_per_item)
        shops[url] = self

    def _add_item(self, n: int, skus: int) -> None:
        item_id = 300 + n
        variants = []
        for k in range(1, skus + 1):
            slot_id = 9000 + 10 * n + k
            self.slots[slot_id] = 5 * k
            gtin = f"59012345{n:02d}{k:03d}" if k != skus else ""  # the last SKU has no GTIN
            variants.append(
                Sku(
                    80_000 + 10 * n + k,
                    item_id,
                    f"Koszulka {n} rozm. {k}",
                    gtin,
                    f"KR-{n}-{k}",
                    f"M{n}{k}",
                    slot_id,
                    Decimal("49.90"),
                )
            )
        self.items[item_id] = Item(item_id, f"Koszulka {n}", variants, self.tick())

    def tick(self, minutes: int = 1) -> datetime:
        """The time of a change: the shared clock's (tests move it on), else a minute later."""
        if self.clock is not None:
            return self.clock()
        self.now += timedelta(minutes=minutes)
        return self.now

    def skus(self) -> list[Sku]:
        return [s for item in self.items.values() for s in item.skus]

    def sell(self, lines: list[tuple[Sku, int]], *, status: int = 110, payment: str = "kramik_pay") -> Sale:
        """A customer's sale: the slots give its quantities."""
        sale_id = 5000 + len(self.sales) + 1
        sale_lines = [SaleLine(next(self._ids), sku, quantity) for sku, quantity in lines]
        for line in sale_lines:
            self.slots[line.sku.slot_id] -= line.quantity
        sale = Sale(sale_id, f"KR/{sale_id}", status, payment, 7001, sale_lines, self.tick())
        self.sales[sale_id] = sale
        return sale

    def set_status(self, sale: Sale, status: int) -> None:
        """A status change in the shop; cancelling gives the stock back (once)."""
        if STATUSES[status][1] and not STATUSES[sale.status][1]:
            for line in sale.lines:
                self.slots[line.sku.slot_id] += line.quantity
        sale.status = status
        sale.updated_at = self.tick()


#: Every shop by URL.
shops: dict[str, KramikShop] = {}
