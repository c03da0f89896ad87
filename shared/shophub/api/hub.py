"""The tenant's hub dictionaries (statuses, payment methods, shipping methods) and hub-wide
settings (``functions/api``). Each tenant starts with sensible defaults; entries are added,
renamed and deleted (an entry in use is not deleted: the 409 names every place using it).
Another tenant's entry id is a 404."""

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from pydantic import Field

from shophub.api.context import ctx
from shophub.domain.common import DisplayName, Model, RequestModel
from shophub.domain.config import DictionaryEntry, DictionaryKind, TenantSettings
from shophub.http import no_content, require_id
from shophub.wiring import container

router = APIGatewayHttpRouter()


TAGS = ["hub"]
_ERROR: dict[str, Any] = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
_NOT_FOUND: OpenAPIResponse = {"description": "The tenant's dictionary has no entry with this id", "content": _ERROR}
_RENAMED: dict[int, OpenAPIResponse] = {
    200: {
        "description": "Successful Response",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/DictionaryEntryResponse"}}},
    },
    404: _NOT_FOUND,
    409: {
        "description": "`duplicate_name`: another entry of the dictionary has the name; `concurrent_update`: "
        "renamed or deleted meanwhile",
        "content": _ERROR,
    },
}
_DELETED: dict[int, OpenAPIResponse] = {
    204: {"description": "Deleted"},
    404: _NOT_FOUND,
    409: {
        "description": "`dictionary_entry_in_use`: `details` names every place using the entry, each "
        '`{"field", "message", ...}`: `mappings.<payments|carriers|statuses>` (`account_id`, `account_name`, '
        "`shop_value`), `order_settings.<landing_status|update_statuses>` (`account_id`, `account_name`), "
        "`hub_settings.stock_return_statuses`, `orders` (`count`, `exact`: false = at least `count`); "
        "`concurrent_update`: changed or being deleted meanwhile",
        "content": _ERROR,
    },
}


class DictionaryEntryRequest(RequestModel):
    name: DisplayName = Field(description="Unique within the dictionary (case-insensitive)")


class DictionaryEntryResponse(Model):
    id: str
    name: str


class DictionaryResponse(Model):
    items: list[DictionaryEntryResponse]


class HubSettingsRequest(RequestModel):
    stock_return_statuses: list[str] = Field(
        max_length=100, description="Hub status ids whose orders give their stock back"
    )


class HubSettingsResponse(Model):
    stock_return_statuses: list[str]


def _entry(entry: DictionaryEntry) -> DictionaryEntryResponse:
    return DictionaryEntryResponse(id=entry.id, name=entry.name)


def _list(kind: DictionaryKind) -> DictionaryResponse:
    entries = container().dictionary_service.list_entries(ctx().tenant_id, kind)
    return DictionaryResponse(items=[_entry(e) for e in entries])


def _add(kind: DictionaryKind, body: DictionaryEntryRequest) -> DictionaryEntryResponse:
    entry = container().dictionary_service.add_entry(ctx().tenant_id, kind, body.name, actor=ctx().actor)
    return _entry(entry)


def _rename(kind: DictionaryKind, entry_id: str, body: DictionaryEntryRequest) -> DictionaryEntryResponse:
    entry = container().dictionary_service.rename_entry(
        ctx().tenant_id, kind, require_id(entry_id, "dictionary entry"), body.name, actor=ctx().actor
    )
    return _entry(entry)


def _delete(kind: DictionaryKind, entry_id: str) -> Response[None]:
    container().dictionary_service.delete_entry(
        ctx().tenant_id, kind, require_id(entry_id, "dictionary entry"), actor=ctx().actor, language=ctx().language
    )
    return no_content()


@router.get("/hub/statuses", summary="Hub order statuses", tags=TAGS)
def list_statuses() -> DictionaryResponse:
    return _list("STATUS")


@router.post("/hub/statuses", summary="Add a hub order status", tags=TAGS, status_code=201)
def add_status(body: DictionaryEntryRequest) -> DictionaryEntryResponse:
    return _add("STATUS", body)


@router.patch("/hub/statuses/<id>", summary="Rename a hub order status (its id stays)", tags=TAGS, responses=_RENAMED)
def rename_status(id: str, body: DictionaryEntryRequest) -> DictionaryEntryResponse:
    return _rename("STATUS", id, body)


@router.delete(
    "/hub/statuses/<id>",
    summary="Delete a hub order status nothing uses",
    tags=TAGS,
    status_code=204,
    responses=_DELETED,
)
def delete_status(id: str) -> Response[None]:
    return _delete("STATUS", id)


@router.get("/hub/payment-methods", summary="Hub payment methods", tags=TAGS)
def list_payment_methods() -> DictionaryResponse:
    return _list("PAYMENT")


@router.post("/hub/payment-methods", summary="Add a hub payment method", tags=TAGS, status_code=201)
def add_payment_method(body: DictionaryEntryRequest) -> DictionaryEntryResponse:
    return _add("PAYMENT", body)


@router.patch(
    "/hub/payment-methods/<id>", summary="Rename a hub payment method (its id stays)", tags=TAGS, responses=_RENAMED
)
def rename_payment_method(id: str, body: DictionaryEntryRequest) -> DictionaryEntryResponse:
    return _rename("PAYMENT", id, body)


@router.delete(
    "/hub/payment-methods/<id>",
    summary="Delete a hub payment method nothing uses",
    tags=TAGS,
    status_code=204,
    responses=_DELETED,
)
def delete_payment_method(id: str) -> Response[None]:
    return _delete("PAYMENT", id)


@router.get("/hub/shipping-methods", summary="Hub shipping methods", tags=TAGS)
def list_shipping_methods() -> DictionaryResponse:
    return _list("SHIPPING")


@router.post("/hub/shipping-methods", summary="Add a hub shipping method", tags=TAGS, status_code=201)
def add_shipping_method(body: DictionaryEntryRequest) -> DictionaryEntryResponse:
    return _add("SHIPPING", body)


@router.patch(
    "/hub/shipping-methods/<id>", summary="Rename a hub shipping method (its id stays)", tags=TAGS, responses=_RENAMED
)
def rename_shipping_method(id: str, body: DictionaryEntryRequest) -> DictionaryEntryResponse:
    return _rename("SHIPPING", id, body)


@router.delete(
    "/hub/shipping-methods/<id>",
    summary="Delete a hub shipping method nothing uses",
    tags=TAGS,
    status_code=204,
    responses=_DELETED,
)
def delete_shipping_method(id: str) -> Response[None]:
    return _delete("SHIPPING", id)


def _settings(settings: TenantSettings) -> HubSettingsResponse:
    return HubSettingsResponse(stock_return_statuses=settings.stock_return_statuses)


@router.get("/hub/settings", summary="Hub-wide settings of the tenant", tags=TAGS)
def get_hub_settings() -> HubSettingsResponse:
    return _settings(container().dictionary_service.get_settings(ctx().tenant_id))


@router.put("/hub/settings", summary="Change hub-wide settings", tags=TAGS)
def put_hub_settings(body: HubSettingsRequest) -> HubSettingsResponse:
    settings = container().dictionary_service.put_settings(
        ctx().tenant_id, body.stock_return_statuses, actor=ctx().actor, language=ctx().language
    )
    return _settings(settings)
