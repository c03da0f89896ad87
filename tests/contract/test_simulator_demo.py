"""The simulator's ``demo`` dataset against the recorded demo shop (``prestashop-8.1.2-demo``).

The dump is a real, freshly installed PrestaShop 8.1.2 with its demo data: for every resource,
``<resource>.xml`` / ``<resource>.json`` are its byte-exact answers to ``GET /api/<resource>?display=full``
(``&output_format=JSON``). A simulator started with ``dataset="demo"`` must answer the same requests
with the same documents: same ids in the same order, same elements, keys and attributes in the same
order, same language lists and associations, same values and JSON types. Only the shop's address
differs (``http://127.0.0.1:8191`` there, the simulator's own URL here), so it is normalised.

No value is exempt: every recorded value is loaded as recorded (secure keys, dates) and nothing the
simulator computes from its clock appears in these lists. ``UNCOMPARABLE`` is where such an exception
would be listed, with its reason.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from local.prestashop import ShopSimulator, SimulatorConfig
from local.prestashop.demo import RECORDED_SHOP_URL, demo_dir, dump_resources
from local.prestashop.resources import RESOURCES as SIMULATED

KEY = "DEMOCONTRACTKEY0000000000000001X"
DUMP = demo_dir()  # a clear error when the dump is missing: CI has it next to the repository
RESOURCES = dump_resources()

# (resource, field) -> why the simulator cannot answer the recorded value. Empty: see the docstring.
UNCOMPARABLE: dict[tuple[str, str], str] = {}


@pytest.fixture(scope="module")
def sim() -> Iterator[ShopSimulator]:
    with ShopSimulator(SimulatorConfig(key=KEY, dataset="demo")) as simulator:
        yield simulator


@pytest.fixture(scope="module")
def shop(sim: ShopSimulator) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sim.url, auth=(KEY, ""), timeout=10) as client:
        yield client


def recorded(resource: str, suffix: str) -> str:
    # bytes, not read_text: some configuration values hold "\r\n", which text mode would translate
    return (DUMP / f"{resource}.{suffix}").read_bytes().decode("utf-8")


def as_recorded(text: str, sim: ShopSimulator) -> str:
    """The simulator's answer with its address replaced by the recorded shop's (plain and JSON-escaped)."""
    escaped = sim.url.replace("/", "\\/")
    return text.replace(sim.url, RECORDED_SHOP_URL).replace(escaped, RECORDED_SHOP_URL.replace("/", "\\/"))


def get_full(shop: httpx.Client, sim: ShopSimulator, resource: str, *, json_out: bool) -> str:
    params = {"display": "full", **({"output_format": "JSON"} if json_out else {})}
    answer = shop.get(f"/api/{resource}", params=params)
    assert answer.status_code == 200, answer.text[:500]
    return as_recorded(answer.text, sim)


# ------------------------------------------------------------------------------ comparers
def _singular(path: str) -> str:
    parts = path.strip("/").split("/")
    return parts[1] if len(parts) > 1 else ""


def xml_diff(expected: ET.Element, actual: ET.Element, path: str = "", resource: str = "") -> list[str]:
    """Every difference in tags, attributes, text and children (order included) below ``expected``."""
    path = f"{path}/{expected.tag}"
    if expected.tag != actual.tag:
        return [f"{path}: expected <{expected.tag}>, got <{actual.tag}>"]
    problems = []
    if list(expected.attrib.items()) != list(actual.attrib.items()):
        problems.append(f"{path}: attributes {expected.attrib} != {actual.attrib}")
    if (resource, expected.tag) not in UNCOMPARABLE and (expected.text or "") != (actual.text or ""):
        problems.append(f"{path}: text {expected.text!r:.80} != {actual.text!r:.80}")
    e_tags, a_tags = [c.tag for c in expected], [c.tag for c in actual]
    if e_tags != a_tags:
        return [*problems, f"{path}: children {e_tags[:12]}... != {a_tags[:12]}..."]
    for e_child, a_child in zip(expected, actual, strict=True):
        problems.extend(xml_diff(e_child, a_child, path, resource))
    return problems


def json_diff(expected: Any, actual: Any, path: str = "$", resource: str = "") -> list[str]:
    """Every difference in keys (order included), JSON types, list lengths and values."""
    if type(expected) is not type(actual):
        return [f"{path}: expected {type(expected).__name__} {expected!r:.60}, got {actual!r:.60}"]
    if isinstance(expected, dict):
        if list(expected) != list(actual):
            return [f"{path}: keys {list(expected)} != {list(actual)}"]
        problems = []
        for key in expected:
            if (resource, key) not in UNCOMPARABLE:
                problems.extend(json_diff(expected[key], actual[key], f"{path}.{key}", resource))
        return problems
    if isinstance(expected, list):
        if len(expected) != len(actual):
            return [f"{path}: expected {len(expected)} items, got {len(actual)}"]
        pairs = enumerate(zip(expected, actual, strict=True))
        return [p for i, (e, a) in pairs for p in json_diff(e, a, f"{path}[{i}]", resource)]
    return [] if expected == actual else [f"{path}: {expected!r:.80} != {actual!r:.80}"]


def ids_of(payload: Any, resource: str) -> list[int]:
    return [record["id"] for record in payload[resource]] if isinstance(payload, dict) else []


# ---------------------------------------------------------------------------------- tests
def test_the_dump_holds_every_resource_its_index_lists() -> None:
    assert len(RESOURCES) == 27
    assert {"products", "combinations", "stock_availables", "orders", "order_payments", "carts"} <= set(RESOURCES)
    assert all((DUMP / f"{name}.xml").is_file() for name in RESOURCES)
    # the simulator keeps records of all of them but order_payments, recorded empty (an unknown stock
    # resource answers an empty list, as that recording does)
    assert set(RESOURCES) - set(SIMULATED) == {"order_payments"}


@pytest.mark.parametrize("resource", RESOURCES)
def test_xml_list_is_the_recorded_answer(resource: str, shop: httpx.Client, sim: ShopSimulator) -> None:
    # Given the recorded XML answer and the simulator's, with the shop's address normalised
    expected_text = recorded(resource, "xml")
    actual_text = get_full(shop, sim, resource, json_out=False)

    # Then the trees are the same: ids and their order, elements, attributes, values
    expected, actual = ET.fromstring(expected_text), ET.fromstring(actual_text)
    assert [r.findtext("id") for r in actual[0]] == [r.findtext("id") for r in expected[0]]
    assert xml_diff(expected, actual, resource=resource)[:20] == []

    # And so are the bytes (CDATA, tabs and new lines where PrestaShop puts them)
    if not UNCOMPARABLE:
        assert actual_text == expected_text


@pytest.mark.parametrize("resource", RESOURCES)
def test_json_list_is_the_recorded_answer(resource: str, shop: httpx.Client, sim: ShopSimulator) -> None:
    expected_text = recorded(resource, "json")
    actual_text = get_full(shop, sim, resource, json_out=True)

    expected, actual = json.loads(expected_text), json.loads(actual_text)
    assert ids_of(actual, resource) == ids_of(expected, resource)
    assert json_diff(expected, actual, resource=resource)[:20] == []
    if not UNCOMPARABLE:
        assert actual_text == expected_text


def test_links_point_at_the_simulator(shop: httpx.Client, sim: ShopSimulator) -> None:
    answer = shop.get("/api/products", params={"display": "full", "filter[id]": "1"}).text
    assert f'xlink:href="{sim.url}/api/manufacturers/1"' in answer
    assert RECORDED_SHOP_URL not in answer


def test_the_comparers_notice_differences() -> None:
    # a comparer that cannot fail would make the tests above pass vacuously
    assert json_diff({"a": 1, "b": "1"}, {"b": "1", "a": 1})
    assert json_diff({"a": [1, 2]}, {"a": [2, 1]})
    assert json_diff({"a": 1}, {"a": "1"})
    assert not json_diff({"a": [{"id": 1, "v": ""}]}, {"a": [{"id": 1, "v": ""}]})
    assert xml_diff(ET.fromstring('<a><b x="1"/></a>'), ET.fromstring('<a><b x="2"/></a>'))
    assert xml_diff(ET.fromstring("<a><b>1</b></a>"), ET.fromstring("<a><b>2</b></a>"))
    assert xml_diff(ET.fromstring("<a><b/><c/></a>"), ET.fromstring("<a><c/><b/></a>"))
    assert not xml_diff(ET.fromstring("<a><b>1</b></a>"), ET.fromstring("<a><b>1</b></a>"))


# ------------------------------------------------------------------- filtered and partial
def get_json(shop: httpx.Client, path: str, **params: str) -> Any:
    answer = shop.get(f"/api/{path}", params={**params, "output_format": "JSON"})
    assert answer.status_code == 200, answer.text[:300]
    return answer.json()


def recorded_records(resource: str) -> list[dict[str, Any]]:
    return json.loads(recorded(resource, "json"))[resource]


def test_stock_rows_of_one_product(shop: httpx.Client) -> None:
    rows = get_json(shop, "stock_availables", display="full", **{"filter[id_product]": "1"})["stock_availables"]

    assert len(rows) == 9
    assert [(r["id"], r["id_product_attribute"]) for r in rows] == [(1, 0)] + [(19 + k, k) for k in range(1, 9)]
    assert rows == [r for r in recorded_records("stock_availables") if r["id_product"] == 1]
    assert rows[0]["quantity"] == sum(r["quantity"] for r in rows[1:])


def test_combinations_share_their_product_reference(shop: httpx.Client) -> None:
    rows = get_json(shop, "combinations", display="[id,id_product,reference,ean13]", **{"filter[reference]": "demo_1"})

    assert [r["id"] for r in rows["combinations"]] == list(range(1, 9))
    assert {(r["id_product"], r["reference"], r["ean13"]) for r in rows["combinations"]} == {(1, "demo_1", "")}


def test_one_product_with_its_recorded_associations(shop: httpx.Client) -> None:
    product = get_json(shop, "products/2")["product"]

    assert product["reference"] == "demo_3"
    assert product["associations"]["combinations"] == [{"id": 10}, {"id": 11}, {"id": 12}, {"id": 9}]
    assert product["associations"]["product_option_values"] == [{"id": 2}, {"id": 3}, {"id": 4}, {"id": 1}]
    expected = next(p for p in recorded_records("products") if p["id"] == 2)
    assert product["associations"] == expected["associations"]


def test_partial_display_language_and_filters(shop: httpx.Client) -> None:
    canceled = get_json(shop, "orders", display="[id,reference,current_state]", **{"filter[current_state]": "6"})
    assert canceled == {"orders": [{"id": 1, "reference": "XKBKNABJK", "current_state": 6}]}

    histories = get_json(shop, "order_histories", display="full", **{"filter[id_order]": "3"})["order_histories"]
    assert [(h["id"], h["id_order_state"]) for h in histories] == [(3, 1), (7, 8)]

    names = get_json(shop, "products", display="[id,name]", language="2", limit="3")["products"]
    assert names == [{"id": p["id"], "name": p["name"][1]["value"]} for p in recorded_records("products")[:3]]

    timezone = get_json(shop, "configurations", display="[name,value]", **{"filter[name]": "PS_TIMEZONE"})
    assert timezone == {"configurations": [{"id": 66, "value": "Europe/Warsaw", "name": "PS_TIMEZONE"}]}

    eans = get_json(shop, "products", display="[id,ean13]", **{"filter[ean13]": "![]"})
    assert eans == []  # no product of the demo shop has an EAN-13
