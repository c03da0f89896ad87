"""Hub stock (``functions/api``): ``PUT /products/{pid}/stock`` and ``PUT /stock``.

Both answer 202: the hub stock is saved (each product at its next version) and the change is
queued for every linked shop. Values are checked strictly (a quantity is a whole number
0..2147483647, not ``"5"`` or ``5.0``) and problems are named per item, in the caller's
language. Another tenant's product is simply not found.
"""

from typing import Any

from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from pydantic import Field, StrictInt
from pydantic import ValidationError as PydanticValidationError
from pydantic.json_schema import JsonDict

from shophub.api.context import ctx
from shophub.domain.common import Model, RequestModel
from shophub.domain.stock import MAX_BULK_ITEMS, MAX_QUANTITY, StockLevel, UnknownProducts
from shophub.errors import FieldProblem, NotFoundError, ShopHubError, ValidationError
from shophub.http import validation_to_error
from shophub.i18n import translate
from shophub.wiring import container

router = APIGatewayHttpRouter()
TAGS = ["stock"]

_QUANTITY_SCHEMA: JsonDict = {"type": "integer", "minimum": 0, "maximum": MAX_QUANTITY}
_PRODUCT_ID_SCHEMA: JsonDict = {"type": "integer", "minimum": 1}


# --- request and response models ----------------------------------------------------------------


class StockQuantityRequest(RequestModel):
    quantity: Any = Field(description="The product's new hub stock", json_schema_extra=_QUANTITY_SCHEMA)


class BulkStockRequest(RequestModel):
    items: list[Any] = Field(
        description=f"Up to {MAX_BULK_ITEMS} items; a product named twice takes its last quantity",
        json_schema_extra={
            "maxItems": MAX_BULK_ITEMS,
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["product_id", "quantity"],
                "additionalProperties": False,
                "properties": {"product_id": _PRODUCT_ID_SCHEMA, "quantity": _QUANTITY_SCHEMA},
            },
        },
    )


class _Quantity(RequestModel):
    quantity: StrictInt = Field(ge=0, le=MAX_QUANTITY)


class _StockItem(RequestModel):
    product_id: StrictInt = Field(ge=1)
    quantity: StrictInt = Field(ge=0, le=MAX_QUANTITY)


class StockLevelResponse(Model):
    product_id: int
    quantity: int
    version: int = Field(description="The product's stock version; every change takes the next one")


class BulkStockResponse(Model):
    accepted: int = Field(description="Products whose stock was saved and queued for the shops")
    items: list[StockLevelResponse]


def _level(level: StockLevel) -> StockLevelResponse:
    return StockLevelResponse(product_id=level.product_id, quantity=level.quantity, version=level.version)


# --- validation with messages in the caller's language --------------------------------------------


def _field_message(error: dict[str, Any], language: str) -> str | None:
    """Our own message for a problem with one of this router's fields (None: the generic one)."""
    loc = error.get("loc", ())
    last = loc[-1] if loc else None
    if error.get("type") == "missing":
        return None
    if last == "quantity":
        return translate("stock_quantity_invalid", language, max=MAX_QUANTITY)
    if last == "product_id":
        return translate("stock_product_id_invalid", language)
    return None


def _invalid(errors: list[dict[str, Any]], language: str) -> ShopHubError:
    """Pydantic errors → 400 (unknown fields) or 422 with one localized problem per field."""
    error = validation_to_error(RequestValidationError(errors), language)
    if isinstance(error, ValidationError):
        error.details = [
            FieldProblem(problem.field, _field_message(raw, language) or problem.message)
            for problem, raw in zip(error.details, errors, strict=True)
        ]
    return error


def _quantity(body: StockQuantityRequest, language: str) -> int:
    try:
        return _Quantity.model_validate({"quantity": body.quantity}).quantity
    except PydanticValidationError as problem:
        raise _invalid([{**e, "loc": ("body", *e["loc"])} for e in problem.errors()], language) from None


def _items(body: BulkStockRequest, language: str) -> list[tuple[int, int]]:
    if not body.items:
        raise ValidationError("no items", details=[FieldProblem("items", translate("stock_no_items", language))])
    if len(body.items) > MAX_BULK_ITEMS:
        raise ValidationError(
            "too many items",
            code="too_many_items",
            message_key="stock_too_many_items",
            params={"max": MAX_BULK_ITEMS},
            details=[FieldProblem("items", translate("stock_too_many_items", language, max=MAX_BULK_ITEMS))],
        )
    items: list[tuple[int, int]] = []
    errors: list[dict[str, Any]] = []
    for index, raw in enumerate(body.items):
        try:
            item = _StockItem.model_validate(raw)
        except PydanticValidationError as problem:
            errors += [{**e, "loc": ("body", "items", index, *e["loc"])} for e in problem.errors()]
            continue
        items.append((item.product_id, item.quantity))
    if errors:
        raise _invalid(errors, language)
    return items


def _product_id(pid: str) -> int:
    """A path product id: a positive whole number, anything else is not found."""
    if not pid.isascii() or not pid.isdigit() or len(pid) > 12 or int(pid) < 1:
        raise NotFoundError(
            "product", code="product_not_found", message_key="stock_product_not_found", params={"id": pid}
        )
    return int(pid)


# --- routes --------------------------------------------------------------------------------------


@router.put(
    "/products/<pid>/stock",
    summary="Set a product's hub stock (queued for every linked shop)",
    tags=TAGS,
    status_code=202,
)
def put_product_stock(pid: str, body: StockQuantityRequest) -> StockLevelResponse:
    language = ctx().language
    tenant_id = ctx().tenant_id
    product_id = _product_id(pid)
    quantity = _quantity(body, language)
    try:
        level = container().stock_service.set_quantity(tenant_id, product_id, quantity)
    except UnknownProducts:
        raise NotFoundError(
            "product", code="product_not_found", message_key="stock_product_not_found", params={"id": product_id}
        ) from None
    return _level(level)


@router.put(
    "/stock",
    summary=f"Set the hub stock of up to {MAX_BULK_ITEMS} products (queued for every linked shop)",
    tags=TAGS,
    status_code=202,
)
def put_stock(body: BulkStockRequest) -> BulkStockResponse:
    language = ctx().language
    tenant_id = ctx().tenant_id
    items = _items(body, language)
    try:
        levels = container().stock_service.set_quantities(tenant_id, items)
    except UnknownProducts as unknown:
        missing = set(unknown.product_ids)
        raise ValidationError(
            "unknown products",
            code="unknown_products",
            message_key="stock_unknown_products",
            params={"ids": ", ".join(map(str, unknown.product_ids))},
            details=[
                FieldProblem(f"items[{index}].product_id", translate("stock_unknown_product", language, id=product_id))
                for index, (product_id, _) in enumerate(items)
                if product_id in missing
            ],
        ) from None
    return BulkStockResponse(accepted=len(levels), items=[_level(level) for level in levels])
