"""Set-up of the configuration tests: accounts and discovery written straight to the table, API
clients per tenant, the tenant's stored activity log, and one mapping of each kind."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from shophub.domain.accounts import Account
from shophub.domain.activity import LogFilter
from shophub.ids import new_id
from shophub.store import keys
from shophub.store.accounts import AccountRepository
from shophub.store.activity import ActivityLogRepository
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
