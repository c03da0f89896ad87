"""The pure rules of the orders area: hub order ids, status freezing, drift, fingerprints and the
arithmetic of stock movements (never below zero)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from shophub.domain.config import OrderSettings
from shophub.domain.orders import (
    STATUS_HISTORY_MAX,
    HubOrder,
    OrderLine,
    OrderStock,
    OrderTotals,
    StatusChange,
    StockMoveLine,
    append_status_change,
    hub_order_id,
    parse_hub_order_id,
    shop_fingerprint,
)
from shophub.domain.shop import ShopOrder, ShopOrderLine, ShopOrderTotals
from shophub.domain.stock import StockLevel
from shophub.services.order_poll import _merge_recent, drift_lines, fingerprint_of
from shophub.services.orders import with_status
from shophub.services.stock_movements import _give_back, _returnable, _take

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)


def _order(**changes) -> HubOrder:
    base = HubOrder(
        id="acc1-5",
        tenant_id="t",
        account_id="acc1",
        shop_order_id=5,
        status="nowe",
        shop_status_id=1,
        lines=[
            OrderLine(line_id=1, shop_product_id=1, quantity=2, unit_price_gross=Decimal("1")),
            OrderLine(line_id=2, shop_product_id=2, shop_variant_id=3, quantity=1, unit_price_gross=Decimal("1")),
        ],
        totals=OrderTotals(paid_gross=Decimal("3"), paid_net=Decimal("2.44")),
        shop_updated_at=NOW,
        imported_at=NOW,
        updated_at=NOW,
    )
    return base.model_copy(update=changes)


def _shop(lines: list[tuple[int, int, int]], state: int = 1, at: datetime = NOW) -> ShopOrder:
    return ShopOrder(
        id=5,
        current_state=state,
        updated_at=at,
        totals=ShopOrderTotals(paid_gross=Decimal("3"), paid_net=Decimal("2.44")),
        lines=[
            ShopOrderLine(
                id=i,
                product_id=p,
                variant_id=c,
                quantity=q,
                unit_price_gross=Decimal("1"),
                unit_price_net=Decimal("1"),
            )
            for i, (p, c, q) in enumerate(lines, start=1)
        ],
    )


# --- ids --------------------------------------------------------------------------------------


def test_a_hub_order_id_names_the_account_and_the_shop_order():
    assert hub_order_id("01abc", 42) == "01abc-42"
    assert parse_hub_order_id("01abc-42") == ("01abc", 42)
    assert parse_hub_order_id("acc-with-dashes-7") == ("acc-with-dashes", 7)


@pytest.mark.parametrize("value", ["", "42", "-42", "acc-", "acc-x1", "acc-0", "acc-1234567890123"])
def test_anything_else_is_not_a_hub_order_id(value):
    assert parse_hub_order_id(value) is None


# --- status -----------------------------------------------------------------------------------


def test_leaving_update_statuses_freezes_the_order_for_good():
    settings = OrderSettings(update_statuses=["nowe", "w-realizacji"])
    moved = with_status(_order(), "w-realizacji", settings, NOW, source="shop", actor="system", shop_status_id=2)
    assert moved.status == "w-realizacji" and not moved.frozen
    shipped = with_status(moved, "wyslane", settings, NOW, source="hub", actor="anna")
    assert shipped.frozen
    back = with_status(shipped, "nowe", settings, NOW, source="hub", actor="anna")
    assert back.status == "nowe" and back.frozen


def test_a_status_change_is_added_to_the_history_oldest_first():
    settings = OrderSettings(update_statuses=["nowe", "w-realizacji"])
    later = NOW + timedelta(minutes=5)
    moved = with_status(_order(), "w-realizacji", settings, NOW, source="shop", actor="system", shop_status_id=2)
    shipped = with_status(moved, "wyslane", settings, later, source="hub", actor="anna")

    assert [(c.at, c.status, c.shop_status_id, c.source, c.actor) for c in shipped.status_history] == [
        (NOW, "w-realizacji", 2, "shop", "system"),
        (later, "wyslane", None, "hub", "anna"),
    ]


def test_the_status_history_keeps_only_the_newest_entries():
    history: list[StatusChange] = []
    for minute in range(STATUS_HISTORY_MAX + 7):
        change = StatusChange(at=NOW + timedelta(minutes=minute), status=f"s{minute}", source="hub", actor="anna")
        history = append_status_change(history, change)

    assert STATUS_HISTORY_MAX == 50
    assert len(history) == 50
    assert [c.status for c in history] == [f"s{minute}" for minute in range(7, 57)]


def test_an_order_stored_without_a_history_reads_with_an_empty_one():
    stored = _order().model_dump(mode="json")
    del stored["status_history"]

    assert HubOrder.model_validate(stored).status_history == []


# --- drift and fingerprints -------------------------------------------------------------------


def test_drift_lists_every_product_whose_quantity_differs():
    order = _order()
    assert drift_lines(order.lines, _shop([(1, 0, 2), (2, 3, 1)])) == []
    differences = drift_lines(order.lines, _shop([(1, 0, 1), (1, 0, 2), (9, 0, 1)]))
    assert [(d.shop_product_id, d.shop_variant_id, d.hub_quantity, d.shop_quantity) for d in differences] == [
        (1, 0, 2, 3),
        (2, 3, 1, 0),
        (9, 0, 0, 1),
    ]


def test_a_fingerprint_changes_with_the_date_the_state_or_the_cart_not_with_line_order():
    same = fingerprint_of(_shop([(1, 0, 2), (2, 3, 1)]))
    assert same == fingerprint_of(_shop([(2, 3, 1), (1, 0, 2)]))
    assert same != fingerprint_of(_shop([(1, 0, 2), (2, 3, 1)], state=2))
    assert same != fingerprint_of(_shop([(1, 0, 2), (2, 3, 2)]))
    assert same != fingerprint_of(_shop([(1, 0, 2), (2, 3, 1)], at=NOW + timedelta(seconds=1)))
    assert same == shop_fingerprint(NOW, 1, [(1, 0, 2), (2, 3, 1)])


def test_the_overlap_remembers_only_orders_inside_the_margin():
    recent = [(int((NOW - timedelta(minutes=9)).timestamp()), 1), (int((NOW - timedelta(minutes=2)).timestamp()), 2)]
    merged = _merge_recent(recent, [_shop([(1, 0, 1)], at=NOW)], NOW - timedelta(minutes=5))
    assert [oid for _, oid in merged] == [2, 5]


# --- stock arithmetic -------------------------------------------------------------------------


def test_taking_stock_never_goes_below_zero_and_lines_of_one_product_take_in_turn():
    levels = {7: StockLevel(product_id=7, quantity=3, version=4), 8: StockLevel(product_id=8, quantity=10, version=1)}
    moves, writes, missing = _take([(1, 7, 2), (2, 7, 2), (3, 8, 1), (4, 9, 1)], levels)
    assert [(m.line_id, m.quantity, m.applied, m.before, m.after, m.version) for m in moves] == [
        (1, 2, 2, 3, 1, 5),
        (2, 2, 1, 1, 0, 5),
        (3, 1, 1, 10, 9, 2),
    ]
    assert [(w.product_id, w.quantity, w.expected_version) for w in writes] == [(7, 0, 4), (8, 9, 1)]
    assert [(m.line_id, m.reason) for m in missing] == [(4, "product_missing")]


def test_a_product_already_at_zero_is_not_written():
    moves, writes, _ = _take([(1, 7, 2)], {7: StockLevel(product_id=7, quantity=0, version=3)})
    assert [(m.applied, m.version) for m in moves] == [(0, 3)]
    assert writes == []


def test_a_return_gives_back_what_was_taken_once():
    taken = [
        StockMoveLine(line_id=1, hub_product_id=7, quantity=2, applied=2, before=3, after=1, version=5),
        StockMoveLine(line_id=2, hub_product_id=7, quantity=2, applied=1, before=1, after=0, version=5),
        StockMoveLine(line_id=3, hub_product_id=8, quantity=1, applied=0, before=0, after=0, version=1),
    ]
    order = _order(stock=OrderStock(taken_at=NOW, taken=taken))
    returnable = _returnable(order)
    assert [m.line_id for m in returnable] == [1, 2]
    moves, writes, _ = _give_back(returnable, {7: StockLevel(product_id=7, quantity=4, version=9)})
    assert [(m.applied, m.before, m.after) for m in moves] == [(2, 4, 6), (1, 6, 7)]
    assert [(w.product_id, w.quantity, w.expected_version) for w in writes] == [(7, 7, 9)]
    assert _returnable(order.model_copy(update={"stock": order.stock.model_copy(update={"returned_at": NOW})})) == []
