"""The hub catalogue, read side (``functions/api``): ``GET /products`` (listed, or searched with
``q``) and ``GET /products/{pid}`` (with each offer's stock sync state). Products belong to the
caller's tenant; another tenant's id is a 404."""

from datetime import datetime
from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from pydantic import Field

from shophub.api.context import ctx
from shophub.domain.catalog import HubProduct, OfferView, StockSync, product_not_found
from shophub.domain.common import Model
from shophub.errors import FieldProblem, ValidationError
from shophub.i18n import translate
from shophub.wiring import container

router = APIGatewayHttpRouter()

TAGS = ["catalog"]
#: Characters of a catalogue search (``q``), after trimming.
SEARCH_MAX_CHARS = 100


class ProductOfferResponse(Model):
    account_id: str
    shop_product_id: int
    shop_combination_id: int
    template_id: str | None
    stock_available_id: int | None
    name: str
    pushed_quantity: int | None = Field(
        description="The quantity the hub last wrote to this shop row (or took from it when the row was imported "
        "with stock, less what the shop sold since); null: never"
    )
    pushed_at: datetime | None = Field(description="When the hub last wrote stock to this shop row; null: never")
    stock_sync: StockSync = Field(
        description="Whether this shop row has the hub's current stock. "
        "sent: it has (the row was written with the product's current stock version, or holds the same quantity). "
        "pending: the hub's stock is newer than what the row was last written with (or a push of it is running, "
        "or failed and will be retried): the stock queue has yet to write it; a row the shop refused for good "
        "stays pending too, with the reason in the account's stock report. "
        "off: the hub does not write stock to this row: the offer's template (its own, else the account's "
        "default) does not sync stock (sync.stock false), the account's order settings have "
        "products.update_stock false (or none are saved), or the account is deleted. "
        "no_stock_row: stock would be written but the offer has no stock_available_id (no stock row in the shop)"
    )


class ProductSummaryResponse(Model):
    id: int
    name: str
    variant: str
    ean: str
    symbol: str
    catalog_number: str
    stock: int


class ProductResponse(ProductSummaryResponse):
    offers: list[ProductOfferResponse]


class ProductListResponse(Model):
    items: list[ProductSummaryResponse]
    next: str | None = None


def _summary(product: HubProduct) -> dict[str, object]:
    return {
        "id": product.id,
        "name": product.name,
        "variant": product.variant,
        "ean": product.ean,
        "symbol": product.symbol,
        "catalog_number": product.catalog_number,
        "stock": product.stock,
    }


def _offer(view: OfferView) -> ProductOfferResponse:
    offer = view.offer
    return ProductOfferResponse(
        account_id=offer.account_id,
        shop_product_id=offer.shop_product_id,
        shop_combination_id=offer.shop_variant_id,
        template_id=offer.template_id,
        stock_available_id=offer.stock_ref,
        name=offer.name,
        pushed_quantity=offer.pushed_quantity,
        pushed_at=offer.pushed_at,
        stock_sync=view.stock_sync,
    )


def _product_id(value: str) -> int:
    if not (value.isascii() and value.isdigit()) or len(value) > 12 or int(value) < 1:
        raise product_not_found()
    return int(value)


def _search_text(value: str | None) -> str | None:
    """``q`` trimmed; 422 (field ``q``) unless it has 1 to :data:`SEARCH_MAX_CHARS` characters."""
    if value is None:
        return None
    text = value.strip()
    if not 1 <= len(text) <= SEARCH_MAX_CHARS:
        message = translate("product_search_invalid", ctx().language, max=SEARCH_MAX_CHARS)
        raise ValidationError("invalid search text", details=[FieldProblem("q", message)])
    return text


@router.get("/products", summary="The hub catalogue (or the products matching q), by ascending id", tags=TAGS)
def list_products(
    q: Annotated[
        str | None,
        Query(
            description="Only products whose name, variant, EAN, symbol or catalogue number contains this text "
            "(case-insensitive, Polish letters included; trimmed, 1 to 100 characters, else 422). "
            "A next token is valid only for the same q."
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    next_token: Annotated[str | None, Query(alias="next", max_length=2048)] = None,
) -> ProductListResponse:
    products, token = container().catalog_service.list_products(
        ctx().tenant_id, limit=limit, next_token=next_token, search=_search_text(q)
    )
    return ProductListResponse(items=[ProductSummaryResponse.model_validate(_summary(p)) for p in products], next=token)


@router.get("/products/<pid>", summary="One hub product with its offers in every shop", tags=TAGS)
def get_product(pid: str) -> ProductResponse:
    view = container().catalog_service.get_product(ctx().tenant_id, _product_id(pid))
    return ProductResponse.model_validate({**_summary(view.product), "offers": [_offer(o) for o in view.offers]})
