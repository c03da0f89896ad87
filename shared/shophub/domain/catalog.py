"""The hub catalogue: products (one per variant), offers (links to shop variants)."""

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from shophub.domain.common import HubModel
from shophub.errors import NotFoundError

UNIVERSAL_VARIANT = "Uniwersalny"


class HubProduct(HubModel):
    """``PK=TENANT#<t>, SK=PRODUCT#<padded id>``. Stock lives here: ``stock`` with a
    ``stock_version`` that only grows (every change, whatever its source, takes a new version)."""

    id: int
    tenant_id: str
    name: str
    variant: str = UNIVERSAL_VARIANT
    ean: str = ""
    symbol: str = ""
    catalog_number: str = ""
    stock: int = 0
    stock_version: int = 0
    created_at: datetime
    updated_at: datetime | None = None
    #: When ``stock`` last changed (any source).
    stock_updated_at: datetime | None = None
    #: Denormalized keys of this product's offers, ``keys.offer_ref(account, shop product,
    #: variant)`` each, added by the linking code in the same transaction as the offer
    #: (``CatalogRepository.link_offer_in``; a link is never replaced). The stock pusher
    #: reads them with the product instead of querying GSI1 per product; ``None`` means "not
    #: maintained for this product" and makes the pusher fall back to GSI1.
    offer_keys: list[str] | None = None


class Offer(HubModel):
    """``PK=ACCOUNT#<a>, SK=OFFER#<shop product>#<variant>`` and
    ``GSI1PK=PRODUCT#<t>#<hub id>, GSI1SK=OFFER#<a>#<p>#<c>``: a shop variant linked to a hub
    product. ``pushed_quantity`` / ``pushed_version`` record the last stock the hub wrote to the
    shop (conditional on the version, so an older change never overwrites a newer one)."""

    tenant_id: str
    account_id: str
    hub_product_id: int
    shop_product_id: int
    shop_variant_id: int = 0
    stock_ref: int | None = None
    template_id: str | None = None
    name: str = ""
    pushed_quantity: int | None = None
    pushed_version: int | None = None
    #: When the stock pusher last wrote ``pushed_quantity`` to the shop.
    pushed_at: datetime | None = None
    #: When the shop's own stock figure was last taken into the hub (import / link with stock).
    stock_taken_at: datetime | None = None
    linked_at: datetime
    #: how the link was made: the import run that made it, or None for a links file
    import_id: str | None = None


def product_not_found() -> NotFoundError:
    """The 404 for a product id the tenant does not have."""
    return NotFoundError("product", code="product_not_found", message_key="product_not_found")


#: Where an offer's shop row stands against the hub's stock (``services.catalog.stock_sync_of``).
StockSync = Literal["sent", "pending", "off", "no_stock_row"]


@dataclass(frozen=True)
class OfferView:
    """An offer as the product page shows it: with the state of its stock sync."""

    offer: Offer
    stock_sync: StockSync


@dataclass(frozen=True)
class ProductView:
    product: HubProduct
    offers: list[OfferView]
