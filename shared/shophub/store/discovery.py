"""What discovery found on a shop: one item per account, ``PK=ACCOUNT#<a>, SK=DISCOVERY``.

The item holds the newest *successful* run; the run's status (pending / running / done /
failed) lives on the account item (``discovery_status``) so a failing re-run never hides the
lists a merchant already maps against.
"""

from __future__ import annotations

from typing import Any

from shophub.domain.accounts import AccountDiscovery
from shophub.store import keys
from shophub.store.dynamo import HubTable


class DiscoveryRepository:
    def __init__(self, table: HubTable) -> None:
        self.table = table

    def get(self, account_id: str) -> AccountDiscovery | None:
        item = self.table.get(keys.account_pk(account_id), keys.DISCOVERY_SK)
        return AccountDiscovery.model_validate(item) if item else None

    def put(self, discovery: AccountDiscovery) -> None:
        item: dict[str, Any] = {
            "PK": keys.account_pk(discovery.account_id),
            "SK": keys.DISCOVERY_SK,
            **discovery.model_dump(mode="json"),
        }
        self.table.put(item)
