"""``dataset="messy"``: the recorded demo shop plus a generated catalogue that looks like real shops' mess.

Everything of ``dataset="demo"`` is there with its recorded ids and values (products 1-19,
combinations 1-39, stock rows 1-58, orders 1-5, customers 1-2, addresses 1-6, ...; see ``demo.py``),
then, deterministic from ``seed`` and sized by ``products`` (N), ``combinations`` (C) and ``orders``:

* products ``20 .. 19+N``; product ``p`` has kind ``KINDS[(p - 20) % 8]``:

  =========  ======================  ====================================================================
  (p-20)%8   kind                    what it is (products 20-27, then again from 28)
  =========  ======================  ====================================================================
  0          ``variants_ean``        C combinations, each with its own EAN-13; none on the product
  1          ``variants_no_ean``     C combinations, no EAN-13 anywhere
  2          ``variants_some_ean``   C combinations, only the 1st, 3rd, ... have an EAN-13
  3          ``simple_ean``          no combinations, reference and EAN-13
  4          ``simple_no_ean``       no combinations, a reference but no EAN-13
  5          ``inactive_simple``     inactive, no combinations, EAN-13
  6          ``inactive_variants``   inactive, C combinations with EAN-13s
  7          ``duplicate_ean``       no combinations; product 27 has the EAN-13 of product 23
                                     (``DUPLICATE_EAN_PRODUCTS``), later ones their own
  =========  ======================  ====================================================================

  Every combination carries its product's reference (``MESSY-<p>``), as on the demo shop; kinds
  with combinations have none when C is 0. A product's ``associations.combinations`` lists its
  default combination (the first) last, as 8.1.2 does;
* combinations ``40 ..`` and stock rows ``59 ..`` follow in product order; a product's stock rows are
  its product-level row, then one row per combination (the product-level row holds their sum);
  before the historic orders each combination's (or simple product's) row held :func:`base_quantity`;
* customers ``3 .. 2+K`` (K = ``customers``, default max(3, (M + 1) // 2)), each with one address
  (id = customer id + 4, ``ADDRESS_OFFSET``) in Poland;
* orders ``6 .. 5+M`` (M = max(``orders``, 8)), historic: order ``i`` (``i`` = id - 5) was placed
  ``M - i + 1`` days before the clock's now with 1-3 lines of the generated products (the demo
  records stay as recorded), module by ``(i - 1) % 3`` (check, bank transfer, cash on delivery),
  carrier 2 or 1, and followed ``ORDER_PATHS[(i - 1) % 8]`` (:func:`order_path`): awaiting payment,
  payment accepted, processing, shipped (with a tracking number), delivered, canceled, refunded,
  payment error. Stock moved as on a real shop: the ordered quantities left the stock rows (never
  below zero); canceled and payment-error orders (``RESTOCKING_STATES``) returned theirs. With no
  generated product (``products=0``) there are no historic orders.

With the defaults (products=20, combinations=3, orders=10): products 20-39, of which 25, 26, 33 and
34 are inactive and 23 and 27 share an EAN-13; combinations 40-72; stock rows 59-111; orders 6-15;
customers 3-7 with addresses 7-11. :func:`messy_layout` computes these ids for any sizes (kinds,
variants, EAN-13 codes, stock row ids, inactive products) without building the shop.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from local.prestashop.data import PAYMENT_MODULES, Record, ShopData, ean13, money
from local.prestashop.demo import load_demo
from local.prestashop.generator import (
    _ADJECTIVES,
    _CITIES,
    _FIRST_NAMES,
    _IMPACTS,
    _LAST_NAMES,
    _NOUNS,
    COLOURS,
    SIZES,
    _lang,
    _slug,
)

FIRST_PRODUCT = 20
FIRST_COMBINATION = 40
FIRST_STOCK_ROW = 59
FIRST_ORDER = 6
FIRST_CUSTOMER = 3
ADDRESS_OFFSET = 4  # a generated customer's address id is the customer id + 4 (after the demo's 6)

KINDS: tuple[str, ...] = (
    "variants_ean",
    "variants_no_ean",
    "variants_some_ean",
    "simple_ean",
    "simple_no_ean",
    "inactive_simple",
    "inactive_variants",
    "duplicate_ean",
)
WITH_VARIANTS = frozenset({"variants_ean", "variants_no_ean", "variants_some_ean", "inactive_variants"})
WITHOUT_EAN = frozenset({"variants_no_ean", "simple_no_ean"})
INACTIVE = frozenset({"inactive_simple", "inactive_variants"})
DUPLICATE_EAN_PRODUCTS: tuple[int, int] = (23, 27)  # needs products >= 8

ORDER_PATHS: tuple[tuple[str, tuple[int, ...]], ...] = (
    # (what the order ends as, states after the payment module's initial one)
    ("awaiting payment", ()),
    ("payment accepted", (2,)),
    ("processing", (2, 3)),
    ("shipped", (2, 3, 4)),
    ("delivered", (2, 3, 4, 5)),
    ("canceled", (6,)),
    ("refunded", (2, 7)),
    ("payment error", (8,)),
)
RESTOCKING_STATES = frozenset({6, 8})
CATEGORIES = (4, 5, 7, 8, 9)  # Men, Women, Stationery, Home Accessories, Art (all under Home, 2)


@dataclass(frozen=True)
class Variant:
    """One sellable row: a combination (``combination_id`` 0 for a product without combinations)."""

    combination_id: int
    stock_id: int
    ean13: str


@dataclass(frozen=True)
class MessyProduct:
    id: int
    kind: str
    stock_id: int  # the product-level stock row
    ean13: str  # the product's own EAN-13
    variants: tuple[Variant, ...]  # combinations, or the product itself when it has none

    @property
    def active(self) -> bool:
        return self.kind not in INACTIVE

    @property
    def reference(self) -> str:
        return f"MESSY-{self.id}"

    @property
    def has_combinations(self) -> bool:
        return any(v.combination_id for v in self.variants)


@dataclass(frozen=True)
class MessyLayout:
    products: tuple[MessyProduct, ...]
    orders: range
    customers: range

    def product(self, product_id: int) -> MessyProduct:
        return self.products[product_id - FIRST_PRODUCT]

    def of_kind(self, kind: str) -> list[int]:
        return [p.id for p in self.products if p.kind == kind]

    @property
    def inactive(self) -> list[int]:
        return [p.id for p in self.products if not p.active]

    @property
    def with_combinations(self) -> list[int]:
        return [p.id for p in self.products if p.has_combinations]

    @property
    def without_combinations(self) -> list[int]:
        return [p.id for p in self.products if not p.has_combinations]


def base_quantity(product_id: int, combination_id: int) -> int:
    """What a generated variant's stock row held before the historic orders (0 for some)."""
    return (product_id * 37 + combination_id * 11) % 61


