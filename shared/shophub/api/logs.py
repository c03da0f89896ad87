"""The tenant's activity log (``GET /logs``) and the shapes every log answer shares (the account's
log, ``GET /accounts/{id}/logs``, lives with the accounts). Messages are rendered in the reader's
language (``Accept-Language``)."""

from datetime import datetime
from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from pydantic import Field

from shophub.api.context import ctx
from shophub.domain.activity import ActivityEntry, Outcome, Section
from shophub.domain.common import Model
from shophub.http import require_id
from shophub.services.activity import entry_message
from shophub.wiring import container

router = APIGatewayHttpRouter()

TAGS = ["logs"]


class LogEntryResponse(Model):
    at: datetime
    actor: str
    action: str = Field(description="`<section>.<verb>`, e.g. `orders.fetched`, `account.create_failed`")
    section: str | None = Field(description="account | mappings | order_settings | field_mapping | templates | …")
    outcome: str = Field(description="ok | error")
    message: str = Field(description="In the reader's language (Accept-Language: pl, en)")
    account_id: str | None = None
    details: dict[str, Any] = Field(default_factory=dict)


class LogListResponse(Model):
    items: list[LogEntryResponse]
    next: str | None = None


def log_response(entries: list[ActivityEntry], next_token: str | None, language: str) -> LogListResponse:
    return LogListResponse(
        items=[
            LogEntryResponse(
                at=e.at,
                actor=e.actor,
                action=e.current_action,
                section=e.section,
                outcome=e.outcome,
                message=entry_message(e, language),
                account_id=e.account_id,
                details=e.details,
            )
            for e in entries
        ],
        next=next_token,
    )


@router.get("/logs", summary="The tenant's whole activity log, newest first", tags=TAGS)
def tenant_logs(
    section: Annotated[Section | None, Query(description="One configuration section")] = None,
    account_id: Annotated[str | None, Query(max_length=64, description="One account (also a deleted one)")] = None,
    outcome: Annotated[Outcome | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    next_token: Annotated[str | None, Query(alias="next", max_length=2048)] = None,
) -> LogListResponse:
    entries, token = container().activity_service.tenant_log(
        ctx().tenant_id,
        section=section,
        account_id=require_id(account_id) if account_id is not None else None,
        outcome=outcome,
        limit=limit,
        next_token=next_token,
    )
    return log_response(entries, token, ctx().language)
