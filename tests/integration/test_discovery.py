"""Discovery: queued after a good check, run by the connection_check function from DiscoveryQueue."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from local.prestashop import ShopSimulator, SimulatorConfig
from local.stack.events import LambdaContext, sqs_event, sqs_event_from_bodies
from shophub.services.discovery import DiscoveryService
from shophub.store import keys
from shophub.store.messaging import QueuePublisher
from tests.support.accounts import KEY, client, create_account, install_account_service, receive
from tests.support.api import ApiClient
from tests.support.aws import TestStack as Stack


def run_discovery(
    stack: Stack, messages: list[dict[str, Any]], *, receive_count: int | None = None, timeout: int = 30
) -> dict[str, Any]:
    """Invoke the connection_check function with these DiscoveryQueue messages, as Lambda would."""
    from functions.connection_check import handler as connection_check  # imported with the stack's environment

    event = sqs_event(messages, stack.queue_arn("DiscoveryQueue"))
    if receive_count is not None:
        for record in event["Records"]:
            record["attributes"]["ApproximateReceiveCount"] = str(receive_count)
    return connection_check.handler(event, LambdaContext("ConnectionCheckFunction", timeout_seconds=timeout))


def expected_carriers(sim: ShopSimulator) -> dict[int, tuple[int, str]]:
    """id_reference → (newest id, name) of the shop's carriers that are not deleted."""
    out: dict[int, tuple[int, str]] = {}
    for row in sim.data.tables["carriers"]:
        if row["deleted"] == "0" and row["id"] > out.get(row["id_reference"], (0, ""))[0]:
            out[row["id_reference"]] = (row["id"], row["name"])
    return out


def expected_payments(sim: ShopSimulator, newest: int) -> Counter[str]:
    orders = sorted(sim.data.tables["orders"], key=lambda o: o["id"], reverse=True)[:newest]
    return Counter(o["module"] for o in orders)


@pytest.fixture(scope="module")
def sim() -> Iterator[ShopSimulator]:
    simulator = ShopSimulator(
        SimulatorConfig(key=KEY, products=1, combinations=0, orders=7, timezone="America/New_York")
    )
    simulator.start()
    yield simulator
    simulator.stop()


@pytest.fixture
def shop(sim: ShopSimulator) -> Iterator[ShopSimulator]:
    sim.clear_faults()
    sim.add_key(KEY)
    sim.reset_requests()
    yield sim
    sim.clear_faults()
    sim.add_key(KEY)


@pytest.fixture
def api(stack: Stack) -> ApiClient:
    return client(stack.container.tokens.create("tenant-a", name="default"))


def test_discovery_end_to_end(stack: Stack, shop: ShopSimulator, api: ApiClient):
    # Given a connected shop
    created = create_account(api, shop.url)
    assert created.status == 201
    account_id = created.json["id"]
    assert created.json["timezone"] == "Europe/Warsaw"
    messages = receive(stack)
    assert [json.loads(m["Body"]) for m in messages] == [
        {"kind": "discovery", "tenant_id": "tenant-a", "account_id": account_id, "actor": "default", "language": "pl"}
    ]
    assert api.get(f"/accounts/{account_id}/discovery").json["status"] == "pending"
    shop.reset_requests()

    # When the connection_check function consumes the message
    result = run_discovery(stack, messages)

    # Then
    assert result == {"batchItemFailures": []}
    found = api.get(f"/accounts/{account_id}/discovery").json
    assert found["status"] == "done"
    assert found["message"] is None
    assert found["payment_methods"] == [
        {"module": "ps_checkpayment", "name": "Payment by check", "orders": 3},
        {"module": "ps_cashondelivery", "name": "Cash on delivery (COD)", "orders": 2},
        {"module": "ps_wirepayment", "name": "Bank transfer", "orders": 2},
    ]
    assert Counter({p["module"]: p["orders"] for p in found["payment_methods"]}) == expected_payments(shop, 1000)
    assert {c["id_reference"]: (c["id"], c["name"]) for c in found["carriers"]} == expected_carriers(shop)
    assert {s["id"] for s in found["order_states"]} == {row["id"] for row in shop.data.tables["order_states"]}
    assert {"id": 4, "name": "Shipped"}.items() <= next(s for s in found["order_states"] if s["id"] == 4).items()
    assert found["timezone"] == "America/New_York"
    assert found["analyzed_orders"] == 7
    assert found["os_states"]["PS_OS_SHIPPING"] == 4
    assert [s["id"] for s in found["shops"]] == [1]
    assert {c["iso_code"] for c in found["currencies"]} >= {"PLN"}
    assert found["refreshed_at"]
    # the account follows the shop's time zone and shows the run's status
    account = api.get(f"/accounts/{account_id}").json
    assert account["timezone"] == "America/New_York"
    assert account["discovery"] == {"status": "done", "message": None}
    # one request per list, only reads
    assert shop.request_count == 6
    assert {r.method for r in shop.requests} == {"GET"}
    # stored at ACCOUNT#<a> / DISCOVERY
    assert stack.table.get(keys.account_pk(account_id), keys.DISCOVERY_SK) is not None
    # and logged, by whoever asked
    entry = api.get(f"/accounts/{account_id}/logs").json["items"][0]
    assert (entry["action"], entry["outcome"], entry["actor"]) == ("account.discovered", "ok", "default")
    assert entry["message"].startswith("Odczytano konfigurację sklepu: metody płatności: 3, przewoźnicy: 5")


