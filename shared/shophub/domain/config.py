"""Per-account configuration: mappings, order settings, field mapping, templates; and the
tenant's hub dictionaries and tenant-wide settings."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from shophub.domain.common import HubModel

IdentifierField = Literal["ean13", "reference", "supplier_reference", "mpn", "upc", "isbn"]
MappingKind = Literal["PAYMENT", "CARRIER", "STATUS"]
DictionaryKind = Literal["STATUS", "PAYMENT", "SHIPPING"]


class Mapping(HubModel):
    """One shop value → a hub dictionary id. A kind's whole set is stored as one item,
    ``PK=ACCOUNT#<a>, SK=MAP#<kind>`` (``items``: shop value → hub id), so it is replaced at once."""

    kind: MappingKind
    shop_value: str  # payment module name, carrier id_reference, or shop state id (as text)
    hub_id: str


class SyncSettings(BaseModel):
    update_statuses: bool = False
    send_tracking_numbers: bool = False
    send_documents: bool = False
    push_statuses: bool = False


class ProductSettings(BaseModel):
    update_stock: bool = False


class OrderSettings(HubModel):
    """``PK=ACCOUNT#<a>, SK=SETTINGS#ORDERS``. When ``fetch_enabled`` the item also carries
    ``GSI1PK=FETCH#ENABLED`` (sparse index of accounts to poll)."""

    fetch_enabled: bool = False
    fetch_from: datetime | None = None  # None = the account's creation time
    landing_status: str | None = None
    update_statuses: list[str] = Field(default_factory=list)
    sync: SyncSettings = Field(default_factory=SyncSettings)
    products: ProductSettings = Field(default_factory=ProductSettings)
    #: Owner of the item (also in ``GSI1SK`` while fetching is enabled).
    tenant_id: str | None = None
    account_id: str | None = None
    #: Optimistic version: every write takes the next one (0 = never stored).
    version: int = 0
    updated_at: datetime | None = None


class FieldMapping(HubModel):
    """``PK=ACCOUNT#<a>, SK=SETTINGS#FIELDS``: which shop field each hub identifier reads."""

    ean: IdentifierField = "ean13"
    symbol: IdentifierField = "reference"
    catalog_number: IdentifierField = "mpn"
    updated_at: datetime | None = None


class TemplateSync(BaseModel):
    description: bool = True
    shipping_prices: bool = True
    price: bool = True
    stock: bool = True


class Template(HubModel):
    """``PK=ACCOUNT#<a>, SK=TEMPLATE#<id>``; the account item's ``default_template_id`` names the
    default (one pointer, so exactly one default at any time)."""

    id: str
    name: str
    sync: TemplateSync = Field(default_factory=TemplateSync)
    created_at: datetime
    updated_at: datetime | None = None
    #: Offers that use this template, kept by the offer writers in the offer's own transaction
    #: (``TemplateRepository.tx_increment_usage`` / ``tx_decrement_usage``).
    offer_count: int = 0


class DictionaryEntry(HubModel):
    """``PK=TENANT#<t>, SK=<STATUS|PAYMENT|SHIPPING>#<id>``."""

    kind: DictionaryKind
    id: str
    name: str
    created_at: datetime | None = None


class TenantSettings(HubModel):
    """``PK=TENANT#<t>, SK=SETTINGS#TENANT``: hub-wide settings of a tenant."""

    #: Hub statuses that return an order's stock (default: the seeded "Anulowane" status).
    stock_return_statuses: list[str] = Field(default_factory=list)
