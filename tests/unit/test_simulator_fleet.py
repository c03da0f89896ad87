"""Many simulated shops on one port (local/prestashop/fleet.py): each shop answers as a shop of its own."""

from __future__ import annotations

import dataclasses
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator

import httpx
import pytest

from local.prestashop.fleet import FleetConfig, ShopFleet, fleet_key, main, products_for, validate_changes
from shophub.connectors import build_connector
from shophub.connectors.prestashop.client import RetryPolicy
from shophub.errors import ShopAuthError, ShopTimeoutError, ShopUnreachableError

# The fleet answers on 127.0.0.1: the tests here talk to it over HTTP.
pytestmark = pytest.mark.loopback

# shop 1 and 3: 5 products x 2 combinations; shop 2: 4 products without combinations
CONFIG = FleetConfig(shops=3, products=5, combinations=2, orders=2, max_hang_s=3.0)


def _shop_config(n: int):
    config = CONFIG.shop_config(n)
    return dataclasses.replace(config, products=4, combinations=0) if n == 2 else config


@pytest.fixture
def fleet() -> Iterator[ShopFleet]:
    fleet = ShopFleet(CONFIG, shop_config=_shop_config)
    fleet.start()
    yield fleet
    fleet.stop()


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5) as client:
        yield client


def get(client: httpx.Client, fleet: ShopFleet, n: int, path: str, key: str | None = None, **kw) -> httpx.Response:
    return client.get(f"{fleet.shop_url(n)}/api/{path}", auth=(key or fleet.key(n), ""), **kw)


def ids(response: httpx.Response, element: str) -> list[int]:
    return [int(e.get("id") or "") for e in ET.fromstring(response.content).iter(element)]


def test_two_shops_answer_with_their_own_catalogue_and_key(fleet: ShopFleet, client: httpx.Client) -> None:
    # Given a fleet whose shops 1 and 2 have different catalogues and keys
    # When each is asked for its products and combinations
    one_products, two_products = get(client, fleet, 1, "products"), get(client, fleet, 2, "products")
    one_combinations, two_combinations = get(client, fleet, 1, "combinations"), get(client, fleet, 2, "combinations")
    names = [
        get(client, fleet, n, "products/1", params={"display": "[name]", "output_format": "JSON"}).json()
        for n in (1, 3)
    ]

    # Then each answers from its own catalogue, with links back to itself
    assert ids(one_products, "product") == [1, 2, 3, 4, 5]
    assert ids(two_products, "product") == [1, 2, 3, 4]
    assert len(ids(one_combinations, "combination")) == 10
    assert ids(two_combinations, "combination") == []
    first = ET.fromstring(two_products.content).find("products/product")
    assert first is not None
    assert first.get("{http://www.w3.org/1999/xlink}href") == f"{fleet.url}/s/2/api/products/1"
    assert names[0] != names[1]  # another seed: another catalogue of the same size
    assert fleet.key(1) != fleet.key(2) == fleet_key(2)
    assert len(fleet.key(2)) == 32


def test_a_key_of_one_shop_is_refused_by_another_only(fleet: ShopFleet, client: httpx.Client) -> None:
    refused = get(client, fleet, 2, "", key=fleet.key(1))
    wrong = get(client, fleet, 1, "", key="X" * 32)

    assert refused.status_code == 401
    assert wrong.status_code == 401
    assert get(client, fleet, 1, "").status_code == 200
    assert get(client, fleet, 2, "").status_code == 200
    assert get(client, fleet, 3, "").status_code == 200


def test_latency_applies_to_one_shop_only(fleet: ShopFleet, client: httpx.Client) -> None:
    # Given shop 1 slow (600 ms a request)
    fleet.set_latency(1, 600)
    slow: dict[str, float] = {}

    def ask_slow_shop() -> None:
        started = time.perf_counter()
        with httpx.Client(timeout=5) as own:
            get(own, fleet, 1, "products")
        slow["seconds"] = time.perf_counter() - started

    # When a request to shop 1 is under way while shop 2 is asked
    worker = threading.Thread(target=ask_slow_shop)
    worker.start()
    time.sleep(0.1)
    started = time.perf_counter()
    fast = get(client, fleet, 2, "products")
    fast_seconds = time.perf_counter() - started
    worker.join()

    # Then shop 2 answers at once and shop 1 after its latency
    assert fast.status_code == 200
    assert fast_seconds < 0.3
    assert slow["seconds"] >= 0.6
    assert fleet.state(1)["latency_ms"] == 600
    assert fleet.state(2)["latency_ms"] == 0


