"""The tenant's hub dictionaries (statuses, payment methods, shipping methods) and hub-wide
settings (``functions/api``). Each tenant starts with sensible defaults."""

from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from pydantic import Field

from shophub.api.context import ctx
from shophub.domain.common import DisplayName, Model, RequestModel
from shophub.domain.config import DictionaryEntry, DictionaryKind, TenantSettings
from shophub.wiring import container

router = APIGatewayHttpRouter()


TAGS = ["hub"]


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


@router.get("/hub/statuses", summary="Hub order statuses", tags=TAGS)
def list_statuses() -> DictionaryResponse:
    return _list("STATUS")


@router.post("/hub/statuses", summary="Add a hub order status", tags=TAGS, status_code=201)
def add_status(body: DictionaryEntryRequest) -> DictionaryEntryResponse:
    return _add("STATUS", body)


@router.get("/hub/payment-methods", summary="Hub payment methods", tags=TAGS)
def list_payment_methods() -> DictionaryResponse:
    return _list("PAYMENT")


@router.post("/hub/payment-methods", summary="Add a hub payment method", tags=TAGS, status_code=201)
def add_payment_method(body: DictionaryEntryRequest) -> DictionaryEntryResponse:
    return _add("PAYMENT", body)


@router.get("/hub/shipping-methods", summary="Hub shipping methods", tags=TAGS)
def list_shipping_methods() -> DictionaryResponse:
    return _list("SHIPPING")


@router.post("/hub/shipping-methods", summary="Add a hub shipping method", tags=TAGS, status_code=201)
def add_shipping_method(body: DictionaryEntryRequest) -> DictionaryEntryResponse:
    return _add("SHIPPING", body)


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
