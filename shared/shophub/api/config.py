"""Per-account configuration (``functions/api``): payment, carrier and status mappings, order
settings and the product field mapping. Another tenant's account is a 404 on every route.

PUT bodies of order settings and field mapping change the fields they name; omitted fields keep
their current values (a full document behaves as a replacement)."""

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from pydantic import AfterValidator, AwareDatetime, Field, StrictBool, StrictInt
from pydantic import ValidationError as PydanticValidationError
from pydantic_core import PydanticCustomError

from shophub.api.context import ctx
from shophub.domain.common import Model, RequestModel
from shophub.domain.config import (
    MAPPING_KINDS,
    FieldMapping,
    IdentifierField,
    MappingInput,
    OrderSettings,
    ProductSettings,
    SyncSettings,
)
from shophub.errors import NotFoundError
from shophub.http import require_id, validation_to_error
from shophub.wiring import container

if TYPE_CHECKING:
    from shophub.services.config import MappingsView

router = APIGatewayHttpRouter()


TAGS = ["configuration"]

HubId = Annotated[str, Field(min_length=1, max_length=64)]


# --- mappings -----------------------------------------------------------------------------------


class MappingsRequest(RequestModel):
    items: list[Any] = Field(
        description="payments: {module, hub_id} (hub payment method); carriers: {id_reference, hub_id} "
        "(hub shipping method); statuses: {shop_state_id, hub_id} (hub status). At most 100; the "
        "set replaces the kind's current mappings."
    )


class PaymentMappingItem(RequestModel):
    module: str = Field(min_length=1, max_length=128, description="The shop's payment module name")
    hub_id: HubId


class CarrierMappingItem(RequestModel):
    id_reference: StrictInt = Field(ge=1, description="The carrier's id_reference (stable across carrier edits)")
    hub_id: HubId


class StatusMappingItem(RequestModel):
    shop_state_id: StrictInt = Field(ge=1, description="The shop's order state id")
    hub_id: HubId


_ITEM_MODELS: dict[str, type[RequestModel]] = {
    "payments": PaymentMappingItem,
    "carriers": CarrierMappingItem,
    "statuses": StatusMappingItem,
}


class MappingsResponse(Model):
    items: list[dict[str, Any]] = Field(description="The mappings, in the PUT body's shape")
    unmapped: list[dict[str, Any]] = Field(
        description="Discovered shop items (with their names) that have no mapping yet"
    )


def _kind(kind: str) -> str:
    if kind not in MAPPING_KINDS:
        raise NotFoundError(f"mapping kind {kind}", message_key="route_not_found")
    return kind


def _parse_items(kind: str, raw_items: list[Any]) -> list[MappingInput]:
    """Each item against its kind's model; problems are named ``items[<i>].<field>``."""
    model = _ITEM_MODELS[kind]
    shop_field = MAPPING_KINDS[kind].field
    parsed: list[MappingInput] = []
    errors: list[Any] = []
    for index, raw in enumerate(raw_items):
        try:
            item = model.model_validate(raw)
        except PydanticValidationError as invalid:
            errors += [{**e, "loc": ("body", f"items[{index}]", *e["loc"])} for e in invalid.errors()]
            continue
        values = item.model_dump()
        parsed.append(MappingInput(shop_value=str(values[shop_field]), hub_id=str(values["hub_id"])))
    if errors:
        raise validation_to_error(RequestValidationError(errors), ctx().language)
    return parsed


def _mappings(view: "MappingsView") -> MappingsResponse:
    return MappingsResponse(items=view.items, unmapped=view.unmapped)


@router.get("/accounts/<id>/mappings/<kind>", summary="Mappings of payments, carriers or statuses", tags=TAGS)
def get_mappings(id: str, kind: str) -> MappingsResponse:
    view = container().config_service.get_mappings(ctx().tenant_id, require_id(id), _kind(kind))
    return _mappings(view)


@router.put(
    "/accounts/<id>/mappings/<kind>", summary="Replace the mappings of payments, carriers or statuses", tags=TAGS
)
def put_mappings(id: str, kind: str, body: MappingsRequest) -> MappingsResponse:
    known = _kind(kind)
    view = container().config_service.put_mappings(
        ctx().tenant_id,
        require_id(id),
        known,
        _parse_items(known, body.items),
        actor=ctx().actor,
        language=ctx().language,
    )
    return _mappings(view)


# --- order settings -----------------------------------------------------------------------------


