"""Multi-channel stock: orders move hub stock, exactly once.

* A new order takes the quantity of every line linked to a hub product. The order item, a
  ``MOVE#<shop order>#SALE`` marker and the product updates (``SET stock``, ``ADD stock_version
  1``, conditional on the version read) are ONE transaction: the order exists if and only if its
  stock left, so duplicate deliveries, re-polls and retries cannot take it twice, and two orders
  for one product (from two shops) can never lose each other's update (a version race re-reads
  and tries again).
* An order whose hub status becomes one of the tenant's ``stock_return_statuses`` gives back
  what it took: the order's new version, a ``MOVE#<shop order>#RETURN`` marker and the product
  updates, again in one transaction.
* Hub stock never goes below zero: a line that wants more than the hub has takes what there is,
  the order is flagged (``stock.shortfall``) and the log says so.

**The stock rule.** An order moves hub stock only for the lines whose offer was linked or imported
(``Offer.linked_at``) before the order was placed in the shop (``HubOrder.shop_created_at``, both
UTC). An order placed before that, whatever the import mode and with or without stock, is already
counted in whatever figure the hub had when it linked, and never moves hub stock. An order whose
shop state is a stock-return state when the hub first sees it (a shop state mapped to one of the
tenant's ``stock_return_statuses``: the shop has already given its stock back) takes nothing.
Reconnecting a shop (a new account, or the same shop in another tenant) links its variants anew,
so the orders the shop already had move nothing again. Each order that moves nothing for some of
its lines says why once, in one activity-log entry.

Every change is an ordinary hub stock change: a new version per product, announced with a
``StockChanged`` message (by the caller, batched, after the writes) and logged with before → after.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from shophub.clock import Clock, utc_now
from shophub.domain.catalog import Offer
from shophub.domain.orders import HubOrder, OrderStock, StockMoveLine, StockMoveSkip
from shophub.domain.stock import StockLevel
from shophub.errors import ConcurrentUpdateError
from shophub.i18n import text, text_list
from shophub.retry import Backoff
from shophub.store.activity import ActivityLogRepository
from shophub.store.catalog import CatalogRepository
from shophub.store.orders import OrderRepository
from shophub.store.stock import LevelWrite, StockRepository
from shophub.store.unit_of_work import Committed, Subject, UnitOfWork

#: Attempts at one order's transaction while other writers keep moving its products' versions
#: (each a fresh read of what moved), with waits doubling from 20 ms up to 0.5 s between them.
STOCK_RACE = Backoff(base=0.02, cap=0.5, attempts=10)


@dataclass
class CreateOutcome:
    """``created`` False: the order already existed (nothing was written)."""

    created: bool
    order: HubOrder
    levels: list[StockLevel] = field(default_factory=list)


@dataclass
class SaveOutcome:
    order: HubOrder
    levels: list[StockLevel] = field(default_factory=list)
    returned: bool = False


def offer_pair(shop_product_id: int, shop_variant_id: int) -> tuple[int, int]:
    return (shop_product_id, shop_variant_id)


def _moves_text(lines: Sequence[StockMoveLine]) -> str:
    by_product: dict[int, list[StockMoveLine]] = defaultdict(list)
    for line in lines:
        by_product[line.hub_product_id].append(line)
    parts = []
    for product_id, moved in by_product.items():
        parts.append(f"#{product_id}: {moved[0].before} → {moved[-1].after}")
    return ", ".join(parts)


class OrderStockService:
    def __init__(
        self,
        orders: OrderRepository,
        stock: StockRepository,
        catalog: CatalogRepository,
        activity: ActivityLogRepository,
        *,
        clock: Clock = utc_now,
        sleep: Any = time.sleep,
    ) -> None:
        self.orders = orders
        self.stock = stock
        self.catalog = catalog
        self.activity = activity
        self.clock = clock
        self.sleep = sleep

    # --- taking stock for new orders ------------------------------------------------------------

    def create_orders(
        self,
        tenant_id: str,
        orders: Sequence[HubOrder],
        offers: Mapping[tuple[int, int], Offer],
        *,
        return_states: Collection[int] = (),
    ) -> list[CreateOutcome]:
        """Create these new orders (each exactly once), each with its stock movement.

        ``return_states``: the shop states mapped to a stock-return status; an order first seen
        in one of them takes nothing. Product levels are read once for all the orders
        (consistent) and kept current as the orders are written, so a page of orders costs one
        read plus one write per order.
        """
        wanted_products = {
            line.hub_product_id for order in orders for line in order.lines if line.hub_product_id is not None
        }
        levels = self.stock.levels(tenant_id, wanted_products) if wanted_products else {}
        known = dict(offers)
        returned = frozenset(return_states)
        return [self._create_one(tenant_id, order, known, levels, returned) for order in orders]

    def _create_one(
        self,
        tenant_id: str,
        order: HubOrder,
        offers: dict[tuple[int, int], Offer],
        levels: dict[int, StockLevel],
        return_states: frozenset[int],
    ) -> CreateOutcome:
        wanted, skipped = _sale_lines(order, offers, returned_in_shop=order.shop_status_id in return_states)
        if not wanted and not skipped:
            return CreateOutcome(self.orders.create(order), order)
        for _ in STOCK_RACE.start(sleep=self.sleep):
            now = self.clock()
            moves, writes, missing = _take(wanted, levels)
            stock = OrderStock(
                taken_at=now,
                taken=moves,
                skipped=skipped + missing,
                shortfall=any(m.applied < m.quantity for m in moves),
            )
            stored = order.model_copy(update={"stock": stock})
            if not writes:
                created = self.orders.create(stored)
                if created:
                    self._log_sale(stored)
                return CreateOutcome(created, stored)
            settled = self._settlements(order, moves, offers)
            unit = UnitOfWork.over(self.orders, self.stock, self.catalog)
            self.orders.create_in(unit, stored)
            self.orders.record_movement_in(unit, order, "SALE", moves, now)
            self.stock.set_levels_in(unit, tenant_id, writes, now)
            for offer, quantity in settled:
                self.catalog.settle_offer_in(unit, offer, -quantity)
            outcome = unit.commit()
            if isinstance(outcome, Committed):
                new_levels = [
                    StockLevel(product_id=w.product_id, quantity=w.quantity, version=w.expected_version + 1)
                    for w in writes
                ]
                levels.update((level.product_id, level) for level in new_levels)
                for offer, quantity in settled:
                    pair = offer_pair(offer.shop_product_id, offer.shop_variant_id)
                    offers[pair] = offer.model_copy(update={"pushed_quantity": (offer.pushed_quantity or 0) - quantity})
                self._log_sale(stored)
                return CreateOutcome(True, stored, new_levels)
            if Subject.ORDER in outcome:
                return CreateOutcome(False, order)
            if Subject.STOCK_MOVEMENT in outcome:
                # the movement is recorded but the order is not (it cannot happen through this
                # service, which writes both together): never take the stock a second time
                created = self.orders.create(order.model_copy(update={"stock": None}))
                return CreateOutcome(created, order)
            moved: list[int] = outcome.lost(Subject.STOCK)
            pushed: list[Offer] = outcome.lost(Subject.OFFER_FIGURE)
            if pushed:
                self._refresh_offers(order.account_id, offers, pushed)
            if moved or not pushed:
                self._refresh(tenant_id, levels, moved or [w.product_id for w in writes])
        raise ConcurrentUpdateError("stock kept changing while an order was imported")

    @staticmethod
    def _settlements(
        order: HubOrder, moves: Sequence[StockMoveLine], offers: Mapping[tuple[int, int], Offer]
    ) -> list[tuple[Offer, int]]:
        """The order's own shop already sold these quantities: its offers' recorded shop figure
        (``pushed_quantity``) goes down with the sale, so the push of the new hub level to that shop
        is recognized as a no-op. Only for offers whose figure was recorded (pushed or taken)
        before the order was placed; otherwise the shop may hold something else and is pushed."""
        ordered_at = order.shop_created_at
        if ordered_at is None:
            return []
        moved_lines = {m.line_id for m in moves}
        quantities: dict[tuple[int, int], int] = defaultdict(int)
        for line in order.lines:
            if line.line_id in moved_lines:
                quantities[offer_pair(line.shop_product_id, line.shop_variant_id)] += line.quantity
        settled = []
        for pair, quantity in quantities.items():
            offer = offers.get(pair)
            if offer is None or offer.pushed_quantity is None:
                continue
            recorded_at = offer.pushed_at or offer.stock_taken_at
            if recorded_at is not None and recorded_at <= ordered_at:
                settled.append((offer, quantity))
        return settled

    def _refresh_offers(self, account_id: str, offers: dict[tuple[int, int], Offer], stale: Sequence[Offer]) -> None:
        pairs = [offer_pair(o.shop_product_id, o.shop_variant_id) for o in stale]
        fresh = self.catalog.batch_get_offers(account_id, pairs, consistent=True)
        for pair in pairs:
            if pair in fresh:
                offers[pair] = fresh[pair]
            else:
                offers.pop(pair, None)

    # --- giving stock back ------------------------------------------------------------------------

    def save_order(
        self,
        before: HubOrder,
        after: HubOrder,
        *,
        return_statuses: Iterable[str],
    ) -> SaveOutcome:
        """Write ``after`` (a changed copy of ``before``) if ``before`` is still the stored
        version (:class:`ConcurrentUpdateError` otherwise). When ``after``'s status is a stock
        return status and the order's stock was taken and not yet returned, the stock comes back
        in the same transaction."""
        statuses = set(return_statuses)
        returnable = _returnable(before)
        if after.status not in statuses or not returnable:
            saved = self.orders.save(after, expected_version=before.version)
            return SaveOutcome(saved)
        tenant_id = before.tenant_id
        product_ids = {line.hub_product_id for line in returnable}
        levels = self.stock.levels(tenant_id, product_ids)
        for _ in STOCK_RACE.start(sleep=self.sleep):
            now = self.clock()
            moves, writes, missing = _give_back(returnable, levels)
            current = before.stock or OrderStock()
            stock = current.model_copy(
                update={"returned_at": now, "returned": moves, "skipped": [*current.skipped, *missing]}
            )
            stored = after.model_copy(update={"stock": stock, "version": before.version + 1})
            unit = UnitOfWork.over(self.orders, self.stock)
            self.orders.save_in(unit, stored, expected_version=before.version)
            self.orders.record_movement_in(unit, before, "RETURN", moves, now)
            self.stock.set_levels_in(unit, tenant_id, writes, now)
            outcome = unit.commit()
            if isinstance(outcome, Committed):
                new_levels = [
                    StockLevel(product_id=w.product_id, quantity=w.quantity, version=w.expected_version + 1)
                    for w in writes
                ]
                self._log_return(stored)
                return SaveOutcome(stored, new_levels, returned=True)
            if Subject.ORDER in outcome:
                raise ConcurrentUpdateError("order changed")
            if Subject.STOCK_MOVEMENT in outcome:
                # returned before (the marker says so): save the status change alone
                saved = self.orders.save(after, expected_version=before.version)
                return SaveOutcome(saved)
            moved = outcome.lost(Subject.STOCK)
            self._refresh(tenant_id, levels, moved or [w.product_id for w in writes])
        raise ConcurrentUpdateError("stock kept changing while an order's stock was returned")

    def shop_restocked(
        self, order: HubOrder, offers: Mapping[tuple[int, int], Offer] | None = None
    ) -> list[StockLevel]:
        """The shop put this order's stock back (the order is in a stock-return state, seen at
        ``order.shop_updated_at``). For the lines the hub never took, a shop row whose figure the
        hub recorded after the order was placed and before that restock now holds more than the
        record says: the record goes up by the line's quantity, and the product's current level
        is returned, to be announced, so the push writes the hub's figure there again."""
        restocked_at = order.shop_updated_at
        if order.shop_created_at is None or restocked_at is None:
            return []
        taken = {m.line_id for m in (order.stock.taken if order.stock else []) if m.applied > 0}
        quantities: dict[tuple[int, int], int] = defaultdict(int)
        for line in order.lines:
            if line.line_id not in taken and line.quantity > 0:
                quantities[offer_pair(line.shop_product_id, line.shop_variant_id)] += line.quantity
        if not quantities:
            return []
        if offers is None:
            offers = self.catalog.batch_get_offers(order.account_id, list(quantities), consistent=True)
        stale = [
            (offer, quantities[pair])
            for pair in quantities
            if (offer := offers.get(pair)) is not None and _recorded_between(offer, order.shop_created_at, restocked_at)
        ]
        settled = [offer for offer, quantity in stale if self.catalog.settle_offer(offer, quantity)]
        if not settled:
            return []
        self._log(
            order,
            "stock.shop_restocked",
            "ok",
            "log_stock_shop_restocked",
            {
                "reference": _ref(order),
                "products": ", ".join(f"#{pid}" for pid in sorted({o.hub_product_id for o in settled})),
            },
            {"offers": [[o.shop_product_id, o.shop_variant_id] for o in settled]},
        )
        return list(self.stock.levels(order.tenant_id, {o.hub_product_id for o in settled}).values())

    def current_levels(self, order: HubOrder) -> list[StockLevel]:
        """The current levels of the products this order moved (to announce them again)."""
        if order.stock is None:
            return []
        moved = {m.hub_product_id for m in [*order.stock.taken, *order.stock.returned] if m.applied > 0}
        if not moved:
            return []
        return list(self.stock.levels(order.tenant_id, moved).values())

    # --- helpers ----------------------------------------------------------------------------------

    def _refresh(self, tenant_id: str, levels: dict[int, StockLevel], product_ids: Iterable[int]) -> None:
        ids = set(product_ids)
        fresh = self.stock.levels(tenant_id, ids)
        for pid in ids:
            if pid in fresh:
                levels[pid] = fresh[pid]
            else:
                levels.pop(pid, None)

    def _log_sale(self, order: HubOrder) -> None:
        """At most one entry per kind of outcome for the order: what it took, where it fell
        short, and why some of its lines moved nothing."""
        stock = order.stock
        if stock is None:
            return
        moved = [m for m in stock.taken if m.applied > 0]
        if moved:
            self._log(
                order,
                "stock.order_taken",
                "ok",
                "log_stock_taken",
                {"reference": _ref(order), "moves": _moves_text(moved)},
                {"moves": [m.model_dump(mode="json") for m in stock.taken]},
            )
        short = [m for m in stock.taken if m.applied < m.quantity]
        if short:
            self._log(
                order,
                "stock.order_shortfall",
                "error",
                "log_stock_shortfall",
                {
                    "reference": _ref(order),
                    "lines": ", ".join(f"#{m.hub_product_id}: {m.quantity} > {m.before}" for m in short),
                },
                {"moves": [m.model_dump(mode="json") for m in short]},
            )
        if stock.skipped:
            missing = any(skip.reason == "product_missing" for skip in stock.skipped)
            self._log(
                order,
                "stock.order_not_taken",
                "error" if missing else "ok",
                "log_stock_not_taken",
                {"reference": _ref(order), "reasons": text_list(_skip_reasons(order, stock.skipped), "; ")},
                {"skipped": [skip.model_dump(mode="json") for skip in stock.skipped]},
            )

    def _log_return(self, order: HubOrder) -> None:
        if order.stock is None or not order.stock.returned:
            return
        self._log(
            order,
            "stock.order_returned",
            "ok",
            "log_stock_returned",
            {"reference": _ref(order), "moves": _moves_text(order.stock.returned)},
            {"moves": [m.model_dump(mode="json") for m in order.stock.returned]},
        )

    def _log(
        self,
        order: HubOrder,
        action: str,
        outcome: Literal["ok", "error"],
        message_key: str,
        params: dict[str, Any],
        details: dict[str, Any],
    ) -> None:
        self.activity.append(
            action=action,
            outcome=outcome,
            message_key=message_key,
            params=params,
            tenant_id=order.tenant_id,
            account_id=order.account_id,
            details={"order_id": order.id, "shop_order_id": order.shop_order_id, **details},
        )


