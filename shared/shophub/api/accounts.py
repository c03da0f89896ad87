"""Shop accounts (``functions/connection_check``): connect a shop, change, check and delete it,
discovery and the account's activity log. Every route is tenant-scoped: another tenant's
account is a 404."""

from datetime import datetime
from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.openapi.types import (
    OpenAPIResponseContentModel,
    OpenAPIResponseContentSchema,
)
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from pydantic import AfterValidator, Field, WithJsonSchema
from pydantic_core import PydanticCustomError

from shophub.api.context import ctx
from shophub.api.logs import LogListResponse, log_response
from shophub.clock import lambda_deadline
from shophub.connectors import DEFAULT_PLATFORM, available_platforms, known_platforms
from shophub.domain.accounts import Account, DiscoveredCurrency, DiscoveredShop
from shophub.domain.activity import Section
from shophub.domain.common import DisplayName, Model, RequestModel
from shophub.domain.stock import PushBreaker
from shophub.http import no_content, require_id
from shophub.services.accounts import AccountView, ConnectionCheck, check_message, render_problem
from shophub.services.discovery import DiscoveryView
from shophub.wiring import container

router = APIGatewayHttpRouter()

TAGS = ["accounts"]
_ERROR: dict[str, OpenAPIResponseContentSchema | OpenAPIResponseContentModel] = {
    "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
}
_SHOP_TAKEN = (
    "`shop_already_connected`: the tenant already has an account for this shop (same scheme, host, port "
    'and path); `details` names it: `[{"account_id", "name", "shop_url"}]`'
)
#: Seconds kept free before the Lambda's own timeout when a route talks to the shop.
_DEADLINE_MARGIN = 2.0


# --- requests -----------------------------------------------------------------------------------


def _known_platform(value: str) -> str:
    if value not in known_platforms():
        raise PydanticCustomError("literal_error", "unknown platform {platform}", {"platform": value})
    return value


#: A platform with a connector (or a registered profile); the document lists the packaged ones.
Platform = Annotated[
    str,
    AfterValidator(_known_platform),
    WithJsonSchema({"type": "string", "enum": available_platforms(), "title": "Platform"}),
]


class CreateAccountRequest(RequestModel):
    name: DisplayName = Field(description="A name the merchant recognises")
    shop_url: str = Field(max_length=2048, description="https:// address of the shop (without /api)")
    api_key: str = Field(max_length=256, description="The platform's key for the shop (e.g. a webservice key)")
    platform: Platform = DEFAULT_PLATFORM


class UpdateAccountRequest(RequestModel):
    name: DisplayName | None = None
    shop_url: str | None = Field(default=None, max_length=2048)
    api_key: str | None = Field(default=None, max_length=256)


# --- responses ----------------------------------------------------------------------------------


class ConnectionResponse(Model):
    ok: bool
    message: str
    shop_version: str | None = None
    missing_permissions: list[str] = Field(default_factory=list)
    checked_at: datetime | None = None


class DiscoveryStatusResponse(Model):
    status: str
    message: str | None = None


class StockPushStateResponse(Model):
    state: Literal["failing", "parked"] = Field(
        description="failing: the last runs could not reach the shop (its rows wait and are retried); "
        "parked: after repeated failures no push is sent until parked_until (then one is tried)"
    )
    failures: int = Field(description="Runs in a row that could not reach the shop")
    parked_since: datetime | None
    parked_until: datetime | None
    last_error: str


class OrderPollStateResponse(Model):
    state: Literal["failing", "parked"] = Field(
        description="failing: the last polls could not reach the shop (they are retried); parked: after "
        "repeated failures scheduled polls are skipped until parked_until (a poll asked for still runs); no "
        "order is lost, the next poll that gets through reads on from the last good one"
    )
    failures: int = Field(description="Polls in a row that could not reach the shop")
    parked_since: datetime | None
    parked_until: datetime | None
    last_error: str


