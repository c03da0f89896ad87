"""PrestaShop records (decoded JSON / XML dicts) → the platform-neutral models of
:mod:`shophub.domain.shop`.

Every function takes one record (plus the lookups it needs) and raises
:class:`~shophub.connectors.prestashop.parse.RecordError` when the record is unusable, so the
caller can report that one record and go on with the rest.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from shophub.connectors.prestashop.parse import (
    RecordError,
    as_bool,
    as_decimal,
    as_int,
    as_opt_int,
    as_str,
    as_utc,
    association,
    lang_value,
    shop_local,
)
from shophub.connectors.prestashop.profile import PROFILE
from shophub.domain.shop import (
    UNIVERSAL_VARIANT_NAME,
    ProductSummary,
    ShopAddress,
    ShopCarrier,
    ShopCurrency,
    ShopCustomer,
    ShopInfo,
    ShopOrder,
    ShopOrderLine,
    ShopOrderState,
    ShopOrderTotals,
    ShopPaymentModule,
    ShopVariant,
    VariantOption,
)

Record = Mapping[str, Any]
_MONEY = Decimal("0.000001")


def _model_error(exc: ValidationError) -> RecordError:
    errors = exc.errors()
    if not errors:
        return RecordError("invalid record")
    where = ".".join(str(p) for p in errors[0]["loc"]) or "record"
    return RecordError(f"{where}: {errors[0]['msg']}")


def record_id(record: Record) -> int:
    return as_int(record.get("id"), "id")


# --- discovery -----------------------------------------------------------------------------------


def order_state(record: Record, language_id: int) -> ShopOrderState:
    return ShopOrderState(
        id=record_id(record),
        name=lang_value(record.get("name"), language_id),
        paid=as_bool(record.get("paid")),
        shipped=as_bool(record.get("shipped")),
        delivery=as_bool(record.get("delivery")),
        invoice=as_bool(record.get("invoice")),
        logable=as_bool(record.get("logable")),
        send_email=as_bool(record.get("send_email")),
        hidden=as_bool(record.get("hidden")),
        deleted=as_bool(record.get("deleted")),
        module_name=as_str(record.get("module_name")),
        color=as_str(record.get("color")),
    )


def carrier(record: Record) -> ShopCarrier:
    carrier_id = record_id(record)
    reference = as_opt_int(record.get("id_reference"), "id_reference", zero_is_none=True)
    return ShopCarrier(
        carrier_key=reference if reference is not None else carrier_id,
        id=carrier_id,
        name=as_str(record.get("name")),
        active=as_bool(record.get("active")) if "active" in record else True,
    )


def carriers_by_reference(records: Sequence[Record]) -> list[ShopCarrier]:
    """One carrier per ``id_reference`` (the newest version wins), sorted by reference."""
    by_ref: dict[int, ShopCarrier] = {}
    for record in records:
        item = carrier(record)
        known = by_ref.get(item.carrier_key)
        if known is None or item.id > known.id:
            by_ref[item.carrier_key] = item
    return [by_ref[k] for k in sorted(by_ref)]


def payment_modules(records: Sequence[Record]) -> list[ShopPaymentModule]:
    """Distinct payment modules of ``orders`` records with how many orders used each."""
    counts: Counter[str] = Counter()
    labels: dict[str, Counter[str]] = {}
    for record in records:
        module = as_str(record.get("module")).strip()
        label = as_str(record.get("payment")).strip()
        key = module or label
        if not key:
            continue
        counts[key] += 1
        labels.setdefault(key, Counter())[label or key] += 1
    out = []
    for module, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        ranked = [name for name, _ in sorted(labels[module].items(), key=lambda kv: (-kv[1], kv[0]))]
        out.append(ShopPaymentModule(module=module, name=ranked[0], orders=count, labels=ranked))
    return out


def shop_info(record: Record) -> ShopInfo:
    return ShopInfo(
        id=record_id(record),
        name=as_str(record.get("name")),
        shop_group_id=as_opt_int(record.get("id_shop_group"), "id_shop_group"),
        active=as_bool(record.get("active")) if "active" in record else True,
    )


def currency(record: Record, language_id: int) -> ShopCurrency:
    name = record.get("name")
    if not name:
        name = record.get("names")
    rate = record.get("conversion_rate")
    return ShopCurrency(
        id=record_id(record),
        iso_code=as_str(record.get("iso_code")),
        name=lang_value(name, language_id),
        active=as_bool(record.get("active")) if "active" in record else True,
        conversion_rate=None if rate in (None, "") else as_decimal(rate, "conversion_rate"),
    )


# --- orders ----------------------------------------------------------------------------------------


def customer(record: Record) -> ShopCustomer:
    return ShopCustomer(
        id=record_id(record),
        firstname=as_str(record.get("firstname")),
        lastname=as_str(record.get("lastname")),
        email=as_str(record.get("email")),
        company=as_str(record.get("company")),
    )


def address(record: Record) -> ShopAddress:
    return ShopAddress(
        id=record_id(record),
        firstname=as_str(record.get("firstname")),
        lastname=as_str(record.get("lastname")),
        company=as_str(record.get("company")),
        address1=as_str(record.get("address1")),
        address2=as_str(record.get("address2")),
        postcode=as_str(record.get("postcode")),
        city=as_str(record.get("city")),
        country_id=as_opt_int(record.get("id_country"), "id_country", zero_is_none=True),
        state_id=as_opt_int(record.get("id_state"), "id_state", zero_is_none=True),
        phone=as_str(record.get("phone")),
        phone_mobile=as_str(record.get("phone_mobile")),
        vat_number=as_str(record.get("vat_number")),
        other=as_str(record.get("other")),
    )


def _money(record: Record, name: str) -> Decimal:
    return as_decimal(record.get(name, "0"), name)


def order_line(row: Record, detail: Record | None) -> ShopOrderLine:
    """An order line from an ``order_rows`` entry, completed by its ``order_details`` record."""
    source: Record = row if row else (detail or {})
    extra: Record = detail or {}
    quantity = as_int(source.get("product_quantity"), "product_quantity")
    gross = _money(source, "unit_price_tax_incl")
    net = _money(source, "unit_price_tax_excl")
    total_gross = extra.get("total_price_tax_incl")
    total_net = extra.get("total_price_tax_excl")
    return ShopOrderLine(
        id=record_id(source),
        product_id=as_int(source.get("product_id"), "product_id"),
        variant_id=as_opt_int(source.get("product_attribute_id"), "product_attribute_id") or 0,
        name=as_str(source.get("product_name")),
        quantity=quantity,
        identifiers=_line_identifiers(source, extra),
        unit_price_gross=gross,
        unit_price_net=net,
        total_price_gross=as_decimal(total_gross, "total_price_tax_incl")
        if total_gross not in (None, "")
        else gross * quantity,
        total_price_net=as_decimal(total_net, "total_price_tax_excl")
        if total_net not in (None, "")
        else net * quantity,
        customization_id=as_opt_int(source.get("id_customization"), "id_customization") or 0,
    )


def _order_lines(record: Record, details: Sequence[Record]) -> list[ShopOrderLine]:
    """The order's lines: its ``order_rows`` completed by ``details``, or the details alone."""
    details_by_id: dict[int, Record] = {}
    for detail in details:
        try:
            details_by_id[record_id(detail)] = detail
        except RecordError:
            continue
    rows = association(record, "order_rows")
    if rows:
        return [order_line(row, details_by_id.get(as_int(row.get("id"), "order_rows.id"))) for row in rows]
    return [order_line({}, d) for d in details]


