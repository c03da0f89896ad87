"""Sync and import reports of an account (``functions/api``), newest first.

``GET /accounts/{id}/reports?type=stock|import&limit=&next=`` lists summaries;
``GET /accounts/{id}/reports/{rid}`` adds every entry. Entry messages are rendered in the
caller's language. Another tenant's account or report is a 404.
"""

from datetime import datetime
from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from pydantic import Field

from shophub.api.context import ctx
from shophub.domain.common import Model
from shophub.domain.reports import Report, ReportEntry, ReportType
from shophub.http import require_id
from shophub.i18n import translate
from shophub.wiring import container

router = APIGatewayHttpRouter()
TAGS = ["reports"]


class ReportSummaryResponse(Model):
    id: str
    type: ReportType
    at: datetime
    ok: int = Field(description="Rows written (stock) or variants imported/linked (import)")
    failed: int
    summary: dict[str, int] = Field(
        description="Counts by outcome (stock: ok, failed, unchanged, skipped, shop_requests)"
    )
    source_id: str | None = Field(description="What the report is about, e.g. the import id")


class ReportListResponse(Model):
    items: list[ReportSummaryResponse]
    next: str | None = Field(description="Token of the next page (null on the last one)")


class ReportEntryResponse(Model):
    hub_product_id: int | None
    shop_product_id: int | None
    shop_combination_id: int | None
    old: int | str | None = Field(description="Stock: the quantity the hub last wrote to the shop (null: never)")
    new: int | str | None = Field(description="Stock: the quantity sent (the hub's newest)")
    outcome: str = Field(description="Stock: ok, failed, unchanged or skipped")
    message: str


class ReportResponse(ReportSummaryResponse):
    entries: list[ReportEntryResponse]


def _summary(report: Report) -> ReportSummaryResponse:
    return ReportSummaryResponse(
        id=report.id,
        type=report.type,
        at=report.at,
        ok=report.ok,
        failed=report.failed,
        summary=report.summary,
        source_id=report.source_id,
    )


def _entry(entry: ReportEntry, language: str) -> ReportEntryResponse:
    return ReportEntryResponse(
        hub_product_id=entry.hub_product_id,
        shop_product_id=entry.shop_product_id,
        shop_combination_id=entry.shop_variant_id,
        old=entry.old,
        new=entry.new,
        outcome=entry.outcome,
        message=translate(entry.reason, language, **entry.params) if entry.reason else entry.message,
    )


@router.get("/accounts/<id>/reports", summary="Sync and import reports of the account, newest first", tags=TAGS)
def list_reports(
    id: str,
    report_type: Annotated[ReportType | None, Query(alias="type", description="stock or import; omitted: both")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    next_token: Annotated[str | None, Query(alias="next", max_length=2048)] = None,
) -> ReportListResponse:
    reports, token = container().report_service.list_reports(
        ctx().tenant_id, require_id(id), report_type=report_type, limit=limit, next_token=next_token
    )
    return ReportListResponse(items=[_summary(r) for r in reports], next=token)


@router.get("/accounts/<id>/reports/<rid>", summary="One report with every entry", tags=TAGS)
def get_report(id: str, rid: str) -> ReportResponse:
    language = ctx().language
    report, entries = container().report_service.get_report(ctx().tenant_id, require_id(id), require_id(rid, "report"))
    return ReportResponse(**_summary(report).model_dump(), entries=[_entry(e, language) for e in entries])