def order_path(order_id: int) -> tuple[str, tuple[int, ...]]:
    """The ``ORDER_PATHS`` entry a historic order followed."""
    return ORDER_PATHS[(order_id - FIRST_ORDER) % len(ORDER_PATHS)]


def messy_layout(products: int, combinations: int, orders: int = 0, customers: int | None = None) -> MessyLayout:
    """The ids of what ``build_messy`` adds for these sizes."""
    built: list[MessyProduct] = []
    combo_id, stock_id = FIRST_COMBINATION, FIRST_STOCK_ROW
    for pid in range(FIRST_PRODUCT, FIRST_PRODUCT + products):
        kind = KINDS[(pid - FIRST_PRODUCT) % len(KINDS)]
        count = combinations if kind in WITH_VARIANTS else 0
        variants = tuple(
            Variant(combo_id + k, stock_id + 1 + k, _variant_ean(kind, combo_id + k, k)) for k in range(count)
        )
        own_ean = "" if count or kind in WITHOUT_EAN else _product_ean(pid)
        built.append(MessyProduct(pid, kind, stock_id, own_ean, variants or (Variant(0, stock_id, own_ean),)))
        combo_id, stock_id = combo_id + count, stock_id + 1 + count
    n_orders = max(orders, len(ORDER_PATHS))
    n_customers = customers if customers is not None else max(3, (n_orders + 1) // 2)
    return MessyLayout(
        tuple(built),
        range(FIRST_ORDER, FIRST_ORDER + n_orders),
        range(FIRST_CUSTOMER, FIRST_CUSTOMER + n_customers),
    )


def _product_ean(product_id: int) -> str:
    source = DUPLICATE_EAN_PRODUCTS[0] if product_id == DUPLICATE_EAN_PRODUCTS[1] else product_id
    return ean13(f"590{source:09d}")


def _variant_ean(kind: str, combination_id: int, k: int) -> str:
    if kind == "variants_no_ean" or (kind == "variants_some_ean" and k % 2):
        return ""
    return ean13(f"591{combination_id:09d}")


# ------------------------------------------------------------------------------- building
def build_messy(
    data: ShopData,
    *,
    products: int,
    combinations: int,
    orders: int,
    customers: int | None,
    seed: int,
    shop_name: str | None,
) -> str:
    """The demo shop plus the generated mess (see the module docstring); returns the shop's name."""
    if combinations > len(SIZES) * len(COLOURS):
        raise ValueError(f"at most {len(SIZES) * len(COLOURS)} combinations per product")
    name = load_demo(data, shop_name)
    layout = messy_layout(products, combinations, orders, customers)
    rng = random.Random(seed)
    now = data.clock()
    span = timedelta(days=400)  # products were added over the last 400 days, in id order
    for k, product in enumerate(layout.products):
        _add_product(data, rng, product, now - span + span * k / len(layout.products))
    _add_customers(data, rng, layout.customers, now - timedelta(days=500))
    _add_orders(data, rng, layout, now)
    return name


def _add_product(data: ShopData, rng: random.Random, product: MessyProduct, added: datetime) -> None:
    pid = product.id
    adjective, noun = rng.choice(_ADJECTIVES), rng.choice(_NOUNS)
    en, pl = f"{adjective[0]} {noun[0]} {pid}", f"{noun[1]} {adjective[1].lower()} {pid}"
    category = CATEGORIES[pid % len(CATEGORIES)]
    cents = 499 + rng.randrange(19_500)
    first_combo = product.variants[0].combination_id
    moment = data.local_time(added)
    data.insert(
        "products",
        {
            "id": pid,
            "id_manufacturer": 1 + pid % 2,
            "id_supplier": 1 + pid % 2,
            "id_category_default": category,
            "cache_default_attribute": first_combo,
            "id_default_combination": first_combo,
            "id_tax_rules_group": 1,
            "position_in_category": pid,
            "manufacturer_name": ("Studio Design", "Graphic Corner")[pid % 2],
            "reference": product.reference,
            "weight": "0.300000",
            "ean13": product.ean13,
            "product_type": "combinations" if product.has_combinations else "standard",
            "price": money(cents / 100),
            "wholesale_price": money(cents * 6 // 10 / 100),
            "active": "1" if product.active else "0",
            "redirect_type": "301-category",
            "indexed": "1",
            "date_add": moment,
            "date_upd": moment,
            "link_rewrite": _lang(_slug(en), _slug(pl)),
            "name": _lang(en, pl),
            "description": _lang(f"<p>{en}.</p>", f"<p>{pl}.</p>"),
            "description_short": _lang(f"<p>{en}.</p>", f"<p>{pl}.</p>"),
        },
        _product_links(product, category),
    )
    for k, variant in enumerate(product.variants if product.has_combinations else ()):
        _add_combination(data, rng, product, variant, k)
    _add_stock(data, product)
    for cid in (2, category):
        items = data.links.setdefault(("categories", cid), {}).setdefault("products", [])
        items.append({"id": pid})


def _product_links(product: MessyProduct, category: int) -> dict[str, list[Record]]:
    links: dict[str, list[Record]] = {"categories": [{"id": 2}, {"id": category}]}
    if product.has_combinations:
        combos = [{"id": v.combination_id} for v in product.variants]
        links["combinations"] = combos[1:] + combos[:1]  # 8.1.2 lists the default combination last
    return links


def _add_combination(data: ShopData, rng: random.Random, product: MessyProduct, variant: Variant, k: int) -> None:
    size = SIZES[k % len(SIZES)]
    colour = COLOURS[(k // len(SIZES) + product.id) % len(COLOURS)]
    data.insert(
        "combinations",
        {
            "id": variant.combination_id,
            "id_product": product.id,
            "reference": product.reference,
            "ean13": variant.ean13,
            "price": rng.choice(_IMPACTS) if k else _IMPACTS[0],
            "default_on": "1" if k == 0 else "",
        },
        {"product_option_values": [{"id": size}, {"id": colour}]},
    )


def _add_stock(data: ShopData, product: MessyProduct) -> None:
    quantities = [base_quantity(product.id, v.combination_id) for v in product.variants]
    rows = [(product.stock_id, 0, sum(quantities))] if product.has_combinations else []
    rows += [(v.stock_id, v.combination_id, q) for v, q in zip(product.variants, quantities, strict=True)]
    for stock_id, combination_id, quantity in rows:
        data.insert(
            "stock_availables",
            {
                "id": stock_id,
                "id_product": product.id,
                "id_product_attribute": combination_id,
                "id_shop": 1,
                "quantity": quantity,
            },
        )


def _add_customers(data: ShopData, rng: random.Random, ids: range, added: datetime) -> None:
    moment = data.local_time(added)
    for cid in ids:
        first, last = rng.choice(_FIRST_NAMES), rng.choice(_LAST_NAMES)
        city, postcode = rng.choice(_CITIES)
        data.insert(
            "customers",
            {
                "id": cid,
                "id_lang": 2,
                "last_passwd_gen": moment,
                "secure_key": f"{rng.getrandbits(128):032x}",
                "passwd": "$2y$10$" + "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(53)),
                "lastname": last,
                "firstname": first,
                "email": f"klient{cid}@example.pl",
                "id_gender": 1 + cid % 2,
                "date_add": moment,
                "date_upd": moment,
            },
            {"groups": [{"id": 3}]},
        )
        data.insert(
            "addresses",
            {
                "id": cid + ADDRESS_OFFSET,
                "id_customer": cid,
                "id_country": 14,
                "alias": "Mój adres",
                "lastname": last,
                "firstname": first,
                "address1": f"ul. Długa {cid}",
                "postcode": postcode,
                "city": city,
                "phone": f"+48 600 {cid:06d}",
                "date_add": moment,
                "date_upd": moment,
            },
        )


def _add_orders(data: ShopData, rng: random.Random, layout: MessyLayout, now: datetime) -> None:
    sellable = [(p.id, v.combination_id) for p in layout.products for v in p.variants]
    customers = list(layout.customers)
    for i, oid in enumerate(layout.orders, start=1):
        lines = _order_lines(data, rng, sellable)
        if not lines or not customers:
            return  # nothing left to sell (a catalogue of 0 products)
        module, label, initial = PAYMENT_MODULES[(i - 1) % len(PAYMENT_MODULES)]
        customer = customers[(i - 1) % len(customers)]
        placed = now - timedelta(days=len(layout.orders) - i + 1, hours=3)
        placed_id = data.place_order(
            lines,
            id_customer=customer,
            id_address_delivery=customer + ADDRESS_OFFSET,
            id_carrier=2 if i % 3 else 1,
            module=module,
            payment=label,
            current_state=initial,
            at=placed,
        )
        assert placed_id == oid
        _follow_path(data, oid, order_path(oid)[1], placed)


def _order_lines(data: ShopData, rng: random.Random, sellable: Sequence[tuple[int, int]]) -> list[tuple[int, int, int]]:
    """1-3 distinct variants, 1-3 of each, among those with stock enough (stock never goes below zero)."""
    count = 1 + rng.randrange(3)
    picked = rng.sample(sellable, min(len(sellable), 4 * count))
    chosen = [v for v in picked if data.stock_quantity(*v) >= 3][:count]
    if not chosen:  # a small catalogue that has sold out: any variant still in stock
        chosen = [v for v in sellable if data.stock_quantity(*v) >= 3][:1]
    return [(pid, cid, 1 + rng.randrange(3)) for pid, cid in chosen]


def _follow_path(data: ShopData, oid: int, states: tuple[int, ...], placed: datetime) -> None:
    moment = placed
    for state in states:
        moment += timedelta(hours=2)
        if state == 4:
            data.set_tracking_number(oid, f"PL{oid:010d}")
        data.change_order_state(oid, state, at=moment)
