"""Shop contents: a deterministic generated catalogue, or the records seen in the recordings.

``generated`` (the default) builds any size of catalogue from a seed:

* products ``1..N``; combinations ``(p-1)*C + k`` for k in ``1..C`` (C=0: simple products);
* stock rows: product-level row ``(p-1)*(C+1) + 1``, combination k row ``(p-1)*(C+1) + 1 + k``;
  the product-level row holds the sum of its combinations;
* every product with ``p % 10 == 0`` is inactive, every product with ``p % 25 == 0`` has no EAN-13
  (neither have its combinations); all other EAN-13 codes are unique and valid;
* orders ``1..M``: module by ``(i-1) % 3`` (check, bank transfer, cash on delivery), history path
  by ``((i-1) // 3) % 6`` (see ORDER_PATHS), customer ``(i-1) % customers + 1``, address id =
  customer id, order_carriers row id = order id.

``fixture`` rebuilds the records the recordings show (products 1-19 with combinations 1-39, stock
rows 1-58, orders 1-5 with their lines, carriers 1-4, order states 1-13, ...), so replaying the
recorded requests meets the same ids.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from local.prestashop.data import (
    PAYMENT_MODULES,
    Record,
    ShopData,
    ean13,
    money,
    upc_a,
)

# ---------------------------------------------------------------------------- reference data
ORDER_STATES: tuple[tuple[Any, ...], ...] = (
    # id, en name, pl name, template, flags (unremovable, delivery, hidden, send_email, invoice,
    # logable, shipped, paid, pdf_delivery, pdf_invoice), color, module_name
    (
        1,
        "Awaiting check payment",
        "Oczekiwanie na płatność czekiem",
        "cheque",
        "1001000000",
        "#34209E",
        "ps_checkpayment",
    ),
    (2, "Payment accepted", "Płatność zaakceptowana", "payment", "1001110101", "#3498D8", ""),
    (3, "Processing in progress", "Przygotowanie w toku", "preparation", "1101110100", "#3498D8", ""),
    (4, "Shipped", "Wysłane", "shipped", "1101111100", "#01B887", ""),
    (5, "Delivered", "Dostarczone", "", "1100111100", "#01B887", ""),
    (6, "Canceled", "Anulowane", "order_canceled", "1001000000", "#2C3E50", ""),
    (7, "Refunded", "Zwrot pieniędzy", "refund", "1001100000", "#01B887", ""),
    (8, "Payment error", "Błąd płatności", "payment_error", "1001000000", "#E74C3C", ""),
    (9, "On backorder (paid)", "Oczekiwanie na dostawę (opłacone)", "outofstock", "1001100100", "#3498D8", ""),
    (
        10,
        "Awaiting bank wire payment",
        "Oczekiwanie na płatność przelewem",
        "bankwire",
        "1001000000",
        "#34209E",
        "ps_wirepayment",
    ),
    (11, "Remote payment accepted", "Płatność zdalna zaakceptowana", "payment", "1001110100", "#3498D8", ""),
    (12, "On backorder (not paid)", "Oczekiwanie na dostawę (nieopłacone)", "outofstock", "1001000000", "#34209E", ""),
    (
        13,
        "Awaiting Cash On Delivery validation",
        "Oczekiwanie na płatność przy odbiorze",
        "cashondelivery",
        "1000000000",
        "#34209E",
        "ps_cashondelivery",
    ),
)
_STATE_FLAGS = (
    "unremovable",
    "delivery",
    "hidden",
    "send_email",
    "invoice",
    "logable",
    "shipped",
    "paid",
    "pdf_delivery",
    "pdf_invoice",
)

# Configuration ids as on the recorded shop (fixture 21) where known.
CONFIGURATION_ROWS: tuple[tuple[int, str, str], ...] = (
    (1, "PS_LANG_DEFAULT", "1"),
    (2, "PS_CURRENCY_DEFAULT", "1"),
    (3, "PS_COUNTRY_DEFAULT", "14"),
    (4, "PS_WEBSERVICE", "1"),
    (66, "PS_TIMEZONE", "Europe/Warsaw"),
    (116, "PS_OS_CHEQUE", "1"),
    (118, "PS_OS_PAYMENT", "2"),
    (119, "PS_OS_PREPARATION", "3"),
    (120, "PS_OS_SHIPPING", "4"),
    (121, "PS_OS_DELIVERED", "5"),
    (122, "PS_OS_CANCELED", "6"),
    (123, "PS_OS_REFUND", "7"),
    (124, "PS_OS_ERROR", "8"),
    (125, "PS_OS_OUTOFSTOCK", "9"),
    (126, "PS_OS_BANKWIRE", "10"),
    (127, "PS_OS_WS_PAYMENT", "11"),
    (128, "PS_OS_OUTOFSTOCK_PAID", "9"),
    (129, "PS_OS_OUTOFSTOCK_UNPAID", "12"),
    (130, "PS_OS_COD_VALIDATION", "13"),
    (200, "PS_SHOP_NAME", ""),
)

OPTION_VALUES: tuple[tuple[int, int, str, str, str], ...] = (
    # id, group (1 size, 2 colour, 3 dimension, 4 paper type), en, pl, colour hex; ids as in the
    # demo catalogue of the recorded shop (fixtures 25 and 27)
    (1, 1, "S", "S", ""),
    (2, 1, "M", "M", ""),
    (3, 1, "L", "L", ""),
    (4, 1, "XL", "XL", ""),
    (5, 2, "Grey", "Szary", "#AAB2BD"),
    (6, 2, "Taupe", "Szarobrązowy", "#CFC4A6"),
    (7, 2, "Beige", "Beżowy", "#f5f5dc"),
    (8, 2, "White", "Biały", "#ffffff"),
    (9, 2, "Off White", "Złamana biel", "#faebd7"),
    (10, 2, "Red", "Czerwony", "#E84C3D"),
    (11, 2, "Black", "Czarny", "#434A54"),
    (12, 2, "Camel", "Karmelowy", "#C19A6B"),
    (13, 2, "Orange", "Pomarańczowy", "#F39C11"),
    (14, 2, "Blue", "Niebieski", "#5D9CEC"),
    (15, 2, "Green", "Zielony", "#A0D468"),
    (16, 2, "Yellow", "Żółty", "#F1C40F"),
    (17, 2, "Brown", "Brązowy", "#964B00"),
    (18, 2, "Pink", "Różowy", "#FCCACD"),
    (19, 3, "40x60cm", "40x60cm", ""),
    (20, 3, "60x90cm", "60x90cm", ""),
    (21, 3, "80x120cm", "80x120cm", ""),
    (22, 4, "Ruled", "W linie", ""),
    (23, 4, "Plain", "Gładki", ""),
    (24, 4, "Squarred", "W kratkę", ""),
    (25, 4, "Doted", "W kropki", ""),
)
SIZES = (1, 2, 3, 4)
COLOURS = tuple(range(5, 19))

# Carriers of the generated shop: carrier 2 was edited in the back office, so it is soft-deleted
# and carrier 5 is its current version (same id_reference 2).
GENERATED_CARRIERS: tuple[tuple[int, int, str, str, str, str, str], ...] = (
    # id, id_reference, name, active, deleted, is_free, delay
    (1, 1, "Click and collect", "1", "0", "1", "Pick up in-store"),
    (2, 2, "Courier", "1", "1", "0", "Delivery next day!"),
    (3, 3, "Economy post", "0", "0", "0", "Buy more to pay less!"),
    (4, 4, "Parcel locker", "1", "0", "0", "Delivery in 1-2 days"),
    (5, 2, "Courier", "1", "0", "0", "Delivery next day!"),
    (6, 6, "Pallet freight", "1", "0", "0", "Delivery in 3-5 days"),
)

# History paths of generated orders, by ((i-1) // 3) % 6; "initial" is the module's first state.
ORDER_PATHS: tuple[tuple[int, ...], ...] = (
    (),  # still awaiting payment
    (2,),  # payment accepted
    (2, 3),  # processing in progress
    (2, 3, 4),  # shipped (with a tracking number)
    (2, 3, 4, 5),  # delivered (with a tracking number)
    (6,),  # canceled
)

_IMPACTS = tuple(money(v) for v in (0, 0, 5, 10, -2))
_MANUFACTURERS = ("Studio Design", "Graphic Corner", "Nordic Wear")
_NOUNS = (
    ("T-shirt", "Koszulka"),
    ("Sweater", "Sweter"),
    ("Mug", "Kubek"),
    ("Cushion", "Poduszka"),
    ("Notebook", "Notes"),
    ("Poster", "Plakat"),
    ("Hoodie", "Bluza"),
    ("Cap", "Czapka"),
    ("Backpack", "Plecak"),
    ("Scarf", "Szalik"),
)
_ADJECTIVES = (
    ("Cotton", "Bawełniany"),
    ("Classic", "Klasyczny"),
    ("Vintage", "Retro"),
    ("Eco", "Ekologiczny"),
    ("Premium", "Premium"),
    ("Sport", "Sportowy"),
    ("Urban", "Miejski"),
    ("Mountain", "Górski"),
)
_FIRST_NAMES = ("Anna", "Jan", "Maria", "Piotr", "Katarzyna", "Tomasz", "Agnieszka", "Paweł", "Ewa", "Michał")
_LAST_NAMES = ("Nowak", "Kowalski", "Wiśniewska", "Wójcik", "Kowalczyk", "Kamińska", "Lewandowski", "Zielińska")
_CITIES = (
    ("Warszawa", "00-001"),
    ("Kraków", "30-001"),
    ("Gdańsk", "80-001"),
    ("Poznań", "60-001"),
    ("Wrocław", "50-001"),
)


def _lang(en: str, pl: str | None = None) -> dict[int, str]:
    return {1: en, 2: en if pl is None else pl}


def _slug(text: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in text.lower()).split())


def _fill(data: ShopData, resource: str, rows: Iterable[dict[str, Any]]) -> None:
    """Bulk insert: one defaults template per resource, then each row's values on top."""
    table = data.tables[resource]
    template = data.new_record(resource)
    for values in rows:
        table.insert({**template, **values})