class AccountResponse(Model):
    id: str
    name: str
    shop_url: str
    platform: str
    api_key: str = Field(description="Masked: •••• and the key's last four characters")
    status: str
    timezone: str
    connection: ConnectionResponse
    discovery: DiscoveryStatusResponse
    created_at: datetime
    updated_at: datetime
    last_poll_at: datetime | None = Field(
        default=None, description="When an order poll last ended (null: never; only on GET)"
    )
    last_order_at: datetime | None = Field(
        default=None, description="When a poll last brought a new order (null: never; only on GET)"
    )
    stock_push: StockPushStateResponse | None = Field(
        default=None,
        description="Only on GET of one account: null while the shop takes stock pushes; else whether they "
        "are failing (retried) or parked by the account's circuit breaker, and until when",
    )
    order_poll: OrderPollStateResponse | None = Field(
        default=None,
        description="Only on GET of one account: null while order polls reach the shop; else whether they "
        "are failing (retried) or parked by the account's order poll circuit breaker, and until when",
    )


class AccountListResponse(Model):
    items: list[AccountResponse]
    next: str | None = None


class PaymentMethodResponse(Model):
    module: str
    name: str
    orders: int


class CarrierResponse(Model):
    id_reference: int
    id: int
    name: str
    active: bool = True


class OrderStateResponse(Model):
    id: int
    name: str
    paid: bool = False
    shipped: bool = False
    delivery: bool = False
    hidden: bool = False
    color: str = ""


class DiscoveryResponse(Model):
    status: str
    message: str | None = None
    payment_methods: list[PaymentMethodResponse] = Field(default_factory=list)
    carriers: list[CarrierResponse] = Field(default_factory=list)
    order_states: list[OrderStateResponse] = Field(default_factory=list)
    timezone: str | None = None
    analyzed_orders: int = 0
    shops: list[DiscoveredShop] = Field(default_factory=list)
    currencies: list[DiscoveredCurrency] = Field(default_factory=list)
    os_states: dict[str, int] = Field(default_factory=dict)
    refreshed_at: datetime | None = None


# --- rendering ----------------------------------------------------------------------------------


def account_response(account: Account, language: str, view: AccountView | None = None) -> AccountResponse:
    check = account.last_check
    return AccountResponse(
        id=account.id,
        name=account.name,
        shop_url=account.shop_url,
        platform=account.platform,
        api_key=account.masked_key,
        status=account.status,
        timezone=account.timezone,
        connection=ConnectionResponse(
            ok=check.ok if check else account.status == "connected",
            message=check_message(check, account, language),
            shop_version=account.shop_version,
            missing_permissions=account.missing_permissions,
            checked_at=check.at if check else None,
        ),
        discovery=DiscoveryStatusResponse(
            status=account.discovery_status,
            message=render_problem(account.discovery_problem, language) if account.discovery_problem else None,
        ),
        created_at=account.created_at,
        updated_at=account.updated_at,
        last_poll_at=view.last_poll_at if view else None,
        last_order_at=view.last_order_at if view else None,
        stock_push=_stock_push(view.stock_push) if view and view.stock_push else None,
        order_poll=_order_poll(view.order_poll) if view and view.order_poll else None,
    )


def _stock_push(breaker: PushBreaker) -> StockPushStateResponse:
    return StockPushStateResponse(
        state="parked" if breaker.opened_at else "failing",
        failures=breaker.failures,
        parked_since=breaker.opened_at,
        parked_until=breaker.open_until,
        last_error=breaker.last_error,
    )


def _order_poll(breaker: PushBreaker) -> OrderPollStateResponse:
    return OrderPollStateResponse.model_validate(_stock_push(breaker).model_dump())


def check_response(check: ConnectionCheck, language: str) -> ConnectionResponse:
    return ConnectionResponse(
        ok=check.ok,
        message=check.message(language),
        shop_version=check.shop_version,
        missing_permissions=check.missing_permissions,
        checked_at=check.checked_at,
    )


def discovery_response(view: DiscoveryView, language: str) -> DiscoveryResponse:
    message = render_problem(view.problem, language) if view.problem else None
    found = view.result
    if found is None:
        return DiscoveryResponse(status=view.status, message=message)
    return DiscoveryResponse(
        status=view.status,
        message=message,
        payment_methods=[PaymentMethodResponse.model_validate(p, from_attributes=True) for p in found.payment_methods],
        carriers=[
            CarrierResponse(id_reference=c.carrier_key, id=c.id, name=c.name, active=c.active) for c in found.carriers
        ],
        order_states=[OrderStateResponse.model_validate(s, from_attributes=True) for s in found.order_states],
        timezone=found.timezone,
        analyzed_orders=found.analyzed_orders,
        shops=found.shops,
        currencies=found.currencies,
        os_states=found.os_states,
        refreshed_at=found.refreshed_at,
    )


