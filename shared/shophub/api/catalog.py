"""The hub catalogue, read side (``functions/api``): ``GET /products`` and ``GET /products/{pid}``.
Products belong to the caller's tenant; another tenant's id is a 404."""

from typing import Annotated, cast

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from shophub.domain.catalog import HubProduct, Offer, product_not_found
from shophub.domain.common import Model
from shophub.http import tenant_of
from shophub.wiring import container

router = APIGatewayHttpRouter()

TAGS = ["catalog"]


class ProductOfferResponse(Model):
    account_id: str
    shop_product_id: int
    shop_combination_id: int
    template_id: str | None
    stock_available_id: int | None
    name: str


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


def _offer(offer: Offer) -> ProductOfferResponse:
    return ProductOfferResponse(
        account_id=offer.account_id,
        shop_product_id=offer.shop_product_id,
        shop_combination_id=offer.shop_combination_id,
        template_id=offer.template_id,
        stock_available_id=offer.stock_available_id,
        name=offer.name,
    )


def _http() -> APIGatewayHttpResolver:
    return cast(APIGatewayHttpResolver, router)


def _product_id(value: str) -> int:
    if not (value.isascii() and value.isdigit()) or len(value) > 12 or int(value) < 1:
        raise product_not_found()
    return int(value)


@router.get("/products", summary="The hub catalogue, by ascending id", tags=TAGS)
def list_products(
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    next_token: Annotated[str | None, Query(alias="next", max_length=2048)] = None,
) -> ProductListResponse:
    products, token = container().catalog_service.list_products(tenant_of(_http()), limit=limit, next_token=next_token)
    return ProductListResponse(items=[ProductSummaryResponse.model_validate(_summary(p)) for p in products], next=token)


@router.get("/products/<pid>", summary="One hub product with its offers in every shop", tags=TAGS)
def get_product(pid: str) -> ProductResponse:
    view = container().catalog_service.get_product(tenant_of(_http()), _product_id(pid))
    return ProductResponse.model_validate({**_summary(view.product), "offers": [_offer(o) for o in view.offers]})
