"""What a shop looks like to the platform-neutral core.

These models cross the :class:`shophub.connectors.base.Connector` boundary. They carry shop ids
and shop values translated into plain types (``int``, ``Decimal``, aware UTC ``datetime``) and
never a platform's wire shapes. A connector builds them; services read them.

Conventions:

* every datetime is timezone-aware UTC (the connector converts from the shop's local time);
* money is :class:`~decimal.Decimal`, exactly as the shop reported it;
* ``variant_id`` 0 means "the product itself" (a product without variants is one variant);
* empty identifiers are ``""``, never ``None``.
"""

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, ConfigDict, Field

from shophub.domain.common import Model

#: Name of the single variant of a product that has no variants.
UNIVERSAL_VARIANT_NAME = "Uniwersalny"


def _require_utc(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("datetime must be timezone-aware")
    return value.astimezone(UTC)


UtcDateTime = Annotated[datetime, AfterValidator(_require_utc)]


class ShopModel(Model):
    """Base of the shop models: immutable, no unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")


# --- connection check and discovery ------------------------------------------------------------


class ConnectionInfo(ShopModel):
    """The answer of a successful connection check."""

    platform: str
    shop_version: str | None = None
    shop_name: str | None = None
    #: resource → methods the key may use there (``GET``, ``PUT``, ``POST``, ``PATCH``, ``DELETE``,
    #: ``HEAD``); resources the key has no right on are absent.
    permissions: dict[str, frozenset[str]] = Field(default_factory=dict)
    #: every need of the connector profile's permission table the key does not meet, by name
    #: (``"resource:METHOD"``, alternatives joined by ``|``): essential ones first, in table order
    missing_permissions: list[str] = Field(default_factory=list)
    #: those of ``missing_permissions`` the integration can do without
    optional_missing: list[str] = Field(default_factory=list)

    @property
    def ok(self) -> bool:
        """No essential permission is missing."""
        return set(self.missing_permissions) <= set(self.optional_missing)


class ShopOrderState(ShopModel):
    id: int
    name: str
    paid: bool = False
    shipped: bool = False
    delivery: bool = False
    invoice: bool = False
    logable: bool = False
    send_email: bool = False
    hidden: bool = False
    deleted: bool = False
    module_name: str = ""
    color: str = ""


class ShopCarrier(ShopModel):
    """A carrier keyed by its stable carrier key (PrestaShop's ``id_reference``); ``id`` is its current version."""

    carrier_key: int
    id: int
    name: str
    active: bool = True


class ShopPaymentModule(ShopModel):
    """A payment module seen on recent orders, with the number of those orders."""

    module: str
    name: str
    orders: int
    #: every distinct label the orders carried for this module (most frequent first)
    labels: list[str] = Field(default_factory=list)


class ShopInfo(ShopModel):
    id: int
    name: str
    shop_group_id: int | None = None
    active: bool = True


class ShopCurrency(ShopModel):
    id: int
    iso_code: str
    name: str = ""
    active: bool = True
    conversion_rate: Decimal | None = None


class ShopDiscovery(ShopModel):
    """Everything a merchant maps before orders flow."""

    order_states: list[ShopOrderState] = Field(default_factory=list)
    carriers: list[ShopCarrier] = Field(default_factory=list)
    payment_modules: list[ShopPaymentModule] = Field(default_factory=list)
    timezone: str | None = None
    #: ``PS_OS_*``-style standard state names → state id (e.g. ``{"PS_OS_SHIPPING": 4}``)
    standard_states: dict[str, int] = Field(default_factory=dict)
    shops: list[ShopInfo] = Field(default_factory=list)
    currencies: list[ShopCurrency] = Field(default_factory=list)
    #: how many of the newest orders were read to find the payment modules
    analyzed_orders: int = 0


# --- orders -------------------------------------------------------------------------------------


class ShopCustomer(ShopModel):
    id: int
    firstname: str = ""
    lastname: str = ""
    email: str = ""
    company: str = ""


class ShopAddress(ShopModel):
    id: int
    firstname: str = ""
    lastname: str = ""
    company: str = ""
    address1: str = ""
    address2: str = ""
    postcode: str = ""
    city: str = ""
    country_id: int | None = None
    state_id: int | None = None
    phone: str = ""
    phone_mobile: str = ""
    vat_number: str = ""
    other: str = ""


class ShopOrderLine(ShopModel):
    id: int
    product_id: int
    variant_id: int = 0
    name: str = ""
    quantity: int
    #: the line's product identifiers, by the platform's field names (its profile's
    #: ``product_fields``, e.g. ``{"reference": "SKU-1", "ean13": ""}``)
    identifiers: dict[str, str] = Field(default_factory=dict)
    unit_price_gross: Decimal
    unit_price_net: Decimal
    total_price_gross: Decimal | None = None
    total_price_net: Decimal | None = None
    customization_id: int = 0


class ShopOrderTotals(ShopModel):
    paid_gross: Decimal
    paid_net: Decimal
    paid_real: Decimal = Decimal(0)
    products_gross: Decimal = Decimal(0)
    products_net: Decimal = Decimal(0)
    shipping_gross: Decimal = Decimal(0)
    shipping_net: Decimal = Decimal(0)
    discounts_gross: Decimal = Decimal(0)
    discounts_net: Decimal = Decimal(0)
    wrapping_gross: Decimal = Decimal(0)
    wrapping_net: Decimal = Decimal(0)


class ShopOrder(ShopModel):
    id: int
    reference: str = ""
    current_state: int
    #: payment module technical name (e.g. ``ps_checkpayment``) and its display label
    payment_module: str = ""
    payment_name: str = ""
    carrier_id: int | None = None
    #: the carrier's stable reference (what carrier mappings are keyed on); None if unknown
    carrier_reference: int | None = None
    currency_id: int | None = None
    currency: str | None = None
    conversion_rate: Decimal | None = None
    language_id: int | None = None
    shop_id: int | None = None
    customer_id: int | None = None
    delivery_address_id: int | None = None
    invoice_address_id: int | None = None
    valid: bool = False
    note: str = ""
    gift: bool = False
    gift_message: str = ""
    shipping_number: str = ""
    invoice_number: int | None = None
    invoice_date: UtcDateTime | None = None
    created_at: UtcDateTime | None = None
    updated_at: UtcDateTime
    #: the shop-local ``date_upd`` exactly as the shop wrote it (the polling key)
    updated_at_local: datetime | None = None
    totals: ShopOrderTotals
    lines: list[ShopOrderLine] = Field(default_factory=list)
    customer: ShopCustomer | None = None
    delivery_address: ShopAddress | None = None
    invoice_address: ShopAddress | None = None


class OrderCursor(ShopModel):
    """Keyset position in the stream of changed orders, ordered by (``updated_at``, ``id``).

    ``tied`` is how many orders with exactly ``updated_at`` were already delivered (all with an
    id up to ``id``); it lets the next page start in the middle of a busy second.
    """

    updated_at: UtcDateTime
    id: int
    tied: int = Field(default=1, ge=1)


class OrderFailure(ShopModel):
    """An order the shop returned but that could not be read (reported, not dropped silently)."""

    order_id: int
    reason: str


class OrderPage(ShopModel):
    orders: list[ShopOrder] = Field(default_factory=list)
    failures: list[OrderFailure] = Field(default_factory=list)
    #: where the next page starts; equal to the ``after`` passed in when nothing new came
    next_after: OrderCursor | None = None
    has_more: bool = False


# --- catalogue ---------------------------------------------------------------------------------


class ProductListFilter(ShopModel):
    id_from: int | None = Field(default=None, ge=1)
    id_to: int | None = Field(default=None, ge=1)
    ids: list[int] | None = None
    #: products changed (``date_upd``) on or after this moment; a date means its midnight in the
    #: shop's timezone, a datetime must be timezone-aware
    date_from: datetime | date | None = None
    only_active: bool = False


class ProductSummary(ShopModel):
    id: int
    name: str
    active: bool
    updated_at: UtcDateTime | None = None


class VariantOption(ShopModel):
    group_id: int
    value_id: int
    name: str


class ShopVariant(ShopModel):
    product_id: int
    #: 0 for a product without variants (its only variant, named "Uniwersalny")
    variant_id: int = 0
    name: str
    product_name: str
    variant_name: str
    options: list[VariantOption] = Field(default_factory=list)
    #: the variant's product identifiers, by the platform's field names (its profile's
    #: ``product_fields``); what the field mapping reads the hub's EAN, symbol and catalogue
    #: number from
    identifiers: dict[str, str] = Field(default_factory=dict)
    price_net: Decimal
    #: None when the tax rate could not be determined
    price_gross: Decimal | None = None
    tax_rate: Decimal | None = None
    active: bool = True
    is_default: bool = False
    stock_id: int | None = None
    quantity: int | None = None
    product_updated_at: UtcDateTime | None = None

    def identifier(self, field: str) -> str:
        """The value of one identifier field (``""`` when the variant has none)."""
        return self.identifiers.get(field, "")


class ProductFailure(ShopModel):
    product_id: int
    reason: str


class VariantBatch(ShopModel):
    variants: list[ShopVariant] = Field(default_factory=list)
    failures: list[ProductFailure] = Field(default_factory=list)


# --- stock --------------------------------------------------------------------------------------


class ShopStockRow(ShopModel):
    """A variant's stock row: its id (what pushes write) and the quantity it holds."""

    product_id: int
    #: 0 for the product itself
    variant_id: int = 0
    stock_id: int
    quantity: int


class StockRowBatch(ShopModel):
    """:meth:`~shophub.connectors.base.Connector.read_stock_rows`' answer: the rows read, and the
    products whose rows could not be read (reported, never left out silently)."""

    rows: list[ShopStockRow] = Field(default_factory=list)
    failures: list[ProductFailure] = Field(default_factory=list)


class StockUpdate(ShopModel):
    stock_id: int = Field(ge=1)
    quantity: int


class StockPushOutcome(ShopModel):
    stock_id: int
    ok: bool
    quantity: int
    #: e.g. ``"not_found"`` or the shop error class code; None when ``ok``
    error_code: str | None = None
    message: str = ""
    #: True when retrying the same row cannot help (a deleted row, a refused value)
    permanent: bool = False
