"""The order pusher against the simulated shop: tracking numbers, documents and status changes
reach the shop once; refusals are logged and dropped; transient failures come back and end in
the DLQ after the last attempt."""

from __future__ import annotations

import pytest

from local.prestashop import OrderLine
from local.stack.events import LambdaContext, sqs_event_from_bodies
from shophub.domain.config import SyncSettings
from shophub.domain.orders import OrderPushJob
from tests.support.api import ApiClient
from tests.support.logs import account_log_items
from tests.support.orders import TENANT, connect_shop, queued, run_queue, stored_order

ALL_ON = SyncSettings(update_statuses=True, send_tracking_numbers=True, send_documents=True, push_statuses=True)


def _pusher():
    from functions.order_pusher import handler

    return handler.handler


def _logs(shop, action: str) -> list[dict]:
    return account_log_items(shop.container.table, shop.account.tenant_id, shop.account_id, action)


@pytest.fixture
def shop(stack, container, shops):
    connected = connect_shop(stack, container, products=3, combinations=0, sync=ALL_ON)
    shops.append(connected)
    return connected


@pytest.fixture
def api(container):
    return ApiClient(token=container.tokens.create(TENANT), language="en")


def _imported_order(shop) -> tuple[int, str]:
    oid = shop.sim.data.place_order([OrderLine(1, 0, 1)])
    shop.poll()
    return oid, f"{shop.account_id}-{oid}"


def test_a_tracking_number_reaches_the_shop_once(stack, shop, api):
    oid, order_id = _imported_order(shop)
    assert api.post(f"/orders/{order_id}/shipments", {"tracking_number": "PL0001"}).status == 202
    message = queued(stack, "OrderUpdateQueue")[0]["message"]
    shop.sim.reset_requests()

    # the same message delivered twice
    for _ in range(2):
        event = sqs_event_from_bodies([message["Body"]], stack.queue_arn("OrderUpdateQueue"))
        assert _pusher()(event, LambdaContext("pusher")) == {"batchItemFailures": []}

    assert shop.sim.data.order_carrier(oid)["tracking_number"] == "PL0001"
    assert shop.sim.count("PATCH", "order_carriers") == 1
    (entry,) = shop.stored_order(oid).tracking_numbers
    assert entry.shop_sync == "sent" and entry.synced_at is not None
    assert len(_logs(shop, "orders.tracking_sent")) == 1


def test_a_document_is_posted_as_one_order_message(stack, shop, api):
    oid, order_id = _imported_order(shop)
    body = {"type": "invoice", "number": "FV/7/2026", "url": "https://docs.example/fv/7.pdf"}
    assert api.post(f"/orders/{order_id}/documents", body).status == 202
    message = queued(stack, "OrderUpdateQueue")[0]["message"]

    for _ in range(2):
        event = sqs_event_from_bodies([message["Body"]], stack.queue_arn("OrderUpdateQueue"))
        assert _pusher()(event, LambdaContext("pusher")) == {"batchItemFailures": []}

    data = shop.sim.data
    threads = [
        t for t in (data.get("customer_threads", i) for i in data.ids("customer_threads")) if t["id_order"] == oid
    ]
    assert len(threads) == 1
    messages = [data.get("customer_messages", i) for i in data.ids("customer_messages")]
    texts = [m["message"] for m in messages if m["id_customer_thread"] == threads[0]["id"]]
    assert texts == ["Invoice no. FV/7/2026: https://docs.example/fv/7.pdf"]
    (document,) = shop.stored_order(oid).documents
    assert document.shop_sync == "sent" and document.shop_message_id is not None


