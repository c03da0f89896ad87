"""Shared set-up for the configuration tests: accounts and discovery written straight to the
table, API clients per tenant, and a DynamoDB client that lets a test line threads up."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from shophub.domain.accounts import Account
from shophub.domain.activity import LogFilter
from shophub.ids import new_id
from shophub.store import keys
from shophub.store.accounts import AccountRepository
from shophub.store.activity import ActivityLogRepository
from shophub.store.dynamo import HubTable
from tests.support.api import ApiClient

if TYPE_CHECKING:
    from tests.support.aws import TestStack

CREATED_AT = datetime(2026, 3, 1, 8, 30, tzinfo=UTC)

DISCOVERY = {
    "payment_methods": [
        {"module": "ps_checkpayment", "name": "Payment by check", "orders": 4},
        {"module": "ps_wirepayment", "name": "Bank wire", "orders": 2},
        {"module": "ps_cashondelivery", "name": "Cash on delivery", "orders": 1},
    ],
    "carriers": [
        {"id_reference": 1, "id": 1, "name": "Click and collect"},
        {"id_reference": 2, "id": 7, "name": "My carrier"},
    ],
    "order_states": [
        {"id": 1, "name": "Awaiting check payment"},
        {"id": 2, "name": "Payment accepted"},
        {"id": 4, "name": "Shipped"},
        {"id": 6, "name": "Canceled"},
    ],
}


def make_account(stack: TestStack, tenant: str = "tenant-a", name: str = "Sklep") -> Account:
    """An account written directly, as the accounts area stores it."""
    account_id = new_id()
    account = Account(
        id=account_id,
        tenant_id=tenant,
        name=name,
        shop_url=f"https://{account_id}.shop.example",  # one shop per account (one shop per tenant)
        secret_ref=f"/shophub/test/accounts/{account_id}",
        key_last4="WXYZ",
        created_at=CREATED_AT,
        updated_at=CREATED_AT,
    )
    AccountRepository(stack.table).create(account)
    return account


def put_discovery(stack: TestStack, account_id: str, **overrides: Any) -> None:
    """The DISCOVERY item of a finished discovery run."""
    stack.table.put(
        {
            "PK": keys.account_pk(account_id),
            "SK": keys.DISCOVERY_SK,
            "account_id": account_id,
            "refreshed_at": CREATED_AT.isoformat(),
            **DISCOVERY,
            **overrides,
        }
    )


def api(stack: TestStack, tenant: str = "tenant-a", language: str = "en") -> ApiClient:
    return ApiClient(token=stack.container.tokens.create(tenant), language=language)


def logs(stack: TestStack, *, account_id: str | None = None, tenant_id: str = "tenant-a") -> list[Any]:
    """The tenant's log (or one account's), newest first."""
    entries, _ = ActivityLogRepository(stack.table).list(tenant_id, LogFilter(account_id=account_id), limit=100)
    return entries


def map_everything(client: ApiClient, account_id: str) -> None:
    """One mapping of each kind (what enabling fetching needs)."""
    assert (
        client.put(
            f"/accounts/{account_id}/mappings/payments",
            {"items": [{"module": "ps_checkpayment", "hub_id": "czek"}]},
        ).status
        == 200
    )
    assert (
        client.put(
            f"/accounts/{account_id}/mappings/carriers", {"items": [{"id_reference": 2, "hub_id": "kurier"}]}
        ).status
        == 200
    )
    assert (
        client.put(
            f"/accounts/{account_id}/mappings/statuses", {"items": [{"shop_state_id": 2, "hub_id": "w-realizacji"}]}
        ).status
        == 200
    )


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