def test_discovery_of_a_shop_with_10000_orders_stays_within_30_requests(stack: Stack, api: ApiClient):
    with ShopSimulator(SimulatorConfig(key=KEY, products=1, combinations=0, orders=10_000)) as big:
        account_id = create_account(api, big.url).json["id"]
        messages = receive(stack)
        big.reset_requests()

        assert run_discovery(stack, messages) == {"batchItemFailures": []}

        found = api.get(f"/accounts/{account_id}/discovery").json
        assert found["status"] == "done"
        assert found["analyzed_orders"] == 1000
        assert Counter({p["module"]: p["orders"] for p in found["payment_methods"]}) == expected_payments(big, 1000)
        assert big.request_count <= 30
        assert big.count(path_prefix="orders") == 4  # 1000 newest orders in pages of 250
        assert big.request_count == 9


def test_a_transient_failure_is_retried_by_sqs(stack: Stack, shop: ShopSimulator, api: ApiClient):
    # Given the shop fails with 500 on every request for a while
    account_id = create_account(api, shop.url).json["id"]
    messages = receive(stack)
    shop.inject_fault("500", count=50, path_prefix="order_states")

    # When the first delivery runs (a short Lambda timeout keeps the client's retries short)
    result = run_discovery(stack, messages, timeout=5)

    # Then the record fails (SQS delivers it again) and the account says it will be retried
    assert result == {"batchItemFailures": [{"itemIdentifier": messages[0]["MessageId"]}]}
    english = client(api.token, "en")
    found = english.get(f"/accounts/{account_id}/discovery").json
    assert found["status"] == "pending"
    assert found["message"].startswith("the shop's server failed: ")
    entry = api.get(f"/accounts/{account_id}/logs").json["items"][0]
    assert (entry["action"], entry["outcome"]) == ("account.discovery_failed", "error")
    assert entry["message"].startswith("Odczyt konfiguracji sklepu nie powiódł się (zostanie ponowiony automatycznie)")
    assert entry["details"]["will_retry"] is True

    # When the last allowed delivery fails as well
    result = run_discovery(stack, messages, receive_count=5, timeout=5)
    assert result["batchItemFailures"] == [{"itemIdentifier": messages[0]["MessageId"]}]
    assert api.get(f"/accounts/{account_id}/discovery").json["status"] == "failed"

    # When the shop recovers and the message comes back
    shop.clear_faults()
    assert run_discovery(stack, messages, receive_count=2) == {"batchItemFailures": []}
    found = api.get(f"/accounts/{account_id}/discovery").json
    assert (found["status"], found["message"]) == ("done", None)


def test_a_permanent_failure_is_not_retried(stack: Stack, shop: ShopSimulator, api: ApiClient):
    # Given the key was deleted in the shop after the account was created
    account_id = create_account(api, shop.url).json["id"]
    messages = receive(stack)
    shop.remove_key(KEY)

    # When
    result = run_discovery(stack, messages)

    # Then the message is consumed, the run is failed and the reason logged
    assert result == {"batchItemFailures": []}
    found = api.get(f"/accounts/{account_id}/discovery").json
    assert found["status"] == "failed"
    assert found["message"].startswith("sklep odrzucił klucz API: Authentification key is not active")
    assert found["payment_methods"] == []
    entry = api.get(f"/accounts/{account_id}/logs").json["items"][0]
    assert (entry["action"], entry["outcome"]) == ("account.discovery_failed", "error")
    assert entry["message"].startswith("Odczyt konfiguracji sklepu nie powiódł się: sklep odrzucił klucz API")
    assert entry["details"]["will_retry"] is False
    assert KEY not in json.dumps(entry)