# -------------------------------------------------------------------------- shared reference
def add_reference_data(data: ShopData, shop_name: str, timezone: str, moment: str, *, polish_names: bool) -> None:
    """Languages, shop, currencies, order states, configuration and option values.

    ``polish_names`` (the generated shop) adds Polish names of states and option values and a
    second currency (EUR); the recorded shop had English names in both languages and PLN only.
    """
    _fill(
        data,
        "languages",
        (
            {
                "id": 1,
                "name": "English (English)",
                "iso_code": "en",
                "locale": "en-US",
                "language_code": "en-us",
                "active": "1",
                "date_format_lite": "m/d/Y",
                "date_format_full": "m/d/Y H:i:s",
            },
            {
                "id": 2,
                "name": "Polski (Polish)",
                "iso_code": "pl",
                "locale": "pl-PL",
                "language_code": "pl",
                "active": "1",
                "date_format_lite": "Y-m-d",
                "date_format_full": "Y-m-d H:i:s",
            },
        ),
    )
    _fill(
        data,
        "shops",
        (
            {
                "id": 1,
                "id_shop_group": 1,
                "id_category": 2,
                "active": 1,
                "deleted": 0,
                "name": shop_name,
                "color": "",
                "theme_name": "classic",
            },
        ),
    )
    _fill(
        data,
        "currencies",
        (
            {
                "id": 1,
                "names": _lang("Polish Zloty", "złoty polski"),
                "name": "Polish Zloty",
                "symbol": _lang("zł"),
                "iso_code": "PLN",
                "numeric_iso_code": "985",
                "precision": 2,
                "conversion_rate": "1.000000",
                "active": 1,
                "pattern": _lang(""),
            },
            {
                "id": 2,
                "names": _lang("Euro", "euro"),
                "name": "Euro",
                "symbol": _lang("€"),
                "iso_code": "EUR",
                "numeric_iso_code": "978",
                "precision": 2,
                "conversion_rate": "0.230000",
                "active": 1,
                "pattern": _lang(""),
            },
        )[: 2 if polish_names else 1],
    )
    states = []
    for sid, en, pl, template, flags, color, module in ORDER_STATES:
        row: dict[str, Any] = {
            "id": sid,
            "name": _lang(en, pl if polish_names else en),
            "template": _lang(template),
            "color": color,
            "module_name": module,
        }
        row.update({name: flag for name, flag in zip(_STATE_FLAGS, flags, strict=True)})
        states.append(row)
    # the recorded shop lists states in this (database) order; keep it for id-less listings
    _fill(data, "order_states", states)
    _fill(
        data,
        "configurations",
        (
            {
                "id": cid,
                "name": name,
                "value": timezone if name == "PS_TIMEZONE" else (shop_name if name == "PS_SHOP_NAME" else value),
                "date_add": moment,
                "date_upd": moment,
            }
            for cid, name, value in CONFIGURATION_ROWS
        ),
    )
    _fill(
        data,
        "product_option_values",
        (
            {
                "id": vid,
                "id_attribute_group": group,
                "color": hexa,
                "name": _lang(en, pl if polish_names else en),
                "position": [v for v in OPTION_VALUES if v[1] == group].index((vid, group, en, pl, hexa)),
            }
            for vid, group, en, pl, hexa in OPTION_VALUES
        ),
    )