def test_a_refusing_shop_ends_the_connection_without_an_answer(fleet: ShopFleet, client: httpx.Client) -> None:
    fleet.set_down(2, "refuse")

    started = time.perf_counter()
    with pytest.raises(httpx.RemoteProtocolError):
        get(client, fleet, 2, "products")
    elapsed = time.perf_counter() - started

    assert elapsed < 1
    assert get(client, fleet, 1, "products").status_code == 200
    assert get(client, fleet, 3, "products").status_code == 200
    fleet.set_down(2, None)
    assert get(client, fleet, 2, "products").status_code == 200
    assert fleet.state(2)["down_requests"] == 1
    assert fleet.request_count(2) == 2


def test_a_timing_out_shop_holds_the_request_while_the_others_answer(fleet: ShopFleet) -> None:
    fleet.set_down(3, "timeout")
    outcome: dict[str, object] = {}

    def ask_dead_shop() -> None:
        started = time.perf_counter()
        with httpx.Client(timeout=1.0) as own:
            try:
                get(own, fleet, 3, "products")
            except httpx.ReadTimeout as exc:
                outcome["error"] = exc
        outcome["seconds"] = time.perf_counter() - started

    worker = threading.Thread(target=ask_dead_shop)
    worker.start()
    time.sleep(0.2)
    with httpx.Client(timeout=5) as client:
        healthy = [get(client, fleet, n, "products").status_code for n in (1, 2)]
    worker.join()

    assert healthy == [200, 200]
    assert isinstance(outcome["error"], httpx.ReadTimeout)
    assert 1.0 <= float(str(outcome["seconds"])) < 2.5
    assert fleet.state(3)["down_requests"] == 1


def test_a_timing_out_shop_hangs_at_most_max_hang_s(fleet: ShopFleet) -> None:
    # Given a client more patient than the fleet's max hang (3 s)
    fleet.set_down(1, "timeout")
    started = time.perf_counter()

    with httpx.Client(timeout=10) as patient, pytest.raises(httpx.RemoteProtocolError):
        get(patient, fleet, 1, "")

    assert 3.0 <= time.perf_counter() - started < 5.0


def test_a_hanging_request_ends_when_its_client_gives_up() -> None:
    fleet = ShopFleet(dataclasses.replace(CONFIG, max_hang_s=60))
    with fleet:
        fleet.set_down(1, "timeout")
        handlers_before = _request_threads()
        with httpx.Client(timeout=0.5) as impatient, pytest.raises(httpx.ReadTimeout):
            get(impatient, fleet, 1, "")
        deadline = time.monotonic() + 3
        while _request_threads() > handlers_before and time.monotonic() < deadline:
            time.sleep(0.05)

        assert _request_threads() == handlers_before


def _request_threads() -> int:
    return sum(1 for t in threading.enumerate() if "process_request" in t.name)


def test_the_control_api_changes_a_shop_while_it_runs(fleet: ShopFleet, client: httpx.Client) -> None:
    control = f"{fleet.url}/fleet/shops/2"

    slowed = client.post(control, json={"latency_ms": 400, "fault_rate": 0})
    started = time.perf_counter()
    assert get(client, fleet, 2, "").status_code == 200
    slow_seconds = time.perf_counter() - started
    downed = client.post(control, json={"down": "refuse"})
    with pytest.raises(httpx.RemoteProtocolError):
        get(client, fleet, 2, "")
    revived = client.post(control, json={"down": None, "latency_ms": 0})
    shown = client.get(control).json()

    assert slowed.status_code == 200
    assert slowed.json()["latency_ms"] == 400
    assert slow_seconds >= 0.4
    assert downed.json()["down"] == "refuse"
    assert revived.json()["down"] is None
    assert get(client, fleet, 2, "").status_code == 200
    assert shown["key"] == fleet.key(2)
    assert shown["url"] == fleet.shop_url(2)
    assert shown["requests"] == 2  # before the last GET: one served, one refused
    assert shown["down_requests"] == 1
    assert fleet.state(1)["latency_ms"] == 0  # the other shops are untouched


