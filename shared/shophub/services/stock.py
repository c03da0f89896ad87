"""Hub stock: setting and moving a product's stock, and announcing every change to the pusher.

Every change takes the product's next ``stock_version`` (a conditional write on the version
read, in transactions of up to 100 products) and then becomes part of a ``StockChanged``
message on ``StockQueue`` (up to :data:`CHANGES_PER_MESSAGE` changes per message). The stock
pusher coalesces those messages and writes the newest quantity of every linked shop row.

Other areas use this service too:

* :meth:`StockService.adjust` — relative movements (e.g. an order taking stock), versioned and
  announced like API changes;
* :meth:`StockService.enqueue_changes` — for code that changes stock inside its own transaction
  (:meth:`shophub.store.stock.StockRepository.tx_set` builds the operation; the new version is
  the version read + 1) and only needs the change announced afterwards.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from shophub.clock import Clock, utc_now
from shophub.domain.stock import CHANGES_PER_MESSAGE, StockChangedMessage, StockLevel, StockMovement, UnknownProducts
from shophub.errors import ConcurrentUpdateError
from shophub.store.stock import LevelWrite, StockRepository

#: Rounds of "re-read, write" for products whose version moved between our read and our write.
WRITE_ROUNDS = 5


class Publisher(Protocol):
    def send_many(self, bodies: Sequence[dict[str, Any]], *, delay_seconds: int = 0) -> None: ...


@dataclass(frozen=True)
class _Plan:
    """What happens to one product: start from ``absolute`` (or the current stock), add ``delta``."""

    absolute: int | None = None
    delta: int = 0

    def apply_to(self, current: int) -> int:
        """The new stock; hub stock never goes below zero."""
        return max(0, (current if self.absolute is None else self.absolute) + self.delta)


def _fold(movements: Sequence[StockMovement]) -> dict[int, _Plan]:
    """One plan per product, in request order: a quantity replaces whatever came before it (the
    last one wins), a delta adds to it."""
    plans: dict[int, _Plan] = {}
    for movement in movements:
        if movement.quantity is not None:
            plans[movement.product_id] = _Plan(absolute=movement.quantity)
        else:
            previous = plans.get(movement.product_id, _Plan())
            plans[movement.product_id] = _Plan(previous.absolute, previous.delta + (movement.delta or 0))
    return plans


class StockService:
    def __init__(self, stock: StockRepository, queue: Publisher, *, clock: Clock = utc_now) -> None:
        self.stock = stock
        self.queue = queue
        self.clock = clock

    # --- API ------------------------------------------------------------------------------------

    def set_quantity(self, tenant_id: str, product_id: int, quantity: int) -> StockLevel:
        """Set one product's hub stock (:class:`UnknownProducts` when it does not exist)."""
        return self.apply_changes(tenant_id, [StockMovement(product_id=product_id, quantity=quantity)])[0]

    def set_quantities(self, tenant_id: str, items: Sequence[tuple[int, int]]) -> list[StockLevel]:
        """Set the hub stock of many products: ``(product_id, quantity)`` pairs, the last pair of
        a product wins. All products must exist (:class:`UnknownProducts` names the others and
        nothing is written)."""
        return self.apply_changes(tenant_id, [StockMovement(product_id=p, quantity=q) for p, q in items])

    # --- other areas ----------------------------------------------------------------------------

    def adjust(self, tenant_id: str, deltas: Mapping[int, int]) -> list[StockLevel]:
        """Move stock by ``{product_id: delta}`` (negative takes stock; stock stops at zero)."""
        return self.apply_changes(
            tenant_id, [StockMovement(product_id=p, delta=d) for p, d in deltas.items() if d != 0]
        )

    def apply_changes(self, tenant_id: str, movements: Sequence[StockMovement]) -> list[StockLevel]:
        """Apply absolute and relative movements, each product at its next version, and announce
        the new levels. Returns them in the order products first appear."""
        folded = _fold(movements)
        if not folded:
            return []
        levels = self.stock.levels(tenant_id, folded)
        missing = folded.keys() - levels.keys()
        if missing:
            raise UnknownProducts(missing)
        written: dict[int, StockLevel] = {}
        pending = dict(levels)
        vanished: set[int] = set()
        for _ in range(WRITE_ROUNDS):
            writes = [
                LevelWrite(pid, folded[pid].apply_to(level.quantity), level.version) for pid, level in pending.items()
            ]
            done, refused = self.stock.write_levels(tenant_id, writes, self.clock())
            written.update((level.product_id, level) for level in done)
            if not refused:
                pending = {}
                break
            pending = self.stock.levels(tenant_id, refused)
            vanished |= refused - pending.keys()
            if not pending:
                break
        ordered = [written[pid] for pid in folded if pid in written]
        self.enqueue_changes(tenant_id, ordered)
        if vanished:
            raise UnknownProducts(vanished)
        if pending:
            raise ConcurrentUpdateError("stock kept changing while it was written")
        return ordered

    def enqueue_changes(self, tenant_id: str, changes: Iterable[StockLevel | tuple[int, int, int]]) -> int:
        """Announce ``(product_id, quantity, version)`` changes (or :class:`StockLevel` s) to the
        stock pusher; returns the number of messages sent."""
        levels = [
            c if isinstance(c, StockLevel) else StockLevel(product_id=c[0], quantity=c[1], version=c[2])
            for c in changes
        ]
        bodies = [
            StockChangedMessage(tenant_id=tenant_id, changes=levels[start : start + CHANGES_PER_MESSAGE]).model_dump(
                mode="json"
            )
            for start in range(0, len(levels), CHANGES_PER_MESSAGE)
        ]
        if bodies:
            self.queue.send_many(bodies)
        return len(bodies)
