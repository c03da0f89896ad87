"""Hub orders: what the hub keeps of a shop order, and what it sends back to the shop.

A :class:`HubOrder` is stored at ``PK=ACCOUNT#<a>, SK=ORDER#<shop order id>`` (plus
``GSI1PK=ORDERS#<t>, GSI1SK=PLACED#<placed at>#<padded shop order id>#<a>`` for the tenant's
list, newest placed first). It is created exactly once; its lines never change afterwards (a later change of the
shop's cart is recorded in ``drift``). Its hub id is ``<account id>-<shop order id>``
(:func:`hub_order_id`): readable in support tickets, but clients treat it as opaque. Every
change of its hub status is recorded in ``status_history`` by the same write that makes it.
"""

import hashlib
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Literal

from pydantic import Field

from shophub.domain.common import HubModel

#: What an order could not be mapped to: a hub payment method, a hub shipping method, a hub
#: product (per line) or, for a later shop state change, a hub status.
UnmappedKind = Literal["payment_method", "shipping_method", "product", "status"]

#: Where a tracking number, document or status change stands on its way to the shop.
ShopSync = Literal["pending", "sent", "unchanged", "not_sent", "failed"]

DocumentType = Literal["invoice", "correction", "receipt", "proforma"]

#: Where a hub status came from: ``imported`` (the landing status of a new order), ``shop`` (a shop
#: state change followed through the status mapping) or ``hub`` (a merchant's change).
StatusSource = Literal["imported", "shop", "hub"]

#: Entries kept in an order's ``status_history`` (the newest; older ones are dropped).
STATUS_HISTORY_MAX = 50

HUB_ORDER_ID_SEPARATOR = "-"


def hub_order_id(account_id: str, shop_order_id: int) -> str:
    """The hub id of a shop order: ``<account id>-<shop order id>``."""
    return f"{account_id}{HUB_ORDER_ID_SEPARATOR}{shop_order_id}"


def parse_hub_order_id(order_id: str) -> tuple[str, int] | None:
    """``(account id, shop order id)`` of a hub order id; None when it is not one of ours."""
    account_id, separator, number = order_id.rpartition(HUB_ORDER_ID_SEPARATOR)
    if not separator or not account_id or not number.isdigit() or len(number) > 12:
        return None
    shop_order_id = int(number)
    return (account_id, shop_order_id) if shop_order_id > 0 else None


def shop_fingerprint(updated_at: datetime, state_id: int, cart: Iterable[tuple[int, int, int]]) -> str:
    """What a shop order looked like: its ``date_upd``, state and cart (product, variant,
    quantity). Two changes can share one ``date_upd`` second; they rarely share all three."""
    digest = hashlib.sha256(repr(sorted(cart)).encode()).hexdigest()[:16]
    return f"{updated_at.astimezone(UTC).isoformat()}|{state_id}|{digest}"


class UnmappedEntry(HubModel):
    """One thing the order could not be mapped to (the order is imported anyway)."""

    kind: UnmappedKind
    #: the shop value without a mapping: payment module, carrier key (or ``id:<carrier
    #: id>`` when the carrier is unknown), ``<product>:<variant>``, shop status id
    shop_value: str
    #: order line id, for products
    line_id: int | None = None


class OrderLine(HubModel):
    """One line as the shop sold it; never changed after the order was created."""

    line_id: int
    hub_product_id: int | None = None
    shop_product_id: int
    shop_variant_id: int = 0
    name: str = ""
    quantity: int
    unit_price_gross: Decimal
    unit_price_net: Decimal | None = None
    total_price_gross: Decimal | None = None
    ean: str = ""
    symbol: str = ""


class OrderTotals(HubModel):
    paid_gross: Decimal
    paid_net: Decimal
    products_gross: Decimal = Decimal(0)
    products_net: Decimal = Decimal(0)
    shipping_gross: Decimal = Decimal(0)
    shipping_net: Decimal = Decimal(0)
    discounts_gross: Decimal = Decimal(0)
    wrapping_gross: Decimal = Decimal(0)
    currency: str | None = None


class OrderCustomer(HubModel):
    shop_customer_id: int | None = None
    firstname: str = ""
    lastname: str = ""
    email: str = ""
    company: str = ""


class OrderAddress(HubModel):
    shop_address_id: int | None = None
    firstname: str = ""
    lastname: str = ""
    company: str = ""
    address1: str = ""
    address2: str = ""
    postcode: str = ""
    city: str = ""
    country_id: int | None = None
    phone: str = ""
    phone_mobile: str = ""
    vat_number: str = ""


