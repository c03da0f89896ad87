"""Accounts' circuit breakers (:class:`~shophub.domain.stock.PushBreaker`), one kind per
repository (stock pushes, order polls): one item per account that failed lately, none for a
healthy one."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from datetime import datetime
from typing import Literal

from shophub.domain.stock import PushBreaker
from shophub.store import keys
from shophub.store.dynamo import ConditionFailed, HubTable

BreakerKind = Literal["stock", "orders"]
_SORT_KEYS: dict[BreakerKind, str] = {"stock": keys.STOCK_BREAKER_SK, "orders": keys.ORDER_POLL_BREAKER_SK}


class BreakerRepository:
    def __init__(self, table: HubTable, kind: BreakerKind = "stock") -> None:
        self.table = table
        self.sk = _SORT_KEYS[kind]

    def get_many(self, account_ids: Sequence[str]) -> dict[str, PushBreaker]:
        """The breakers of these accounts that exist (accounts without one are healthy)."""
        if not account_ids:
            return {}
        items = self.table.batch_get(
            [{"PK": keys.account_pk(a), "SK": self.sk} for a in dict.fromkeys(account_ids)],
            consistent=True,
        )
        return {str(i["account_id"]): PushBreaker.model_validate(i) for i in items}

    def get(self, account_id: str) -> PushBreaker | None:
        item = self.table.get(keys.account_pk(account_id), self.sk, consistent=True)
        return PushBreaker.model_validate(item) if item else None

    def add_failure(self, account_id: str, error: str) -> PushBreaker:
        """One more run in a row that could not reach the shop (atomic ``ADD``)."""
        item = self.table.update(
            keys.account_pk(account_id),
            self.sk,
            set_={"account_id": account_id, "last_error": error[:300]},
            add={"failures": 1},
        )
        return PushBreaker.model_validate(item)

    def open(self, account_id: str, *, until: datetime, at: datetime, first: bool) -> None:
        """Open (or keep open) the breaker until ``until``; nothing when a success closed it meanwhile."""
        opened = {"opened_at": at.isoformat()} if first else {}
        with contextlib.suppress(ConditionFailed):
            self.table.update(
                keys.account_pk(account_id),
                self.sk,
                set_={"open_until": until.isoformat(), **opened},
                condition="attribute_exists(PK)",
            )

    def close(self, account_id: str) -> None:
        self.table.delete(keys.account_pk(account_id), self.sk)