def test_the_control_api_refuses_bad_changes_and_unknown_shops(fleet: ShopFleet, client: httpx.Client) -> None:
    bad_mode = client.post(f"{fleet.url}/fleet/shops/1", json={"down": "sometimes"})
    bad_rate = client.post(f"{fleet.url}/fleet/shops/1", json={"fault_rate": 2})
    unknown_setting = client.post(f"{fleet.url}/fleet/shops/1", json={"colour": "red"})
    not_json = client.post(f"{fleet.url}/fleet/shops/1", content=b"down")
    unknown_shop = client.post(f"{fleet.url}/fleet/shops/4", json={"down": "refuse"})
    outside = client.get(f"{fleet.url}/s/4/api/", auth=(fleet_key(4), ""))

    assert [r.status_code for r in (bad_mode, bad_rate, unknown_setting, not_json)] == [400] * 4
    assert "down" in bad_mode.json()["error"]
    assert unknown_shop.status_code == 404
    assert outside.status_code == 404
    assert fleet.state(1)["down"] is None
    assert fleet.state(1)["fault_rate"] == 0


def test_requests_are_counted_per_shop(fleet: ShopFleet, client: httpx.Client) -> None:
    # Given three requests to shop 1, one to shop 3 and two to shop 2 while it is down
    for _ in range(3):
        get(client, fleet, 1, "products")
    get(client, fleet, 3, "stock_availables")
    fleet.set_down(2, "refuse")
    for _ in range(2):
        with pytest.raises(httpx.RemoteProtocolError):
            get(client, fleet, 2, "")

    # Then every shop counts its own, in Python and over the control API
    counted = client.get(f"{fleet.url}/fleet/requests").json()
    assert fleet.request_counts() == {1: 3, 2: 2, 3: 1}
    assert counted == {"total": 6, "shops": {"1": 3, "2": 2, "3": 1}}
    assert fleet.shop(1).count("GET", "products") == 3
    assert fleet.shop(3).count(path_prefix="stock_availables") == 1
    assert client.get(f"{fleet.url}/fleet").json()["requests"] == 6

    # And a reset forgets them all
    assert client.post(f"{fleet.url}/fleet/requests/reset").status_code == 200
    assert fleet.request_counts() == {}


def test_shops_are_built_on_their_first_request(fleet: ShopFleet, client: httpx.Client) -> None:
    assert fleet.built_count == 0

    get(client, fleet, 3, "")

    assert fleet.built_count == 1
    assert fleet.state(3)["built"] is True
    assert fleet.state(1)["built"] is False


def test_a_fleet_shop_is_a_real_shop_to_the_hub(fleet: ShopFleet) -> None:
    def connector(n: int, key: str | None = None):
        return build_connector(
            "prestashop",
            fleet.shop_url(n),
            key or fleet.key(n),
            allow_local=True,
            retry=RetryPolicy(max_attempts=2, backoff_base=0.01, backoff_max=0.01),
            timeout=httpx.Timeout(0.5),
        )

    # Given the hub's connector for shop 1 (5 products x 2) and shop 2 (4 simple products)
    info = connector(1).check_connection()
    one, two = connector(1).fetch_variants([1, 2, 3, 4, 5]), connector(2).fetch_variants([1, 2, 3, 4])

    assert info.shop_name == "Fleet Shop 1"
    assert info.missing_permissions == []
    assert len(one.variants) == 10
    assert {v.identifier("reference") for v in one.variants} >= {"SKU-00001-1", "SKU-00005-2"}
    assert [v.variant_id for v in two.variants] == [0, 0, 0, 0]
    assert one.failures == two.failures == []

    # When one shop refuses its requests, another hangs and a key is wrong
    fleet.set_down(2, "refuse")
    fleet.set_down(3, "timeout")
    refused = connector(2)
    with pytest.raises(ShopUnreachableError):
        refused.check_connection()
    with pytest.raises(ShopTimeoutError):
        connector(3).check_connection()
    with pytest.raises(ShopAuthError):
        connector(1, key=fleet.key(3)).check_connection()

    # Then the fleet counted every request the hub sent to the dead shop
    assert fleet.state(2)["down_requests"] == refused.request_count


def test_the_command_line_builds_the_variants_asked_for() -> None:
    assert products_for(100, 4) == 25
    assert products_for(100, 0) == 100
    assert products_for(10, 3) == 4
    assert validate_changes({"down": False, "latency_ms": 50}) == {"down": None, "latency_ms": 50.0}
    with pytest.raises(ValueError, match="latency_ms"):
        validate_changes({"latency_ms": -1})
    with pytest.raises(SystemExit):
        main(["--shops", "0"])