def test_a_status_change_goes_to_the_shop_through_the_reverse_mapping_and_does_not_echo(stack, shop, api):
    oid, order_id = _imported_order(shop)

    assert api.patch(f"/orders/{order_id}", {"status": "w-realizacji"}).status == 200
    run_queue(stack, "OrderUpdateQueue", _pusher())

    # "w-realizacji" is mapped from shop states 2 and 3: the lowest is posted
    assert shop.sim.data.order(oid)["current_state"] == 2
    assert shop.stored_order(oid).shop_status_id == 2
    # the next poll sees the shop's change and leaves the hub status alone
    shop.poll()
    assert shop.stored_order(oid).status == "w-realizacji"

    # pushing the status the shop already has costs no write
    shop.sim.reset_requests()
    job = OrderPushJob(
        type="StatusPush",
        tenant_id=TENANT,
        account_id=shop.account_id,
        shop_order_id=oid,
        status="w-realizacji",
    )
    event = sqs_event_from_bodies([job.model_dump(mode="json")], stack.queue_arn("OrderUpdateQueue"))
    assert _pusher()(event, LambdaContext("pusher")) == {"batchItemFailures": []}
    assert shop.sim.request_count == 0


def test_a_status_without_a_shop_state_is_logged_and_not_sent(stack, shop, api):
    _, order_id = _imported_order(shop)

    assert api.patch(f"/orders/{order_id}", {"status": "zwrocone"}).status == 200
    answers = run_queue(stack, "OrderUpdateQueue", _pusher())

    assert answers == [{"batchItemFailures": []}]
    assert shop.sim.count("POST", "order_histories") == 0
    (entry,) = _logs(shop, "orders.status_sent")
    assert entry["outcome"] == "error" and "zwrocone" in entry["message"]


def test_a_refusal_by_the_shop_is_logged_and_the_message_dropped(stack, container, shop):
    # the hub knows an order the shop does not have (any more)
    order = stored_order(container, shop.account, 999)
    order = order.model_copy(update={"tracking_numbers": []})
    api = ApiClient(token=container.tokens.create(TENANT), language="en")
    assert api.post(f"/orders/{order.id}/shipments", {"tracking_number": "PL404"}).status == 202

    answers = run_queue(stack, "OrderUpdateQueue", _pusher())

    assert answers == [{"batchItemFailures": []}]
    (entry,) = shop.stored_order(999).tracking_numbers
    assert entry.shop_sync == "failed" and entry.problem == "shop_not_found"
    (log,) = _logs(shop, "orders.tracking_sent")
    assert log["outcome"] == "error"


def test_a_transient_failure_comes_back_and_the_last_attempt_is_logged_as_given_up(stack, shop, api):
    oid, order_id = _imported_order(shop)
    assert api.post(f"/orders/{order_id}/shipments", {"tracking_number": "PL0503"}).status == 202
    body = queued(stack, "OrderUpdateQueue")[0]["body"]
    shop.sim.inject_fault("503", count=100, path_prefix="order_carriers")

    event = sqs_event_from_bodies([body], stack.queue_arn("OrderUpdateQueue"))
    message_id = event["Records"][0]["messageId"]
    assert _pusher()(event, LambdaContext("pusher")) == {"batchItemFailures": [{"itemIdentifier": message_id}]}
    assert shop.stored_order(oid).tracking_numbers[0].shop_sync == "pending"
    assert _logs(shop, "orders.tracking_sent") == []

    event["Records"][0]["attributes"]["ApproximateReceiveCount"] = "5"
    assert _pusher()(event, LambdaContext("pusher")) == {"batchItemFailures": [{"itemIdentifier": message_id}]}
    assert shop.stored_order(oid).tracking_numbers[0].shop_sync == "failed"
    (log,) = _logs(shop, "orders.tracking_sent")
    assert log["outcome"] == "error" and log["details"]["attempt"] == 5


def test_a_malformed_message_is_dropped(stack, shop):
    event = sqs_event_from_bodies(["{not json", {"type": "Unknown"}], stack.queue_arn("OrderUpdateQueue"))
    assert _pusher()(event, LambdaContext("pusher")) == {"batchItemFailures": []}
    assert shop.sim.request_count == 0
