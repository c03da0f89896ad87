"""The simulated shop's database: tables indexed by id, plus the side effects PrestaShop applies.

Records are plain dicts holding values the way PrestaShop 8.1 hydrates them (see
``resources.py`` for the kinds), so a GET renders them without conversion. Every public method
takes the store lock; the HTTP layer holds the same (re-entrant) lock for a whole request, so a
request sees and changes a consistent state.
"""

from __future__ import annotations

import copy
import random
import string
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from local.prestashop.errors import WriteError
from local.prestashop.resources import (
    BOOL,
    BOOLN,
    D2,
    D3,
    D6,
    DATE,
    DAY,
    EMPTY_DATE,
    INT,
    INTN,
    LANG,
    NULL,
    RESOURCES,
    STORED_DEFAULTS,
    Field,
    Resource,
)

Clock = Callable[[], datetime]
Record = dict[str, Any]

LANGUAGE_IDS: tuple[int, ...] = (1, 2)

# Tables with a secondary index: field -> {value: set of ids}. Keeps batched look-ups such as
# ``combinations?filter[id_product]=[1|2|...]`` independent of the catalogue size.
INDEXED_FIELDS: dict[str, tuple[str, ...]] = {
    "combinations": ("id_product",),
    "stock_availables": ("id_product",),
    "order_details": ("id_order",),
    "order_carriers": ("id_order",),
    "order_histories": ("id_order",),
    "customer_threads": ("id_order",),
    "customer_messages": ("id_customer_thread",),
    "addresses": ("id_customer",),
}

VAT_RATE = Decimal("0.23")
STATE_CANCELED = 6
STATE_ERROR = 8


def utc_now() -> datetime:
    return datetime.now(UTC)


def money(value: Decimal | float | str | int, places: int = 6) -> str:
    quant = Decimal(1).scaleb(-places)
    return str(Decimal(str(value)).quantize(quant, rounding=ROUND_HALF_UP))


def normalize(spec: Field, raw: Any, current: Any = None) -> Any:
    """Convert a value written through the webservice into its stored form."""
    kind = spec.kind
    if kind == LANG:
        return _to_lang(raw, current)
    if raw is None:
        return spec.default()
    text = str(raw).strip() if kind != "str" else str(raw)
    convert = _CONVERTERS.get(kind)
    return text if convert is None else convert(spec, text)


def _to_lang(raw: Any, current: Any) -> dict[int, str]:
    """A multilingual value: ``raw`` per language merged into ``current``, or one text for all."""
    merged = dict(current) if isinstance(current, dict) else {lang: "" for lang in LANGUAGE_IDS}
    if isinstance(raw, dict):
        merged.update({lang: "" if text is None else str(text) for lang, text in raw.items()})
    elif raw is not None:
        merged = {lang: str(raw) for lang in merged}
    return merged


def _to_money(places: int) -> Callable[[Field, str], str]:
    """The converter to a decimal string with ``places`` decimals (a validation error when the
    text is not a number)."""

    def convert(spec: Field, text: str) -> str:
        try:
            return money(text or "0", places)
        except ArithmeticError:
            raise _invalid(spec) from None

    return convert


def _is_true(text: str) -> bool:
    return text.lower() in ("1", "true")


def _to_int(spec: Field, text: str) -> int:
    if text == "":
        return 0
    try:
        return int(text)
    except ValueError:
        try:
            return int(Decimal(text))
        except ArithmeticError:
            raise _invalid(spec) from None


def _invalid(spec: Field) -> WriteError:
    return WriteError(400, 85, f'Validation error: "Property {spec.name} is not valid"')


# kind -> stored form of a written text (stripped unless the kind is "str"); other kinds keep the text
_CONVERTERS: dict[str, Callable[[Field, str], Any]] = {
    INT: _to_int,
    INTN: lambda spec, text: "" if text == "" else _to_int(spec, text),
    BOOL: lambda _spec, text: "1" if _is_true(text) else "0",
    BOOLN: lambda _spec, text: "1" if _is_true(text) else "",
    D6: _to_money(6),
    D3: _to_money(3),
    D2: _to_money(2),
    DATE: lambda _spec, text: text or EMPTY_DATE,
    DAY: lambda spec, text: text or spec.default(),
    NULL: lambda _spec, _text: None,
}