def _ref(order: HubOrder) -> str:
    return order.reference or f"#{order.shop_order_id}"


def _recorded_between(offer: Offer, ordered_at: datetime, restocked_at: datetime) -> bool:
    """The offer's shop figure was recorded after the order was placed and no later than the
    shop's restock (shop dates have whole seconds)."""
    recorded_at = offer.pushed_at or offer.stock_taken_at
    if offer.pushed_quantity is None or recorded_at is None:
        return False
    recorded = recorded_at.replace(microsecond=0)
    return ordered_at < recorded <= restocked_at


def _skip_reasons(order: HubOrder, skipped: Sequence[StockMoveSkip]) -> list[dict[str, Any]]:
    """One phrase per reason, naming the hub products it concerns (rendered per reader)."""
    by_reason: dict[str, list[StockMoveSkip]] = defaultdict(list)
    for skip in skipped:
        by_reason["placed_before_link" if skip.reason == "counted_in_import" else str(skip.reason)].append(skip)
    phrases = []
    for reason, skips in by_reason.items():
        products = ", ".join(f"#{pid}" for pid in dict.fromkeys(s.hub_product_id for s in skips))
        linked = [s.linked_at or s.stock_taken_at for s in skips]
        phrases.append(
            text(
                f"stock_skip_{reason}",
                products=products,
                ordered_at=order.shop_created_at.isoformat() if order.shop_created_at else "-",
                linked_at=min(t for t in linked if t is not None).isoformat() if any(linked) else "-",
            )
        )
    return phrases


