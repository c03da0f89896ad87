"""Per-account configuration: mappings, order settings, field mapping, templates; and the
tenant's hub dictionaries and tenant-wide settings."""

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal, get_args

from pydantic import BeforeValidator, Field, WithJsonSchema
from pydantic_core import PydanticCustomError

from shophub.connectors import mappable_fields, profile_for
from shophub.contract import CARRIER_FIELD, STATUS_FIELD
from shophub.domain.common import HubModel, Model


def _mappable_field(value: Any) -> Any:
    """A product field some platform's field mapping offers (which ones an account may choose is
    its platform profile's ``product_fields``, checked by the service)."""
    if not isinstance(value, str) or value not in mappable_fields():
        raise PydanticCustomError("literal_error", "Input should be one of the shop fields of the field mapping")
    return value


#: A shop product field a hub identifier reads (the platforms' profiles declare them).
IdentifierField = Annotated[
    str,
    BeforeValidator(_mappable_field),
    WithJsonSchema({"type": "string", "enum": list(mappable_fields())}),
]
_FIELD_DEFAULTS = profile_for().field_defaults
MappingKind = Literal["PAYMENT", "CARRIER", "STATUS"]
DictionaryKind = Literal["STATUS", "PAYMENT", "SHIPPING"]
ALL_MAPPING_KINDS: tuple[MappingKind, ...] = get_args(MappingKind)
DICTIONARY_KINDS: tuple[DictionaryKind, ...] = get_args(DictionaryKind)


@dataclass(frozen=True)
class MappingKindInfo:
    """How one mapping kind looks in the API and in the discovery item."""

    kind: MappingKind
    path: str  # payments | carriers | statuses
    dictionary: DictionaryKind  # the hub dictionary the mapping points into
    field: str  # the shop value's field in API items (the contract's name)
    numeric: bool  # carrier keys and shop status ids are integers
    discovery_list: str  # list in the discovery item
    discovery_key: str  # the shop value's key in that list
    unknown_hub_key: str  # message for an unknown hub id
    unknown_shop_key: str  # message for a shop value discovery does not know


MAPPING_KINDS: dict[str, MappingKindInfo] = {
    "payments": MappingKindInfo(
        "PAYMENT",
        "payments",
        "PAYMENT",
        "module",
        False,
        "payment_methods",
        "module",
        "unknown_payment_method",
        "unknown_shop_payment",
    ),
    "carriers": MappingKindInfo(
        "CARRIER",
        "carriers",
        "SHIPPING",
        CARRIER_FIELD,
        True,
        "carriers",
        "carrier_key",
        "unknown_shipping_method",
        "unknown_shop_carrier",
    ),
    "statuses": MappingKindInfo(
        "STATUS",
        "statuses",
        "STATUS",
        STATUS_FIELD,
        True,
        "order_states",
        "id",
        "unknown_hub_status",
        "unknown_shop_state",
    ),
}
PATH_OF_KIND: dict[MappingKind, str] = {info.kind: path for path, info in MAPPING_KINDS.items()}
KIND_OF_PATH: dict[str, MappingKind] = {path: info.kind for path, info in MAPPING_KINDS.items()}


@dataclass(frozen=True)
class MappingInput:
    """One mapping of a PUT: the shop value as text (carrier/state ids as digits) → hub id."""

    shop_value: str
    hub_id: str


class SyncSettings(Model):
    update_statuses: bool = False
    send_tracking_numbers: bool = False
    send_documents: bool = False
    push_statuses: bool = False


class ProductSettings(Model):
    update_stock: bool = False


class OrderSettings(HubModel):
    """``PK=ACCOUNT#<a>, SK=SETTINGS#ORDERS``. When ``fetch_enabled`` the item also carries
    ``GSI1PK=FETCH#ENABLED`` (sparse index of accounts to poll)."""

    fetch_enabled: bool = False
    fetch_from: datetime | None = None  # None = the account's creation time
    landing_status: str | None = None
    update_statuses: list[str] = Field(default_factory=list)
    sync: SyncSettings = Field(default_factory=SyncSettings)
    products: ProductSettings = Field(default_factory=ProductSettings)
    #: Owner of the item (also in ``GSI1SK`` while fetching is enabled).
    tenant_id: str | None = None
    account_id: str | None = None
    #: Optimistic version: every write takes the next one (0 = never stored).
    version: int = 0
    updated_at: datetime | None = None


class FieldMapping(HubModel):
    """``PK=ACCOUNT#<a>, SK=SETTINGS#FIELDS``: which shop field each hub identifier reads."""

    ean: IdentifierField = _FIELD_DEFAULTS["ean"]
    symbol: IdentifierField = _FIELD_DEFAULTS["symbol"]
    catalog_number: IdentifierField = _FIELD_DEFAULTS["catalog_number"]
    updated_at: datetime | None = None

    @classmethod
    def defaults_for(cls, platform: str | None) -> "FieldMapping":
        """The fields ``platform``'s profile reads each identifier from by default."""
        defaults = profile_for(platform).field_defaults
        return cls(ean=defaults["ean"], symbol=defaults["symbol"], catalog_number=defaults["catalog_number"])


class TemplateSync(Model):
    description: bool = True
    shipping_prices: bool = True
    price: bool = True
    stock: bool = True


class Template(HubModel):
    """``PK=ACCOUNT#<a>, SK=TEMPLATE#<id>``; the account item's ``default_template_id`` names the
    default (one pointer, so exactly one default at any time)."""

    id: str
    name: str
    sync: TemplateSync = Field(default_factory=TemplateSync)
    created_at: datetime
    updated_at: datetime | None = None
    #: Offers that use this template, kept by the offer writers in the offer's own transaction
    #: (``TemplateRepository.tx_increment_usage`` / ``tx_decrement_usage``).
    offer_count: int = 0


class DictionaryEntry(HubModel):
    """``PK=TENANT#<t>, SK=<STATUS|PAYMENT|SHIPPING>#<id>``."""

    kind: DictionaryKind
    id: str
    name: str
    created_at: datetime | None = None


class TenantSettings(HubModel):
    """``PK=TENANT#<t>, SK=SETTINGS#TENANT``: hub-wide settings of a tenant."""

    #: Hub statuses that return an order's stock (default: the seeded "Anulowane" status).
    stock_return_statuses: list[str] = Field(default_factory=list)