def _carrier(
    cid: int, ref: int, name: str, active: str, deleted: str, free: str, delay: str, position: int
) -> dict[str, Any]:
    return {
        "id": cid,
        "id_reference": ref,
        "name": name,
        "active": active,
        "deleted": deleted,
        "is_free": free,
        "id_tax_rules_group": 1,
        "shipping_handling": "0" if free == "1" else "1",
        "shipping_method": 1,
        "max_weight": "0.000000",
        "position": position,
        "delay": _lang(delay),
    }


# ------------------------------------------------------------------------------- generated
def build_generated(
    data: ShopData,
    *,
    products: int,
    combinations: int,
    orders: int,
    customers: int | None,
    seed: int,
    shop_name: str,
) -> None:
    if combinations > len(SIZES) * len(COLOURS):
        raise ValueError(f"at most {len(SIZES) * len(COLOURS)} combinations per product")
    rng = random.Random(seed)
    now = data.clock()
    moment = data.local_time(now)
    add_reference_data(data, shop_name, data.timezone, moment, polish_names=True)
    _fill(data, "carriers", (_carrier(*row, position=i) for i, row in enumerate(GENERATED_CARRIERS)))
    _generate_catalogue(data, rng, now, products, combinations)
    n_customers = customers if customers is not None else max(3, (orders + 1) // 2)
    _generate_customers(data, rng, now, n_customers)
    _generate_orders(data, rng, now, orders, n_customers)


def _cents(value: int) -> str:
    return f"{value // 100}.{value % 100:02d}0000"


def _generate_catalogue(data: ShopData, rng: random.Random, now: datetime, n: int, c: int) -> None:
    """Products, combinations and stock rows, built as plain rows and loaded in bulk."""
    p_template = data.new_record("products")
    c_template = data.new_record("combinations")
    s_template = data.new_record("stock_availables", {"id_shop": 1})
    empty_lang = _lang("")
    slugs = {(a, b): (_slug(f"{a[0]} {b[0]}"), _slug(f"{b[1]} {a[1]}")) for a in _ADJECTIVES for b in _NOUNS}
    option_items = {v: {"id": v} for v in (*SIZES, *COLOURS)}
    products, combinations, stock = [], [], []
    span = timedelta(days=400)
    step = span / max(n, 1)
    start = now - span
    random_ = rng.random
    for p in range(1, n + 1):
        adj = _ADJECTIVES[int(random_() * len(_ADJECTIVES))]
        noun = _NOUNS[int(random_() * len(_NOUNS))]
        en, pl = f"{adj[0]} {noun[0]} {p}", f"{noun[1]} {adj[1].lower()} {p}"
        slug_en, slug_pl = slugs[(adj, noun)]
        cents = 499 + int(random_() * 49_500)
        grams = 1 + int(random_() * 49)
        added = start + step * (p - 1)
        updated = min(now, added + timedelta(hours=int(random_() * 72)))
        has_ean = p % 25 != 0
        first_combo = (p - 1) * c + 1 if c else 0
        manufacturer = 1 + p % 3
        products.append(
            {
                **p_template,
                "id": p,
                "id_manufacturer": manufacturer,
                "id_supplier": 1 + p % 2,
                "id_category_default": 3 + p % 7,
                "cache_default_attribute": first_combo,
                "id_default_image": p,
                "id_default_combination": first_combo,
                "id_tax_rules_group": 1,
                "position_in_category": p,
                "manufacturer_name": _MANUFACTURERS[manufacturer - 1],
                "reference": f"SKU-{p:05d}",
                "supplier_reference": f"SUP-{p:05d}",
                "weight": f"{grams // 10}.{grams % 10}00000",
                "ean13": ean13(f"5901{p:08d}") if has_ean else "",
                "isbn": ean13(f"9788{p:08d}"),
                "upc": upc_a(f"0{p:010d}"),
                "mpn": f"MPN{p:06d}",
                "product_type": "combinations" if c else "standard",
                "price": _cents(cents),
                "wholesale_price": _cents(cents * 6 // 10),
                "active": "0" if p % 10 == 0 else "1",
                "redirect_type": "301-category",
                "indexed": "1",
                "date_add": data.local_time(added),
                "date_upd": data.local_time(updated),
                "link_rewrite": {1: f"{slug_en}-{p}", 2: f"{slug_pl}-{p}"},
                "name": {1: en, 2: pl},
                "description": {1: f"<p>{en}.</p>", 2: f"<p>{pl}.</p>"},
                "description_short": {1: f"<p>{adj[0]} {noun[0].lower()}.</p>", 2: f"<p>{pl}.</p>"},
                "delivery_in_stock": empty_lang,
                "delivery_out_stock": empty_lang,
                "meta_description": empty_lang,
                "meta_keywords": empty_lang,
                "meta_title": empty_lang,
                "available_now": empty_lang,
                "available_later": empty_lang,
            }
        )
        images = [{"id": p}]
        data.links[("products", p)] = {"categories": [{"id": 2}, {"id": 3 + p % 7}], "images": images}
        parent_id = (p - 1) * (c + 1) + 1
        total = 0
        for k in range(1, c + 1):
            cid = (p - 1) * c + k
            size = SIZES[(k - 1) % len(SIZES)]
            colour = COLOURS[((k - 1) // len(SIZES) + p) % len(COLOURS)]
            combinations.append(
                {
                    **c_template,
                    "id": cid,
                    "id_product": p,
                    "ean13": ean13(f"5902{cid:08d}") if has_ean else "",
                    "upc": upc_a(f"1{cid:010d}"),
                    "mpn": f"MPN{p:06d}-{k}",
                    "reference": f"SKU-{p:05d}-{k}",
                    "supplier_reference": f"SUP-{p:05d}-{k}",
                    "price": _IMPACTS[int(random_() * 5)] if k > 1 else _IMPACTS[0],
                    "default_on": "1" if k == 1 else "",
                    "available_now": empty_lang,
                    "available_later": empty_lang,
                }
            )
            data.links[("combinations", cid)] = {
                "product_option_values": [option_items[size], option_items[colour]],
                "images": images,
            }
            quantity = 0 if random_() < 0.15 else 1 + int(random_() * 59)
            total += quantity
            stock.append(
                {**s_template, "id": parent_id + k, "id_product": p, "id_product_attribute": cid, "quantity": quantity}
            )
        if not c:
            total = int(random_() * 120)
        stock.append({**s_template, "id": parent_id, "id_product": p, "id_product_attribute": 0, "quantity": total})
    data.tables["products"].load(products)
    data.tables["combinations"].load(combinations)
    data.tables["stock_availables"].load(stock)


def _generate_customers(data: ShopData, rng: random.Random, now: datetime, n: int) -> None:
    moment = data.local_time(now - timedelta(days=500))
    customers, addresses, groups = [], [], {}
    for i in range(1, n + 1):
        first = _FIRST_NAMES[rng.randrange(len(_FIRST_NAMES))]
        last = _LAST_NAMES[rng.randrange(len(_LAST_NAMES))]
        city, postcode = _CITIES[rng.randrange(len(_CITIES))]
        customers.append(
            {
                "id": i,
                "firstname": first,
                "lastname": last,
                "email": f"customer{i}@example.com",
                "passwd": "x" * 60,
                "secure_key": f"{rng.getrandbits(128):032x}",
                "id_gender": 1 + i % 2,
                "birthday": "0000-00-00",
                "last_passwd_gen": moment,
                "date_add": moment,
                "date_upd": moment,
                "reset_password_validity": "0000-00-00 00:00:00",
            }
        )
        addresses.append(
            {
                "id": i,
                "id_customer": i,
                "id_country": 14,
                "alias": "My address",
                "lastname": last,
                "firstname": first,
                "address1": f"ul. Długa {i}",
                "postcode": postcode,
                "city": city,
                "phone": f"+48 600 {i:06d}",
                "date_add": moment,
                "date_upd": moment,
            }
        )
        groups[("customers", i)] = {"groups": [{"id": 3}]}
    _fill(data, "customers", customers)
    _fill(data, "addresses", addresses)
    data.links.update(groups)


def _generate_orders(data: ShopData, rng: random.Random, now: datetime, m: int, n_customers: int) -> None:
    n_products = len(data.tables["products"])
    if not m or not n_products:
        return
    step = min(timedelta(hours=6), timedelta(days=60) / m)
    active_carriers = (5, 1, 4, 6)
    for i in range(1, m + 1):
        module, label, initial = PAYMENT_MODULES[(i - 1) % len(PAYMENT_MODULES)]
        path = ORDER_PATHS[((i - 1) // len(PAYMENT_MODULES)) % len(ORDER_PATHS)]
        carrier = active_carriers[(i - 1) % len(active_carriers)]
        if carrier == 5 and i <= m // 2:
            carrier = 2  # older orders were placed with the carrier's previous version
        placed = now - step * (m - i + 1) - timedelta(hours=5)
        lines = []
        for _ in range(1 + rng.randrange(3)):
            pid = 1 + rng.randrange(n_products)
            combos = data.tables["combinations"].where("id_product", pid)
            attr = combos[rng.randrange(len(combos))]["id"] if combos else 0
            lines.append((pid, attr, 1 + rng.randrange(3)))
        customer = (i - 1) % n_customers + 1
        oid = data.place_order(
            lines,
            id_customer=customer,
            id_address_delivery=customer,
            id_carrier=carrier,
            module=module,
            payment=label,
            current_state=initial,
            at=placed,
            lower_stock=False,
        )
        moment = placed
        for state in path:
            moment = min(now, moment + timedelta(hours=1))
            if state == 4:
                data.set_tracking_number(oid, f"PL{i:010d}")
            data.change_order_state(oid, state, at=moment)


# --------------------------------------------------------------------------------- fixture
_FIXTURE_PRODUCTS: tuple[tuple[Any, ...], ...] = (
    # id, name, reference, price, default category, images, combinations as option value ids
    (
        1,
        "Hummingbird printed t-shirt",
        "demo_1",
        "23.90",
        4,
        (1, 2),
        ((1, 8), (1, 11), (2, 8), (2, 11), (3, 8), (3, 11), (4, 8), (4, 11)),
    ),
    (2, "Hummingbird printed sweater", "demo_3", "35.90", 5, (21,), ((1,), (2,), (3,), (4,))),
    (3, "The best is yet to come' Framed poster", "demo_6", "29.00", 9, (3,), ((19,), (20,), (21,))),
    (4, "The adventure begins Framed poster", "demo_5", "29.00", 9, (4,), ((19,), (20,), (21,))),
    (5, "Today is a good day Framed poster", "demo_7", "29.00", 9, (5,), ((19,), (20,), (21,))),
    (6, "Mug The best is yet to come", "demo_11", "11.90", 8, (6,), ()),
    (7, "Mug The adventure begins", "demo_12", "11.90", 8, (7,), ()),
    (8, "Mug Today is a good day", "demo_13", "11.90", 8, (8,), ()),
    (9, "Mountain fox cushion", "demo_15", "18.90", 8, (9,), ((8,), (11,))),
    (10, "Brown bear cushion", "demo_16", "18.90", 8, (10,), ((8,), (11,))),
    (11, "Hummingbird cushion", "demo_17", "18.90", 8, (11,), ((8,), (11,))),
    (12, "Mountain fox - Vector graphics", "demo_18", "9.00", 9, (12,), ()),
    (13, "Brown bear - Vector graphics", "demo_19", "9.00", 9, (13,), ()),
    (14, "Hummingbird - Vector graphics", "demo_20", "9.00", 9, (14,), ()),
    (15, "Pack Mug + Framed poster", "demo_21", "35.00", 9, (15,), ()),
    (16, "Mountain fox notebook", "demo_8", "12.90", 7, (16,), ((22,), (23,), (24,), (25,))),
    (17, "Brown bear notebook", "demo_9", "12.90", 7, (17,), ((22,), (23,), (24,), (25,))),
    (18, "Hummingbird notebook", "demo_10", "12.90", 7, (18,), ((22,), (23,), (24,), (25,))),
    (19, "Customizable mug", "demo_14", "13.90", 8, (19,), ()),
)
_DIMENSION_IMPACT = {19: "0", 20: "20", 21: "50"}

_FIXTURE_ADDRESSES: tuple[dict[str, Any], ...] = (
    {
        "id": 1,
        "id_customer": 1,
        "id_country": 14,
        "alias": "Anonymous",
        "company": "Anonymous",
        "lastname": "Anonymous",
        "firstname": "Anonymous",
        "vat_number": "0000",
        "address1": "Anonymous",
        "postcode": "00000",
        "city": "Anonymous",
        "phone": "0000000000",
        "phone_mobile": "0000000000",
        "dni": "0000",
    },
    {
        "id": 2,
        "id_customer": 2,
        "id_country": 8,
        "alias": "Mon adresse",
        "company": "My Company",
        "lastname": "DOE",
        "firstname": "John",
        "address1": "16, Main street",
        "address2": "2nd floor",
        "postcode": "75002",
        "city": "Paris ",
        "phone": "0102030405",
    },
    {
        "id": 3,
        "id_supplier": 1,
        "id_country": 21,
        "id_state": 35,
        "alias": "supplier",
        "company": "Fashion",
        "lastname": "supplier",
        "firstname": "supplier",
        "address1": "767 Fifth Ave.",
        "postcode": "10153",
        "city": "New York",
        "phone": "(212) 336-1440",
    },
    {
        "id": 4,
        "id_manufacturer": 1,
        "id_country": 21,
        "id_state": 35,
        "alias": "manufacturer",
        "company": "Fashion",
        "lastname": "manufacturer",
        "firstname": "manufacturer",
        "address1": "767 Fifth Ave.",
        "postcode": "10154",
        "city": "New York",
        "phone": "(212) 336-1666",
    },
    {
        "id": 5,
        "id_customer": 2,
        "id_country": 21,
        "id_state": 12,
        "alias": "My address",
        "company": "My Company",
        "lastname": "DOE",
        "firstname": "John",
        "address1": "16, Main street",
        "address2": "2nd floor",
        "postcode": "33133",
        "city": "Miami",
        "phone": "0102030405",
    },
)

_FIXTURE_ORDERS: tuple[tuple[Any, ...], ...] = (
    # id, state, module, payment, reference, note, shipping excl/incl, [(product, attribute, qty)], history
    (
        1,
        6,
        "ps_checkpayment",
        "Payment by check",
        "XKBKNABJK",
        "Test",
        ("7.00", "8.40"),
        ((1, 1, 1), (2, 9, 1)),
        (1, 6),
    ),
    (2, 1, "ps_checkpayment", "Payment by check", "OHSATSERP", "", ("0", "0"), ((4, 18, 2), (8, 0, 1)), (1,)),
    (3, 8, "ps_checkpayment", "Payment by check", "UOYEVOLI", "", ("7.00", "8.40"), ((16, 28, 1),), (1, 8)),
    (4, 1, "ps_checkpayment", "Payment by check", "FFATNOMMJ", "", ("7.00", "8.40"), ((16, 29, 1),), (1,)),
    (5, 10, "ps_wirepayment", "Bank wire", "KHWLILZLL", "", ("7.00", "8.40"), ((10, 25, 1),), (10,)),
)


def build_fixture(data: ShopData, *, shop_name: str) -> None:
    now = data.clock()
    moment = data.local_time(now - timedelta(hours=1))
    add_reference_data(data, shop_name, data.timezone, moment, polish_names=False)
    _fill(
        data,
        "carriers",
        (
            _carrier(1, 1, "Click and collect", "1", "0", "1", "Pick up in-store", 0),
            _carrier(2, 2, "My carrier", "1", "0", "0", "Delivery next day!", 1),
            {**_carrier(3, 3, "My cheap carrier", "0", "0", "0", "Buy more to pay less!", 2), "shipping_method": 2},
            _carrier(4, 4, "My light carrier", "0", "0", "0", "The lighter the cheaper!", 3),
        ),
    )
    p_template = data.new_record("products")
    combo_id = 0
    stock_id = len(_FIXTURE_PRODUCTS)
    for pid, name, reference, price, category, images, combos in _FIXTURE_PRODUCTS:
        first_combo = combo_id + 1 if combos else 0
        data.tables["products"].insert(
            {
                **p_template,
                "id": pid,
                "id_manufacturer": 1,
                "id_supplier": 1,
                "id_category_default": category,
                "cache_default_attribute": first_combo,
                "id_default_image": images[0],
                "id_default_combination": first_combo,
                "id_tax_rules_group": 1,
                "position_in_category": 1,
                "manufacturer_name": "Studio Design",
                "reference": reference,
                "weight": "0.300000",
                "product_type": "combinations" if combos else "standard",
                "price": money(price),
                "wholesale_price": "5.490000",
                "active": "1",
                "redirect_type": "301-category",
                "indexed": "1",
                "date_add": moment,
                "date_upd": moment,
                "link_rewrite": _lang(_slug(name)),
                "name": _lang(name),
                "description": _lang(f"<p>{name}.</p>"),
                "description_short": _lang(f"<p>{name}.</p>"),
            }
        )
        clothes = category in (4, 5)
        data.links[("products", pid)] = {
            "categories": [{"id": 2}, {"id": 3}, {"id": category}] if clothes else [{"id": 2}, {"id": category}],
            "images": [{"id": image} for image in images],
            "product_features": [{"id": 1, "id_feature_value": 4}, {"id": 2, "id_feature_value": 8}][
                : 2 if clothes else 1
            ],
        }
        quantities = []
        for k, values in enumerate(combos):
            combo_id += 1
            impact = _DIMENSION_IMPACT.get(values[0], "0")
            data.insert(
                "combinations",
                {
                    "id": combo_id,
                    "id_product": pid,
                    "reference": reference,
                    "price": money(impact),
                    "default_on": "1" if k == 0 else "",
                },
                {
                    "product_option_values": [{"id": v} for v in values],
                    "images": [{"id": images[(k + 1) % len(images)]}],
                },
            )
            quantities.append(1200 if combo_id == 9 else 300)
        data.insert(
            "stock_availables",
            {"id": pid, "id_product": pid, "id_shop": 1, "quantity": sum(quantities) if combos else 300},
        )
        for offset, quantity in enumerate(quantities):
            stock_id += 1
            data.insert(
                "stock_availables",
                {
                    "id": stock_id,
                    "id_product": pid,
                    "id_product_attribute": first_combo + offset,
                    "id_shop": 1,
                    "quantity": quantity,
                },
            )
    _fill(
        data,
        "customers",
        (
            {
                "id": 1,
                "lastname": "Anonymous",
                "firstname": "Anonymous",
                "email": "anonymous@psgdpr.com",
                "passwd": "x" * 60,
                "date_add": moment,
                "date_upd": moment,
            },
            {
                "id": 2,
                "lastname": "DOE",
                "firstname": "John",
                "email": "pub@prestashop.com",
                "passwd": "x" * 60,
                "date_add": moment,
                "date_upd": moment,
            },
        ),
    )
    _fill(data, "addresses", ({**a, "date_add": moment, "date_upd": moment} for a in _FIXTURE_ADDRESSES))
    for oid, state, module, payment, reference, note, shipping, lines, _ in _FIXTURE_ORDERS:
        _fixture_order(data, oid, state, module, payment, reference, note, shipping, lines, moment)
    # first every order's initial state (history ids 1-5), then the later changes (6, 7)
    for step in (0, 1):
        for oid, *_, history in _FIXTURE_ORDERS:
            if step < len(history):
                data.insert("order_histories", {"id_order": oid, "id_order_state": history[step], "date_add": moment})
    thread = data.insert(
        "customer_threads",
        {
            "id_lang": 1,
            "id_shop": 1,
            "id_customer": 2,
            "id_order": 1,
            "email": "pub@prestashop.com",
            "token": "ShopHubDoc01",
            "status": "closed",
            "date_add": moment,
            "date_upd": moment,
        },
    )
    data.insert(
        "customer_messages",
        {
            "id_employee": 1,
            "id_customer_thread": thread["id"],
            "message": "Invoice FV/1/2026",
            "date_add": moment,
            "date_upd": moment,
        },
    )


def _fixture_order(
    data: ShopData,
    oid: int,
    state: int,
    module: str,
    payment: str,
    reference: str,
    note: str,
    shipping: tuple[str, str],
    lines: tuple[tuple[int, int, int], ...],
    moment: str,
) -> None:
    details: list[Record] = []
    for pid, attr, qty in lines:
        product = data.tables["products"].rows[pid]
        unit = Decimal(product["price"]) + (Decimal(data.tables["combinations"].rows[attr]["price"]) if attr else 0)
        name = product["name"][1]
        if attr:
            name = f"{name} - {data.combination_label(attr)}"
        details.append(
            {
                "product_id": pid,
                "product_attribute_id": attr,
                "product_quantity": qty,
                "product_name": name,
                "product_price": money(unit),
                "product_reference": product["reference"],
                "id_shop": 1,
                "product_quantity_in_stock": qty,
                "unit_price_tax_incl": money(unit),
                "unit_price_tax_excl": money(unit),
                "total_price_tax_incl": money(unit * qty),
                "total_price_tax_excl": money(unit * qty),
                "original_product_price": money(unit),
                "original_wholesale_price": "5.490000",
            }
        )
    products_total = sum((Decimal(d["total_price_tax_excl"]) for d in details), Decimal(0))
    ship_excl, ship_incl = Decimal(shipping[0]), Decimal(shipping[1])
    data.insert(
        "orders",
        {
            "id": oid,
            "id_address_delivery": 5,
            "id_address_invoice": 5,
            "id_cart": oid,
            "id_currency": 1,
            "id_lang": 1,
            "id_customer": 2,
            "id_carrier": 2,
            "current_state": state,
            "module": module,
            "payment": payment,
            "valid": "0",
            "date_add": moment,
            "date_upd": moment,
            "note": note,
            "secure_key": "b44a6d9efd7a0076a0fbce6b15eaf3b1",
            "reference": reference,
            "total_paid": money(products_total + ship_excl),
            "total_paid_tax_incl": money(products_total + ship_incl),
            "total_paid_tax_excl": money(products_total + ship_excl),
            "total_products": money(products_total),
            "total_products_wt": money(products_total),
            "total_shipping": money(ship_excl),
            "total_shipping_tax_incl": money(ship_incl),
            "total_shipping_tax_excl": money(ship_excl),
        },
    )
    for detail in details:
        data.insert("order_details", {**detail, "id_order": oid})
    data.insert(
        "order_carriers",
        {
            "id_order": oid,
            "id_carrier": 2,
            "shipping_cost_tax_excl": "7.000000",
            "shipping_cost_tax_incl": "8.400000",
            "date_add": moment,
        },
    )