def _sale_lines(
    order: HubOrder, offers: Mapping[tuple[int, int], Offer], *, returned_in_shop: bool
) -> tuple[list[tuple[int, int, int]], list[StockMoveSkip]]:
    """``(line id, product, quantity)`` that take stock, and the linked lines that do not (the
    stock rule in the module's docstring)."""
    wanted: list[tuple[int, int, int]] = []
    skipped: list[StockMoveSkip] = []
    ordered_at = order.shop_created_at
    for line in order.lines:
        if line.hub_product_id is None or line.quantity <= 0:
            continue
        offer = offers.get(offer_pair(line.shop_product_id, line.shop_variant_id))
        linked_at = offer.linked_at if offer else None
        # shop dates have whole seconds: an order of the link's own second counts as after it
        before_link = linked_at is not None and ordered_at is not None and ordered_at < linked_at.replace(microsecond=0)
        if returned_in_shop or before_link:
            skipped.append(
                StockMoveSkip(
                    line_id=line.line_id,
                    hub_product_id=line.hub_product_id,
                    quantity=line.quantity,
                    reason="returned_in_shop" if returned_in_shop else "placed_before_link",
                    linked_at=None if returned_in_shop else linked_at,
                )
            )
        else:
            wanted.append((line.line_id, line.hub_product_id, line.quantity))
    return wanted, skipped


