"""Multi-channel stock: an order from one shop lowers the hub stock once and the other shops
follow through the ordinary stock push; a cancelled order gives its stock back once; concurrent
orders from two shops never lose an update; the hub never goes below zero."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from local.prestashop import OrderLine
from local.stack.events import LambdaContext, sqs_event_from_bodies
from shophub.domain.orders import PollOrdersJob
from tests.support.api import ApiClient
from tests.support.logs import account_log_items
from tests.support.orders import TENANT, connect_shop, queued, run_queue


def _stock_pusher():
    from functions.stock_pusher import handler

    return handler.handler


def _poller():
    from functions.order_poller import handler

    return handler.handler


def _hub_stock(container, product_id: int) -> tuple[int, int]:
    level = container.stock_repository.levels(TENANT, [product_id])[product_id]
    return level.quantity, level.version


def _operation(operation: dict) -> str:
    """``Put:ORDER#1`` / ``Update:PRODUCT#…``: what one transaction item writes."""
    ((kind, body),) = operation.items()
    key = body.get("Key") or body["Item"]
    return f"{kind}:{key['SK']['S']}"


def _logs(shop, action: str) -> list[dict]:
    return account_log_items(shop.container.table, shop.account.tenant_id, shop.account_id, action)


@pytest.fixture
def two_shops(stack, container, shops):
    """Shops A and B; hub product P (stock 10) linked to A's product 1 and B's product 2, both
    shops holding 10 too, both syncing stock."""
    a = connect_shop(stack, container, products=4, combinations=0, seed=1)
    b = connect_shop(stack, container, products=4, combinations=0, seed=2)
    shops.extend([a, b])
    product = a.link(1, 0, stock=10, shop_stock=10)
    b.link(2, 0, stock=10, product_id=product, shop_stock=10)
    a.sync_stock()
    b.sync_stock()
    return a, b, product


def test_an_order_from_shop_a_lowers_the_stock_in_shop_b_and_costs_shop_a_nothing(stack, container, two_shops):
    a, b, product = two_shops
    oid = a.sim.data.place_order([OrderLine(1, 0, 3)])
    assert a.sim.data.stock_quantity(1, 0) == 7  # the shop sold it

    a.poll()

    assert _hub_stock(container, product) == (7, 2)
    order = a.stored_order(oid)
    assert order.stock is not None and [(m.before, m.after) for m in order.stock.taken] == [(10, 7)]
    (entry,) = _logs(a, "stock.order_taken")
    assert "10 → 7" in entry["message"]
    messages = [m["body"] for m in queued(stack, "StockQueue")]
    assert messages == [
        {"type": "StockChanged", "tenant_id": TENANT, "changes": [{"product_id": product, "quantity": 7, "version": 2}]}
    ]

    a.sim.reset_requests()
    b.sim.reset_requests()
    event = sqs_event_from_bodies(messages, stack.queue_arn("StockQueue"))
    assert _stock_pusher()(event, LambdaContext("stock", timeout_seconds=60)) == {"batchItemFailures": []}

    assert b.sim.data.stock_quantity(2, 0) == 7
    assert b.sim.count("PATCH", "stock_availables") == 1
    assert a.sim.request_count == 0  # shop A already holds 7: the push there is dropped as a no-op
    assert a.sim.data.stock_quantity(1, 0) == 7


def test_an_order_of_three_lines_moves_stock_in_one_transaction(stack, container, shops):
    shop = connect_shop(stack, container, products=4, combinations=0)
    shops.append(shop)
    products = [shop.link(p, 0, stock=20, shop_stock=20) for p in (1, 2, 3)]
    shop.sim.data.place_order([OrderLine(1, 0, 1), OrderLine(2, 0, 2), OrderLine(3, 0, 3)])
    transactions: list[list[str]] = []
    client = container.table.client
    original = client.transact_write_items

    def spy(**request):
        transactions.append([_operation(op) for op in request["TransactItems"]])
        return original(**request)

    client.transact_write_items = spy
    try:
        shop.poll()
    finally:
        client.transact_write_items = original

    (items,) = transactions
    product_updates = [i for i in items if i.startswith("Update:PRODUCT#")]
    markers = [i for i in items if ":MOVE#" in i]
    orders = [i for i in items if ":ORDER#" in i]
    settled_offers = [i for i in items if i.startswith("Update:OFFER#")]
    print(f"\norder of 3 lines: one TransactWriteItems with {len(items)} items: {items}")
    assert len(product_updates) + len(markers) == 4  # the stock movement itself
    assert len(orders) == 1 and len(settled_offers) == 3
    assert [_hub_stock(container, p)[0] for p in products] == [19, 18, 17]


