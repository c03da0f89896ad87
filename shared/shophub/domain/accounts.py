"""Shop accounts (one per connected shop) as the hub stores them."""

from datetime import datetime
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field

from shophub.connectors import DEFAULT_PLATFORM
from shophub.domain.common import HubModel

AccountStatus = Literal["connected", "error", "deleted"]
DiscoveryStatus = Literal["pending", "running", "done", "failed"]


_DEFAULT_PORTS = {"https": 443, "http": 80}


def shop_identity(shop_url: str) -> str:
    """What makes two shop URLs the same shop: the scheme, the lower-cased host, the port unless
    it is the scheme's default, and the path without trailing slashes
    (``HTTPS://Shop.example:443/sklep/`` → ``https://shop.example/sklep``). A tenant connects
    each shop once."""
    parts = urlsplit(shop_url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".").lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != _DEFAULT_PORTS.get(scheme):
        netloc += f":{port}"
    return f"{scheme}://{netloc}{parts.path.rstrip('/')}"


def mask_key(last4: str) -> str:
    """What answers show instead of a key: ``••••ABCD``."""
    return "••••" + last4


class Problem(HubModel):
    """A stored failure reason: an i18n message key and its parameters, rendered per reader."""

    reason: str
    params: dict[str, str] = Field(default_factory=dict)


class CheckRecord(HubModel):
    """The outcome of a connection check as stored on the account."""

    ok: bool
    at: datetime
    #: ``connection_failed`` or ``invalid_shop_url`` when not ok
    code: str | None = None
    problem: Problem | None = None


class Account(HubModel):
    """``PK=TENANT#<t>, SK=ACCOUNT#<a>``. The key itself lives in SSM under ``secret_ref``."""

    id: str
    tenant_id: str
    name: str
    shop_url: str
    platform: str = DEFAULT_PLATFORM
    secret_ref: str
    key_last4: str
    status: AccountStatus = "connected"
    shop_version: str | None = None
    permissions: dict[str, list[str]] = Field(default_factory=dict)
    missing_permissions: list[str] = Field(default_factory=list)
    timezone: str = "Europe/Warsaw"
    language_id: int = 1
    default_template_id: str | None = None
    discovery_status: DiscoveryStatus = "pending"
    created_at: datetime
    updated_at: datetime
    version: int = 1
    #: the newest connection check (creation, PATCH of URL/key, ``POST /accounts/{id}/check``)
    last_check: CheckRecord | None = None
    #: why the newest discovery run failed (None after a good run)
    discovery_problem: Problem | None = None
    deleted_at: datetime | None = None

    @property
    def masked_key(self) -> str:
        return mask_key(self.key_last4)


# --- discovery: PK=ACCOUNT#<a>, SK=DISCOVERY -------------------------------------------------------


class DiscoveredPaymentMethod(HubModel):
    """A payment module seen on the shop's recent orders (mapping key: ``module``)."""

    module: str
    name: str
    orders: int
    labels: list[str] = Field(default_factory=list)


class DiscoveredCarrier(HubModel):
    """A carrier keyed by its stable carrier key (mapping key; PrestaShop's ``id_reference``); ``id`` is its newest version."""

    carrier_key: int
    id: int
    name: str
    active: bool = True


class DiscoveredOrderState(HubModel):
    """A shop order state (mapping key: ``id``)."""

    id: int
    name: str
    paid: bool = False
    shipped: bool = False
    delivery: bool = False
    invoice: bool = False
    hidden: bool = False
    deleted: bool = False
    module_name: str = ""
    color: str = ""


class DiscoveredShop(HubModel):
    id: int
    name: str
    shop_group_id: int | None = None
    active: bool = True


class DiscoveredCurrency(HubModel):
    id: int
    iso_code: str
    name: str = ""
    active: bool = True


class AccountDiscovery(HubModel):
    """What the newest successful discovery run found: the things a merchant maps."""

    account_id: str
    payment_methods: list[DiscoveredPaymentMethod] = Field(default_factory=list)
    carriers: list[DiscoveredCarrier] = Field(default_factory=list)
    order_states: list[DiscoveredOrderState] = Field(default_factory=list)
    #: the shop's ``PS_TIMEZONE`` (None when the shop did not say)
    timezone: str | None = None
    #: how many of the newest orders were read to find the payment methods
    analyzed_orders: int = 0
    shops: list[DiscoveredShop] = Field(default_factory=list)
    currencies: list[DiscoveredCurrency] = Field(default_factory=list)
    #: ``PS_OS_*`` standard state name → shop state id
    os_states: dict[str, int] = Field(default_factory=dict)
    refreshed_at: datetime
