"""An order's status history (``GET /orders/{oid}`` → ``status_history``): the landing status,
shop state changes the hub follows and the merchant's changes, each recorded once, oldest first,
by the write that changes the status; nothing for polls that change nothing or for a frozen
order's later shop changes."""

from __future__ import annotations

from datetime import datetime

from local.prestashop import OrderLine
from shophub.store.orders import order_item
from tests.support.api import ApiClient
from tests.support.logs import account_log_items
from tests.support.orders import LANDING, TENANT, connect_shop, offline_account, stored_order

TOKEN_NAME = "panel-anna"


def _history(api: ApiClient, order_id: str) -> list[dict]:
    answer = api.get(f"/orders/{order_id}")
    assert answer.status == 200
    return answer.json["status_history"]


def _summary(history: list[dict]) -> list[tuple[str, str, int | None, str]]:
    return [(entry["source"], entry["status"], entry["shop_state_id"], entry["actor"]) for entry in history]


def test_an_order_moved_in_the_shop_has_its_landing_and_the_followed_change_in_order(stack, container, shops):
    # Given an order imported in shop state 1 ("Awaiting check payment")
    api = ApiClient(token=container.tokens.create(TENANT), language="en")
    shop = connect_shop(stack, container, products=3, combinations=0)
    shops.append(shop)
    oid = shop.sim.data.place_order([OrderLine(1, 0, 1)], current_state=1)
    shop.poll()
    order = shop.stored_order(oid)
    assert _summary(_history(api, order.id)) == [("imported", LANDING, 1, "system")]

    # When the shop moves it to "Payment accepted" (mapped to "w-realizacji") and the hub polls
    shop.sim.data.change_order_state(oid, 2)
    shop.poll()

    # Then the history has the landing status, then the shop's change with the new shop state
    history = _history(api, order.id)
    assert _summary(history) == [("imported", LANDING, 1, "system"), ("shop", "w-realizacji", 2, "system")]
    assert datetime.fromisoformat(history[0]["at"]) == order.imported_at
    assert datetime.fromisoformat(history[0]["at"]) <= datetime.fromisoformat(history[1]["at"])
    # the change went in with the status, in one version-checked write
    assert shop.stored_order(oid).version == order.version + 1


def test_polls_that_do_not_change_the_hub_status_add_nothing(stack, container, shops):
    api = ApiClient(token=container.tokens.create(TENANT), language="en")
    shop = connect_shop(stack, container, products=3, combinations=0)
    shops.append(shop)
    oid = shop.sim.data.place_order([OrderLine(1, 0, 1)], current_state=1)
    shop.poll()
    order_id = shop.stored_order(oid).id
    shop.sim.data.change_order_state(oid, 2)
    shop.poll()
    before = _history(api, order_id)
    assert len(before) == 2

    # a poll that finds the order unchanged
    shop.poll()
    assert _history(api, order_id) == before
    # a shop change that maps to the status the order already has ("Processing in progress" → "w-realizacji")
    shop.sim.data.change_order_state(oid, 3)
    shop.poll()
    assert _history(api, order_id) == before
    # a shop state without a mapping (logged, the status stays)
    shop.sim.data.change_order_state(oid, 9)
    shop.poll()
    assert shop.stored_order(oid).shop_status_id == 9
    assert _history(api, order_id) == before


def test_a_merchants_status_change_adds_a_hub_entry_with_the_actor_the_log_names(stack, container, shops):
    api = ApiClient(token=container.tokens.create(TENANT, name=TOKEN_NAME), language="en")
    shop = connect_shop(stack, container, products=3, combinations=0)
    shops.append(shop)
    oid = shop.sim.data.place_order([OrderLine(1, 0, 1)], current_state=1)
    shop.poll()
    order = shop.stored_order(oid)

    changed = api.patch(f"/orders/{order.id}", {"status": "w-realizacji"})
    assert changed.status == 200
    # the same status again changes nothing
    assert api.patch(f"/orders/{order.id}", {"status": "w-realizacji"}).status == 200

    assert _summary(changed.json["status_history"]) == [
        ("imported", LANDING, 1, "system"),
        ("hub", "w-realizacji", None, TOKEN_NAME),
    ]
    assert _history(api, order.id) == changed.json["status_history"]
    logged = account_log_items(container.table, TENANT, shop.account_id, "orders.status_changed")
    assert [entry["actor"] for entry in logged] == [TOKEN_NAME]
    assert shop.stored_order(oid).version == order.version + 1


def test_a_frozen_orders_later_shop_changes_add_nothing(stack, container, shops):
    api = ApiClient(token=container.tokens.create(TENANT, name=TOKEN_NAME), language="en")
    shop = connect_shop(stack, container, products=3, combinations=0)
    shops.append(shop)
    oid = shop.sim.data.place_order([OrderLine(1, 0, 1)], current_state=1)
    shop.poll()
    order_id = shop.stored_order(oid).id

    # "Shipped" maps to "wyslane", outside update_statuses: followed once, then the order is frozen
    shop.sim.data.change_order_state(oid, 4)
    shop.poll()
    assert shop.stored_order(oid).frozen
    frozen = _history(api, order_id)
    assert _summary(frozen) == [("imported", LANDING, 1, "system"), ("shop", "wyslane", 4, "system")]

    # the shop moves on ("Canceled", "Delivered"): the hub ignores it and records nothing
    shop.sim.data.change_order_state(oid, 6)
    shop.poll()
    shop.sim.data.change_order_state(oid, 5)
    shop.poll()
    order = shop.stored_order(oid)
    assert order.status == "wyslane" and order.shop_status_id == 5
    assert _history(api, order_id) == frozen

    # the merchant may still change it, and that is recorded
    assert api.patch(f"/orders/{order_id}", {"status": "dostarczone"}).status == 200
    assert _summary(_history(api, order_id))[-1] == ("hub", "dostarczone", None, TOKEN_NAME)


def test_an_order_stored_before_the_history_existed_answers_what_is_stored(stack, container):
    api = ApiClient(token=container.tokens.create(TENANT, name=TOKEN_NAME), language="en")
    account = offline_account(container)
    order = stored_order(container, account, 1)
    item = {k: v for k, v in order_item(order).items() if k != "status_history"}
    container.table.put(item)
    assert "status_history" not in container.table.get(item["PK"], item["SK"], consistent=True)

    # nothing is made up from what the order knows: its history starts at its next change
    assert _history(api, order.id) == []
    assert api.patch(f"/orders/{order.id}", {"status": "w-realizacji"}).status == 200
    assert _summary(_history(api, order.id)) == [("hub", "w-realizacji", None, TOKEN_NAME)]