@dataclass(frozen=True, slots=True)
class _OrderLinks:
    """The ids an ``orders`` record points at (None where the shop stores 0)."""

    carrier_id: int | None
    currency_id: int | None
    customer_id: int | None
    delivery_id: int | None
    invoice_id: int | None
    invoice_number: int | None

    @classmethod
    def of(cls, record: Record) -> _OrderLinks:
        return cls(
            carrier_id=as_opt_int(record.get("id_carrier"), "id_carrier", zero_is_none=True),
            currency_id=as_opt_int(record.get("id_currency"), "id_currency", zero_is_none=True),
            customer_id=as_opt_int(record.get("id_customer"), "id_customer", zero_is_none=True),
            delivery_id=as_opt_int(record.get("id_address_delivery"), "id_address_delivery", zero_is_none=True),
            invoice_id=as_opt_int(record.get("id_address_invoice"), "id_address_invoice", zero_is_none=True),
            invoice_number=as_opt_int(record.get("invoice_number"), "invoice_number", zero_is_none=True),
        )


def _order_totals(record: Record) -> ShopOrderTotals:
    return ShopOrderTotals(
        paid_gross=_money(record, "total_paid_tax_incl"),
        paid_net=_money(record, "total_paid_tax_excl"),
        paid_real=_money(record, "total_paid_real"),
        products_gross=_money(record, "total_products_wt"),
        products_net=_money(record, "total_products"),
        shipping_gross=_money(record, "total_shipping_tax_incl"),
        shipping_net=_money(record, "total_shipping_tax_excl"),
        discounts_gross=_money(record, "total_discounts_tax_incl"),
        discounts_net=_money(record, "total_discounts_tax_excl"),
        wrapping_gross=_money(record, "total_wrapping_tax_incl"),
        wrapping_net=_money(record, "total_wrapping_tax_excl"),
    )


