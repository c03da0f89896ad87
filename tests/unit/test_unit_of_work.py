"""Units of work answer domain outcomes: which object lost, never a cancellation reason's index."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from shophub.retry import Backoff
from shophub.store.dynamo import TransactionConflict
from shophub.store.unit_of_work import Committed, Conflict, Subject, UnitBatch, UnitOfWork, Write

FAILED = "ConditionalCheckFailed"


class ScriptedTable:
    """A table whose transactions answer the scripted cancellation reasons, in turn (None: the
    transaction is written); it keeps what each transaction held."""

    def __init__(self, *answers: Any) -> None:
        self.answers = list(answers)
        self.sent: list[list[str]] = []

    def transact_write(self, operations: Sequence[dict[str, Any]]) -> None:
        self.sent.append([op["name"] for op in operations])
        answer = self.answers.pop(0) if self.answers else None
        if callable(answer):
            answer = answer(len(operations))
        if answer is not None:
            raise TransactionConflict(list(answer))


def write(subject: Subject, name: str, ref: Any = None, **kwargs: Any) -> Write:
    return Write(subject, ("PK", name), {"name": name}, ref=ref, **kwargs)


def sale_unit(table: Any) -> UnitOfWork:
    unit = UnitOfWork(table)
    unit.add(write(Subject.ORDER, "order", "order-1"), write(Subject.STOCK_MOVEMENT, "move", "SALE"))
    unit.add(write(Subject.STOCK, "p7", 7), write(Subject.STOCK, "p8", 8))
    return unit


def test_a_unit_written_whole_is_committed() -> None:
    table = ScriptedTable(None)
    assert sale_unit(table).commit() == Committed()
    assert table.sent == [["order", "move", "p7", "p8"]]


def test_a_conflict_names_the_objects_that_lost() -> None:
    # Given a transaction in which product 8's version had moved
    table = ScriptedTable(["None", "None", "None", FAILED])

    # When the unit is committed
    outcome = sale_unit(table).commit()

    # Then the conflict names product 8, and nothing else lost
    assert isinstance(outcome, Conflict)
    assert outcome.lost(Subject.STOCK) == [8]
    assert Subject.ORDER not in outcome
    assert not outcome.contended


def test_a_unit_meeting_only_concurrent_transactions_is_tried_again_when_asked() -> None:
    waits: list[float] = []
    table = ScriptedTable(["None", "TransactionConflict", "None", "None"], None)
    outcome = sale_unit(table).commit(contention=Backoff(base=0.01, cap=0.01, attempts=3), sleep=waits.append)
    assert outcome == Committed()
    assert waits == [0.01]

    once = ScriptedTable(["None", "TransactionConflict", "None", "None"])
    assert sale_unit(once).commit() == Conflict()
    assert len(once.sent) == 1


def test_a_lost_write_with_its_own_error_raises_it() -> None:
    table = ScriptedTable([FAILED])
    unit = UnitOfWork(table)
    unit.add(write(Subject.TEMPLATE_USAGE, "template", lost_error=lambda: LookupError("template gone")))
    with pytest.raises(LookupError):
        unit.commit()


def test_a_batch_keeps_the_units_that_held_and_reports_the_one_that_lost() -> None:
    # Given three units in one transaction, the second losing its offer and the third only an
    # optional reference
    table = ScriptedTable(["None", "None", FAILED, "None", "None", FAILED, "None"], None)
    batch = UnitBatch(table)  # type: ignore[arg-type]
    for name in ("a", "b", "c"):
        unit = batch.unit(tag=name)
        unit.add(write(Subject.OFFER, f"offer-{name}", name), write(Subject.OFFER_REF, f"ref-{name}", optional=True))
    batch.each_transaction = lambda unit, count: unit.add(write(Subject.TEMPLATE_USAGE, f"template+{count}"))

    # When it is committed
    outcomes = dict(batch.commit())

    # Then "b" lost its offer, "a" and "c" are written (c without its reference), counted once
    assert outcomes["a"] == Committed() and outcomes["c"] == Committed()
    assert isinstance(outcomes["b"], Conflict) and outcomes["b"].lost(Subject.OFFER) == ["b"]
    assert table.sent[-1] == ["offer-a", "ref-a", "offer-c", "template+2"]
