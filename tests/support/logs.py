"""The activity log as stored, for assertions on what the services wrote."""

from __future__ import annotations

from typing import Any

from shophub.store import keys
from shophub.store.dynamo import HubTable


def account_log_items(
    table: HubTable, tenant_id: str, account_id: str, action: str | None = None
) -> list[dict[str, Any]]:
    """The account's stored entries (items), oldest first, only ``action``'s when given."""
    items = table.query(keys.account_log_gsi1pk(tenant_id, account_id), index=keys.GSI1, sk_prefix=keys.LOG_PREFIX)
    return [i for i in items if action is None or i["action"] == action]