def order(
    record: Record,
    tz: ZoneInfo,
    *,
    details: Sequence[Record] = (),
    customers: Mapping[int, ShopCustomer] | None = None,
    addresses: Mapping[int, ShopAddress] | None = None,
    carrier_references: Mapping[int, int] | None = None,
    currency_codes: Mapping[int, str] | None = None,
) -> ShopOrder:
    """A full order with lines, customer and addresses (lookups are by shop id)."""
    customers = customers or {}
    addresses = addresses or {}
    lines = _order_lines(record, details)
    local_upd = shop_local(record.get("date_upd"))
    if local_upd is None:
        raise RecordError("date_upd: missing")
    links = _OrderLinks.of(record)
    rate = record.get("conversion_rate")
    try:
        return ShopOrder(
            id=record_id(record),
            reference=as_str(record.get("reference")),
            current_state=as_int(record.get("current_state"), "current_state"),
            payment_module=as_str(record.get("module")),
            payment_name=as_str(record.get("payment")),
            carrier_id=links.carrier_id,
            carrier_reference=(carrier_references or {}).get(links.carrier_id) if links.carrier_id else None,
            currency_id=links.currency_id,
            currency=(currency_codes or {}).get(links.currency_id) if links.currency_id else None,
            conversion_rate=None if rate in (None, "") else as_decimal(rate, "conversion_rate"),
            language_id=as_opt_int(record.get("id_lang"), "id_lang", zero_is_none=True),
            shop_id=as_opt_int(record.get("id_shop"), "id_shop", zero_is_none=True),
            customer_id=links.customer_id,
            delivery_address_id=links.delivery_id,
            invoice_address_id=links.invoice_id,
            valid=as_bool(record.get("valid")),
            note=as_str(record.get("note")),
            gift=as_bool(record.get("gift")),
            gift_message=as_str(record.get("gift_message")),
            shipping_number=as_str(record.get("shipping_number")),
            invoice_number=links.invoice_number,
            invoice_date=as_utc(record.get("invoice_date"), tz),
            created_at=as_utc(record.get("date_add"), tz),
            updated_at=as_utc(record.get("date_upd"), tz),
            updated_at_local=local_upd,
            totals=_order_totals(record),
            lines=lines,
            customer=customers.get(links.customer_id) if links.customer_id else None,
            delivery_address=addresses.get(links.delivery_id) if links.delivery_id else None,
            invoice_address=addresses.get(links.invoice_id) if links.invoice_id else None,
        )
    except ValidationError as exc:
        raise _model_error(exc) from None


# --- catalogue ----------------------------------------------------------------------------------


def product_summary(record: Record, tz: ZoneInfo, language_id: int) -> ProductSummary:
    return ProductSummary(
        id=record_id(record),
        name=lang_value(record.get("name"), language_id),
        active=as_bool(record.get("active")),
        updated_at=as_utc(record.get("date_upd"), tz),
    )


def option_value(record: Record, language_id: int) -> tuple[int, VariantOption, int]:
    """(id, option, position) of a ``product_option_values`` record."""
    value_id = record_id(record)
    option = VariantOption(
        group_id=as_opt_int(record.get("id_attribute_group"), "id_attribute_group") or 0,
        value_id=value_id,
        name=lang_value(record.get("name"), language_id),
    )
    return value_id, option, as_opt_int(record.get("position"), "position") or 0


#: The product fields a hub identifier may read.
IDENTIFIER_FIELDS = PROFILE.product_fields
#: ``order_details`` carries ``mpn`` and ``supplier_reference``; ``order_rows`` the others.
_DETAIL_FIRST = frozenset({"mpn", "supplier_reference"})


def _line_identifiers(row: Record, detail: Record) -> dict[str, str]:
    """An order line's identifiers, from its ``order_rows`` entry and ``order_details`` record."""
    found: dict[str, str] = {}
    for name in IDENTIFIER_FIELDS:
        first, second = (detail, row) if name in _DETAIL_FIRST else (row, detail)
        found[name] = as_str(first.get(f"product_{name}") or second.get(f"product_{name}"))
    return found


def _identifier(own: Record, fallback: Record, name: str) -> str:
    value = as_str(own.get(name)).strip()
    return value or as_str(fallback.get(name)).strip()


