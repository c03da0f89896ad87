"""Behaviour of the PrestaShop simulator that other tests and benchmarks rely on."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from local.prestashop import FAULT_KINDS, OrderLine, ShopSimulator, SimulatorConfig
from local.prestashop.data import ean13

# The simulator answers on 127.0.0.1: most tests here talk to it over HTTP.
pytestmark = pytest.mark.loopback

KEY = "UNITTESTKEY000000000000000000001"
ROOT = Path(__file__).resolve().parents[2]


class FixedClock:
    """An injectable clock: aware UTC, moved by hand."""

    def __init__(self, at: datetime) -> None:
        self.now = at

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 7, 1, 10, 0, 0, tzinfo=UTC))  # 12:00 in Warsaw (CEST)


@pytest.fixture
def sim(clock: FixedClock) -> Iterator[ShopSimulator]:
    config = SimulatorConfig(key=KEY, products=12, combinations=3, orders=18, seed=7)
    with ShopSimulator(config, clock=clock) as simulator:
        yield simulator


@pytest.fixture
def shop(sim: ShopSimulator) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sim.url, auth=(KEY, ""), timeout=5) as client:
        yield client


def listed(response: httpx.Response, resource: str) -> list[int]:
    assert response.status_code == 200, response.text
    payload = response.json()
    return [] if payload == [] else [row["id"] for row in payload[resource]]


def codes(response: httpx.Response) -> list[int]:
    if response.headers.get("Content-Type") == "application/json":
        return [e["code"] for e in response.json()["errors"]]
    return [int(e.findtext("code") or 0) for e in ET.fromstring(response.text).iter("error")]


def stock_nodes(*nodes: tuple[int, int]) -> str:
    body = "".join(f"<stock_available><id>{sid}</id><quantity>{qty}</quantity></stock_available>" for sid, qty in nodes)
    return f"<prestashop>{body}</prestashop>"


def parent_and_children(sim: ShopSimulator, product: int) -> tuple[int, list[int]]:
    rows = sorted(
        (r for r in sim.data.tables["stock_availables"] if r["id_product"] == product),
        key=lambda r: r["id_product_attribute"],
    )
    return rows[0]["quantity"], [r["quantity"] for r in rows[1:]]


# ----------------------------------------------------------------------------- generator
def test_generated_ids_follow_the_documented_scheme(sim: ShopSimulator) -> None:
    # products 1..N, combinations (p-1)*C+k, stock rows (p-1)*(C+1)+1 (+k for combination k)
    data = sim.data
    assert data.ids("products") == list(range(1, 13))
    assert [c["id"] for c in data.combinations_of(4)] == [10, 11, 12]
    assert data.stock_row_for(4, 0)["id"] == 13
    assert [data.stock_row_for(4, c)["id"] for c in (10, 11, 12)] == [14, 15, 16]
    parent, children = parent_and_children(sim, 4)
    assert parent == sum(children)


def test_generated_catalogue_has_valid_identifiers_and_inactive_products(sim: ShopSimulator) -> None:
    products = [sim.data.product(p) for p in sim.data.ids("products")]
    assert [p["id"] for p in products if p["active"] == "0"] == [10]
    for product in products:
        assert product["name"][1] and product["name"][2] and product["name"][1] != product["name"][2]
        code = product["ean13"]
        assert len(code) == 13 and ean13(code[:12]) == code
        assert product["reference"] == f"SKU-{product['id']:05d}"
        assert product["mpn"] and product["upc"] and product["isbn"] and product["supplier_reference"]
    eans = [c["ean13"] for c in sim.data.tables["combinations"]]
    assert len(set(eans)) == len(eans)


def test_every_25th_product_has_no_ean() -> None:
    data = ShopSimulator(SimulatorConfig(products=50, combinations=1, orders=0)).data
    assert [p for p in data.ids("products") if not data.product(p)["ean13"]] == [25, 50]
    assert data.combinations_of(25)[0]["ean13"] == ""


def test_generation_is_deterministic_for_a_seed(clock: FixedClock) -> None:
    def snapshot(seed: int) -> list[object]:
        data = ShopSimulator(SimulatorConfig(products=8, combinations=2, orders=6, seed=seed), clock=clock).data
        return [data.get("products", 3), data.combinations_of(5), data.order(4), data.stock_row(7)]

    assert snapshot(3) == snapshot(3)
    assert snapshot(3) != snapshot(4)


def test_orders_cycle_through_payment_modules_states_and_carriers(sim: ShopSimulator) -> None:
    orders = [sim.data.order(i) for i in sim.data.ids("orders")]
    assert [o["module"] for o in orders[:3]] == ["ps_checkpayment", "ps_wirepayment", "ps_cashondelivery"]
    assert [o["payment"] for o in orders[:3]] == ["Payment by check", "Bank transfer", "Cash on delivery (COD)"]
    # history path by ((i-1)//3) % 6: awaiting, paid, processing, shipped, delivered, canceled
    assert [o["current_state"] for o in orders] == [1, 10, 13, 2, 2, 2, 3, 3, 3, 4, 4, 4, 5, 5, 5, 6, 6, 6]
    shipped = orders[9]
    assert shipped["shipping_number"] == "PL0000000010"
    assert sim.data.order_carrier(10)["tracking_number"] == "PL0000000010"
    assert [h["id_order_state"] for h in sim.data.order_histories(13)] == [1, 2, 3, 4, 5]
    for order in orders:
        assert 1 <= len(order["associations"]["order_rows"]) <= 3
        assert re.fullmatch(r"[A-Z]{9}", order["reference"])
        assert order["date_add"] <= order["date_upd"] <= sim.data.now_local()
    assert {o["id_carrier"] for o in orders} == {1, 2, 4, 5, 6}


def test_a_large_catalogue_builds_and_answers_batched_queries_quickly() -> None:
    # CPU time of this thread: what generation costs, whatever else the machine is running
    started = time.thread_time()
    simulator = ShopSimulator(SimulatorConfig(key=KEY, products=10_000, combinations=5, orders=20))
    assert time.thread_time() - started < 10
    assert simulator.data.count("combinations") == 50_000
    assert simulator.data.count("stock_availables") == 60_000
    with simulator, httpx.Client(base_url=simulator.url, auth=(KEY, "")) as client:
        wanted = "|".join(str(i) for i in range(9_951, 10_001))
        answer = client.get(f"/api/products?filter[id]=[{wanted}]&display=full&output_format=JSON")
        assert listed(answer, "products") == list(range(9_951, 10_001))
        stock = client.get(f"/api/stock_availables?filter[id_product]=[{wanted}]&display=full&output_format=JSON")
        assert len(listed(stock, "stock_availables")) == 300


# ------------------------------------------------------------------------------- queries
@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        ("filter[id]=1", [1]),
        ("filter[id]=[3]", [3]),
        ("filter[id]=[2|4|99]", [2, 4]),
        ("filter[id]=[3,6]", [3, 4, 5, 6]),
        ("filter[id]=>[9]", [10, 11, 12]),
        ("filter[id]=<[3]", [1, 2]),
        ("filter[id]=![1|2|3|4|5|6|7|8|9]", [10, 11, 12]),
        ("filter[reference]=[SKU-0001]%", [10, 11, 12]),
        ("filter[reference]=%[-00007]", [7]),
        ("filter[reference]=%[U-0000]%", list(range(1, 10))),
        ("filter[reference]=[sku-00005]", [5]),
        ("filter[active]=0", [10]),
        ("filter[price]=>[0]&filter[id]=[1|2]", [1, 2]),
    ],
)
def test_filter_operators(shop: httpx.Client, flt: str, expected: list[int]) -> None:
    assert listed(shop.get(f"/api/products?{flt}&output_format=JSON"), "products") == expected


def test_filter_on_a_multilanguage_field_matches_any_language(shop: httpx.Client, sim: ShopSimulator) -> None:
    polish = sim.data.product(5)["name"][2]
    assert listed(shop.get(f"/api/products?filter[name]=[{polish}]&output_format=JSON"), "products") == [5]


def test_sort_and_limit(shop: httpx.Client, sim: ShopSimulator) -> None:
    by_price = sorted(sim.data.ids("products"), key=lambda p: (-float(sim.data.product(p)["price"]), p))
    answer = shop.get("/api/products?sort=[price_DESC,id_ASC]&limit=2,3&output_format=JSON")
    assert listed(answer, "products") == by_price[2:5]
    assert listed(shop.get("/api/products?sort=[id_DESC]&limit=2&output_format=JSON"), "products") == [12, 11]


def test_date_fields_need_date_1_to_filter_or_sort(shop: httpx.Client, sim: ShopSimulator) -> None:
    # Given an order's date_upd
    moment = sim.data.order(5)["date_upd"]
    # When filtering or sorting on date_upd without date=1, Then 8.1.2's 500 with code 32
    for query in (f"filter[date_upd]=[{moment},{moment}]", "sort=[date_upd_ASC]", "filter[date_add]=>[2000-01-01]"):
        answer = shop.get(f"/api/orders?{query}&output_format=JSON")
        assert answer.status_code == 500
        assert codes(answer) == [32, 3, 3, 3, 3]
    # When date=1 is given, Then the range is inclusive at both ends
    answer = shop.get(
        f"/api/orders?date=1&filter[date_upd]=[{moment},{moment}]&sort=[date_upd_ASC,id_ASC]&output_format=JSON"
    )
    assert 5 in listed(answer, "orders")
    assert all(sim.data.order(i)["date_upd"] == moment for i in listed(answer, "orders"))


def test_display_and_language(shop: httpx.Client, sim: ShopSimulator) -> None:
    row = shop.get("/api/products/3?display=[name,price]&language=2&output_format=JSON").json()["products"][0]
    assert row == {"id": 3, "price": sim.data.product(3)["price"], "name": sim.data.product(3)["name"][2]}
    both = shop.get("/api/products?display=[id,name]&language=[1|2]&filter[id]=3&output_format=JSON").json()
    assert [n["id"] for n in both["products"][0]["name"]] == [1, 2]
    unknown = shop.get("/api/products?display=[id,colour]")
    assert unknown.status_code == 400 and codes(unknown) == [35]
    assert shop.get("/api/products?output_format=JSON").json()["products"][0] == {"id": 1}
    xml = shop.get("/api/orders?limit=1").text
    assert re.search(r'<order id="1" xlink:href="http://127\.0\.0\.1:\d+/api/orders/1"/>', xml)


def test_output_format_from_parameters_or_headers(shop: httpx.Client) -> None:
    assert shop.get("/api/shops").headers["Content-Type"] == "text/xml;charset=utf-8"
    for answer in (
        shop.get("/api/shops?io_format=JSON"),
        shop.get("/api/shops", headers={"Output-Format": "JSON"}),
        shop.get("/api/shops", headers={"Io-Format": "JSON"}),
    ):
        assert answer.headers["Content-Type"] == "application/json"
        assert answer.json() == {"shops": [{"id": 1}]}


def test_single_records_drop_empty_values_and_lists_do_not(shop: httpx.Client) -> None:
    single = shop.get("/api/stock_availables/1?output_format=JSON").json()["stock_available"]
    assert "id_shop_group" not in single and "location" not in single
    listed_row = shop.get("/api/stock_availables?filter[id]=1&display=full&output_format=JSON").json()
    assert listed_row["stock_availables"][0]["id_shop_group"] == 0


def test_empty_lists_not_found_and_head(shop: httpx.Client) -> None:
    assert shop.get("/api/orders?filter[id]=[99999]&output_format=JSON").text == "[]"
    assert "<orders>\n</orders>" in shop.get("/api/orders?filter[id]=[99999]").text
    missing = shop.get("/api/orders/99999?output_format=JSON")
    assert (missing.status_code, missing.content, missing.headers["Content-Type"]) == (404, b"", "")
    head = shop.head("/api/products")
    assert head.status_code == 200 and head.content == b"" and head.headers["PSWS-Version"] == "8.1.2"


def test_customer_thread_schemas(shop: httpx.Client) -> None:
    synopsis = ET.fromstring(shop.get("/api/customer_threads?schema=synopsis").text)
    token = synopsis.find("customer_thread/token")
    assert token is not None and token.attrib == {"required": "true", "format": "isGenericName"}
    blank = ET.fromstring(shop.get("/api/customer_messages?schema=blank").text)
    assert blank.find("customer_message/message") is not None


# -------------------------------------------------------------------------------- writes
def test_put_replaces_the_record_and_patch_changes_only_what_is_sent(shop: httpx.Client, sim: ShopSimulator) -> None:
    row = sim.data.stock_row(2)
    # Given a location set by PATCH
    patched = shop.patch(
        "/api/stock_availables/2",
        content="<prestashop><stock_available><id>2</id><location>A-1</location></stock_available></prestashop>",
    )
    assert patched.status_code == 200
    assert sim.data.stock_row(2) == {**row, "location": "A-1"}
    # When a PUT leaves out optional fields, Then they are reset
    body = (
        "<prestashop><stock_available><id>2</id><id_product>1</id_product><id_product_attribute>1</id_product_attribute>"
        "<quantity>40</quantity><depends_on_stock>0</depends_on_stock><out_of_stock>2</out_of_stock></stock_available></prestashop>"
    )
    assert shop.put("/api/stock_availables/2", content=body).status_code == 200
    assert sim.data.stock_row(2) == {**row, "quantity": 40, "location": "", "id_shop": 0}
    # When a PUT misses a required field, Then 400 code 41 and nothing changes
    partial = shop.put("/api/stock_availables/2", content=stock_nodes((2, 41)))
    assert partial.status_code == 400 and codes(partial) == [41]
    assert 'parameter "id_product" required' in partial.text
    assert sim.data.stock_row(2)["quantity"] == 40


def test_writing_a_combination_row_resums_the_product_row(shop: httpx.Client, sim: ShopSimulator) -> None:
    assert shop.patch("/api/stock_availables/3", content=stock_nodes((3, 100))).status_code == 200
    parent, children = parent_and_children(sim, 1)
    assert children[1] == 100 and parent == sum(children)


def test_multi_node_patch_is_not_transactional(shop: httpx.Client, sim: ShopSimulator) -> None:
    # Given three nodes with an unknown id in the middle
    before = sim.data.stock_row(8)["quantity"]
    answer = shop.patch("/api/stock_availables?output_format=JSON", content=stock_nodes((7, 5), (999999, 1), (8, 6)))
    # Then 404 code 92, the node before it is saved, the one after it is not
    assert answer.status_code == 404 and answer.json() == {"errors": [{"code": 92, "message": "Invalid ID"}]}
    assert sim.data.stock_row(7)["quantity"] == 5
    assert sim.data.stock_row(8)["quantity"] == before
    parent, children = parent_and_children(sim, 2)
    assert parent == sum(children)


def test_multi_node_patch_answers_every_node_in_xml_and_the_last_in_json(
    shop: httpx.Client, sim: ShopSimulator
) -> None:
    xml = shop.patch("/api/stock_availables", content=stock_nodes((2, 11), (3, 12), (4, 13)))
    assert [e.findtext("id") for e in ET.fromstring(xml.text).iter("stock_available")] == ["2", "3", "4"]
    as_json = shop.patch("/api/stock_availables?output_format=JSON", content=stock_nodes((6, 21), (7, 22)))
    assert as_json.json()["stock_available"]["id"] == "7"  # ids are strings in write answers
    assert [sim.data.stock_row(i)["quantity"] for i in (2, 3, 4, 6, 7)] == [11, 12, 13, 21, 22]
    assert sim.data.stock_quantity(1) == 11 + 12 + 13


def test_writes_refused_by_the_resource_or_the_body(shop: httpx.Client, sim: ShopSimulator) -> None:
    posted = shop.post("/api/stock_availables", content=stock_nodes((1, 1)))
    assert posted.status_code == 405 and codes(posted) == [101]
    assert shop.delete("/api/stock_availables/1").status_code == 405
    as_json = shop.put("/api/stock_availables/2?output_format=JSON", content=b'{"stock_available":{"id":2}}\n')
    assert as_json.status_code == 500 and codes(as_json)[-1] == 127
    read_only = shop.patch(
        "/api/products/1", content="<prestashop><product><id>1</id><quantity>5</quantity></product></prestashop>"
    )
    assert read_only.status_code == 400 and codes(read_only) == [93]
    unknown = shop.patch(
        "/api/products/1", content="<prestashop><product><id>1</id><colour>red</colour></product></prestashop>"
    )
    assert unknown.status_code == 400 and codes(unknown) == [123]


def test_order_history_post_changes_the_order(shop: httpx.Client, sim: ShopSimulator, clock: FixedClock) -> None:
    # Given order 1 awaiting check payment, an hour later
    clock.advance(hours=1)
    body = "<prestashop><order_history><id_order>1</id_order><id_order_state>2</id_order_state></order_history></prestashop>"
    # When the state is changed through order_histories
    answer = shop.post("/api/order_histories?sendemail=1&output_format=JSON", content=body)
    # Then 201 with string ids, and the order moved with date_upd = now in shop time
    assert answer.status_code == 201
    history = answer.json()["order_history"]
    assert history["id_order"] == "1" and history["id_order_state"] == 2 and isinstance(history["id"], str)
    order = sim.data.order(1)
    assert (order["current_state"], order["valid"], order["date_upd"]) == (2, "1", "2026-07-01 13:00:00")
    assert order["invoice_number"] > 0 and order["total_paid_real"] == order["total_paid_tax_incl"]
    assert sim.data.order_histories(1)[-1]["id_order_state"] == 2


def test_tracking_number_write_is_mirrored_by_shipping_number(shop: httpx.Client, sim: ShopSimulator) -> None:
    carrier = sim.data.order_carrier(2)
    body = f"<prestashop><order_carrier><id>{carrier['id']}</id><tracking_number>PL123</tracking_number></order_carrier></prestashop>"
    answer = shop.patch(f"/api/order_carriers/{carrier['id']}?output_format=JSON", content=body)
    assert answer.json()["order_carrier"]["id_order"] == 2  # untouched fields keep their GET types
    order = shop.get("/api/orders/2?display=[id,shipping_number]&output_format=JSON").json()["orders"][0]
    assert order["shipping_number"] == "PL123"


def test_post_orders_places_an_order_like_a_customer(shop: httpx.Client, sim: ShopSimulator) -> None:
    # Given stock of a combination and its product row
    combination_before, product_before = sim.data.stock_quantity(2, 4), sim.data.stock_quantity(2)
    body = (
        "<prestashop><order><id_customer>2</id_customer><id_address_delivery>2</id_address_delivery>"
        "<id_address_invoice>2</id_address_invoice><id_carrier>4</id_carrier><id_currency>1</id_currency>"
        "<module>ps_cashondelivery</module><payment>Cash on delivery (COD)</payment><current_state>13</current_state>"
        "<associations><order_rows><order_row><product_id>2</product_id><product_attribute_id>4</product_attribute_id>"
        "<product_quantity>2</product_quantity></order_row><order_row><product_id>5</product_id>"
        "<product_attribute_id>0</product_attribute_id><product_quantity>1</product_quantity></order_row>"
        "</order_rows></associations></order></prestashop>"
    )
    # When it is posted
    answer = shop.post("/api/orders?output_format=JSON", content=body)
    # Then a new order with a reference, shop-local dates, lines, a carrier row and lower stock
    assert answer.status_code == 201
    oid = int(answer.json()["order"]["id"])
    order = sim.data.order(oid)
    assert oid == 19 and re.fullmatch(r"[A-Z]{9}", order["reference"])
    assert order["date_add"] == order["date_upd"] == "2026-07-01 12:00:00"
    assert [
        (r["product_id"], r["product_attribute_id"], r["product_quantity"]) for r in order["associations"]["order_rows"]
    ] == [(2, 4, 2), (5, 0, 1)]
    assert sim.data.order_carrier(oid)["id_carrier"] == 4
    assert sim.data.stock_quantity(2, 4) == combination_before - 2
    assert sim.data.stock_quantity(2) == product_before - 2
    lines = sim.data.order_lines(oid)
    assert lines[0]["product_mpn"] == sim.data.combination(4)["mpn"]
    assert order["total_products"] == f"{sum(float(line['total_price_tax_excl']) for line in lines):.6f}"


def test_place_order_and_touch_order_helpers(sim: ShopSimulator, clock: FixedClock) -> None:
    before = sim.data.stock_quantity(3, 7)
    oid = sim.data.place_order([OrderLine(3, 7, 3)], id_customer=1, module="ps_checkpayment")
    assert sim.data.stock_quantity(3, 7) == before - 3
    assert sim.data.order(oid)["current_state"] == 1
    clock.advance(minutes=30)
    sim.data.touch_order(oid, state=6, note="changed")
    order = sim.data.order(oid)
    assert (order["current_state"], order["note"], order["date_upd"]) == (6, "changed", "2026-07-01 12:30:00")
    assert sim.data.stock_quantity(3, 7) == before  # a canceled order gives its stock back
    sim.data.touch_order(oid, lines=[(4, 10, 1)])
    assert [line["product_id"] for line in sim.data.order_lines(oid)] == [4]


def test_posting_threads_and_messages(shop: httpx.Client, sim: ShopSimulator) -> None:
    thread = shop.post(
        "/api/customer_threads?output_format=JSON",
        content="<prestashop><customer_thread><id_lang>1</id_lang><id_shop>1</id_shop><id_customer>1</id_customer>"
        "<id_order>3</id_order><id_contact>0</id_contact><email>a@example.com</email><token>ShopHubDoc0003</token>"
        "<status>closed</status></customer_thread></prestashop>",
    )
    assert thread.status_code == 201
    tid = thread.json()["customer_thread"]["id"]
    message = shop.post(
        "/api/customer_messages?output_format=JSON",
        content=f"<prestashop><customer_message><id_employee>1</id_employee><id_customer_thread>{tid}</id_customer_thread>"
        "<message>Invoice FV/3/2026: https://docs.example/fv3.pdf</message><private>0</private></customer_message></prestashop>",
    )
    assert message.status_code == 201 and isinstance(message.json()["customer_message"]["id"], str)
    threads = shop.get("/api/customer_threads?display=full&filter[id_order]=[3]&output_format=JSON").json()
    assert threads["customer_threads"][0]["token"] == "ShopHubDoc00"  # the column holds 12 characters
    assert threads["customer_threads"][0]["associations"]["customer_messages"] == [
        {"id": int(message.json()["customer_message"]["id"])}
    ]


def test_post_product_creates_its_stock_row(shop: httpx.Client, sim: ShopSimulator) -> None:
    body = (
        "<prestashop><product><price>11.50</price><active>1</active><reference>RS-1</reference>"
        '<name><language id="1">Test</language><language id="2">Test PL</language></name></product></prestashop>'
    )
    answer = shop.post("/api/products", content=body)
    assert answer.status_code == 201
    pid = int(ET.fromstring(answer.text).findtext("product/id") or 0)
    assert pid == 13 and sim.data.stock_quantity(13) == 0
    assert sim.data.product(13)["price"] == "11.500000"


# --------------------------------------------------------------------- auth and versions
def test_authentication_errors(sim: ShopSimulator) -> None:
    with httpx.Client(base_url=sim.url) as client:
        none = client.get("/api/orders")
        assert (none.status_code, none.text, "PSWS-Version" in none.headers) == (401, "401 Unauthorized", False)
        short = client.get("/api/orders", auth=("short", ""))
        assert (short.status_code, codes(short), short.headers["PSWS-Version"]) == (401, [18], "0")
        unknown = client.get("/api/orders?output_format=JSON", auth=("X" * 32, ""))
        assert (unknown.status_code, codes(unknown)) == (401, [20, 21])
        assert "WWW-Authenticate" in unknown.headers
        assert client.get(f"/api/orders?ws_key={KEY}").status_code == 200
        assert client.get("/api/foobars", auth=(KEY, "")).status_code == 400
        sim.webservice_enabled = False
        disabled = client.get("/api/orders", auth=(KEY, ""))
        assert (disabled.status_code, codes(disabled)) == (503, [22])


def test_key_permissions(sim: ShopSimulator) -> None:
    # Given a key allowed to read and PUT stock only
    limited = "LIMITEDKEY0000000000000000000001"
    sim.add_key(limited, {"stock_availables": {"GET", "HEAD", "PUT"}})
    with httpx.Client(base_url=sim.url, auth=(limited, "")) as client:
        # Then PATCH is refused with 405 code 25 and other resources with 401 code 26
        patch = client.patch("/api/stock_availables/2", content=stock_nodes((2, 1)))
        assert (patch.status_code, codes(patch)) == (405, [25])
        other = client.get("/api/orders")
        assert (other.status_code, codes(other)) == (401, [26])
        # And the root lists what the key may do
        api = ET.fromstring(client.get("/api/").text).find("api")
        assert api is not None
        (entry,) = list(api)
        assert entry.tag == "stock_availables"
        assert {k: entry.get(k) for k in ("get", "put", "patch", "post")} == {
            "get": "true",
            "put": "true",
            "patch": "false",
            "post": "false",
        }
        sim.remove_key(limited)
        assert codes(client.get("/api/stock_availables")) == [20, 21]


def test_a_17_shop_has_no_patch(sim: ShopSimulator, shop: httpx.Client) -> None:
    sim.version = "1.7.8.11"
    answer = shop.patch("/api/stock_availables/2", content=stock_nodes((2, 1)))
    assert (answer.status_code, codes(answer)) == (405, [23])
    root = shop.get("/api/")
    assert root.headers["PSWS-Version"] == "1.7.8.11" and 'patch="' not in root.text


def test_ps_method_and_a_waf_that_blocks_put_and_patch(shop: httpx.Client, sim: ShopSimulator) -> None:
    sim.waf_blocks_put_patch = True
    blocked = shop.patch("/api/stock_availables/2", content=stock_nodes((2, 77)))
    assert blocked.status_code == 403 and blocked.headers["Content-Type"].startswith("text/html")
    assert sim.data.stock_row(2)["quantity"] != 77
    tunneled = shop.post("/api/stock_availables/2?ps_method=PATCH", content=stock_nodes((2, 77)))
    assert tunneled.status_code == 200 and sim.data.stock_row(2)["quantity"] == 77
    last = sim.requests[-1]
    assert (last.method, last.effective_method, last.params["ps_method"]) == ("POST", "PATCH", "PATCH")


# ------------------------------------------------------------------- faults and metering
def test_request_log_and_counters(shop: httpx.Client, sim: ShopSimulator) -> None:
    shop.get("/api/orders?display=full&limit=2")
    shop.patch("/api/stock_availables", content=stock_nodes((2, 3)))
    shop.get("/api/orders/99999")
    assert sim.request_count == 3
    first, second, third = sim.requests
    assert (first.method, first.path, first.params["limit"], first.status) == ("GET", "/api/orders", "2", 200)
    assert second.resource == "stock_availables" and b"<quantity>3</quantity>" in second.body
    assert third.status == 404 and third.fault is None
    assert sim.count(method="GET", path_prefix="orders") == 2 and sim.count(status=404) == 1
    sim.reset_requests()
    assert sim.request_count == 0 and sim.requests == []


def test_injected_faults_hit_the_next_matching_requests_without_changing_data(
    shop: httpx.Client, sim: ShopSimulator
) -> None:
    before = sim.data.stock_row(2)["quantity"]
    sim.inject_fault("503", count=2, method="PATCH", path_prefix="stock_availables")
    assert shop.get("/api/stock_availables/2").status_code == 200  # not matching: untouched
    for _ in range(2):
        assert shop.patch("/api/stock_availables", content=stock_nodes((2, before + 1))).status_code == 503
    assert sim.data.stock_row(2)["quantity"] == before
    assert shop.patch("/api/stock_availables", content=stock_nodes((2, before + 1))).status_code == 200
    assert [r.fault for r in sim.requests] == [None, "503", "503", None]
    assert sim.pending_faults == 0


def test_apply_then_fail(shop: httpx.Client, sim: ShopSimulator) -> None:
    # a write saved although the client sees a 500 ...
    sim.inject_fault("500", apply_first=True)
    assert shop.patch("/api/stock_availables", content=stock_nodes((2, 61))).status_code == 500
    assert sim.data.stock_row(2)["quantity"] == 61
    assert sim.requests[-1].applied and sim.requests[-1].fault == "500"
    # ... or a time-out
    sim.timeout_hang_s = 0.3
    sim.inject_fault("timeout", method="PATCH", apply_first=True)
    with pytest.raises(httpx.ReadTimeout):
        shop.patch("/api/stock_availables", content=stock_nodes((2, 62)), timeout=0.1)
    assert sim.data.stock_row(2)["quantity"] == 62


@pytest.mark.parametrize("kind", ["429", "html", "truncated"])
def test_fault_kinds(shop: httpx.Client, sim: ShopSimulator, kind: str) -> None:
    full = shop.get("/api/orders?display=full").content
    sim.inject_fault(kind)
    answer = shop.get("/api/orders?display=full")
    if kind == "429":
        assert answer.status_code == 429 and answer.headers["Retry-After"] == "1"
    elif kind == "html":
        assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("text/html")
    else:
        assert answer.status_code == 200 and answer.content == full[: len(full) // 2]
        with pytest.raises(ET.ParseError):
            ET.fromstring(answer.text)


def test_timeout_fault_hangs_then_drops_and_stop_does_not_wait(sim: ShopSimulator) -> None:
    sim.timeout_hang_s = 0.6
    sim.inject_fault("timeout", count=2)
    with httpx.Client(base_url=sim.url, auth=(KEY, ""), timeout=0.2) as client, pytest.raises(httpx.ReadTimeout):
        client.get("/api/orders")
    with httpx.Client(base_url=sim.url, auth=(KEY, ""), timeout=3) as client:
        started = time.perf_counter()
        with pytest.raises(httpx.RemoteProtocolError):
            client.get("/api/orders")  # the server gives up after the hang without answering
        assert time.perf_counter() - started >= 0.5
    assert [r.status for r in sim.requests] == [0, 0]

    # a long hang in progress does not hold up stop()
    sim.timeout_hang_s = 30
    sim.inject_fault("timeout")
    client = httpx.Client(base_url=sim.url, auth=(KEY, ""), timeout=10)
    errors: list[Exception] = []
    worker = threading.Thread(target=lambda: _capture(errors, client.get, "/api/orders"))
    worker.start()
    while sim.request_count < 3:
        time.sleep(0.01)
    started = time.perf_counter()
    sim.stop()
    assert time.perf_counter() - started < 3
    worker.join(5)
    client.close()
    assert errors and isinstance(errors[0], httpx.HTTPError)


def _capture(errors: list[Exception], call: object, *args: object) -> None:
    try:
        call(*args)  # type: ignore[operator]
    except Exception as exc:
        errors.append(exc)


def test_random_faults_are_reproducible_from_the_seed() -> None:
    def run(seed: int) -> list[str | None]:
        config = SimulatorConfig(key=KEY, products=2, combinations=0, orders=1, fault_rate=0.4, fault_seed=seed)
        with ShopSimulator(config) as simulator:
            simulator.set_fault_rate(0.4, seed=seed, kinds=("500", "503", "429", "html", "truncated"))
            with httpx.Client(base_url=simulator.url, auth=(KEY, "")) as client:
                for _ in range(25):
                    client.get("/api/products")
            return [r.fault for r in simulator.requests]

    first = run(11)
    assert first == run(11)
    assert first != run(12)
    assert 3 <= sum(f is not None for f in first) <= 20


def test_fault_arguments_are_checked(sim: ShopSimulator) -> None:
    with pytest.raises(ValueError):
        sim.inject_fault("teapot")
    with pytest.raises(ValueError):
        sim.set_fault_rate(1.5)
    assert set(FAULT_KINDS) == {"500", "503", "429", "timeout", "html", "truncated"}


def test_added_latency(shop: httpx.Client, sim: ShopSimulator) -> None:
    sim.set_latency(150)
    started = time.perf_counter()
    assert shop.get("/api/shops").status_code == 200
    assert time.perf_counter() - started >= 0.15
    sim.set_latency(0)
    assert sim.latency_ms == 0


def test_timezone_and_configuration(shop: httpx.Client, sim: ShopSimulator) -> None:
    rows = shop.get(
        "/api/configurations?display=[id,name,value]&filter[name]=[PS_TIMEZONE|PS_OS_SHIPPING]&output_format=JSON"
    ).json()["configurations"]
    assert {r["name"]: r["value"] for r in rows} == {"PS_TIMEZONE": "Europe/Warsaw", "PS_OS_SHIPPING": "4"}
    assert sim.data.now_local() == "2026-07-01 12:00:00"
    winter = ShopSimulator(
        SimulatorConfig(products=1, orders=0, timezone="America/New_York"),
        clock=lambda: datetime(2026, 1, 15, 12, 0, tzinfo=UTC),
    )
    assert winter.data.now_local() == "2026-01-15 07:00:00"


def test_carriers_keep_their_reference_across_versions(shop: httpx.Client) -> None:
    carriers = shop.get("/api/carriers?display=[id,id_reference,deleted]&output_format=JSON").json()["carriers"]
    assert [(c["id"], c["id_reference"], c["deleted"]) for c in carriers if c["id_reference"] == 2] == [
        (2, 2, "1"),
        (5, 2, "0"),
    ]


# ----------------------------------------------------------------------------------- CLI
def test_command_line_serves_until_terminated() -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "local.prestashop",
            "--port",
            "0",
            "--key",
            KEY,
            "--products",
            "3",
            "--combinations",
            "1",
            "--orders",
            "2",
            "--catalog",
            "generated",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        match = re.search(r"(http://127\.0\.0\.1:\d+)/api/", line)
        assert match, line
        assert KEY in process.stdout.readline()
        answer = httpx.get(f"{match.group(1)}/api/products?output_format=JSON", auth=(KEY, ""), timeout=5)
        assert answer.json() == {"products": [{"id": 1}, {"id": 2}, {"id": 3}]}
    finally:
        process.terminate()
        assert process.wait(timeout=5) == 0
        if process.stdout is not None:
            process.stdout.close()
