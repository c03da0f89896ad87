"""The platform-neutral connector protocol.

Services talk to a shop only through :class:`Connector`. Only the models of
:mod:`shophub.domain.shop` cross this boundary; no platform's wire shapes do. Every shop failure
is a :class:`shophub.errors.ShopError` subclass (transient ones may be retried by a worker,
permanent ones will fail again).

A platform is a package ``shophub.connectors.<platform>`` exposing
``build_connector(shop_url, api_key, **options) -> Connector`` (see
:func:`shophub.connectors.build_connector`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol, runtime_checkable

from shophub.domain.shop import (
    ConnectionInfo,
    OrderCursor,
    OrderPage,
    ProductListFilter,
    ProductSummary,
    ShopDiscovery,
    ShopOrder,
    StockPushOutcome,
    StockUpdate,
    VariantBatch,
)

__all__ = ["Connector"]


@runtime_checkable
class Connector(Protocol):
    """One shop, reached with one key."""

    #: platform name, e.g. ``"prestashop"``
    platform: str

    @property
    def request_count(self) -> int:
        """HTTP requests sent so far by this instance (retries included)."""
        ...

    def close(self) -> None:
        """Release network resources (only those the connector created itself)."""
        ...

    # --- account -----------------------------------------------------------------------------------

    def check_connection(self) -> ConnectionInfo:
        """Check URL and key; version, shop name, per-resource permissions, missing ones."""
        ...

    def discover(self, recent_orders: int = 1000) -> ShopDiscovery:
        """Order states, carriers, payment modules of the newest ``recent_orders`` orders,
        timezone, standard states, shops and currencies."""
        ...

    # --- orders ----------------------------------------------------------------------------------

    def list_order_changes(
        self,
        since: datetime,
        until: datetime | None = None,
        *,
        after: OrderCursor | None = None,
        limit: int = 100,
    ) -> OrderPage:
        """Orders changed in ``[since, until]`` (aware datetimes), oldest change first, complete
        with lines, customer and addresses. Pass the returned ``next_after`` as ``after`` to read
        the next page; the window may hold orders slightly outside it (de-duplicate by id)."""
        ...

    def fetch_orders(self, ids: Sequence[int]) -> list[ShopOrder]:
        """These orders, complete; unknown ids are left out."""
        ...

    def set_order_state(self, shop_order_id: int, state_id: int, *, notify_customer: bool = False) -> bool:
        """Move the order to ``state_id``; False (and nothing sent) when it is already there."""
        ...

    def set_tracking_number(self, shop_order_id: int, number: str) -> bool:
        """Store the tracking number on the order's shipment; False when it was already set."""
        ...

    def post_order_message(self, shop_order_id: int, text: str) -> int:
        """Attach a message (e.g. a document number and link) to the order; returns its id."""
        ...

    # --- catalogue and stock --------------------------------------------------------------------

    def list_products(self, filters: ProductListFilter, *, after_id: int = 0, limit: int = 500) -> list[ProductSummary]:
        """Ids, names, active flags and change dates, ascending by id, after ``after_id``.
        Fewer than ``limit`` items means the list is complete."""
        ...

    def fetch_variants(self, product_ids: Sequence[int], *, with_stock: bool = True) -> VariantBatch:
        """Every variant of these products; products that could not be read are reported in
        ``failures`` instead of failing the batch."""
        ...

    def read_stock(self, stock_ids: Sequence[int]) -> dict[int, int]:
        """Current quantities by stock row id; unknown rows are left out."""
        ...

    def push_stock(self, updates: Sequence[StockUpdate]) -> list[StockPushOutcome]:
        """Set absolute quantities; one outcome per distinct stock row (the last update of a row
        wins), in the order rows first appear."""
        ...
