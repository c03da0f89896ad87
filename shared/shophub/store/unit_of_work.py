"""Units of work: writes of several aggregates that happen together or not at all.

A service opens a unit (:meth:`UnitOfWork.over` the repositories that write in it), fills it
through those repositories' ``*_in`` methods — each adds one domain-level write ("create this
order", "set product P's stock to Q if it is still at version V", "record this stock movement",
"put this import item") — and commits it. The commit answers a domain outcome:
:class:`Committed`, or :class:`Conflict` naming the domain objects whose expectation no longer
held (``Subject.ORDER in conflict``, ``conflict.lost(Subject.STOCK)`` → the product ids that
moved). Nothing above ``store/`` sees a transaction item, a key or a cancellation reason.

Why a unit of work and not one repository method per combined write: the pairings are the
services' rules (an order with its stock movement and the offers it settles; a new product with
its claim, offer and import item), each aggregate's item shape belongs to its own repository, and
a method per pairing would make one repository write another's items. The unit lets every
repository write only its own items while the service decides what goes together; the
position-by-position reading of DynamoDB's cancellation reasons is done here, once.

:class:`UnitBatch` holds many small units (one per shop variant), each all or nothing, packed
into as few transactions as fit (≤ 100 items, no item twice), optionally with writes shared by
every transaction (one template usage count per transaction). A unit whose condition fails
comes back as its own :class:`Conflict`; the others are written.

Cancellations in which no condition failed (another transaction touched the same items at the
same moment) are retried with :data:`CONTENTION` (:mod:`shophub.retry`) where the caller asks for
it; a :class:`Conflict` with no lost object says the unit kept meeting them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from shophub.retry import Backoff, Sleep
from shophub.store.dynamo import TRANSACT_MAX, HubTable, TransactionConflict

_CONDITION_FAILED = "ConditionalCheckFailed"

#: A transaction cancelled only by concurrent transactions on the same items: 6 attempts in all,
#: jittered waits from about 50 ms up to about 1 s.
CONTENTION = Backoff(base=0.05, cap=1.0, jitter=(0.5, 1.5), attempts=6)
#: One attempt, no retry.
_ONCE = Backoff(base=0.0, cap=0.0, attempts=1)


class Subject(StrEnum):
    """The domain objects a unit writes (what a :class:`Conflict` can name)."""

    ORDER = "order"
    STOCK_MOVEMENT = "stock movement"
    STOCK = "stock"
    OFFER_FIGURE = "offer figure"
    PRODUCT = "product"
    IDENTIFIER_INDEX = "identifier index"
    IDENTIFIER_CLAIM = "identifier claim"
    IDENTIFIER_HEAD = "identifier head"
    OFFER = "offer"
    OFFER_REF = "offer reference"
    IMPORT_ITEM = "import item"
    IMPORT_RUN = "import run"
    IMPORT_CHUNK = "import chunk"
    TEMPLATE_USAGE = "template usage"


@dataclass(frozen=True)
class Write:
    """One write of a unit, built by a repository: what it writes (``subject`` and ``ref``, the
    object or id a conflict names), the item's key and the DynamoDB operation.

    ``optional``: the unit may go on without it when only its own condition fails (an offer
    reference already on the product). ``lost_error``: raised by the commit when this write's
    condition fails (for shared writes, e.g. a template that no longer exists)."""

    subject: Subject
    key: tuple[str, str]
    operation: dict[str, Any]
    ref: Any = None
    optional: bool = False
    lost_error: Callable[[], Exception] | None = None


@dataclass(frozen=True)
class Lost:
    """A write whose expectation no longer held: which object (``subject``, ``ref``)."""

    subject: Subject
    ref: Any = None


@dataclass(frozen=True)
class Committed:
    """Every write of the unit was made."""


@dataclass(frozen=True)
class Conflict:
    """Nothing of the unit was written. ``which`` names the objects that lost (empty: the unit
    kept meeting concurrent transactions on its items and no condition failed)."""

    which: tuple[Lost, ...] = ()

    def __contains__(self, subject: object) -> bool:
        return any(lost.subject == subject for lost in self.which)

    def lost(self, subject: Subject) -> list[Any]:
        """The refs of the lost writes of ``subject``, in the order they were added."""
        return [lost.ref for lost in self.which if lost.subject == subject]

    @property
    def subjects(self) -> set[Subject]:
        return {lost.subject for lost in self.which}

    @property
    def contended(self) -> bool:
        return not self.which


Outcome = Committed | Conflict


class _HasTable(Protocol):
    table: HubTable


def _lost(writes: Sequence[Write], reasons: Sequence[str]) -> list[Write]:
    return [w for w, reason in zip(writes, reasons, strict=False) if reason == _CONDITION_FAILED]


class UnitOfWork:
    """Writes of one transaction (at most 100), committed together."""

    def __init__(self, table: HubTable, *, tag: Any = None) -> None:
        self.table = table
        self.tag = tag
        self.writes: list[Write] = []

    @classmethod
    def over(cls, *repositories: _HasTable) -> UnitOfWork:
        """A unit for these repositories' writes (they share the hub table)."""
        return cls(_shared_table(repositories))

    def add(self, *writes: Write) -> None:
        """For repositories: add their writes."""
        self.writes.extend(writes)

    def __len__(self) -> int:
        return len(self.writes)

    @property
    def keys(self) -> set[tuple[str, str]]:
        return {w.key for w in self.writes}

    def commit(self, *, contention: Backoff | None = None, sleep: Sleep | None = None) -> Outcome:
        """Write everything or nothing. ``contention`` (e.g. :data:`CONTENTION`) retries
        cancellations in which no condition failed; a lost write with ``lost_error`` raises it."""
        if not self.writes:
            return Committed()
        for _ in (contention or _ONCE).start(sleep=sleep):
            try:
                self.table.transact_write([w.operation for w in self.writes])
                return Committed()
            except TransactionConflict as conflict:
                lost = _lost(self.writes, conflict.reasons)
                if lost:
                    for write in lost:
                        if write.lost_error is not None:
                            raise write.lost_error() from None
                    return Conflict(tuple(Lost(w.subject, w.ref) for w in lost))
        return Conflict()


