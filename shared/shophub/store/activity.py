"""The activity log: every entry once under its tenant, newest first, paged, filtered by section,
account and outcome without scans, expiring after the retention period (TTL).

Keys (see :mod:`shophub.store.keys`): the entry at ``PK=TENANT#<t>, SK=LOG#<ts>#<ulid>`` (with
``GSI1PK=LOG#<t>#ACCOUNT#<a>`` when it concerns an account) and a copy keyed by its section
(``PK=TENANT#<t>#LOG#<section>``, ``GSI1PK=LOG#<t>#ACCOUNT#<a>#<section>``): two items, one
BatchWriteItem. Entries written before the tenant log (and by callers that give no tenant) live
under ``PK=ACCOUNT#<a>``; an account's log merges them in by sort key.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from shophub.clock import Clock, iso, utc_now
from shophub.domain.activity import ActivityEntry, LogFilter, Outcome, canonical_action, section_of
from shophub.errors import BadRequestError
from shophub.i18n import DEFAULT_LANGUAGE, render
from shophub.ids import new_ulid
from shophub.observability import logger, redact
from shophub.store import keys
from shophub.store.dynamo import Expr, HubTable, Item, Key
from shophub.store.paging import decode_token, encode_token

#: Queries a listing may run per source to fill a page when a filter drops entries (then it
#: answers what it has, with a ``next`` token to go on).
MAX_QUERIES_PER_SOURCE = 5

#: entries with their sort key (``LOG#<ts>#<ulid>``)
KeyedEntries = list[tuple[str, ActivityEntry]]


@dataclass(frozen=True)
class _Source:
    """One partition a listing reads: its key, index and sort key attribute."""

    pk: str
    index: str | None
    sort_key: str
    #: filtered in Python (entries written before the tenant log carry no section keys)
    in_python: bool = False


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
        message: str | None = None,
        message_key: str | None = None,
        params: dict[str, Any] | None = None,
        actor: str = "system",
        account_id: str | None = None,
        tenant_id: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> ActivityEntry:
        """Log one entry under the tenant (and its account, when given). ``message_key`` with
        JSON-safe ``params`` is rendered in the reader's language when read; ``message`` (a text
        already rendered, for callers not converted yet) is kept as it is. Secrets are redacted.

        ``tenant_id`` is required for the tenant log; a caller that gives only ``account_id``
        (not converted yet) is logged the old way, under the account."""
        if not account_id and not tenant_id:
            raise ValueError("an activity entry needs an account or a tenant")
        if message is None and message_key is None:
            raise ValueError("an activity entry needs a message key (or a message)")
        name = canonical_action(action)
        stored_params = redact(params or {})
        text = message if message is not None else render(message_key or "", DEFAULT_LANGUAGE, stored_params)
        now = self.clock()
        entry = ActivityEntry(
            at=now,
            actor=actor,
            action=name,
            outcome=outcome,
            message=text,
            message_key=message_key,
            params=stored_params,
            details=redact(details or {}),
            account_id=account_id,
        )
        sk = keys.log_sk(iso(now), new_ulid())
        body = {"expires_at": int((now + self.retention).timestamp()), **entry.model_dump(mode="json")}
        if not tenant_id:
            self.table.put({"PK": keys.account_pk(account_id or ""), "SK": sk, **body})
            return entry
        self.table.batch_write(puts=_entry_items(tenant_id, account_id, name, sk, body))
        return entry

    def list(
        self,
        tenant_id: str,
        where: LogFilter | None = None,
        *,
        limit: int = 50,
        next_token: str | None = None,
    ) -> tuple[list[ActivityEntry], str | None]:
        """The tenant's entries kept by ``where``, newest first, one page.

        Each source (the tenant's or section's partition; for an account, its GSI1 partition and
        the partition of the entries written before the tenant log) is read backwards below the
        token's cut; the sources are merged by sort key (``LOG#<ts>#<ulid>`` everywhere). The next
        page starts below the last entry given, or below the point where a source stopped early."""
        where = where or LogFilter()
        scope = f"LOGS#{tenant_id}#{where.account_id or ''}#{where.section or ''}#{where.outcome or ''}"
        cut = _decode_cut(next_token, scope)
        found: KeyedEntries = []
        floor: str | None = None
        for source in _sources(tenant_id, where):
            items, stopped_at = self._collect(source, where, limit, cut)
            found += items
            if stopped_at is not None and (floor is None or stopped_at > floor):
                floor = stopped_at
        found.sort(key=lambda pair: pair[0], reverse=True)
        page = [pair for pair in found if floor is None or pair[0] >= floor][:limit]
        if len(page) == limit:
            return [e for _, e in page], encode_token({"SK": page[-1][0]}, scope)
        return [e for _, e in page], encode_token({"SK": floor}, scope) if floor else None

    def _collect(
        self, source: _Source, where: LogFilter, limit: int, cut: str | None
    ) -> tuple[KeyedEntries, str | None]:
        """Up to ``limit`` entries of ``source`` below ``cut`` kept by ``where``, with the sort key
        where the reading stopped early (None: nothing more below)."""
        expr = Expr()
        condition = None
        if where.outcome and not source.in_python:
            condition = f"{expr.name('outcome')} = {expr.value(where.outcome)}"
        kept: KeyedEntries = []
        start: Key | None = None
        for _ in range(MAX_QUERIES_PER_SOURCE):
            items, start = self.table.query_page(
                source.pk,
                sk_prefix=None if cut else keys.LOG_PREFIX,
                sk_between=(keys.LOG_PREFIX, cut) if cut else None,
                index=source.index,
                limit=limit - len(kept) + (1 if cut else 0),
                forward=False,
                start_key=start,
                filter_expr=condition,
                expr=expr if condition else None,
            )
            for item in items:
                sort_key = str(item[source.sort_key])
                entry = ActivityEntry.model_validate(item)
                if sort_key == cut or (source.in_python and not where.accepts(entry)):
                    continue
                kept.append((sort_key, entry))
            if len(kept) >= limit:
                return kept[:limit], None
            if start is None:
                return kept, None
        return kept, str(start[source.sort_key]) if start else None


def _entry_items(tenant_id: str, account_id: str | None, action: str, sk: str, body: Item) -> list[Item]:
    """The entry under the tenant and its copy under the section (each findable by account)."""
    section = section_of(action)
    main: Item = {"PK": keys.tenant_pk(tenant_id), "SK": sk, **body}
    if account_id:
        main |= {"GSI1PK": keys.account_log_gsi1pk(tenant_id, account_id), "GSI1SK": sk}
    if section is None:  # a name missing from ACTIONS: in the logs, in no section's
        logger.warning("activity action without a section", extra={"action": action})
        return [main]
    by_section: Item = {"PK": keys.log_section_pk(tenant_id, section), "SK": sk, **body}
    if account_id:
        by_section |= {"GSI1PK": keys.account_log_gsi1pk(tenant_id, account_id, section), "GSI1SK": sk}
    return [main, by_section]


def _sources(tenant_id: str, where: LogFilter) -> list[_Source]:
    if where.account_id is None:
        pk = keys.log_section_pk(tenant_id, where.section) if where.section else keys.tenant_pk(tenant_id)
        return [_Source(pk, None, "SK")]
    tenant_keyed = _Source(keys.account_log_gsi1pk(tenant_id, where.account_id, where.section), keys.GSI1, "GSI1SK")
    if not where.account_verified:
        return [tenant_keyed]
    return [tenant_keyed, _Source(keys.account_pk(where.account_id), None, "SK", in_python=True)]


def _decode_cut(token: str | None, scope: str) -> str | None:
    """The sort key a paging token says the next page starts below."""
    key = decode_token(token, scope)
    if key is None:
        return None
    cut = key.get("SK")
    if set(key) != {"SK"} or not isinstance(cut, str) or not cut.startswith(keys.LOG_PREFIX):
        raise BadRequestError("invalid paging token", code="invalid_paging_token")
    return cut