def test_a_shop_address_that_became_non_public_fails_once_without_a_request(
    stack: Stack, shop: ShopSimulator, api: ApiClient
):
    # Given an account whose stored address no longer passes the URL guard
    account_id = create_account(api, shop.url).json["id"]
    messages = receive(stack)
    stack.table.update(keys.tenant_pk("tenant-a"), keys.account_sk(account_id), set_={"shop_url": "https://10.0.0.1"})
    shop.reset_requests()

    # When the discovery message runs
    result = run_discovery(stack, messages)

    # Then it is consumed (no pointless retries), the run failed with the guard's reason
    assert result == {"batchItemFailures": []}
    found = client(api.token, "en").get(f"/accounts/{account_id}/discovery").json
    assert found["status"] == "failed"
    assert found["message"].startswith("10.0.0.1 points to a private, local or reserved network")
    assert shop.request_count == 0


def test_a_result_that_cannot_be_stored_does_not_leave_the_run_running(
    stack: Stack, shop: ShopSimulator, api: ApiClient, monkeypatch: pytest.MonkeyPatch
):
    # Given a shop whose discovery result DynamoDB refuses (e.g. an item over 400 KB)
    account_id = create_account(api, shop.url).json["id"]
    messages = receive(stack)

    def refuse(_result: Any) -> None:
        raise RuntimeError("Item size has exceeded the maximum allowed size")

    monkeypatch.setattr(stack.container.discovery_store, "put", refuse)

    # When the last allowed delivery runs
    result = run_discovery(stack, messages, receive_count=5)

    # Then the message fails (to the DLQ) and the account says so instead of "running" forever
    assert result == {"batchItemFailures": [{"itemIdentifier": messages[0]["MessageId"]}]}
    assert api.get(f"/accounts/{account_id}/discovery").json["status"] == "failed"


def test_discovery_can_be_run_again(stack: Stack, shop: ShopSimulator, api: ApiClient):
    account_id = create_account(api, shop.url).json["id"]
    run_discovery(stack, receive(stack))
    first = api.get(f"/accounts/{account_id}/discovery").json

    # When
    answer = api.post(f"/accounts/{account_id}/discovery")

    # Then
    assert answer.status == 202
    assert answer.json == {"status": "pending", "message": None}
    pending = api.get(f"/accounts/{account_id}/discovery").json
    assert pending["status"] == "pending"
    assert pending["payment_methods"] == first["payment_methods"]  # the last result stays readable
    messages = receive(stack)
    assert [json.loads(m["Body"])["account_id"] for m in messages] == [account_id]
    assert run_discovery(stack, messages) == {"batchItemFailures": []}
    again = api.get(f"/accounts/{account_id}/discovery").json
    assert again["status"] == "done"
    assert again["refreshed_at"] > first["refreshed_at"]
    actions = [e["action"] for e in api.get(f"/accounts/{account_id}/logs").json["items"]]
    assert actions == ["account.discovered", "account.discovered", "account.created"]


def test_messages_that_cannot_run_are_dropped(stack: Stack, shop: ShopSimulator, api: ApiClient):
    account_id = create_account(api, shop.url).json["id"]
    receive(stack)
    assert api.delete(f"/accounts/{account_id}").status == 204
    shop.reset_requests()
    bodies = [
        "not json",
        {"kind": "discovery", "tenant_id": "tenant-a"},
        {"kind": "discovery", "tenant_id": "tenant-a", "account_id": account_id},
        {"kind": "discovery", "tenant_id": "tenant-b", "account_id": "unknown"},
    ]

    from functions.connection_check import handler as connection_check

    result = connection_check.handler(
        sqs_event_from_bodies(bodies, stack.queue_arn("DiscoveryQueue")), LambdaContext("ConnectionCheckFunction")
    )

    assert result == {"batchItemFailures": []}
    assert shop.request_count == 0
    assert stack.table.get(keys.account_pk(account_id), keys.DISCOVERY_SK) is None


def test_an_account_is_saved_even_when_discovery_cannot_be_queued(stack: Stack, shop: ShopSimulator, api: ApiClient):
    # Given a queue that does not exist
    c = stack.container
    missing_queue = stack.queue_url("DiscoveryQueue") + "-missing"
    discovery = DiscoveryService(
        accounts=c.accounts,
        store=c.discovery_store,
        activity=c.activity,
        connector_for=c.connector_for,
        queue=lambda: QueuePublisher(c.sqs, missing_queue),
        clock=c.clock,
    )
    install_account_service(stack, discovery=discovery)

    # When
    answer = create_account(api, shop.url)

    # Then the account exists and says how to recover
    assert answer.status == 201
    assert answer.json["discovery"] == {
        "status": "failed",
        "message": "Nie udało się zlecić odczytu konfiguracji sklepu. Uruchom go ponownie.",
    }
    logs = api.get(f"/accounts/{answer.json['id']}/logs").json["items"]
    assert [(e["action"], e["outcome"]) for e in logs] == [
        ("account.discovery_failed", "error"),
        ("account.created", "ok"),
    ]
