"""Hub stock: setting and moving a product's stock, and announcing every change to the pusher.

Every change takes the product's next ``stock_version`` and then becomes part of a
``StockChanged`` message on ``StockQueue`` (up to :data:`CHANGES_PER_MESSAGE` changes per
message). The stock pusher coalesces those messages and writes the newest quantity of every
linked shop row.

Concurrent writers of one product: a quantity set (the API's ``PUT .../stock``) does not depend
on the stock read, so it never fails on a race: one product is written with an atomic version
increment, and products of a bulk set whose version moved between the read and the conditional
transaction are written the same way (the newest write wins; every write gets its own version
and is announced). A relative movement (:meth:`StockService.adjust`) is re-read and retried with
jittered backoff; only one that keeps losing for :data:`WRITE_ROUNDS` rounds is refused
(:class:`ConcurrentUpdateError`).

Other areas use this service too:

* :meth:`StockService.adjust` — relative movements (e.g. an order taking stock), versioned and
  announced like API changes;
* :meth:`StockService.enqueue_changes` — for code that changes stock inside its own unit of work
  (:meth:`shophub.store.stock.StockRepository.set_levels_in`; the new version is the version
  read + 1) and only needs the change announced afterwards.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from shophub.clock import Clock, utc_now
from shophub.domain.stock import CHANGES_PER_MESSAGE, StockChangedMessage, StockLevel, StockMovement, UnknownProducts
from shophub.errors import ConcurrentUpdateError
from shophub.ports import Publisher
from shophub.retry import FULL_JITTER, Backoff
from shophub.store.stock import LevelWrite, StockRepository

#: Rounds of "re-read, write" for movements whose version moved between our read and our write.
WRITE_ROUNDS = 8
#: Jittered backoff between rounds: a random wait up to ``base * 2**round`` seconds, capped.
BACKOFF_BASE_SECONDS = 0.02
BACKOFF_CAP_SECONDS = 0.5
_ROUNDS = Backoff(base=BACKOFF_BASE_SECONDS, cap=BACKOFF_CAP_SECONDS, jitter=FULL_JITTER, attempts=WRITE_ROUNDS)


@dataclass(frozen=True)
class _Plan:
    """What happens to one product: start from ``absolute`` (or the current stock), add ``delta``."""

    absolute: int | None = None
    delta: int = 0

    @property
    def independent(self) -> bool:
        """True when the new stock does not depend on the current one (a set, then moves)."""
        return self.absolute is not None

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
    def __init__(
        self,
        stock: StockRepository,
        queue: Publisher,
        *,
        clock: Clock = utc_now,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.stock = stock
        self.queue = queue
        self.clock = clock
        self.sleep = sleep

    # --- API ------------------------------------------------------------------------------------

    def set_quantity(self, tenant_id: str, product_id: int, quantity: int) -> StockLevel:
        """Set one product's hub stock at its next version, taken atomically: concurrent sets
        all succeed and the newest wins (:class:`UnknownProducts` when it does not exist)."""
        level = self.stock.set_level(tenant_id, product_id, quantity, self.clock())
        if level is None:
            raise UnknownProducts({product_id})
        self.enqueue_changes(tenant_id, [level])
        return level

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
        written, pending, vanished = self._write(tenant_id, folded, levels)
        ordered = [written[pid] for pid in folded if pid in written]
        self.enqueue_changes(tenant_id, ordered)
        if vanished:
            raise UnknownProducts(vanished)
        if pending:
            raise ConcurrentUpdateError("stock kept changing while it was written")
        return ordered

    def _write(
        self, tenant_id: str, plans: Mapping[int, _Plan], levels: Mapping[int, StockLevel]
    ) -> tuple[dict[int, StockLevel], set[int], set[int]]:
        """Versioned writes in rounds: ``(written, still pending, vanished)``. A product whose
        version moved is written at once when its plan does not depend on the stock read, else
        read again and retried after a jittered wait."""
        written: dict[int, StockLevel] = {}
        vanished: set[int] = set()
        pending = dict(levels)
        rounds = _ROUNDS.start(sleep=self.sleep)
        while True:
            writes = [
                LevelWrite(pid, plans[pid].apply_to(level.quantity), level.version) for pid, level in pending.items()
            ]
            done, refused = self.stock.write_levels(tenant_id, writes, self.clock())
            written.update((level.product_id, level) for level in done)
            for pid in [p for p in refused if plans[p].independent]:
                refused.discard(pid)
                level = self.stock.set_level(tenant_id, pid, plans[pid].apply_to(0), self.clock())
                if level is None:
                    vanished.add(pid)
                else:
                    written[pid] = level
            if not refused or not rounds.pause():
                return written, refused, vanished
            pending = self.stock.levels(tenant_id, refused)
            vanished |= refused - pending.keys()
            if not pending:
                return written, set(), vanished

    def enqueue_changes(self, tenant_id: str, changes: Iterable[StockLevel | tuple[int, int, int]]) -> int:
        """Announce ``(product_id, quantity, version)`` changes (or :class:`StockLevel` s) to the
        stock pusher; returns the number of messages sent."""
        levels = [
            c if isinstance(c, StockLevel) else StockLevel(product_id=c[0], quantity=c[1], version=c[2])
            for c in changes
        ]
        bodies = [
            StockChangedMessage(tenant_id=tenant_id, changes=levels[start : start + CHANGES_PER_MESSAGE]).model_dump(
                mode="json", exclude_none=True
            )
            for start in range(0, len(levels), CHANGES_PER_MESSAGE)
        ]
        if bodies:
            self.queue.send_many(bodies)
        return len(bodies)