def test_duplicate_deliveries_and_re_polls_change_the_stock_once(stack, container, two_shops):
    a, _, product = two_shops
    a.sim.data.place_order([OrderLine(1, 0, 2)])
    body = PollOrdersJob(tenant_id=TENANT, account_id=a.account_id).model_dump(mode="json")
    event = sqs_event_from_bodies([body, body], stack.queue_arn("OrderPollQueue"))

    _poller()(event, LambdaContext("poller", timeout_seconds=120))
    a.poll()
    container.offset = timedelta(minutes=10)
    a.poll()

    assert _hub_stock(container, product) == (8, 2)
    assert len(_logs(a, "stock.order_taken")) == 1


def test_a_cancelled_order_gives_its_stock_back_once(stack, container, two_shops):
    a, b, product = two_shops
    api = ApiClient(token=container.tokens.create(TENANT), language="en")
    # an order cancelled by the hub user
    first = a.sim.data.place_order([OrderLine(1, 0, 2)])
    # an order cancelled in the shop (state 6 is mapped to "anulowane")
    second = b.sim.data.place_order([OrderLine(2, 0, 3)])
    a.poll()
    b.poll()
    assert _hub_stock(container, product)[0] == 5

    order_id = f"{a.account_id}-{first}"
    assert api.patch(f"/orders/{order_id}", {"status": "anulowane"}).status == 200
    assert api.patch(f"/orders/{order_id}", {"status": "anulowane"}).status == 200
    assert _hub_stock(container, product)[0] == 7

    b.sim.data.change_order_state(second, 6)
    b.poll()
    b.poll()
    assert _hub_stock(container, product)[0] == 10
    returned = b.stored_order(second)
    assert returned.status == "anulowane" and returned.stock.returned_at is not None
    assert len(_logs(a, "stock.order_returned")) == 1 and len(_logs(b, "stock.order_returned")) == 1

    # every change went to the queue as an ordinary stock change, newest version last
    changes = [c for m in queued(stack, "StockQueue", 50) for c in m["body"]["changes"]]
    assert [(c["quantity"], c["version"]) for c in changes if c["product_id"] == product][-1] == (10, 5)


def test_concurrent_orders_for_one_product_from_two_shops_end_at_the_exact_sum(stack, container, two_shops):
    a, b, product = two_shops
    for _ in range(4):
        a.sim.data.place_order([OrderLine(1, 0, 1)])
        b.sim.data.place_order([OrderLine(2, 0, 1)])
    # Shop A's poll reads the product's stock; before it writes, shop B's poll imports its four
    # orders (the interleaving two concurrent workers produce)
    repository = container.stock_repository
    read = repository.levels
    interleaved = []

    def levels_then_b_runs(tenant_id, product_ids):
        found = read(tenant_id, product_ids)
        if not interleaved:
            interleaved.append(True)
            b.poll()
        return found

    repository.levels = levels_then_b_runs
    try:
        a.poll()
    finally:
        repository.levels = read

    assert interleaved == [True]
    assert _hub_stock(container, product) == (2, 9)  # 8 orders, 8 new versions
    assert len(a.stored_orders()) == 4 and len(b.stored_orders()) == 4


def test_stock_never_goes_below_zero_and_the_shortfall_is_flagged(stack, container, shops):
    shop = connect_shop(stack, container, products=3, combinations=0)
    shops.append(shop)
    product = shop.link(1, 0, stock=1)
    oid = shop.sim.data.place_order([OrderLine(1, 0, 3)])

    shop.poll()

    assert _hub_stock(container, product)[0] == 0
    order = shop.stored_order(oid)
    assert order.stock.shortfall is True
    assert [(m.quantity, m.applied, m.before, m.after) for m in order.stock.taken] == [(3, 1, 1, 0)]
    (entry,) = _logs(shop, "stock.order_shortfall")
    assert entry["outcome"] == "error"


def test_an_order_placed_before_the_stock_was_taken_from_the_shop_does_not_move_it_again(stack, container, shops):
    shop = connect_shop(stack, container, products=3, combinations=0)
    shops.append(shop)
    placed = datetime.now(UTC) - timedelta(hours=2)
    oid = shop.sim.data.place_order([OrderLine(1, 0, 2)], at=placed)
    # the shop's stock (already without this order) was imported later
    product = shop.link(1, 0, stock=8, shop_stock=8)

    shop.poll()

    assert _hub_stock(container, product) == (8, 1)
    order = shop.stored_order(oid)
    assert [(s.reason, s.hub_product_id) for s in order.stock.skipped] == [("placed_before_link", product)]
    (entry,) = _logs(shop, "stock.order_not_taken")
    assert "przed powiązaniem" in entry["message"]
    assert queued(stack, "StockQueue") == []


