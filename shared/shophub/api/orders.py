"""Orders (``functions/api``): list and read hub orders, change a status, add tracking numbers
and sales documents, fetch an account's orders now.

A hub order id is ``<account id>-<shop order id>``; clients treat it as opaque. Another tenant's
order (or account) is a 404 on every route. Money is a decimal string (``"36.90"``).
"""

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from pydantic import Field

from shophub.api.context import ctx
from shophub.domain.common import Model, RequestModel
from shophub.domain.orders import (
    SENDING_DISABLED,
    STATUS_HISTORY_MAX,
    DocumentType,
    HubOrder,
    OrderDocument,
    OrderLine,
    OrderTotals,
    StatusChange,
    StatusSource,
    TrackingNumber,
    problem_code,
)
from shophub.errors import FieldProblem, ValidationError
from shophub.http import require_id
from shophub.i18n import translate
from shophub.wiring import container

router = APIGatewayHttpRouter()
TAGS = ["orders"]


def _money(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


# --- responses ----------------------------------------------------------------------------------


class OrderLineResponse(Model):
    hub_product_id: int | None = Field(description="The linked hub product; null when the shop variant is not linked")
    shop_product_id: int
    shop_combination_id: int
    name: str
    quantity: int
    unit_price_gross: str = Field(description="Decimal string")
    unit_price_net: str | None
    ean: str
    symbol: str


class UnmappedResponse(Model):
    kind: Literal["payment_method", "shipping_method", "product", "status"]
    shop_value: str
    line_id: int | None = None


class TotalsResponse(Model):
    paid_gross: str
    paid_net: str
    products_gross: str
    products_net: str
    shipping_gross: str
    shipping_net: str
    discounts_gross: str
    wrapping_gross: str
    currency: str | None


class TrackingNumberResponse(Model):
    number: str
    added_at: datetime
    shop_sync: str = Field(description="pending | sent | unchanged | not_sent | failed")
    synced_at: datetime | None
    problem: str | None = Field(description="Why it was not sent, in the reader's language")
    problem_code: str | None = Field(description="`sending_disabled` or the shop error's code")


class DocumentResponse(Model):
    type: str
    number: str
    url: str
    added_at: datetime
    shop_sync: str = Field(description="pending | sent | not_sent | failed")
    synced_at: datetime | None
    problem: str | None = Field(description="Why it was not sent, in the reader's language")
    problem_code: str | None = Field(description="`sending_disabled` or the shop error's code")


class StatusChangeResponse(Model):
    at: datetime = Field(description="When the hub status changed (UTC)")
    status: str = Field(description="The hub status id the order got")
    shop_state_id: int | None = Field(
        description="The shop state that caused the change; null when the change was made in the hub"
    )
    source: StatusSource = Field(
        description=(
            "`imported`: the status the order landed in; `shop`: a shop state change the hub followed "
            "(`update_statuses`); `hub`: a merchant's change (`PATCH /orders/{oid}`)"
        )
    )
    actor: str = Field(description="Who acted, as the activity log names them (a token's name, `api`, `system`)")


class OrderResponse(Model):
    id: str
    account_id: str
    shop_order_id: int
    reference: str
    status: str = Field(description="Hub status id")
    shop_state_id: int = Field(description="The shop state the hub last saw")
    payment_method: str | None = Field(description="Hub payment method id; null when unmapped")
    payment_module: str
    shipping_method: str | None = Field(description="Hub shipping method id; null when unmapped or no carrier")
    unmapped: list[UnmappedResponse]
    frozen: bool = Field(description="true: the status no longer follows the shop")
    status_history: list[StatusChangeResponse] = Field(
        description=(
            "The order's hub status changes, oldest first; only the newest "
            f"{STATUS_HISTORY_MAX} are kept. Orders imported before this field existed start their "
            "history at their next status change (empty until then)"
        )
    )
    lines: list[OrderLineResponse]
    totals: TotalsResponse
    customer: dict[str, Any] | None
    delivery_address: dict[str, Any] | None
    invoice_address: dict[str, Any] | None
    note: str
    tracking_numbers: list[TrackingNumberResponse]
    documents: list[DocumentResponse]
    drift: dict[str, Any] | None = Field(description="How the shop's cart now differs from the imported lines")
    stock: dict[str, Any] | None = Field(description="What the order did to hub stock (taken, skipped, returned)")
    created_at: datetime | None = Field(description="When the order was placed in the shop (UTC)")
    imported_at: datetime
    updated_at: datetime
    account_deleted: bool


class OrderListResponse(Model):
    items: list[OrderResponse]
    next: str | None


class FetchResponse(Model):
    account_id: str
    status: Literal["queued"]


def _problem(problem: str | None, kind: Literal["tracking", "document"], language: str) -> str | None:
    """A stored push problem as the merchant reads it (the code itself is ``problem_code``)."""
    code = problem_code(problem)
    if code is None:
        return None
    if code == SENDING_DISABLED:
        return translate(f"order_push_{kind}_disabled", language)
    return translate("order_push_refused", language, code=code)


def _tracking(entry: TrackingNumber, language: str) -> TrackingNumberResponse:
    return TrackingNumberResponse(
        number=entry.number,
        added_at=entry.added_at,
        shop_sync=entry.shop_sync,
        synced_at=entry.synced_at,
        problem=_problem(entry.problem, "tracking", language),
        problem_code=problem_code(entry.problem),
    )


def _document(entry: OrderDocument, language: str) -> DocumentResponse:
    return DocumentResponse(
        type=entry.type,
        number=entry.number,
        url=entry.url,
        added_at=entry.added_at,
        shop_sync=entry.shop_sync,
        synced_at=entry.synced_at,
        problem=_problem(entry.problem, "document", language),
        problem_code=problem_code(entry.problem),
    )


def _status_change(change: StatusChange) -> StatusChangeResponse:
    return StatusChangeResponse(
        at=change.at,
        status=change.status,
        shop_state_id=change.shop_status_id,
        source=change.source,
        actor=change.actor,
    )


def _line(line: OrderLine) -> OrderLineResponse:
    return OrderLineResponse(
        hub_product_id=line.hub_product_id,
        shop_product_id=line.shop_product_id,
        shop_combination_id=line.shop_variant_id,
        name=line.name,
        quantity=line.quantity,
        unit_price_gross=_money(line.unit_price_gross) or "0",
        unit_price_net=_money(line.unit_price_net),
        ean=line.ean,
        symbol=line.symbol,
    )


def _totals(totals: OrderTotals) -> TotalsResponse:
    return TotalsResponse(
        paid_gross=_money(totals.paid_gross) or "0",
        paid_net=_money(totals.paid_net) or "0",
        products_gross=_money(totals.products_gross) or "0",
        products_net=_money(totals.products_net) or "0",
        shipping_gross=_money(totals.shipping_gross) or "0",
        shipping_net=_money(totals.shipping_net) or "0",
        discounts_gross=_money(totals.discounts_gross) or "0",
        wrapping_gross=_money(totals.wrapping_gross) or "0",
        currency=totals.currency,
    )


def order_response(order: HubOrder, language: str) -> OrderResponse:
    return OrderResponse(
        id=order.id,
        account_id=order.account_id,
        shop_order_id=order.shop_order_id,
        reference=order.reference,
        status=order.status,
        shop_state_id=order.shop_status_id,
        payment_method=order.payment_method,
        payment_module=order.payment_module,
        shipping_method=order.shipping_method,
        unmapped=[UnmappedResponse.model_validate(u.model_dump()) for u in order.unmapped],
        frozen=order.frozen,
        status_history=[_status_change(change) for change in order.status_history],
        lines=[_line(line) for line in order.lines],
        totals=_totals(order.totals),
        customer=order.customer.model_dump(mode="json") if order.customer else None,
        delivery_address=order.delivery_address.model_dump(mode="json") if order.delivery_address else None,
        invoice_address=order.invoice_address.model_dump(mode="json") if order.invoice_address else None,
        note=order.note,
        tracking_numbers=[_tracking(t, language) for t in order.tracking_numbers],
        documents=[_document(d, language) for d in order.documents],
        drift=order.drift.model_dump(mode="json") if order.drift else None,
        stock=order.stock.model_dump(mode="json") if order.stock else None,
        created_at=order.shop_created_at,
        imported_at=order.imported_at,
        updated_at=order.updated_at,
        account_deleted=order.account_deleted,
    )


# --- requests -----------------------------------------------------------------------------------


class StatusRequest(RequestModel):
    status: str = Field(min_length=1, max_length=64, description="Hub status id")


class ShipmentRequest(RequestModel):
    tracking_number: str = Field(
        min_length=1,
        max_length=64,
        description="Checked against what the account's platform accepts (e.g. letters, digits, spaces and ~:#,%&_=()[].?+-@/), up to 64",
    )


class DocumentRequest(RequestModel):
    type: DocumentType = Field(description="invoice | correction | receipt | proforma")
    number: str = Field(min_length=1, max_length=64, description="The document's number, e.g. FV/1/2026")
    url: str = Field(min_length=1, max_length=2048, description="https:// link to download the document")


def _check_url(value: str, language: str) -> str:
    rest = value[len("https://") :] if value.lower().startswith("https://") else ""
    if not rest or rest.startswith("/") or any(c.isspace() for c in value):
        raise ValidationError(
            "invalid document url", details=[FieldProblem("url", translate("order_document_url_invalid", language))]
        )
    return value


# --- routes -------------------------------------------------------------------------------------


@router.post(
    "/accounts/<id>/orders/fetch",
    summary="Fetch the account's orders now (queued; needs fetching enabled and complete mappings)",
    tags=TAGS,
    status_code=202,
)
def fetch_orders(id: str) -> FetchResponse:
    job = container().order_service.request_fetch(
        ctx().tenant_id, require_id(id), actor=ctx().actor, language=ctx().language
    )
    return FetchResponse(account_id=job.account_id, status="queued")


@router.get("/orders", summary="Hub orders, newest first (optionally of one account)", tags=TAGS)
def list_orders(
    account_id: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    next_token: Annotated[str | None, Query(alias="next", max_length=2048)] = None,
) -> OrderListResponse:
    orders, token = container().order_service.list(
        ctx().tenant_id,
        account_id=require_id(account_id, "account") if account_id is not None else None,
        limit=limit,
        next_token=next_token,
    )
    language = ctx().language
    return OrderListResponse(items=[order_response(o, language) for o in orders], next=token)


@router.get("/orders/<oid>", summary="One hub order", tags=TAGS)
def get_order(oid: str) -> OrderResponse:
    order = container().order_service.get(ctx().tenant_id, require_id(oid, "order"))
    return order_response(order, ctx().language)


@router.patch(
    "/orders/<oid>",
    summary="Change an order's hub status (sent to the shop only with sync.push_statuses)",
    tags=TAGS,
)
def patch_order(oid: str, body: StatusRequest) -> OrderResponse:
    order = container().order_service.change_status(
        ctx().tenant_id,
        require_id(oid, "order"),
        body.status,
        actor=ctx().actor,
        language=ctx().language,
    )
    return order_response(order, ctx().language)


@router.post(
    "/orders/<oid>/shipments",
    summary="Add a tracking number (sent to the shop with sync.send_tracking_numbers)",
    tags=TAGS,
    status_code=202,
)
def post_shipment(oid: str, body: ShipmentRequest) -> TrackingNumberResponse:
    language = ctx().language
    number = body.tracking_number  # checked by the service against the shop platform's rule
    _, entry = container().order_service.add_tracking_number(
        ctx().tenant_id,
        require_id(oid, "order"),
        number,
        actor=ctx().actor,
        language=language,
    )
    return _tracking(entry, language)


@router.post(
    "/orders/<oid>/documents",
    summary="Add a sales document (sent to the shop as an order message with sync.send_documents)",
    tags=TAGS,
    status_code=202,
)
def post_document(oid: str, body: DocumentRequest) -> DocumentResponse:
    language = ctx().language
    url = _check_url(body.url, language)
    _, entry = container().order_service.add_document(
        ctx().tenant_id,
        require_id(oid, "order"),
        document_type=body.type,
        number=body.number,
        url=url,
        actor=ctx().actor,
        language=language,
    )
    return _document(entry, language)