def gross_price(net: Decimal, rate: Decimal | None) -> Decimal | None:
    if rate is None:
        return None
    return (net * (Decimal(1) + rate / Decimal(100))).quantize(_MONEY, rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class _ProductBase:
    """What every variant of one product shares: its name, base price, tax rate and stock rows."""

    product_id: int
    name: str
    price: Decimal
    tax_rate: Decimal | None
    active: bool
    updated_at: datetime | None
    #: ``id_product_attribute`` → ``stock_availables`` id, from the product's associations
    stock_ids: Mapping[int, int]
    #: ``id_product_attribute`` → ``stock_availables`` record; None when stock was not asked for
    stock_rows: Mapping[int, Record] | None

    def stock_of(self, attr: int) -> tuple[int | None, int | None]:
        """(stock id, quantity) of one variant; the quantity is None without a stock record."""
        row = (self.stock_rows or {}).get(attr)
        stock_id = self.stock_ids.get(attr)
        if row is not None:
            stock_id = stock_id or as_int(row.get("id"), "stock_availables.id")
            return stock_id, as_int(row.get("quantity"), "quantity")
        return stock_id, None

    def quantity(self, quantity: int | None) -> int | None:
        return quantity if self.stock_rows is not None else None


def _product_base(
    product: Record,
    stock_rows: Mapping[int, Record] | None,
    tax_rates: Mapping[int, Decimal],
    tz: ZoneInfo,
    language_id: int,
) -> _ProductBase:
    product_id = record_id(product)
    product_name = lang_value(product.get("name"), language_id).strip()
    if not product_name:
        raise RecordError("name: empty")
    base_price = as_decimal(product.get("price", "0"), "price")
    group = as_opt_int(product.get("id_tax_rules_group"), "id_tax_rules_group") or 0
    rate = Decimal(0) if group == 0 else tax_rates.get(group)
    active = as_bool(product.get("active"))
    updated = as_utc(product.get("date_upd"), tz)
    stock_ids: dict[int, int] = {}
    for entry in association(product, "stock_availables"):
        attr = as_opt_int(entry.get("id_product_attribute"), "stock_availables.id_product_attribute") or 0
        stock_ids.setdefault(attr, as_int(entry.get("id"), "stock_availables.id"))
    return _ProductBase(product_id, product_name, base_price, rate, active, updated, stock_ids, stock_rows)


def _universal_variant(product: Record, base: _ProductBase) -> ShopVariant:
    """The only variant of a product without combinations."""
    stock_id, quantity = base.stock_of(0)
    return ShopVariant(
        product_id=base.product_id,
        variant_id=0,
        name=base.name,
        product_name=base.name,
        variant_name=UNIVERSAL_VARIANT_NAME,
        identifiers={name: as_str(product.get(name)).strip() for name in IDENTIFIER_FIELDS},
        price_net=base.price,
        price_gross=gross_price(base.price, base.tax_rate),
        tax_rate=base.tax_rate,
        active=base.active,
        is_default=True,
        stock_id=stock_id,
        quantity=base.quantity(quantity),
        product_updated_at=base.updated_at,
    )


def _combination_variant(
    combination: Record, product: Record, base: _ProductBase, options: Mapping[int, VariantOption]
) -> ShopVariant:
    """The variant of one ``combinations`` record, named after its option values."""
    variant_id = record_id(combination)
    chosen = [
        options[as_int(v.get("id"), "product_option_values.id")]
        for v in association(combination, "product_option_values")
        if as_opt_int(v.get("id"), "product_option_values.id") in options
    ]
    labels = ", ".join(o.name for o in chosen if o.name)
    price = base.price + as_decimal(combination.get("price", "0"), "combination price")
    stock_id, quantity = base.stock_of(variant_id)
    return ShopVariant(
        product_id=base.product_id,
        variant_id=variant_id,
        name=f"{base.name} - {labels}" if labels else base.name,
        product_name=base.name,
        variant_name=labels or f"#{variant_id}",
        options=chosen,
        identifiers={name: _identifier(combination, product, name) for name in IDENTIFIER_FIELDS},
        price_net=price,
        price_gross=gross_price(price, base.tax_rate),
        tax_rate=base.tax_rate,
        active=base.active,
        is_default=as_bool(combination.get("default_on")),
        stock_id=stock_id,
        quantity=base.quantity(quantity),
        product_updated_at=base.updated_at,
    )


def product_variants(
    product: Record,
    combinations: Sequence[Record],
    *,
    options: Mapping[int, VariantOption],
    stock_rows: Mapping[int, Record] | None,
    tax_rates: Mapping[int, Decimal],
    tz: ZoneInfo,
    language_id: int,
) -> list[ShopVariant]:
    """Every variant of one product: one per combination, or the single "Uniwersalny" one.

    ``stock_rows`` maps ``id_product_attribute`` → the product's ``stock_availables`` record (None
    when stock was not asked for). Identifiers of a combination fall back to the product's when
    empty, as PrestaShop's own cart does.
    """
    base = _product_base(product, stock_rows, tax_rates, tz, language_id)
    try:
        if not combinations:
            return [_universal_variant(product, base)]
        return [_combination_variant(c, product, base, options) for c in sorted(combinations, key=record_id)]
    except ValidationError as exc:
        raise _model_error(exc) from None