class Table:
    """One resource's rows by id, with optional secondary indexes."""

    def __init__(self, resource: Resource) -> None:
        self.resource = resource
        self.rows: dict[int, Record] = {}
        self.next_id = 1
        self.index: dict[str, dict[Any, set[int]]] = {f: {} for f in INDEXED_FIELDS.get(resource.name, ())}

    def insert(self, record: Record) -> Record:
        if not record.get("id"):
            record["id"] = self.next_id
        rid = record["id"]
        if rid in self.rows:
            raise ValueError(f"{self.resource.name} {rid} exists")
        self.next_id = max(self.next_id, rid + 1)
        self.rows[rid] = record
        for name, idx in self.index.items():
            idx.setdefault(record.get(name), set()).add(rid)
        return record

    def load(self, records: list[Record]) -> None:
        """Bulk insert of complete records with unique new ids (used by the generators)."""
        rows = self.rows
        for record in records:
            rows[record["id"]] = record
        if records:
            self.next_id = max(self.next_id, max(rows) + 1)
        for name, idx in self.index.items():
            for record in records:
                idx.setdefault(record.get(name), set()).add(record["id"])

    def replace(self, record: Record) -> None:
        rid = record["id"]
        old = self.rows[rid]
        for name, idx in self.index.items():
            if old.get(name) != record.get(name):
                idx.get(old.get(name), set()).discard(rid)
                idx.setdefault(record.get(name), set()).add(rid)
        self.rows[rid] = record

    def delete(self, rid: int) -> None:
        old = self.rows.pop(rid)
        for name, idx in self.index.items():
            idx.get(old.get(name), set()).discard(rid)

    def get(self, rid: int) -> Record | None:
        return self.rows.get(rid)

    def where(self, name: str, value: Any) -> list[Record]:
        """Rows whose ``name`` equals ``value``, in id order (index-backed when possible)."""
        if name in self.index:
            return [self.rows[i] for i in sorted(self.index[name].get(value, ()))]
        return [r for r in self.rows.values() if r.get(name) == value]

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[Record]:
        return iter(self.rows.values())


@dataclass(frozen=True)
class OrderLine:
    """One line of a new order: product, combination (0 for a simple product) and quantity."""

    product_id: int
    product_attribute_id: int = 0
    quantity: int = 1


PAYMENT_MODULES: tuple[tuple[str, str, int], ...] = (
    # (module, payment label, initial state)
    ("ps_checkpayment", "Payment by check", 1),
    ("ps_wirepayment", "Bank transfer", 10),
    ("ps_cashondelivery", "Cash on delivery (COD)", 13),
)