def test_an_order_placed_before_a_link_without_stock_never_moves_hub_stock(stack, container, shops):
    """Linked (not imported with stock) variants: the hub's own figure already counts the
    shop's earlier orders, so they move nothing, and the reason is logged once per order."""
    shop = connect_shop(stack, container, products=3, combinations=0)
    shops.append(shop)
    placed = datetime.now(UTC) - timedelta(hours=2)
    early = shop.sim.data.place_order([OrderLine(1, 0, 2), OrderLine(2, 0, 1)], at=placed)
    first = shop.link(1, 0, stock=50)
    second = shop.link(2, 0, stock=40)
    late = shop.sim.data.place_order([OrderLine(1, 0, 3)])

    shop.poll()

    assert _hub_stock(container, first) == (47, 2)  # only the order placed after the link
    assert _hub_stock(container, second) == (40, 1)
    skipped = shop.stored_order(early).stock.skipped
    assert sorted((s.reason, s.hub_product_id) for s in skipped) == [
        ("placed_before_link", first),
        ("placed_before_link", second),
    ]
    assert shop.stored_order(late).stock.skipped == []
    (entry,) = _logs(shop, "stock.order_not_taken")  # one entry for the order, not one per line
    assert f"#{first}, #{second}" in entry["message"]


def test_an_order_already_cancelled_when_first_fetched_takes_nothing(stack, container, shops):
    """PrestaShop put the stock of a cancelled order back itself: the hub takes nothing, and
    the shop and the hub still agree afterwards."""
    shop = connect_shop(stack, container, products=3, combinations=0)
    shops.append(shop)
    shop.sync_stock()
    product = shop.link(1, 0, stock=10, shop_stock=10)
    oid = shop.sim.data.place_order([OrderLine(1, 0, 4)])
    shop.sim.data.change_order_state(oid, 6)  # Canceled: the shop restocks
    assert shop.sim.data.stock_quantity(1, 0) == 10

    shop.poll()

    order = shop.stored_order(oid)
    assert _hub_stock(container, product) == (10, 1)
    assert [(s.reason, s.quantity) for s in order.stock.skipped] == [("returned_in_shop", 4)]
    assert order.stock.taken == []
    (entry,) = _logs(shop, "stock.order_not_taken")
    assert "anulowane" in entry["message"]
    assert queued(stack, "StockQueue") == []
    assert shop.sim.data.stock_quantity(1, 0) == 10


def test_a_shop_restock_of_an_order_placed_before_the_link_is_corrected_by_the_next_push(stack, container, shops):
    """An order placed before the stock was taken, cancelled after: PrestaShop puts its stock
    back, the hub's figure (which never counted it) stays, and the shop row gets the hub's
    figure again (the recorded shop figure is raised, so the push is not taken for a no-op)."""
    shop = connect_shop(stack, container, products=3, combinations=0)
    shops.append(shop)
    shop.sync_stock()
    oid = shop.sim.data.place_order([OrderLine(1, 0, 2)], at=datetime.now(UTC) - timedelta(hours=2))
    product = shop.link(1, 0, stock=8, shop_stock=8)
    shop.poll()
    shop.sim.data.change_order_state(oid, 6)  # Canceled: the shop restocks
    assert shop.sim.data.stock_quantity(1, 0) == 10

    shop.poll()
    run_queue(stack, "StockQueue", _stock_pusher())

    assert _hub_stock(container, product) == (8, 1)
    assert shop.sim.data.stock_quantity(1, 0) == 8
    (entry,) = _logs(shop, "stock.shop_restocked")
    assert f"#{product}" in entry["message"]


def test_an_order_in_an_unmapped_or_live_state_at_first_fetch_still_takes_stock(stack, container, shops):
    shop = connect_shop(stack, container, products=3, combinations=0)
    shops.append(shop)
    product = shop.link(1, 0, stock=10, shop_stock=10)
    oid = shop.sim.data.place_order([OrderLine(1, 0, 2)])
    shop.sim.data.change_order_state(oid, 4)  # Shipped

    shop.poll()

    assert _hub_stock(container, product) == (8, 2)
    assert shop.stored_order(oid).stock.skipped == []


def test_the_stock_pusher_drains_the_queue_of_order_changes(stack, container, two_shops):
    a, b, _ = two_shops
    for _ in range(3):
        a.sim.data.place_order([OrderLine(1, 0, 1)])
    a.poll()
    run_queue(stack, "StockQueue", _stock_pusher())
    assert b.sim.data.stock_quantity(2, 0) == 7
