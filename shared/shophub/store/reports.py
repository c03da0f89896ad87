"""Reports: ``PK=ACCOUNT#<a>, SK=REPORT#<ts>#<id>`` (listing, newest first) plus, under
``PK=REPORT#<id>``, a ``SUMMARY`` copy (lookup by id) and ``ENTRY#<n>`` rows."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any

from shophub.clock import iso
from shophub.domain.reports import Report, ReportEntry, ReportType
from shophub.errors import NotFoundError
from shophub.store import keys
from shophub.store.dynamo import Expr, HubTable
from shophub.store.paging import decode_token, encode_token

SUMMARY_SK = "SUMMARY"


class ReportRepository:
    def __init__(self, table: HubTable) -> None:
        self.table = table

    def write(self, report: Report, entries: Sequence[ReportEntry]) -> None:
        """Store the report and its entries (batched writes: 1 request per 25 items)."""
        summary = report.model_dump(mode="json")
        items: list[dict[str, Any]] = [
            {"PK": keys.account_pk(report.account_id), "SK": keys.report_sk(iso(report.at), report.id), **summary},
            {"PK": keys.report_pk(report.id), "SK": SUMMARY_SK, **summary},
        ]
        items += [
            {"PK": keys.report_pk(report.id), "SK": keys.report_entry_sk(i), **entry.model_dump(mode="json")}
            for i, entry in enumerate(entries)
        ]
        self.table.batch_write(items)

    def list(
        self,
        account_id: str,
        *,
        report_type: ReportType | None = None,
        limit: int = 50,
        next_token: str | None = None,
    ) -> tuple[list[Report], str | None]:
        scope = keys.account_pk(account_id) + f"#REPORTS#{report_type or ''}"
        expr = Expr()
        filter_expr = f"{expr.name('type')} = {expr.value(report_type)}" if report_type else None
        items, last = self.table.query_page(
            keys.account_pk(account_id),
            sk_prefix=keys.REPORT_PREFIX,
            forward=False,
            limit=limit,
            start_key=decode_token(next_token, scope),
            filter_expr=filter_expr,
            expr=expr,
        )
        return [Report.model_validate(i) for i in items], encode_token(last, scope)

    def get(self, account_id: str, report_id: str) -> tuple[Report, builtins.list[ReportEntry]]:
        """The report with its entries; a report of another account is not found."""
        summary: Report | None = None
        entries: list[ReportEntry] = []
        for item in self.table.query(keys.report_pk(report_id)):
            if item["SK"] == SUMMARY_SK:
                summary = Report.model_validate(item)
            else:
                entries.append(ReportEntry.model_validate(item))
        if summary is None or summary.account_id != account_id:
            raise NotFoundError("report")
        return summary, entries