class SyncSettingsRequest(RequestModel):
    update_statuses: StrictBool | None = Field(default=None, description="Shop state changes move the hub status")
    send_tracking_numbers: StrictBool | None = None
    send_documents: StrictBool | None = None
    push_statuses: StrictBool | None = None


class ProductSettingsRequest(RequestModel):
    update_stock: StrictBool | None = None


def _in_utc(value: datetime) -> datetime:
    """The moment in UTC; one that UTC cannot hold (``9999-12-31T23:59-05:00``) is invalid."""
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise PydanticCustomError("datetime_out_of_range", "The date is out of range.") from None


class OrderSettingsRequest(RequestModel):
    fetch_enabled: StrictBool | None = Field(
        default=None, description="true needs payment, carrier and status mappings and a landing status"
    )
    fetch_from: Annotated[AwareDatetime, AfterValidator(_in_utc)] | None = Field(
        default=None, description="Orders changed since then are fetched; null = the account's creation time"
    )
    landing_status: HubId | None = Field(default=None, description="Hub status new orders get; null = unset")
    update_statuses: list[HubId] | None = Field(
        default=None, max_length=100, description="Hub statuses in which an order still takes updates from the shop"
    )
    sync: SyncSettingsRequest | None = None
    products: ProductSettingsRequest | None = None


class OrderSettingsResponse(Model):
    fetch_enabled: bool
    fetch_from: datetime | None
    landing_status: str | None
    update_statuses: list[str]
    sync: SyncSettings
    products: ProductSettings


def _order_settings(settings: OrderSettings) -> OrderSettingsResponse:
    return OrderSettingsResponse(
        fetch_enabled=settings.fetch_enabled,
        fetch_from=settings.fetch_from,
        landing_status=settings.landing_status,
        update_statuses=settings.update_statuses,
        sync=settings.sync,
        products=settings.products,
    )


def _order_changes(body: OrderSettingsRequest) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for name in body.model_fields_set:
        value = getattr(body, name)
        if name in ("sync", "products"):
            if value is not None:
                changes[name] = {k: v for k, v in value.model_dump(exclude_unset=True).items() if v is not None}
        elif name in ("fetch_from", "landing_status"):
            changes[name] = value  # null has a meaning here
        elif value is not None:
            changes[name] = value
    return changes


@router.get("/accounts/<id>/order-settings", summary="Order fetching and sync settings", tags=TAGS)
def get_order_settings(id: str) -> OrderSettingsResponse:
    return _order_settings(container().config_service.get_order_settings(ctx().tenant_id, require_id(id)))


@router.put("/accounts/<id>/order-settings", summary="Change order fetching and sync settings", tags=TAGS)
def put_order_settings(id: str, body: OrderSettingsRequest) -> OrderSettingsResponse:
    settings = container().config_service.put_order_settings(
        ctx().tenant_id,
        require_id(id),
        _order_changes(body),
        actor=ctx().actor,
        language=ctx().language,
    )
    return _order_settings(settings)


# --- field mapping ------------------------------------------------------------------------------


class FieldMappingRequest(RequestModel):
    ean: IdentifierField | None = Field(default=None, description="Shop field the hub EAN reads (default ean13)")
    symbol: IdentifierField | None = Field(
        default=None, description="Shop field the hub symbol reads (default reference)"
    )
    catalog_number: IdentifierField | None = Field(
        default=None, description="Shop field the hub catalog number reads (default mpn)"
    )


class FieldMappingResponse(Model):
    ean: IdentifierField
    symbol: IdentifierField
    catalog_number: IdentifierField


def _field_mapping(mapping: FieldMapping) -> FieldMappingResponse:
    return FieldMappingResponse(ean=mapping.ean, symbol=mapping.symbol, catalog_number=mapping.catalog_number)


@router.get("/accounts/<id>/field-mapping", summary="Which shop field each hub identifier reads", tags=TAGS)
def get_field_mapping(id: str) -> FieldMappingResponse:
    return _field_mapping(container().config_service.get_field_mapping(ctx().tenant_id, require_id(id)))


@router.put("/accounts/<id>/field-mapping", summary="Change which shop field each hub identifier reads", tags=TAGS)
def put_field_mapping(id: str, body: FieldMappingRequest) -> FieldMappingResponse:
    changes = {k: v for k, v in body.model_dump(exclude_unset=True).items() if v is not None}
    mapping = container().config_service.put_field_mapping(ctx().tenant_id, require_id(id), changes, actor=ctx().actor)
    return _field_mapping(mapping)