#: ``problem`` of a tracking number or document the merchant keeps in the hub only (sending is off)
SENDING_DISABLED = "sending_disabled"
#: ``problem`` values written before :data:`SENDING_DISABLED` (message keys) → the code
_LEGACY_PROBLEMS = {"log_push_tracking_disabled": SENDING_DISABLED, "log_push_document_disabled": SENDING_DISABLED}


def problem_code(problem: str | None) -> str | None:
    """The stable code of a stored ``problem``: :data:`SENDING_DISABLED` or the shop error's code."""
    return _LEGACY_PROBLEMS.get(problem, problem) if problem else None


class TrackingNumber(HubModel):
    number: str
    added_at: datetime
    actor: str = "api"
    shop_sync: ShopSync = "pending"
    synced_at: datetime | None = None
    #: why it was not sent: :data:`SENDING_DISABLED` or the code of the shop's refusal (see
    #: :func:`problem_code` for values written before)
    problem: str | None = None


class OrderDocument(HubModel):
    type: DocumentType
    number: str
    url: str
    added_at: datetime
    actor: str = "api"
    shop_sync: ShopSync = "pending"
    synced_at: datetime | None = None
    problem: str | None = None
    #: the shop's id of the order message that carries the document
    shop_message_id: int | None = None


class DriftLine(HubModel):
    """One product whose quantity differs between the hub's lines and the shop's cart now."""

    shop_product_id: int
    shop_variant_id: int = 0
    name: str = ""
    hub_quantity: int
    shop_quantity: int


class OrderDrift(HubModel):
    """How the shop's cart differs from the lines the hub imported (the lines stay as imported)."""

    detected_at: datetime
    shop_updated_at: datetime
    lines: list[DriftLine] = Field(default_factory=list)
    shop_paid_gross: Decimal | None = None


class StatusChange(HubModel):
    """One change of an order's hub status."""

    #: when the hub status changed (UTC)
    at: datetime
    #: the hub status id the order got
    status: str
    #: the shop state that caused it; None for a merchant's change in the hub
    shop_status_id: int | None = None
    source: StatusSource
    #: who acted, as the activity log names them (a token's name, ``api``, ``system``)
    actor: str


def append_status_change(history: Sequence[StatusChange], change: StatusChange) -> list[StatusChange]:
    """``history`` (oldest first) with ``change`` added, cut to the newest :data:`STATUS_HISTORY_MAX`."""
    return [*history, change][-STATUS_HISTORY_MAX:]


class StockMoveLine(HubModel):
    """What one order line did to a hub product's stock."""

    line_id: int
    hub_product_id: int
    quantity: int
    #: how much actually left (sale) or came back (return); less than ``quantity`` when the hub
    #: stock would have gone below zero
    applied: int
    before: int
    after: int
    version: int


class StockMoveSkip(HubModel):
    """A linked line whose stock did not move, and why."""

    line_id: int
    hub_product_id: int
    quantity: int
    #: ``placed_before_link``: the order was placed before the line's offer was linked (or
    #: imported), so the hub's figure at linking already counts it; ``returned_in_shop``: the
    #: order was already in a stock-return state when the hub first saw it (the shop had given its
    #: stock back); ``product_missing``: the linked hub product no longer exists; ``not_taken``:
    #: on a return, the line's stock never left the hub. ``counted_in_import`` is the older name of
    #: ``placed_before_link`` (orders stored before it was renamed).
    reason: Literal["placed_before_link", "returned_in_shop", "counted_in_import", "product_missing", "not_taken"]
    #: for ``placed_before_link``: when the line's offer was linked
    linked_at: datetime | None = None
    #: for ``counted_in_import`` (older orders): when the offer's shop stock was taken into the hub
    stock_taken_at: datetime | None = None


class OrderStock(HubModel):
    """The order's effect on hub stock (multi-channel stock)."""

    taken_at: datetime | None = None
    taken: list[StockMoveLine] = Field(default_factory=list)
    skipped: list[StockMoveSkip] = Field(default_factory=list)
    #: True when some line wanted more than the hub had (stock stopped at zero)
    shortfall: bool = False
    returned_at: datetime | None = None
    returned: list[StockMoveLine] = Field(default_factory=list)