def _deadline() -> Any:
    return lambda_deadline(router.lambda_context, _DEADLINE_MARGIN)


# --- routes -------------------------------------------------------------------------------------


@router.post(
    "/accounts",
    summary="Connect a shop (checks URL and key first; one account per shop)",
    tags=TAGS,
    status_code=201,
    responses={
        201: {"description": "Successful Response", "content": {"application/json": {"model": AccountResponse}}},
        409: {"description": _SHOP_TAKEN, "content": _ERROR},
    },
)
def create_account(body: CreateAccountRequest) -> AccountResponse:
    language = ctx().language
    account = container().account_service.create(
        ctx().tenant_id,
        name=body.name,
        shop_url=body.shop_url,
        api_key=body.api_key,
        platform=body.platform,
        actor=ctx().actor,
        language=language,
        deadline=_deadline(),
    )
    return account_response(account, language)


@router.get("/accounts", summary="List the tenant's shop accounts", tags=TAGS)
def list_accounts(
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    next_token: Annotated[str | None, Query(alias="next", max_length=2048)] = None,
) -> AccountListResponse:
    language = ctx().language
    views, token = container().account_service.list_views(ctx().tenant_id, limit=limit, next_token=next_token)
    return AccountListResponse(items=[account_response(v.account, language, v) for v in views], next=token)


@router.get("/accounts/<id>", summary="One shop account", tags=TAGS)
def get_account(id: str) -> AccountResponse:
    view = container().account_service.view(ctx().tenant_id, require_id(id))
    return account_response(view.account, ctx().language, view)


@router.patch(
    "/accounts/<id>",
    summary="Rename or change URL / key (re-checked first)",
    tags=TAGS,
    responses={
        200: {"description": "Successful Response", "content": {"application/json": {"model": AccountResponse}}},
        409: {
            "description": _SHOP_TAKEN + "; `concurrent_update`: changed meanwhile, read it again",
            "content": _ERROR,
        },
    },
)
def update_account(id: str, body: UpdateAccountRequest) -> AccountResponse:
    language = ctx().language
    account = container().account_service.update(
        ctx().tenant_id,
        require_id(id),
        name=body.name,
        shop_url=body.shop_url,
        api_key=body.api_key,
        actor=ctx().actor,
        language=language,
        deadline=_deadline(),
    )
    return account_response(account, language)


@router.delete(
    "/accounts/<id>",
    summary="Delete a shop account (imported orders stay)",
    tags=TAGS,
    status_code=204,
)
def delete_account(id: str) -> Response[None]:
    container().account_service.delete(ctx().tenant_id, require_id(id), actor=ctx().actor, language=ctx().language)
    return no_content()


@router.post("/accounts/<id>/check", summary="Check the shop connection now", tags=TAGS)
def check_account(id: str) -> ConnectionResponse:
    language = ctx().language
    check = container().account_service.check(
        ctx().tenant_id, require_id(id), actor=ctx().actor, language=language, deadline=_deadline()
    )
    return check_response(check, language)


@router.get("/accounts/<id>/discovery", summary="What discovery found on the shop", tags=TAGS)
def get_discovery(id: str) -> DiscoveryResponse:
    view = container().discovery_service.get(ctx().tenant_id, require_id(id))
    return discovery_response(view, ctx().language)


@router.post("/accounts/<id>/discovery", summary="Run discovery again (asynchronous)", tags=TAGS, status_code=202)
def rerun_discovery(id: str) -> DiscoveryStatusResponse:
    account = container().discovery_service.request(
        ctx().tenant_id, require_id(id), actor=ctx().actor, language=ctx().language
    )
    language = ctx().language
    problem = account.discovery_problem
    return DiscoveryStatusResponse(
        status=account.discovery_status, message=render_problem(problem, language) if problem else None
    )


@router.get("/accounts/<id>/logs", summary="The account's activity log, newest first", tags=TAGS)
def account_logs(
    id: str,
    section: Annotated[Section | None, Query(description="One configuration section")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    next_token: Annotated[str | None, Query(alias="next", max_length=2048)] = None,
) -> LogListResponse:
    entries, token = container().activity_service.account_log(
        ctx().tenant_id, require_id(id), section=section, limit=limit, next_token=next_token
    )
    return log_response(entries, token, ctx().language)
