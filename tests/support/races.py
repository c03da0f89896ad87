"""Racing writes over moto: DynamoDB clients that line threads up at the moment that matters or
cancel a transaction the way a concurrent write does, and a runner for calls in parallel threads."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from shophub.store.dynamo import HubTable

if TYPE_CHECKING:
    from tests.support.aws import TestStack


class LinedUpClient:
    """A DynamoDB client for racing threads over moto.

    Requests run one at a time (DynamoDB applies each request, and each transaction, atomically;
    moto in-process does not), and after a request that ``hold`` selects, each thread waits at a
    barrier until every racer got there too: every racer has read the same state before any of
    them writes, which is the interleaving the conditional writes must survive.
    """

    def __init__(self, client: Any, racers: int, hold: Callable[[str, dict[str, Any]], bool]) -> None:
        self._client = client
        self._lock = threading.Lock()
        self._barrier = threading.Barrier(racers)
        self._hold = hold
        self._held: set[int] = set()

    def __getattr__(self, name: str) -> Any:
        target = getattr(self._client, name)
        if not callable(target):
            return target

        def call(**kwargs: Any) -> Any:
            with self._lock:
                answer = target(**kwargs)
            me = threading.get_ident()
            if me not in self._held and self._hold(name, kwargs):
                self._held.add(me)
                self._barrier.wait(timeout=20)
            return answer

        return call


def lined_up_table(stack: TestStack, racers: int, hold: Callable[[str, dict[str, Any]], bool]) -> HubTable:
    return HubTable(LinedUpClient(stack.container.dynamodb, racers, hold), stack.table.name)


def race(*calls: Callable[[], Any]) -> list[Any]:
    """Run ``calls`` in parallel threads; their results (or exceptions) in order."""
    results: list[Any] = [None] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            results[index] = call()
        except Exception as error:
            results[index] = error

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


class ConflictingOnce:
    """A DynamoDB client whose first ``conflicts`` transactions are cancelled the way DynamoDB
    cancels one that meets another write on one of its items (reason ``TransactionConflict``, no
    condition failed); moto in-process never does that by itself."""

    def __init__(self, client: Any, conflicts: int = 1) -> None:
        self._client = client
        self.conflicts = conflicts

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def transact_write_items(self, **kwargs: Any) -> Any:
        if self.conflicts:
            self.conflicts -= 1
            reasons = [{"Code": "None"}] * (len(kwargs["TransactItems"]) - 1) + [{"Code": "TransactionConflict"}]
            raise ClientError(
                {  # type: ignore[arg-type]
                    "Error": {"Code": "TransactionCanceledException", "Message": "Transaction cancelled"},
                    "CancellationReasons": reasons,
                },
                "TransactWriteItems",
            )
        return self._client.transact_write_items(**kwargs)


def conflicting_table(stack: TestStack, conflicts: int = 1) -> HubTable:
    return HubTable(ConflictingOnce(stack.container.dynamodb, conflicts), stack.table.name)