def _take(
    wanted: Sequence[tuple[int, int, int]], levels: Mapping[int, StockLevel]
) -> tuple[list[StockMoveLine], list[LevelWrite], list[StockMoveSkip]]:
    """Lines taking stock from ``levels``: never below zero, in line order."""
    running: dict[int, int] = {}
    moves: list[StockMoveLine] = []
    missing: list[StockMoveSkip] = []
    for line_id, product_id, quantity in wanted:
        level = levels.get(product_id)
        if level is None:
            missing.append(
                StockMoveSkip(line_id=line_id, hub_product_id=product_id, quantity=quantity, reason="product_missing")
            )
            continue
        before = running.get(product_id, level.quantity)
        applied = max(0, min(quantity, before))
        running[product_id] = before - applied
        moves.append(
            StockMoveLine(
                line_id=line_id,
                hub_product_id=product_id,
                quantity=quantity,
                applied=applied,
                before=before,
                after=before - applied,
                version=level.version,
            )
        )
    return _with_writes(moves, running, levels), _writes(running, levels), missing


def _give_back(
    taken: Sequence[StockMoveLine], levels: Mapping[int, StockLevel]
) -> tuple[list[StockMoveLine], list[LevelWrite], list[StockMoveSkip]]:
    running: dict[int, int] = {}
    moves: list[StockMoveLine] = []
    missing: list[StockMoveSkip] = []
    for line in taken:
        level = levels.get(line.hub_product_id)
        if level is None:
            missing.append(
                StockMoveSkip(
                    line_id=line.line_id,
                    hub_product_id=line.hub_product_id,
                    quantity=line.applied,
                    reason="product_missing",
                )
            )
            continue
        before = running.get(line.hub_product_id, level.quantity)
        running[line.hub_product_id] = before + line.applied
        moves.append(
            StockMoveLine(
                line_id=line.line_id,
                hub_product_id=line.hub_product_id,
                quantity=line.applied,
                applied=line.applied,
                before=before,
                after=before + line.applied,
                version=level.version,
            )
        )
    return _with_writes(moves, running, levels), _writes(running, levels), missing


def _writes(running: Mapping[int, int], levels: Mapping[int, StockLevel]) -> list[LevelWrite]:
    return [
        LevelWrite(product_id=pid, quantity=quantity, expected_version=levels[pid].version)
        for pid, quantity in running.items()
        if quantity != levels[pid].quantity
    ]


def _with_writes(
    moves: list[StockMoveLine], running: Mapping[int, int], levels: Mapping[int, StockLevel]
) -> list[StockMoveLine]:
    """Each move with the version its product gets (unchanged products keep theirs)."""
    changed = {pid for pid, quantity in running.items() if quantity != levels[pid].quantity}
    return [
        m.model_copy(update={"version": levels[m.hub_product_id].version + (1 if m.hub_product_id in changed else 0)})
        for m in moves
    ]


def _returnable(order: HubOrder) -> list[StockMoveLine]:
    """What the order took and has not given back yet."""
    if order.stock is None or order.stock.returned_at is not None:
        return []
    return [m for m in order.stock.taken if m.applied > 0]