@dataclass
class UnitBatch:
    """Many small units, each all or nothing, written in as few transactions as fit.

    ``each_transaction(unit, count)`` adds the writes every transaction carries for the
    ``count`` units it holds (one item is kept free for them). A transaction cancelled only by
    concurrent transactions is retried with :data:`CONTENTION` (when it allows no more,
    :class:`TransactionConflict` is raised, as for any other failure of a shared write without
    ``lost_error``)."""

    table: HubTable
    each_transaction: Callable[[UnitOfWork, int], None] | None = None
    sleep: Sleep | None = None
    units: list[UnitOfWork] = field(default_factory=list)

    @classmethod
    def over(cls, *repositories: _HasTable, sleep: Sleep | None = None) -> UnitBatch:
        return cls(_shared_table(repositories), sleep=sleep)

    def unit(self, tag: Any = None) -> UnitOfWork:
        """A new unit of the batch; ``tag`` comes back with its outcome."""
        unit = UnitOfWork(self.table, tag=tag)
        self.units.append(unit)
        return unit

    def commit(self) -> list[tuple[Any, Outcome]]:
        """``(tag, outcome)`` of every unit; a unit's optional writes that alone lost are left
        out and the unit is written without them."""
        reserve = 1 if self.each_transaction is not None else 0
        groups: list[list[UnitOfWork]] = [[]]
        size = 0
        touched: set[tuple[str, str]] = set()
        for unit in self.units:
            if groups[-1] and (size + len(unit) > TRANSACT_MAX - reserve or unit.keys & touched):
                groups.append([])
                size, touched = 0, set()
            groups[-1].append(unit)
            size += len(unit)
            touched |= unit.keys
        outcomes: list[tuple[Any, Outcome]] = []
        for group in groups:
            outcomes += self._commit_group(group)
        return outcomes

    def _commit_group(self, group: list[UnitOfWork]) -> list[tuple[Any, Outcome]]:
        outcomes: list[tuple[Any, Outcome]] = []
        retries = CONTENTION.start(sleep=self.sleep)
        while group:
            shared = UnitOfWork(self.table)
            if self.each_transaction is not None:
                self.each_transaction(shared, len(group))
            writes = [w for unit in group for w in unit.writes] + shared.writes
            try:
                self.table.transact_write([w.operation for w in writes])
                return outcomes + [(unit.tag, Committed()) for unit in group]
            except TransactionConflict as conflict:
                reasons = conflict.reasons
                if not conflict.condition_failed:
                    if not retries.pause():
                        raise
                    continue
                own = len(writes) - len(shared.writes)
                lost_shared = [w for w, r in zip(shared.writes, reasons[own:], strict=False) if r != "None"]
                for write in lost_shared:
                    if write.lost_error is not None:
                        raise write.lost_error() from None
                if lost_shared:
                    raise
                group = self._settle(group, reasons, outcomes)
        return outcomes

    @staticmethod
    def _settle(
        group: list[UnitOfWork], reasons: Sequence[str], outcomes: list[tuple[Any, Outcome]]
    ) -> list[UnitOfWork]:
        """Record the units that lost; return those to try again (optional writes that alone
        lost are dropped from their unit)."""
        kept: list[UnitOfWork] = []
        position = 0
        for unit in group:
            own = reasons[position : position + len(unit)]
            position += len(unit)
            lost = _lost(unit.writes, own)
            if not lost:
                kept.append(unit)
            elif all(w.optional for w in lost):
                unit.writes = [w for w, r in zip(unit.writes, own, strict=False) if r != _CONDITION_FAILED]
                kept.append(unit)
            else:
                outcomes.append((unit.tag, Conflict(tuple(Lost(w.subject, w.ref) for w in lost))))
        return kept


def _shared_table(repositories: Sequence[_HasTable]) -> HubTable:
    tables = {id(r.table): r.table for r in repositories}
    if len(tables) != 1:
        raise ValueError("a unit of work spans repositories of one table")
    return next(iter(tables.values()))
