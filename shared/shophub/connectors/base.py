"""The platform-neutral connector protocol.

Services talk to a shop only through :class:`Connector`. Only the models of
:mod:`shophub.domain.shop` cross this boundary; no platform's wire shapes do. Every shop failure
is a :class:`shophub.errors.ShopError` subclass (transient ones may be retried by a worker,
permanent ones will fail again).

A platform is a package ``shophub.connectors.<platform>`` exposing
``build_connector(shop_url, api_key, **options) -> Connector`` (see
:func:`shophub.connectors.build_connector`) and ``PROFILE``, its :class:`ConnectorProfile`:
everything platform-specific the core needs to know without talking to a shop (credential
rules, permissions, error codes, value rules, mappable product fields, id names, user texts).
The core reads a platform only through :func:`shophub.connectors.profile_for`.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from shophub.domain.shop import (
    ConnectionInfo,
    OrderCursor,
    OrderPage,
    ProductListFilter,
    ProductSummary,
    ShopDiscovery,
    ShopOrder,
    StockPushOutcome,
    StockRowBatch,
    StockUpdate,
    VariantBatch,
)

if TYPE_CHECKING:
    from shophub.errors import ShopError

__all__ = [
    "Connector",
    "ConnectorProfile",
    "CredentialRule",
    "ErrorCodeMeaning",
    "IdNames",
    "PermissionNeed",
    "TrackingRule",
]


# --- the profile: what the core knows about a platform ------------------------------------------


@dataclass(frozen=True)
class CredentialRule:
    """How one credential the merchant types in must look; checked before any request leaves.

    ``length`` is the exact length (None: any); ``characters`` a regular expression every
    character must match. A bad value is described with ``length_message`` (parameter
    ``length``: the length given) or ``characters_message``, both :mod:`shophub.i18n` keys.
    """

    field: str
    length: int | None
    characters: str
    length_message: str
    characters_message: str

    def problem(self, value: str) -> tuple[str, dict[str, str]] | None:
        """``(message key, params)`` when ``value`` breaks the rule, else None."""
        if self.length is not None and len(value) != self.length:
            return self.length_message, {"length": str(len(value))}
        if not value or not all(re.fullmatch(self.characters, c) for c in value):
            return self.characters_message, {}
        return None


@dataclass(frozen=True)
class PermissionNeed:
    """A right the key must have on one resource; any one of ``methods`` is enough."""

    resource: str
    methods: tuple[str, ...]
    essential: bool
    purpose: str

    @property
    def name(self) -> str:
        """``resource:METHOD``, alternatives joined by ``|`` (``resource:PATCH|PUT``)."""
        return f"{self.resource}:{'|'.join(self.methods)}"

    def met_by(self, permissions: Mapping[str, Collection[str]]) -> bool:
        granted = {m.upper() for m in permissions.get(self.resource, ())}
        return any(m in granted for m in self.methods)


@dataclass(frozen=True)
class ErrorCodeMeaning:
    """One of the platform's error codes: what it means and the core error it becomes.

    ``status`` is the HTTP status the code comes with (None: any status).
    """

    code: int | str
    meaning: str
    error: type[ShopError]
    status: int | None = None


@dataclass(frozen=True)
class TrackingRule:
    """What the platform accepts as a tracking number: ``characters`` is a regular expression
    for one character, ``symbols`` the punctuation it allows (shown to the merchant)."""

    characters: str
    max_length: int
    symbols: str

    def accepts(self, value: str) -> bool:
        return 0 < len(value) <= self.max_length and re.fullmatch(f"(?:{self.characters})+", value) is not None


@dataclass(frozen=True)
class IdNames:
    """What the platform calls its ids, for texts a merchant reads."""

    product: str
    variant: str
    stock_reference: str
    carrier_key: str
    shop_status: str


@dataclass(frozen=True)
class ConnectorProfile:
    """Everything platform-specific the core needs, declared once by the connector."""

    #: the platform's name, as accounts store it (``Account.platform``)
    platform: str
    #: the platform's name as merchants know it
    display_name: str
    #: the credentials a merchant enters besides the shop URL, and how each must look
    credentials: tuple[CredentialRule, ...]
    #: the rights the integration needs (essential ones fail the check, optional ones are listed)
    permissions: tuple[PermissionNeed, ...]
    #: the platform's error codes and the core errors they become
    error_codes: tuple[ErrorCodeMeaning, ...]
    tracking: TrackingRule
    #: the largest stock quantity the platform stores
    max_stock_quantity: int
    #: the product fields a hub identifier may read (field mapping)
    product_fields: tuple[str, ...]
    #: the field each hub identifier reads by default (``ean``, ``symbol``, ``catalog_number``)
    field_defaults: Mapping[str, str]
    id_names: IdNames
    #: the platform's wording of user messages: message key → language → template; used instead
    #: of the core's neutral wording (:func:`shophub.i18n.translate`)
    texts: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    #: ``"module:function"`` reading a catalogue file exported from the platform's administration
    #: (``function(data: bytes) -> CatalogueFile``); empty: the platform has no file import
    catalogue_file_reader: str = ""

    def credential(self, name: str) -> CredentialRule | None:
        return next((c for c in self.credentials if c.field == name), None)

    @property
    def needed_resources(self) -> frozenset[str]:
        """The resources the integration uses (only their permissions are kept on the account)."""
        return frozenset(need.resource for need in self.permissions)

    def missing_permissions(self, permissions: Mapping[str, Collection[str]]) -> tuple[list[str], list[str]]:
        """``(essential, optional)`` names of the needs ``permissions`` does not meet."""
        missing = [need for need in self.permissions if not need.met_by(permissions)]
        return [n.name for n in missing if n.essential], [n.name for n in missing if not n.essential]

    def is_essential(self, name: str) -> bool:
        return any(need.name == name and need.essential for need in self.permissions)

    def error_for(self, status: int | None, codes: Collection[int | str]) -> type[ShopError] | None:
        """The core error the first known code of ``codes`` (with this HTTP status) means."""
        for meaning in self.error_codes:
            if meaning.code in codes and meaning.status in (None, status):
                return meaning.error
        return None

    def codes_meaning(self, error: type[ShopError]) -> frozenset[int | str]:
        """The codes that become ``error`` (or a subclass of it)."""
        return frozenset(m.code for m in self.error_codes if issubclass(m.error, error))


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

    def read_stock_rows(self, product_ids: Sequence[int]) -> StockRowBatch:
        """The stock rows of these products' variants (one batched read, no catalogue read);
        unknown products are left out, products whose rows could not be read are reported in
        ``failures`` instead of failing the batch."""
        ...

    def read_stock(self, stock_ids: Sequence[int]) -> dict[int, int]:
        """Current quantities by stock row id; unknown rows are left out."""
        ...

    def push_stock(self, updates: Sequence[StockUpdate]) -> list[StockPushOutcome]:
        """Set absolute quantities; one outcome per distinct stock row (the last update of a row
        wins), in the order rows first appear."""
        ...
