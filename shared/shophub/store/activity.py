"""The activity log: newest first, paged, expiring after the retention period (TTL)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from shophub.clock import Clock, iso, utc_now
from shophub.domain.activity import ActivityEntry, Outcome
from shophub.ids import new_ulid
from shophub.observability import redact
from shophub.store import keys
from shophub.store.dynamo import HubTable
from shophub.store.paging import decode_token, encode_token


class ActivityLogRepository:
    def __init__(self, table: HubTable, clock: Clock = utc_now, retention_days: int = 180) -> None:
        self.table = table
        self.clock = clock
        self.retention = timedelta(days=retention_days)

    def append(
        self,
        *,
        action: str,
        outcome: Outcome,
        message: str,
        actor: str = "system",
        account_id: str | None = None,
        tenant_id: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> ActivityEntry:
        """Log under the account (or, with no account, under the tenant). Secrets are redacted."""
        if not account_id and not tenant_id:
            raise ValueError("an activity entry needs an account or a tenant")
        now = self.clock()
        entry = ActivityEntry(
            at=now, actor=actor, action=action, outcome=outcome, message=message, details=redact(details or {})
        )
        pk = keys.account_pk(account_id) if account_id else keys.tenant_pk(tenant_id or "")
        self.table.put(
            {
                "PK": pk,
                "SK": keys.log_sk(iso(now), new_ulid()),
                "expires_at": int((now + self.retention).timestamp()),
                **entry.model_dump(mode="json"),
            }
        )
        return entry

    def list(
        self,
        *,
        account_id: str | None = None,
        tenant_id: str | None = None,
        limit: int = 50,
        next_token: str | None = None,
    ) -> tuple[list[ActivityEntry], str | None]:
        pk = keys.account_pk(account_id) if account_id else keys.tenant_pk(tenant_id or "")
        scope = pk + "#LOG"
        items, last = self.table.query_page(
            pk, sk_prefix=keys.LOG_PREFIX, limit=limit, forward=False, start_key=decode_token(next_token, scope)
        )
        return [ActivityEntry.model_validate(i) for i in items], encode_token(last, scope)