class HubOrder(HubModel):
    """``PK=ACCOUNT#<a>, SK=ORDER#<shop order id>``."""

    id: str
    tenant_id: str
    account_id: str
    shop_order_id: int
    reference: str = ""
    #: hub status id
    status: str
    #: the shop state the hub last saw
    shop_status_id: int
    #: the hub status changes, oldest first, at most the newest :data:`STATUS_HISTORY_MAX`
    #: (:func:`append_status_change`); empty for orders stored before it existed (their history
    #: starts at their next change)
    status_history: list[StatusChange] = Field(default_factory=list)
    payment_method: str | None = None
    payment_module: str = ""
    payment_name: str = ""
    shipping_method: str | None = None
    carrier_id: int | None = None
    carrier_reference: int | None = None
    unmapped: list[UnmappedEntry] = Field(default_factory=list)
    #: True once the hub status left the account's ``update_statuses``: shop changes are ignored
    frozen: bool = False
    lines: list[OrderLine] = Field(default_factory=list)
    totals: OrderTotals
    customer: OrderCustomer | None = None
    delivery_address: OrderAddress | None = None
    invoice_address: OrderAddress | None = None
    note: str = ""
    tracking_numbers: list[TrackingNumber] = Field(default_factory=list)
    documents: list[OrderDocument] = Field(default_factory=list)
    drift: OrderDrift | None = None
    stock: OrderStock | None = None
    shop_created_at: datetime | None = None
    shop_updated_at: datetime
    #: ``date_upd``, state and cart of the shop order as last processed (:func:`shop_fingerprint`):
    #: a poll that finds the same fingerprint has nothing to do
    shop_fingerprint: str = ""
    imported_at: datetime
    updated_at: datetime
    #: the poll run that wrote the order last, and the hub event that write announced
    #: (re-announced when that run did not finish; see the order poll service)
    run_id: str | None = None
    last_event: Literal["OrderImported", "OrderUpdated"] | None = None
    account_deleted: bool = False
    version: int = 1


class PollCursor(HubModel):
    """``PK=ACCOUNT#<a>, SK=CURSOR#ORDERS``: where the next poll starts, and who polls now.

    ``updated_at``/``order_id``/``tied`` are the keyset position after the last durably written
    page; ``lease_owner``/``lease_expires_at`` (epoch seconds) make one poll at a time per account
    (a crashed poll's lease simply expires); ``open_runs`` are runs that started and did not finish
    cleanly (their last page may have been written without its events being sent).
    """

    account_id: str
    updated_at: datetime | None = None
    order_id: int | None = None
    tied: int = 1
    #: the ``fetch_from`` the position was reached with (moved earlier: the poll starts over)
    fetch_from: datetime | None = None
    lease_owner: str | None = None
    lease_expires_at: int | None = None
    open_runs: set[str] = Field(default_factory=set)
    #: ``[epoch seconds of date_upd, shop order id]`` of orders seen within the overlap margin
    #: before the cursor (their number widens the next run's first page)
    recent: list[tuple[int, int]] = Field(default_factory=list)
    last_run_at: datetime | None = None
    #: when the newest run that ended cleanly started: changes written late (visible only after
    #: that run read) can only have a ``date_upd`` shortly before it, so the overlap re-read is
    #: needed only while the cursor is that recent
    clean_run_started_at: datetime | None = None
    last_success_at: datetime | None = None
    last_error: str | None = None
    #: when a poll of the account last ended (whatever it found; cursors written before this
    #: field carry only ``last_success_at``)
    last_poll_at: datetime | None = None
    #: when a poll last imported a new order
    last_order_at: datetime | None = None


# --- queue messages ---------------------------------------------------------------------------------

PollReason = Literal["schedule", "manual", "continue"]


class PollOrdersJob(HubModel):
    """An ``OrderPollQueue`` message: poll one account now."""

    type: Literal["PollOrders"] = "PollOrders"
    tenant_id: str
    account_id: str
    reason: PollReason = "schedule"
    actor: str = "system"
    language: str = "pl"


PushKind = Literal["TrackingNumber", "Document", "StatusPush"]


class OrderPushJob(HubModel):
    """An ``OrderUpdateQueue`` message: send one thing about one order to its shop."""

    type: PushKind
    tenant_id: str
    account_id: str
    shop_order_id: int
    #: tracking number, or document number
    number: str | None = None
    document_type: DocumentType | None = None
    #: the hub status to push (StatusPush)
    status: str | None = None
    actor: str = "api"
    language: str = "pl"


def event_detail(order: HubOrder, **extra: object) -> dict[str, object]:
    """The ``detail`` of an ``OrderImported`` / ``OrderUpdated`` hub event."""
    return {
        "tenant_id": order.tenant_id,
        "account_id": order.account_id,
        "order_id": order.id,
        "shop_order_id": order.shop_order_id,
        "reference": order.reference,
        "status": order.status,
        "frozen": order.frozen,
        "unmapped": sorted({u.kind for u in order.unmapped}),
        **extra,
    }