class ShopData:
    """The in-memory shop. Documented read helpers return copies; change data through the methods.

    Helpers other tests rely on: :meth:`stock_quantity`, :meth:`stock_row`, :meth:`stock_row_for`,
    :meth:`set_stock`, :meth:`get`, :meth:`ids`, :meth:`product`, :meth:`combination`,
    :meth:`combinations_of`, :meth:`order`, :meth:`order_lines`, :meth:`order_histories`,
    :meth:`order_carrier`, :meth:`place_order`, :meth:`change_order_state`, :meth:`touch_order`,
    :meth:`set_tracking_number`, :meth:`now_local`.
    """

    def __init__(self, clock: Clock | None = None, timezone: str = "Europe/Warsaw", seed: int = 1) -> None:
        self.clock: Clock = clock or utc_now
        self.timezone = timezone
        self._zone = ZoneInfo(timezone)
        self.lock = threading.RLock()
        self.rng = random.Random(seed ^ 0x5EED)
        self.tables: dict[str, Table] = {name: Table(res) for name, res in RESOURCES.items()}
        # associations stored with the owning record: (resource, id) -> {association: items}
        self.links: dict[tuple[str, int], dict[str, list[Record]]] = {}
        self.invoice_counter = 0
        self.delivery_counter = 0
        self._templates: dict[str, Record] = {}

    # ------------------------------------------------------------------ basics
    def now_local(self) -> str:
        """The shop's current local time, as PrestaShop writes dates ("Y-m-d H:i:s", no offset)."""
        return self.local_time(self.clock())

    def local_time(self, moment: datetime) -> str:
        """``moment`` as the shop writes dates: local wall time, "Y-m-d H:i:s", no offset."""
        return moment.astimezone(self._zone).isoformat(" ", "seconds")[:19]

    def get(self, resource: str, rid: int) -> Record | None:
        """A copy of one record (None when it does not exist)."""
        with self.lock:
            row = self.tables[resource].get(rid)
            return copy.deepcopy(row) if row is not None else None

    def ids(self, resource: str) -> list[int]:
        with self.lock:
            return sorted(self.tables[resource].rows)

    def count(self, resource: str) -> int:
        with self.lock:
            return len(self.tables[resource])

    def new_record(self, resource: str, values: dict[str, Any] | None = None) -> Record:
        """A record with every field at its stored default, then ``values`` applied as-is.

        Nested values (language dicts) are shared between records: stored records are never
        changed in place, every write stores a new dict (see :func:`normalize`).
        """
        template = self._templates.get(resource)
        if template is None:
            extra = STORED_DEFAULTS.get(resource, {})
            template = {
                spec.name: {lang: "" for lang in LANGUAGE_IDS}
                if spec.kind == LANG
                else extra.get(spec.name, spec.default())
                for spec in RESOURCES[resource].fields
            }
            template["id"] = 0
            self._templates[resource] = template
        return {**template, **values} if values else dict(template)

    def insert(self, resource: str, values: dict[str, Any], links: dict[str, list[Record]] | None = None) -> Record:
        with self.lock:
            record = self.tables[resource].insert(self.new_record(resource, values))
            if links:
                self.links[(resource, record["id"])] = links
            return record

    def save(self, resource: str, record: Record) -> None:
        """Store a full replacement of an existing record (indexes follow)."""
        with self.lock:
            self.tables[resource].replace(record)

    def delete(self, resource: str, rid: int) -> None:
        with self.lock:
            table = self.tables[resource]
            if rid not in table.rows:
                raise WriteError(404, 92, "Invalid ID")
            if resource == "products":
                for combo in self.tables["combinations"].where("id_product", rid):
                    self.tables["combinations"].delete(combo["id"])
                    self.links.pop(("combinations", combo["id"]), None)
                for row in self.tables["stock_availables"].where("id_product", rid):
                    self.tables["stock_availables"].delete(row["id"])
            if resource == "combinations":
                combo = table.rows[rid]
                for row in self.tables["stock_availables"].where("id_product", combo["id_product"]):
                    if row["id_product_attribute"] == rid:
                        self.tables["stock_availables"].delete(row["id"])
                self._resum(combo["id_product"], 1)
            table.delete(rid)
            self.links.pop((resource, rid), None)

    # ------------------------------------------------------------ associations
    def stored_links(self, resource: str, rid: int) -> dict[str, list[Record]]:
        return self.links.get((resource, rid), {})

    def set_links(self, resource: str, rid: int, name: str, items: list[Record]) -> None:
        with self.lock:
            self.links.setdefault((resource, rid), {})[name] = items

    def association_items(self, resource: str, record: Record, name: str) -> list[Record]:
        """Items of one association of a record, derived from other tables where PrestaShop does."""
        rid = record["id"]
        if resource == "products":
            if name == "combinations":
                return [{"id": c["id"]} for c in self.listed_combinations(rid)]
            if name == "stock_availables":
                rows = sorted(
                    self.tables["stock_availables"].where("id_product", rid),
                    key=lambda r: (r["id_product_attribute"], r["id"]),
                )
                return [{"id": r["id"], "id_product_attribute": r["id_product_attribute"]} for r in rows]
            if name == "product_option_values":
                seen: dict[int, None] = {}
                for combo in self.listed_combinations(rid):
                    for item in self.stored_links("combinations", combo["id"]).get("product_option_values", []):
                        seen.setdefault(item["id"], None)
                return [{"id": value} for value in seen]
        if resource == "orders" and name == "order_rows":
            return [order_row(detail) for detail in self.tables["order_details"].where("id_order", rid)]
        if resource == "customer_threads" and name == "customer_messages":
            return [{"id": m["id"]} for m in self.tables["customer_messages"].where("id_customer_thread", rid)]
        return list(self.stored_links(resource, rid).get(name, []))

    def listed_combinations(self, id_product: int) -> list[Record]:
        """A product's combinations in the order its ``associations`` list them.

        By id, unless the product carries a recorded order (``links["combinations"]``, loaded from
        the demo dump: 8.1.2 reads an index that usually puts the default combination last);
        combinations the recording does not know come after the recorded ones.
        """
        combos = self.tables["combinations"].where("id_product", id_product)
        recorded = self.stored_links("products", id_product).get("combinations")
        if not recorded:
            return combos
        rank = {item["id"]: position for position, item in enumerate(recorded)}
        return sorted(combos, key=lambda c: rank.get(c["id"], len(rank)))

    # ------------------------------------------------------------------ stock
    def stock_row(self, stock_id: int) -> Record:
        """A copy of one stock_availables row; KeyError when it does not exist."""
        with self.lock:
            row = self.tables["stock_availables"].get(stock_id)
            if row is None:
                raise KeyError(stock_id)
            return dict(row)

    def stock_row_for(self, id_product: int, id_product_attribute: int = 0, id_shop: int = 1) -> Record:
        with self.lock:
            for row in self.tables["stock_availables"].where("id_product", id_product):
                if row["id_product_attribute"] == id_product_attribute and row["id_shop"] == id_shop:
                    return dict(row)
            raise KeyError((id_product, id_product_attribute, id_shop))

    def stock_quantity(self, id_product: int, id_product_attribute: int = 0) -> int:
        return int(self.stock_row_for(id_product, id_product_attribute)["quantity"])

    def set_stock(self, id_product: int, id_product_attribute: int, quantity: int) -> None:
        """Set one row's quantity directly (as the back office would) and re-sum the product row."""
        with self.lock:
            row = dict(self.stock_row_for(id_product, id_product_attribute))
            row["quantity"] = int(quantity)
            self.tables["stock_availables"].replace(row)
            self.after_stock_write(row)

    def after_stock_write(self, row: Record) -> None:
        """PrestaShop re-sums the product-level row when a combination row changes."""
        if row["id_product_attribute"]:
            self._resum(row["id_product"], row["id_shop"])

    def _resum(self, id_product: int, id_shop: int) -> None:
        rows = self.tables["stock_availables"].where("id_product", id_product)
        parent = next((r for r in rows if r["id_product_attribute"] == 0 and r["id_shop"] == id_shop), None)
        if parent is None:
            return
        total = sum(r["quantity"] for r in rows if r["id_product_attribute"] and r["id_shop"] == id_shop)
        if parent["quantity"] != total:
            self.tables["stock_availables"].replace({**parent, "quantity": total})

    def add_stock_row(self, id_product: int, id_product_attribute: int, quantity: int = 0) -> Record:
        return self.insert(
            "stock_availables",
            {
                "id_product": id_product,
                "id_product_attribute": id_product_attribute,
                "id_shop": 1,
                "id_shop_group": 0,
                "quantity": quantity,
                "depends_on_stock": "0",
                "out_of_stock": 2,
                "location": "",
            },
        )

    def _move_stock(self, id_product: int, id_product_attribute: int, delta: int) -> None:
        try:
            row = dict(self.stock_row_for(id_product, id_product_attribute))
        except KeyError:
            return
        row["quantity"] += delta
        self.tables["stock_availables"].replace(row)
        self.after_stock_write(row)

    # --------------------------------------------------------------- catalogue
    def product(self, id_product: int) -> Record | None:
        return self.get("products", id_product)

    def combination(self, id_combination: int) -> Record | None:
        return self.get("combinations", id_combination)

    def combinations_of(self, id_product: int) -> list[Record]:
        with self.lock:
            return [dict(c) for c in self.tables["combinations"].where("id_product", id_product)]

    def combination_label(self, id_combination: int, lang: int = 1) -> str:
        """ "Color : Red, Size : M" — the suffix PrestaShop puts in order line names."""
        groups = {2: (0, "Color"), 1: (1, "Size"), 3: (2, "Size"), 4: (3, "Style")}
        parts = []
        for item in self.stored_links("combinations", id_combination).get("product_option_values", []):
            value = self.tables["product_option_values"].get(item["id"])
            if value is not None:
                rank, group = groups.get(value["id_attribute_group"], (9, "Option"))
                parts.append((rank, f"{group} : {value['name'].get(lang, '')}"))
        return ", ".join(text for _, text in sorted(parts))

    # ------------------------------------------------------------------ orders
    def order(self, id_order: int) -> Record | None:
        """A copy of an order with its lines under ``associations.order_rows``."""
        with self.lock:
            row = self.tables["orders"].get(id_order)
            if row is None:
                return None
            result = dict(row)
            result["associations"] = {"order_rows": self.association_items("orders", row, "order_rows")}
            return result

    def order_lines(self, id_order: int) -> list[Record]:
        """The order_details rows of an order (copies)."""
        with self.lock:
            return [dict(d) for d in self.tables["order_details"].where("id_order", id_order)]

    def order_histories(self, id_order: int) -> list[Record]:
        with self.lock:
            return [dict(h) for h in self.tables["order_histories"].where("id_order", id_order)]

    def order_carrier(self, id_order: int) -> Record | None:
        """The order's first order_carriers row (the one ``orders.shipping_number`` mirrors)."""
        with self.lock:
            rows = self.tables["order_carriers"].where("id_order", id_order)
            return dict(rows[0]) if rows else None

    def set_tracking_number(self, id_order: int, tracking_number: str) -> None:
        with self.lock:
            rows = self.tables["order_carriers"].where("id_order", id_order)
            if not rows:
                raise KeyError(id_order)
            self.tables["order_carriers"].replace({**rows[0], "tracking_number": tracking_number})
            self.sync_shipping_number(id_order)

    def sync_shipping_number(self, id_order: int) -> None:
        order = self.tables["orders"].get(id_order)
        if order is None:
            return
        rows = self.tables["order_carriers"].where("id_order", id_order)
        number = rows[0]["tracking_number"] if rows else ""
        if order["shipping_number"] != number:
            self.tables["orders"].replace({**order, "shipping_number": number})

    def new_reference(self) -> str:
        return "".join(self.rng.choice(string.ascii_uppercase) for _ in range(9))

    def place_order(
        self,
        lines: Sequence[OrderLine | tuple[int, int, int]],
        *,
        id_customer: int | None = None,
        id_address_delivery: int | None = None,
        id_address_invoice: int | None = None,
        id_carrier: int | None = None,
        id_currency: int = 1,
        id_lang: int = 1,
        module: str = "ps_checkpayment",
        payment: str | None = None,
        current_state: int | None = None,
        note: str = "",
        at: datetime | None = None,
        lower_stock: bool = True,
    ) -> int:
        """Create an order as a customer checking out would; returns the new order id.

        Prices come from the products (price + combination impact, 23% VAT), the order gets a
        9-letter reference, order_details rows, one order_carriers row and its first history
        row, and (unless ``lower_stock`` is False) the ordered quantities leave the shop's stock
        rows, re-summing each product-level row. Dates are ``at`` (default: now), shop-local.
        Raises WriteError for unknown customers, addresses, carriers, products or combinations.
        """
        with self.lock:
            parsed = [line if isinstance(line, OrderLine) else OrderLine(*line) for line in lines]
            if not parsed:
                raise WriteError(400, 41, 'parameter "order_rows" required')
            id_customer = self._order_customer(id_customer)
            id_address_delivery, id_address_invoice = self._order_addresses(
                id_customer, id_address_delivery, id_address_invoice
            )
            id_carrier, carrier = self._order_carrier(id_carrier)
            payment, current_state = self._order_payment(module, payment, current_state)
            details = [self._detail_values(line, id_lang) for line in parsed]

            moment = self.local_time(at) if at is not None else self.now_local()
            products_excl = sum((Decimal(d["total_price_tax_excl"]) for d in details), Decimal(0))
            products_incl = sum((Decimal(d["total_price_tax_incl"]) for d in details), Decimal(0))
            ship_excl = Decimal(0) if carrier["is_free"] == "1" else Decimal("7.00")
            ship_incl = (ship_excl * (1 + VAT_RATE)).quantize(Decimal("0.01"))
            order = self.insert(
                "orders",
                {
                    "id_address_delivery": id_address_delivery,
                    "id_address_invoice": id_address_invoice,
                    "id_cart": self.tables["orders"].next_id,
                    "id_currency": id_currency,
                    "id_lang": id_lang,
                    "id_customer": id_customer,
                    "id_carrier": id_carrier,
                    "current_state": current_state,
                    "module": module,
                    "payment": payment,
                    "date_add": moment,
                    "date_upd": moment,
                    "note": note,
                    "secure_key": "".join(self.rng.choice("0123456789abcdef") for _ in range(32)),
                    "total_paid": money(products_incl + ship_incl),
                    "total_paid_tax_incl": money(products_incl + ship_incl),
                    "total_paid_tax_excl": money(products_excl + ship_excl),
                    "total_products": money(products_excl),
                    "total_products_wt": money(products_incl),
                    "total_shipping": money(ship_incl),
                    "total_shipping_tax_incl": money(ship_incl),
                    "total_shipping_tax_excl": money(ship_excl),
                    "carrier_tax_rate": money(VAT_RATE * 100, 3),
                    "conversion_rate": "1.000000",
                    "reference": self.new_reference(),
                },
            )
            oid = order["id"]
            weight = self._insert_order_lines(oid, parsed, details, lower_stock=lower_stock)
            self.insert(
                "order_carriers",
                {
                    "id_order": oid,
                    "id_carrier": id_carrier,
                    "weight": money(weight),
                    "shipping_cost_tax_excl": money(ship_excl),
                    "shipping_cost_tax_incl": money(ship_incl),
                    "date_add": moment,
                },
            )
            self._enter_state(oid, current_state, moment, previous=None)
            return oid

    def _order_customer(self, id_customer: int | None) -> int:
        """The ordering customer (default: the first one); raises WriteError for an unknown one."""
        customers = self.tables["customers"]
        if id_customer is None:
            id_customer = min(customers.rows) if customers.rows else 0
        if customers.get(id_customer) is None:
            raise WriteError(400, 85, 'Validation error: "Property Order->id_customer is not valid"')
        return id_customer

    def _order_addresses(
        self, id_customer: int, id_address_delivery: int | None, id_address_invoice: int | None
    ) -> tuple[int, int]:
        """The delivery (default: the customer's first address) and invoice (default: the delivery)
        addresses; raises WriteError for an unknown one."""
        if id_address_delivery is None:
            own = self.tables["addresses"].where("id_customer", id_customer)
            id_address_delivery = own[0]["id"] if own else 0
        id_address_invoice = id_address_invoice or id_address_delivery
        for name, value in (
            ("id_address_delivery", id_address_delivery),
            ("id_address_invoice", id_address_invoice),
        ):
            if self.tables["addresses"].get(value) is None:
                raise WriteError(400, 85, f'Validation error: "Property Order->{name} is not valid"')
        return id_address_delivery, id_address_invoice

    def _order_carrier(self, id_carrier: int | None) -> tuple[int, Record]:
        """The carrier (default: the first active one) and its row; raises WriteError for an unknown one."""
        carriers = self.tables["carriers"]
        if id_carrier is None:
            id_carrier = next((c["id"] for c in carriers if c["deleted"] == "0" and c["active"] == "1"), 0)
        carrier = carriers.get(id_carrier)
        if carrier is None:
            raise WriteError(400, 85, 'Validation error: "Property Order->id_carrier is not valid"')
        return id_carrier, carrier

    def _order_payment(self, module: str, payment: str | None, current_state: int | None) -> tuple[str, int]:
        """The payment label and first state (defaults: the payment module's); raises WriteError
        for an unknown state."""
        known = {m: (label, state) for m, label, state in PAYMENT_MODULES}
        if payment is None:
            payment = known.get(module, (module, 1))[0]
        if current_state is None:
            current_state = known.get(module, ("", 1))[1]
        if self.tables["order_states"].get(current_state) is None:
            raise WriteError(400, 85, 'Validation error: "Property Order->current_state is not valid"')
        return payment, current_state

    def _insert_order_lines(
        self, oid: int, lines: Sequence[OrderLine], details: list[Record], *, lower_stock: bool
    ) -> Decimal:
        """Insert the order_details rows (taking the ordered quantities from stock unless
        ``lower_stock`` is False); returns the order's weight."""
        weight = Decimal(0)
        for values, line in zip(details, lines, strict=True):
            available = self._available(line)
            values["product_quantity_in_stock"] = max(0, min(line.quantity, available))
            self.insert("order_details", {**values, "id_order": oid})
            weight += Decimal(values["product_weight"]) * line.quantity
            if lower_stock:
                self._move_stock(line.product_id, line.product_attribute_id, -line.quantity)
        return weight

    def _available(self, line: OrderLine) -> int:
        try:
            return self.stock_quantity(line.product_id, line.product_attribute_id)
        except KeyError:
            return 0

    def _detail_values(self, line: OrderLine, id_lang: int) -> Record:
        product = self.tables["products"].get(line.product_id)
        if product is None:
            raise WriteError(400, 85, f'Validation error: "product_id {line.product_id} is not valid"')
        combo = None
        if line.product_attribute_id:
            combo = self.tables["combinations"].get(line.product_attribute_id)
            if combo is None or combo["id_product"] != line.product_id:
                raise WriteError(
                    400, 85, f'Validation error: "product_attribute_id {line.product_attribute_id} is not valid"'
                )
        if line.quantity < 1:
            raise WriteError(400, 85, 'Validation error: "product_quantity is not valid"')
        unit_excl = Decimal(product["price"]) + (Decimal(combo["price"]) if combo else 0)
        unit_incl = (unit_excl * (1 + VAT_RATE)).quantize(Decimal("0.01"))
        name = product["name"].get(id_lang) or product["name"].get(1, "")
        if combo:
            label = self.combination_label(combo["id"], id_lang)
            name = f"{name} - {label}" if label else name

        def pick(key: str) -> str:
            return str((combo or {}).get(key) or product[key])

        return {
            "product_id": line.product_id,
            "product_attribute_id": line.product_attribute_id,
            "id_shop": 1,
            "product_name": name,
            "product_quantity": line.quantity,
            "product_price": money(unit_excl),
            "product_ean13": pick("ean13"),
            "product_isbn": pick("isbn"),
            "product_upc": pick("upc"),
            "product_mpn": pick("mpn"),
            "product_reference": pick("reference"),
            "product_supplier_reference": pick("supplier_reference"),
            "product_weight": money(Decimal(product["weight"]) + (Decimal(combo["weight"]) if combo else 0)),
            "id_tax_rules_group": product["id_tax_rules_group"],
            "unit_price_tax_incl": money(unit_incl),
            "unit_price_tax_excl": money(unit_excl),
            "total_price_tax_incl": money(unit_incl * line.quantity),
            "total_price_tax_excl": money(unit_excl * line.quantity),
            "original_product_price": money(unit_excl),
            "original_wholesale_price": product["wholesale_price"],
        }

    def change_order_state(
        self, id_order: int, id_order_state: int, id_employee: int = 0, at: datetime | None = None
    ) -> Record:
        """What ``POST /api/order_histories`` does: a new history row and the order updated.

        Sets ``current_state``, ``valid`` (the state's ``logable``) and ``date_upd`` (now); the
        first state with ``invoice=1`` assigns an invoice number and date, the first with
        ``delivery=1`` a delivery number and date, the first with ``paid=1`` fills
        ``total_paid_real``; entering Canceled or Payment error puts the ordered quantities back
        into stock. Posting the current state again is allowed, as on a real shop. ``at``
        (default: now) dates the change.
        """
        with self.lock:
            order = self.tables["orders"].get(id_order)
            if order is None:
                raise WriteError(400, 85, 'Validation error: "Property OrderHistory->id_order is not valid"')
            if self.tables["order_states"].get(id_order_state) is None:
                raise WriteError(400, 85, 'Validation error: "Property OrderHistory->id_order_state is not valid"')
            moment = self.local_time(at) if at is not None else self.now_local()
            return self._enter_state(
                id_order, id_order_state, moment, previous=order["current_state"], employee=id_employee
            )

    def _enter_state(
        self, id_order: int, id_state: int, moment: str, previous: int | None, employee: int = 0
    ) -> Record:
        state = self.tables["order_states"].rows[id_state]
        order = dict(self.tables["orders"].rows[id_order])
        order["current_state"] = id_state
        order["valid"] = state["logable"]
        order["date_upd"] = moment
        if state["invoice"] == "1" and not order["invoice_number"]:
            self.invoice_counter += 1
            order["invoice_number"] = self.invoice_counter
            order["invoice_date"] = moment
        if state["delivery"] == "1" and not order["delivery_number"]:
            self.delivery_counter += 1
            order["delivery_number"] = self.delivery_counter
            order["delivery_date"] = moment
        if state["paid"] == "1" and Decimal(order["total_paid_real"]) == 0:
            order["total_paid_real"] = order["total_paid_tax_incl"]
        self.tables["orders"].replace(order)
        restock = {STATE_CANCELED, STATE_ERROR}
        if previous is not None and id_state in restock and previous not in restock:
            for detail in self.tables["order_details"].where("id_order", id_order):
                self._move_stock(detail["product_id"], detail["product_attribute_id"], detail["product_quantity"])
        return self.insert(
            "order_histories",
            {"id_employee": employee, "id_order_state": id_state, "id_order": id_order, "date_add": moment},
        )

    def touch_order(
        self,
        id_order: int,
        *,
        state: int | None = None,
        lines: Sequence[OrderLine | tuple[int, int, int]] | None = None,
        note: str | None = None,
        **fields: Any,
    ) -> None:
        """Change an order the way the back office would and bump its ``date_upd``.

        ``state`` goes through :meth:`change_order_state` (history row, side effects);
        ``lines`` replaces the order's order_details rows (stock untouched, totals recomputed);
        ``note`` and other ``fields`` (stored values, e.g. ``gift="1"``) are written as given.
        """
        with self.lock:
            if self.tables["orders"].get(id_order) is None:
                raise KeyError(id_order)
            if state is not None:
                self.change_order_state(id_order, state)
            order = dict(self.tables["orders"].rows[id_order])
            if lines is not None:
                for detail in self.tables["order_details"].where("id_order", id_order):
                    self.tables["order_details"].delete(detail["id"])
                parsed = [line if isinstance(line, OrderLine) else OrderLine(*line) for line in lines]
                excl = incl = Decimal(0)
                for line in parsed:
                    values = self._detail_values(line, order["id_lang"])
                    values["product_quantity_in_stock"] = line.quantity
                    self.insert("order_details", {**values, "id_order": id_order})
                    excl += Decimal(values["total_price_tax_excl"])
                    incl += Decimal(values["total_price_tax_incl"])
                ship_incl = Decimal(order["total_shipping_tax_incl"])
                ship_excl = Decimal(order["total_shipping_tax_excl"])
                order.update(
                    total_products=money(excl),
                    total_products_wt=money(incl),
                    total_paid=money(incl + ship_incl),
                    total_paid_tax_incl=money(incl + ship_incl),
                    total_paid_tax_excl=money(excl + ship_excl),
                )
            if note is not None:
                order["note"] = note
            order.update(fields)
            order["date_upd"] = self.now_local()
            self.tables["orders"].replace(order)


def order_row(detail: Record) -> Record:
    """The ``associations.order_rows`` view of an order_details row."""
    return {
        "id": detail["id"],
        "product_id": detail["product_id"],
        "product_attribute_id": detail["product_attribute_id"],
        "product_quantity": detail["product_quantity"],
        "product_name": detail["product_name"],
        "product_reference": detail["product_reference"],
        "product_ean13": detail["product_ean13"],
        "product_isbn": detail["product_isbn"],
        "product_upc": detail["product_upc"],
        "product_price": detail["product_price"],
        "id_customization": detail["id_customization"],
        "unit_price_tax_incl": detail["unit_price_tax_incl"],
        "unit_price_tax_excl": detail["unit_price_tax_excl"],
    }


def ean13(body12: str) -> str:
    """Append the EAN-13 check digit to 12 digits."""
    total = sum(map(int, body12[0::2])) + 3 * sum(map(int, body12[1::2]))
    return body12 + str((10 - total % 10) % 10)


def upc_a(body11: str) -> str:
    """Append the UPC-A check digit to 11 digits."""
    total = 3 * sum(map(int, body11[0::2])) + sum(map(int, body11[1::2]))
    return body11 + str((10 - total % 10) % 10)
