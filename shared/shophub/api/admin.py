"""Platform operators' read-only routes (``functions/connection_check``): any tenant's accounts,
activity log, imports and reports, in the shapes of the tenant's own routes.

Only an operator's token gets here (a tenant's token is a 403 ``forbidden``, no token a 401; an
operator's token on a tenant route is a 403 too: see :mod:`shophub.http`). Every route is a
``GET``; another method is a 405. Each read of a tenant's data is logged in that tenant's activity
log (section ``access``) with the operator's name and the route. An unknown tenant is a 404
``tenant_not_found``; an account the tenant does not have a 404 as on the tenant's routes.
"""

from datetime import datetime
from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.openapi.types import (
    OpenAPIResponse,
    OpenAPIResponseContentModel,
    OpenAPIResponseContentSchema,
)
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from pydantic import Field

from shophub.api.accounts import AccountListResponse, account_response
from shophub.api.context import ctx
from shophub.api.logs import LogListResponse, log_response
from shophub.api.reports import ReportListResponse, ReportSummaryResponse
from shophub.domain.activity import Outcome, Section
from shophub.domain.common import Model
from shophub.domain.imports import ImportListResponse, ImportResponse
from shophub.domain.reports import ReportType
from shophub.http import require_id
from shophub.services.admin import LogQuery, OperatorRead
from shophub.wiring import container

router = APIGatewayHttpRouter()

TAGS = ["admin"]
_ERROR: dict[str, OpenAPIResponseContentSchema | OpenAPIResponseContentModel] = {
    "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
}
_FORBIDDEN: dict[int, OpenAPIResponse] = {
    403: {"description": "`forbidden`: a tenant's token (operators' tokens only)", "content": _ERROR},
}
_TENANT_ROUTE: dict[int, OpenAPIResponse] = {
    **_FORBIDDEN,
    404: {"description": "`tenant_not_found`: no token was ever made for this tenant", "content": _ERROR},
}


class TenantResponse(Model):
    id: str
    since: datetime = Field(description="When the tenant's first token was made")
    active_tokens: int = Field(description="The tenant's tokens that are neither revoked nor expired")


class TenantListResponse(Model):
    items: list[TenantResponse]
    next: str | None = Field(default=None, description="Token of the next page (null on the last one)")


def _read() -> OperatorRead:
    """The operator reading and the route, for the tenant's activity log."""
    event = router.current_event
    return OperatorRead(operator=ctx().actor, route=f"{event.request_context.http.method} {event.path}")


@router.get(
    "/admin/tenants",
    summary="Operators: the platform's tenants (those tokens were made for), by id",
    tags=TAGS,
    responses=_FORBIDDEN,
)
def list_tenants(
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    next_token: Annotated[str | None, Query(alias="next", max_length=2048)] = None,
) -> TenantListResponse:
    tenants, token = container().operator_read_service.list_tenants(_read(), limit=limit, next_token=next_token)
    items = [
        TenantResponse.model_validate({"id": t.tenant_id, "since": t.since, "active_tokens": t.active_tokens})
        for t in tenants
    ]
    return TenantListResponse(items=items, next=token)


@router.get(
    "/admin/tenants/<tid>/accounts",
    summary="Operators: a tenant's shop accounts, as GET /accounts (keys masked; the read is logged)",
    tags=TAGS,
    responses=_TENANT_ROUTE,
)
def tenant_accounts(
    tid: str,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    next_token: Annotated[str | None, Query(alias="next", max_length=2048)] = None,
) -> AccountListResponse:
    language = ctx().language
    views, token = container().operator_read_service.tenant_accounts(
        _read(), require_id(tid, "tenant"), limit=limit, next_token=next_token
    )
    return AccountListResponse(items=[account_response(v.account, language, v) for v in views], next=token)


@router.get(
    "/admin/tenants/<tid>/logs",
    summary="Operators: a tenant's activity log, as GET /logs (the read is logged)",
    tags=TAGS,
    responses=_TENANT_ROUTE,
)
def tenant_logs(
    tid: str,
    section: Annotated[Section | None, Query(description="One configuration section")] = None,
    account_id: Annotated[str | None, Query(max_length=64, description="One account (also a deleted one)")] = None,
    outcome: Annotated[Outcome | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    next_token: Annotated[str | None, Query(alias="next", max_length=2048)] = None,
) -> LogListResponse:
    query = LogQuery(
        section=section,
        account_id=require_id(account_id) if account_id is not None else None,
        outcome=outcome,
        limit=limit,
        next_token=next_token,
    )
    entries, token = container().operator_read_service.tenant_log(_read(), require_id(tid, "tenant"), query)
    return log_response(entries, token, ctx().language)


@router.get(
    "/admin/tenants/<tid>/accounts/<aid>/imports",
    summary="Operators: an account's imports, as GET /accounts/{id}/imports (the read is logged)",
    tags=TAGS,
    responses=_TENANT_ROUTE,
)
def account_imports(
    tid: str,
    aid: str,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    next_token: Annotated[str | None, Query(alias="next", max_length=2048)] = None,
) -> ImportListResponse:
    language = ctx().language
    hub = container()
    runs, token = hub.operator_read_service.account_imports(
        _read(), require_id(tid, "tenant"), require_id(aid), limit=limit, next_token=next_token
    )
    items = [ImportResponse.of(run, hub.import_service.reason_of(run, language)) for run in runs]
    return ImportListResponse(items=items, next=token)


@router.get(
    "/admin/tenants/<tid>/accounts/<aid>/reports",
    summary="Operators: an account's sync and import reports, as GET /accounts/{id}/reports (the read is logged)",
    tags=TAGS,
    responses=_TENANT_ROUTE,
)
def account_reports(
    tid: str,
    aid: str,
    report_type: Annotated[ReportType | None, Query(alias="type", description="stock or import; omitted: both")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    next_token: Annotated[str | None, Query(alias="next", max_length=2048)] = None,
) -> ReportListResponse:
    reports, token = container().operator_read_service.account_reports(
        _read(), require_id(tid, "tenant"), require_id(aid), report_type=report_type, limit=limit, next_token=next_token
    )
    items = [ReportSummaryResponse.model_validate(r, from_attributes=True) for r in reports]
    return ReportListResponse(items=items, next=token)
