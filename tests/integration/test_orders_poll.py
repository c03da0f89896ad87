"""Order polling against the simulated shop: exactly-once ingestion, mappings, landing status,
status sync and freezing, drift, the lease, the overlap, the budget of shop requests."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from local.prestashop import OrderLine
from local.stack.events import LambdaContext, schedule_event, sqs_event_from_bodies
from shophub.domain.config import SyncSettings
from shophub.domain.orders import PollOrdersJob
from tests.support.api import ApiClient
from tests.support.logs import account_log_items
from tests.support.orders import LANDING, connect_shop, queued

THREE_LINES = [OrderLine(1, 1, 1), OrderLine(2, 4, 2), OrderLine(3, 0, 1)]


def _logs(shop, action: str | None = None) -> list[dict]:
    return account_log_items(shop.container.table, shop.account.tenant_id, shop.account_id, action)


def _poller():
    from functions.order_poller import handler

    return handler.handler


def test_new_orders_are_imported_once_in_the_landing_status_with_mappings_resolved(stack, container, shops):
    # Given a connected shop with mapped payments, carriers and states, and one linked variant
    shop = connect_shop(stack, container, products=5, combinations=0)
    shops.append(shop)
    hub_product = shop.link(2, 0, stock=50)
    shipped = shop.sim.data.place_order([OrderLine(2, 0, 2), OrderLine(3, 0, 1)], module="ps_wirepayment", id_carrier=4)
    shop.sim.data.change_order_state(shipped, 4)  # already shipped in the shop

    # When the account is polled twice
    first = shop.poll()
    second = shop.poll()

    # Then the order exists once, in the landing status whatever its shop state
    assert first.stats.imported == 1
    assert second.stats.imported == 0
    orders = shop.stored_orders()
    assert [o.shop_order_id for o in orders] == [shipped]
    order = orders[0]
    assert order.id == f"{shop.account_id}-{shipped}"
    assert order.status == LANDING and order.shop_status_id == 4 and not order.frozen
    assert order.payment_method == "przelew" and order.shipping_method == "paczkomat"
    assert [(line.shop_product_id, line.hub_product_id, line.quantity) for line in order.lines] == [
        (2, hub_product, 2),
        (3, None, 1),
    ]
    # the unlinked line is listed and logged, the order is not dropped
    assert [(u.kind, u.shop_value) for u in order.unmapped] == [("product", "3:0")]
    imported = _logs(shop, "orders.imported")
    assert len(imported) == 1 and imported[0]["outcome"] == "error"
    assert "3:0" in imported[0]["message"]
    # the run that found the order is logged; the second found nothing and wrote no entry
    assert [e["outcome"] for e in _logs(shop, "orders.fetched")] == ["ok"]


def test_unmapped_payment_and_unknown_carrier_never_drop_an_order(stack, container, shops):
    shop = connect_shop(stack, container, products=3, combinations=0)
    shops.append(shop)
    # Given an order paid with a module and sent with a carrier that have no mapping
    container.config_repository.replace_mappings(
        shop.account_id,
        container.config_repository.get_mapping_set(shop.account_id, "CARRIER"),
        {"1": "odbior-osobisty"},
        at=datetime.now(UTC),
    )
    oid = shop.sim.data.place_order([OrderLine(1, 0, 1)], module="ps_cashondelivery", id_carrier=6)
    container.config_repository.replace_mappings(
        shop.account_id,
        container.config_repository.get_mapping_set(shop.account_id, "PAYMENT"),
        {"ps_checkpayment": "czek"},
        at=datetime.now(UTC),
    )

    shop.poll()

    order = shop.stored_order(oid)
    assert order.payment_method is None and order.shipping_method is None
    assert {(u.kind, u.shop_value) for u in order.unmapped} == {
        ("payment_method", "ps_cashondelivery"),
        ("shipping_method", "6"),
        ("product", "1:0"),
    }
    (entry,) = _logs(shop, "orders.imported")
    assert "ps_cashondelivery" in entry["message"] and entry["outcome"] == "error"


def test_orders_created_before_fetch_from_are_not_imported_but_backdated_ones_after_it_are(stack, container, shops):
    shop = connect_shop(stack, container, products=3, combinations=0)
    shops.append(shop)
    now = datetime.now(UTC)
    shop.set_settings(fetch_from=now - timedelta(days=2))
    old = shop.sim.data.place_order([OrderLine(1, 0, 1)], at=now - timedelta(days=3))
    backdated = shop.sim.data.place_order([OrderLine(2, 0, 1)], at=now - timedelta(days=1))
    shop.sim.data.change_order_state(old, 2)  # changed after fetch_from, still created before it

    result = shop.poll()

    assert [o.shop_order_id for o in shop.stored_orders()] == [backdated]
    assert result.stats.skipped == 1
    assert shop.stored_order(backdated).status == LANDING

    # moving fetch_from back reads the history again: the older order comes in, nothing twice
    shop.set_settings(fetch_from=now - timedelta(days=4))
    again = shop.poll()
    assert sorted(o.shop_order_id for o in shop.stored_orders()) == [old, backdated]
    assert again.stats.imported == 1 and again.stats.unchanged == 1


def test_shop_state_changes_move_the_status_until_it_leaves_update_statuses_then_the_order_is_frozen(
    stack, container, shops
):
    shop = connect_shop(stack, container, products=3, combinations=0)
    shops.append(shop)
    oid = shop.sim.data.place_order([OrderLine(1, 0, 1)])
    shop.poll()

    # a mapped shop state inside update_statuses moves the hub status
    shop.sim.data.change_order_state(oid, 2)
    shop.poll()
    assert shop.stored_order(oid).status == "w-realizacji"
    assert not shop.stored_order(oid).frozen

    # an unmapped state is logged and ignored
    shop.sim.data.change_order_state(oid, 9)
    shop.poll()
    order = shop.stored_order(oid)
    assert order.status == "w-realizacji" and order.shop_status_id == 9
    assert len(_logs(shop, "orders.status_unmapped")) == 1

    # "Wysłane" is outside update_statuses: the order follows and is frozen for good
    shop.sim.data.change_order_state(oid, 4)
    shop.poll()
    order = shop.stored_order(oid)
    assert order.status == "wyslane" and order.frozen
    assert len(_logs(shop, "orders.frozen")) == 1

    shop.sim.data.change_order_state(oid, 6)
    shop.poll()
    order = shop.stored_order(oid)
    assert order.status == "wyslane" and order.frozen and order.shop_status_id == 6


def test_status_sync_switched_off_keeps_the_hub_status(stack, container, shops):
    shop = connect_shop(stack, container, products=3, combinations=0, sync=SyncSettings(update_statuses=False))
    shops.append(shop)
    oid = shop.sim.data.place_order([OrderLine(1, 0, 1)])
    shop.poll()
    shop.sim.data.change_order_state(oid, 2)
    shop.poll()
    assert shop.stored_order(oid).status == LANDING


def test_a_changed_cart_is_recorded_as_drift_and_the_lines_stay(stack, container, shops):
    shop = connect_shop(stack, container, products=4, combinations=0)
    shops.append(shop)
    oid = shop.sim.data.place_order([OrderLine(1, 0, 2), OrderLine(2, 0, 1)])
    shop.poll()

    shop.sim.data.touch_order(oid, lines=[OrderLine(1, 0, 3), OrderLine(4, 0, 1)])
    shop.poll()
    shop.poll()

    order = shop.stored_order(oid)
    assert [(line.shop_product_id, line.quantity) for line in order.lines] == [(1, 2), (2, 1)]
    assert order.drift is not None
    assert [(d.shop_product_id, d.hub_quantity, d.shop_quantity) for d in order.drift.lines] == [
        (1, 2, 3),
        (2, 1, 0),
        (4, 0, 1),
    ]
    assert len(_logs(shop, "orders.drifted")) == 1


def test_a_second_poll_while_the_lease_is_held_does_nothing_and_an_expired_lease_is_taken_over(stack, container, shops):
    shop = connect_shop(stack, container, products=3, combinations=0)
    shops.append(shop)
    shop.sim.data.place_order([OrderLine(1, 0, 1)])
    # Given a poll that took the lease and crashed
    cursors = container.poll_cursor_repository
    assert cursors.acquire(shop.account_id, "crashed-run", now=container.clock(), lease_seconds=180) is not None
    shop.sim.reset_requests()

    # When another poll comes meanwhile, it does nothing at all
    assert shop.poll().outcome == "busy"
    assert shop.sim.request_count == 0 and shop.stored_orders() == []

    # And once the lease expired, the next poll runs
    container.offset = timedelta(minutes=4)
    assert shop.poll().outcome == "done"
    assert len(shop.stored_orders()) == 1
    cursor = cursors.get(shop.account_id)
    assert cursor.lease_owner is None and cursor.open_runs == set()


def test_a_change_written_late_with_an_older_date_upd_is_caught_by_the_overlap(stack, container, shops):
    shop = connect_shop(stack, container, products=3, combinations=0)
    shops.append(shop)
    shop.sim.data.place_order([OrderLine(1, 0, 1)])
    shop.poll()
    # Given an order that became visible only after the poll, with a date_upd before the cursor
    late = shop.sim.data.place_order([OrderLine(2, 0, 1)], at=datetime.now(UTC) - timedelta(minutes=2))

    result = shop.poll()

    assert result.stats.imported == 1 and result.stats.unchanged == 1
    assert shop.stored_order(late).status == LANDING


def test_budget_100_new_orders_of_three_lines_in_steady_state_cost_at_most_6_shop_requests(stack, container, shops):
    shop = connect_shop(stack, container, products=10, combinations=2, seed=3)
    shops.append(shop)
    now = datetime.now(UTC)
    for i in range(5):
        shop.sim.data.place_order(THREE_LINES, at=now - timedelta(seconds=60 - 5 * i))
    shop.poll()
    # 100 orders in the half minute since: the next poll also reads the previous ones again
    # (they are within the overlap margin) and still needs a single page
    for i in range(100):
        shop.sim.data.place_order(THREE_LINES, at=now - timedelta(seconds=30 - 0.3 * i))
    shop.sim.reset_requests()
    dynamo_before = container.table.request_count

    result = shop.poll()

    assert result.stats.imported == 100 and result.stats.unchanged == 5 and result.stats.pages == 1
    print(
        f"\n100 new orders (3 lines each), steady state: {shop.sim.request_count} shop requests, "
        f"{container.table.request_count - dynamo_before} DynamoDB requests"
    )
    assert shop.sim.request_count <= 6
    assert len(shop.stored_orders()) == 105

    # the next poll reads the overlap once more (nothing changes); later idle polls cost one request
    assert shop.poll().stats.unchanged == 105
    container.offset = timedelta(minutes=6)
    shop.poll()
    shop.sim.reset_requests()
    assert shop.poll().stats.seen == 0
    assert shop.sim.request_count == 1


def test_poll_messages_come_from_the_schedule_for_enabled_accounts_only(stack, container, shops):
    enabled = connect_shop(stack, container, products=2, combinations=0)
    disabled = connect_shop(stack, container, products=2, combinations=0, fetch_enabled=False)
    shops.extend([enabled, disabled])

    answer = _poller()(schedule_event("poll-schedule"), LambdaContext("poller"))

    assert answer == {"dispatched": 1}
    bodies = [m["body"] for m in queued(stack, "OrderPollQueue")]
    assert bodies == [
        {
            "type": "PollOrders",
            "tenant_id": enabled.account.tenant_id,
            "account_id": enabled.account_id,
            "reason": "schedule",
            "actor": "system",
            "language": "pl",
        }
    ]


def test_duplicate_deliveries_of_a_poll_message_import_each_order_once(stack, container, shops):
    shop = connect_shop(stack, container, products=3, combinations=0)
    shops.append(shop)
    for _ in range(3):
        shop.sim.data.place_order([OrderLine(1, 0, 1)])
    body = PollOrdersJob(tenant_id=shop.account.tenant_id, account_id=shop.account_id).model_dump(mode="json")
    arn = stack.queue_arn("OrderPollQueue")

    for _ in range(2):
        answer = _poller()(sqs_event_from_bodies([body], arn), LambdaContext("poller", timeout_seconds=120))
        assert answer == {"batchItemFailures": []}

    assert len(shop.stored_orders()) == 3
    # the three orders have unlinked lines: one entry of the page names them all
    (entry,) = _logs(shop, "orders.imported")
    assert sorted(o["shop_order_id"] for o in entry["details"]["orders"]) == [1, 2, 3]
    assert [e["details"]["imported"] for e in _logs(shop, "orders.fetched")] == [3]  # the empty run: no entry


def test_a_transient_shop_failure_fails_the_record_and_a_permanent_one_is_logged(stack, container, shops):
    shop = connect_shop(stack, container, products=3, combinations=0)
    shops.append(shop)
    shop.sim.data.place_order([OrderLine(1, 0, 1)])
    body = PollOrdersJob(tenant_id=shop.account.tenant_id, account_id=shop.account_id).model_dump(mode="json")
    event = sqs_event_from_bodies([body], stack.queue_arn("OrderPollQueue"))
    message_id = event["Records"][0]["messageId"]

    # the shop answers 503 to every attempt: the record comes back
    shop.sim.inject_fault("503", count=10, path_prefix="orders")
    answer = _poller()(event, LambdaContext("poller", timeout_seconds=120))
    assert answer == {"batchItemFailures": [{"itemIdentifier": message_id}]}
    retry = _logs(shop, "orders.fetch_failed")[-1]
    assert retry["outcome"] == "error" and retry["details"]["will_retry"] is True
    shop.sim.clear_faults()

    # the key was revoked: logged, not retried
    shop.sim.remove_key(shop.sim.key)
    answer = _poller()(event, LambdaContext("poller", timeout_seconds=120))
    assert answer == {"batchItemFailures": []}
    failed = _logs(shop, "orders.fetch_failed")[-1]
    assert failed["outcome"] == "error" and failed["details"]["will_retry"] is False
    assert shop.stored_orders() == []
    # the lease was released both times
    assert container.poll_cursor_repository.get(shop.account_id).lease_owner is None


def test_orders_imported_publish_one_hub_event_each(stack, container, shops):
    events = stack.container.events
    sqs = stack.container.sqs
    url = sqs.create_queue(QueueName="order-events")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    bus = stack.container.settings.event_bus_name
    events.put_rule(Name="orders", EventBusName=bus, EventPattern=json.dumps({"source": ["shophub"]}))
    events.put_targets(Rule="orders", EventBusName=bus, Targets=[{"Id": "q", "Arn": arn}])
    shop = connect_shop(stack, container, products=3, combinations=0)
    shops.append(shop)
    oid = shop.sim.data.place_order([OrderLine(1, 0, 1)])

    shop.poll()
    shop.sim.data.change_order_state(oid, 2)
    shop.poll()

    received = []
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not got:
            break
        received += [json.loads(m["Body"]) for m in got]
        for m in got:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    kinds = [(e["detail-type"], e["detail"]["shop_order_id"], e["detail"]["status"]) for e in received]
    assert kinds == [("OrderImported", oid, LANDING), ("OrderUpdated", oid, "w-realizacji")]


def test_a_poll_that_finds_nothing_writes_no_entry_but_moves_the_accounts_last_poll(stack, container, shops):
    # Given an account whose shop has one new order
    shop = connect_shop(stack, container, products=3, combinations=0)
    shops.append(shop)
    shop.sim.data.place_order([OrderLine(1, 0, 1)])
    api = ApiClient(token=container.tokens.create(shop.account.tenant_id), language="en")
    before = api.get(f"/accounts/{shop.account_id}").json
    assert (before["last_poll_at"], before["last_order_at"]) == (None, None)

    # When it is polled (the order comes in), then polled again twice, 30 s apart, finding nothing
    shop.poll()
    found = api.get(f"/accounts/{shop.account_id}").json
    for _ in range(2):
        container.offset += timedelta(seconds=30)
        assert shop.poll().outcome == "done"

    # Then only the run that found the order is in the log
    assert [e["action"] for e in _logs(shop) if e["action"].startswith("orders.fetch")] == ["orders.fetched"]
    # and the account shows its last poll (the empty ones) and its last new order (the first run)
    after = api.get(f"/accounts/{shop.account_id}").json
    assert found["last_order_at"] is not None and found["last_poll_at"] >= found["last_order_at"]
    assert after["last_order_at"] == found["last_order_at"]
    assert _parse(after["last_poll_at"]) - _parse(found["last_poll_at"]) >= timedelta(seconds=60)
    (listed,) = [a for a in api.get("/accounts").json["items"] if a["id"] == shop.account_id]
    assert (listed["last_poll_at"], listed["last_order_at"]) == (after["last_poll_at"], after["last_order_at"])


def _parse(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))
