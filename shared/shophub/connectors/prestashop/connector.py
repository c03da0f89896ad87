"""The PrestaShop implementation of :class:`shophub.connectors.base.Connector`.

Request economy is a feature: related records are fetched in batches
(``filter[id]=[a|b|c]&display=full``), URLs are kept under ~6 KB, small dictionaries (option
values, carriers, currencies, tax rates) are cached per instance, and stock goes out as one
multi-node PATCH per 100 rows.
"""

from __future__ import annotations

import logging
import secrets
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, Literal
from xml.etree.ElementTree import Element
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import httpx

from shophub.clock import Deadline
from shophub.connectors.prestashop import translate
from shophub.connectors.prestashop.client import PrestaShopClient, RetryPolicy, ShopResponse
from shophub.connectors.prestashop.parse import (
    RecordError,
    as_bool,
    as_decimal,
    as_int,
    as_opt_int,
    as_str,
    parse_api_root,
    records_from_json,
    records_from_xml,
    shop_local,
    utc_to_local,
    xml_body,
)
from shophub.connectors.prestashop.profile import PLATFORM, PROFILE
from shophub.connectors.prestashop.query import MAX_URL_LENGTH, Query, chunk_values, chunked
from shophub.domain.shop import (
    ConnectionInfo,
    OrderCursor,
    OrderFailure,
    OrderPage,
    ProductFailure,
    ProductListFilter,
    ProductSummary,
    ShopAddress,
    ShopCustomer,
    ShopDiscovery,
    ShopOrder,
    ShopStockRow,
    StockPushOutcome,
    StockRowBatch,
    StockUpdate,
    VariantBatch,
    VariantOption,
)
from shophub.errors import (
    FieldProblem,
    ShopApiDisabledError,
    ShopAuthError,
    ShopBlockedError,
    ShopError,
    ShopMethodNotSupportedError,
    ShopNotFoundError,
    ShopPermanentError,
    ShopPermissionError,
    ShopRequestRejectedError,
    ShopResponseError,
    ShopServerError,
    ShopTimeoutError,
    ShopTlsError,
    ShopTransientError,
    ShopUnreachableError,
    ValidationError,
)
from shophub.security.url_guard import Resolver

logger = logging.getLogger("shophub.connectors.prestashop")

#: The timezone assumed until the shop's own ``PS_TIMEZONE`` is known.
DEFAULT_TIMEZONE = "Europe/Warsaw"

#: Standard order states resolved from ``configurations``.
STANDARD_STATE_KEYS = (
    "PS_OS_CHEQUE",
    "PS_OS_PAYMENT",
    "PS_OS_PREPARATION",
    "PS_OS_SHIPPING",
    "PS_OS_DELIVERED",
    "PS_OS_CANCELED",
    "PS_OS_REFUND",
    "PS_OS_ERROR",
    "PS_OS_OUTOFSTOCK",
    "PS_OS_OUTOFSTOCK_PAID",
    "PS_OS_OUTOFSTOCK_UNPAID",
    "PS_OS_BANKWIRE",
    "PS_OS_PAYPAL",
    "PS_OS_WS_PAYMENT",
    "PS_OS_COD_VALIDATION",
)
_FAR_FUTURE = datetime(9999, 12, 31, 23, 59, 59)  # noqa: DTZ001  (shop-local wall time)
_STOCK_BATCH = 100
#: Errors that say nothing about individual stock rows: every row of the push fails with them.
_GLOBAL_ERRORS = (
    ShopAuthError,
    ShopPermissionError,
    ShopApiDisabledError,
    ShopBlockedError,
    ShopTlsError,
    ShopMethodNotSupportedError,
)
#: Errors worth splitting a batch read for: one bad record can break a whole list.
_SPLITTABLE = (ShopResponseError, ShopServerError, ShopRequestRejectedError)

WriteMode = Literal["patch", "put"]


def _shop_timezone(timezone: str | None) -> ZoneInfo:
    """The shop's timezone (``DEFAULT_TIMEZONE`` when not given); unknown names are invalid input."""
    try:
        return ZoneInfo(timezone or DEFAULT_TIMEZONE)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ValidationError(
            f"unknown timezone {timezone!r}",
            details=[FieldProblem("timezone", "unknown timezone")],
            params={"detail": f"unknown timezone {timezone!r}"},
        ) from None


def _client_options(
    max_response_bytes: int | None, sleep: Callable[[float], None] | None, rng: Callable[[], float] | None
) -> dict[str, Any]:
    """The optional :class:`PrestaShopClient` arguments that were given, so its defaults apply otherwise."""
    options: dict[str, Any] = {}
    if max_response_bytes is not None:
        options["max_response_bytes"] = max_response_bytes
    if sleep is not None:
        options["sleep"] = sleep
    if rng is not None:
        options["rng"] = rng
    return options


class PrestaShopConnector:
    """One PrestaShop shop reached with one webservice key.

    ``timezone`` is the shop's ``PS_TIMEZONE`` (dates on the wire are shop-local);
    ``language_id`` picks the language of multi-language names (falls back to the first one);
    ``shop_id`` picks stock rows in a multistore shop; ``http`` injects an ``httpx.Client``
    (tests, custom transports; the default one is SSRF-guarded); ``deadline`` returns the seconds
    left (e.g. from a Lambda context) and bounds all waiting; ``allow_local`` is for the local
    stack and tests only.
    """

    platform = PLATFORM

    def __init__(
        self,
        shop_url: str,
        api_key: str,
        *,
        timezone: str | None = "Europe/Warsaw",
        language_id: int = 1,
        shop_id: int | None = None,
        http: httpx.Client | None = None,
        deadline: Deadline | None = None,
        allow_local: bool = False,
        resolver: Resolver | None = None,
        retry: RetryPolicy | None = None,
        timeout: httpx.Timeout | None = None,
        max_response_bytes: int | None = None,
        sleep: Callable[[float], None] | None = None,
        rng: Callable[[], float] | None = None,
        product_batch_size: int = 100,
        related_batch_size: int = 200,
        max_url_length: int = MAX_URL_LENGTH,
        employee_id: int = 1,
    ) -> None:
        self._tz = _shop_timezone(timezone)
        self._client = PrestaShopClient(
            shop_url,
            api_key,
            http=http,
            timeout=timeout,
            deadline=deadline,
            retry=retry,
            allow_local=allow_local,
            resolver=resolver,
            **_client_options(max_response_bytes, sleep, rng),
        )
        self._language_id = language_id
        self._shop_id = shop_id
        self._product_batch = max(1, product_batch_size)
        self._related_batch = max(1, related_batch_size)
        self._max_url = max_url_length
        self._employee_id = employee_id
        self._options: dict[int, VariantOption] = {}
        self._carrier_refs: dict[int, int] | None = None
        self._currency_codes: dict[int, str] | None = None
        self._tax_rates: dict[int, Decimal | None] = {}
        self._country_id: int | None = None
        self._tax_lookup_broken = False
        self._stock_mode: WriteMode = "patch"
        self._carrier_mode: WriteMode = "patch"
        self._tunnel_writes = False

    def __repr__(self) -> str:
        return f"PrestaShopConnector({self._client.api_root!r})"

    def __enter__(self) -> PrestaShopConnector:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    @property
    def request_count(self) -> int:
        return self._client.request_count

    @property
    def shop_version(self) -> str | None:
        return self._client.shop_version

    @property
    def timezone(self) -> str:
        return self._tz.key

    # --- small helpers ----------------------------------------------------------------------------

    def _list(self, resource: str, query: Query, plural: str | None = None) -> list[dict[str, Any]]:
        plural = plural or resource
        payload = self._client.get_json(resource, query)
        return records_from_json(payload, plural, _singular(plural))

    def _chunks(
        self, resource: str, ids: Iterable[int], build: Callable[[Sequence[int]], Query], max_items: int | None
    ) -> list[list[int]]:
        base = self._client.api_root + resource
        return list(
            chunk_values(
                list(ids),
                lambda c: build(c).param("output_format", "JSON"),
                base,
                max_url_length=self._max_url,
                max_items=max_items,
            )
        )

    def _list_by(
        self,
        resource: str,
        field: str,
        ids: Iterable[int],
        base: Query,
        *,
        max_items: int | None = None,
    ) -> list[dict[str, Any]]:
        """``resource`` records whose ``field`` is one of ``ids``, in as few requests as fit."""
        unique = sorted({int(i) for i in ids if int(i) > 0})
        out: list[dict[str, Any]] = []
        for chunk in self._chunks(resource, unique, lambda c: base.where_in(field, c), max_items):
            out.extend(self._list(resource, base.where_in(field, chunk)))
        return out

    def _is_legacy(self) -> bool:
        version = self._client.shop_version
        if not version:
            return False
        try:
            return int(version.split(".", 1)[0]) < 8
        except ValueError:
            return False

    def _local(self, moment: datetime) -> datetime:
        if moment.tzinfo is None:
            raise ValueError("datetimes passed to the connector must be timezone-aware")
        return utc_to_local(moment, self._tz)

    def _lower_bound(self, moment: datetime) -> datetime:
        """Shop-local lower bound that still catches changes written after a DST fall-back."""
        return min(self._local(moment), self._local(moment + timedelta(hours=1)) - timedelta(hours=1))

    def _upper_bound(self, moment: datetime) -> datetime:
        return max(self._local(moment), self._local(moment - timedelta(hours=1)) + timedelta(hours=1))

    # --- account ----------------------------------------------------------------------------------

    def check_connection(self) -> ConnectionInfo:
        response = self._client.request("GET", "", output="xml")
        shop_name, permissions = parse_api_root(response.payload)
        essential, optional = PROFILE.missing_permissions(permissions)
        return ConnectionInfo(
            platform=PLATFORM,
            shop_version=response.shop_version or self._client.shop_version,
            shop_name=shop_name,
            permissions=permissions,
            missing_permissions=essential + optional,
            optional_missing=optional,
        )

    def discover(self, recent_orders: int = 1000, *, page_size: int = 250) -> ShopDiscovery:
        try:
            return self._discover(recent_orders, page_size)
        except (RecordError, ValueError) as exc:
            # A record discovery cannot read is the shop's answer being wrong: a permanent,
            # typed failure (retrying reads the same records), never a raw exception.
            detail = self._client.scrub(str(exc))[:300]
            raise ShopResponseError(
                f"discovery: the shop sent a record that cannot be read ({detail})",
                params={"detail": f"the shop sent a record that cannot be read ({detail})"},
            ) from None

    def _discover(self, recent_orders: int, page_size: int) -> ShopDiscovery:
        lang = self._language_id
        states = [translate.order_state(r, lang) for r in self._list("order_states", Query().display("full"))]
        carriers = translate.carriers_by_reference(self._list("carriers", Query().display("full").where("deleted", 0)))
        config = self._configuration(("PS_TIMEZONE", *STANDARD_STATE_KEYS))
        shops = [translate.shop_info(r) for r in self._list("shops", Query().display("full"))]
        currency_records = self._list("currencies", Query().display("full"))
        currencies = [translate.currency(r, lang) for r in currency_records]
        self._currency_codes = {c.id: c.iso_code for c in currencies}
        orders = self._recent_orders(recent_orders, page_size)
        standard = {}
        for key in STANDARD_STATE_KEYS:
            value = _safe_int(config.get(key))
            if value:
                standard[key] = value
        return ShopDiscovery(
            order_states=sorted(states, key=lambda s: s.id),
            carriers=carriers,
            payment_modules=translate.payment_modules(orders),
            timezone=config.get("PS_TIMEZONE") or None,
            standard_states=standard,
            shops=shops,
            currencies=currencies,
            analyzed_orders=len(orders),
        )

    def _configuration(self, names: Sequence[str]) -> dict[str, str]:
        records = self._list_by_names(names)
        values: dict[str, str] = {}
        for record in records:
            name = as_str(record.get("name"))
            if name and name not in values:
                values[name] = as_str(record.get("value"))
        return values

    def _list_by_names(self, names: Sequence[str]) -> list[dict[str, Any]]:
        query = Query().display(["id", "name", "value"]).where_in("name", names)
        return self._list("configurations", query)

    def _recent_orders(self, wanted: int, page_size: int) -> list[dict[str, Any]]:
        """The newest ``wanted`` orders' id/module/payment, keyset-paged on id (descending)."""
        out: list[dict[str, Any]] = []
        below: int | None = None
        while len(out) < wanted:
            size = min(page_size, wanted - len(out))
            query = Query().display(["id", "module", "payment"]).sort(("id", "DESC")).limit(size)
            if below is not None:
                query = query.where_lt("id", below)
            page = self._list("orders", query)
            out.extend(page)
            if len(page) < size:
                break
            below = min(as_int(r.get("id"), "id") for r in page)
        return out[:wanted]

    # --- orders ------------------------------------------------------------------------------------

    def list_order_changes(
        self,
        since: datetime,
        until: datetime | None = None,
        *,
        after: OrderCursor | None = None,
        limit: int = 100,
    ) -> OrderPage:
        if not 1 <= limit <= 1000:
            raise ValueError("limit must be between 1 and 1000")
        upper = _FAR_FUTURE if until is None else self._upper_bound(until)
        base = Query().display("full").sort(("date_upd", "ASC"), ("id", "ASC"))
        records: list[dict[str, Any]]
        if after is None:
            lower = self._lower_bound(since)
            records = self._list("orders", base.where_between("date_upd", lower, upper).limit(limit, 0))
            has_more = len(records) >= limit
            tied_before = 0
            tie_local: datetime | None = None
        else:
            tie_local = self._local(after.updated_at)
            tied_before = after.tied
            records, has_more = self._orders_after(base, tie_local, after.id, after.tied, upper, limit)
        if not records:
            return OrderPage(orders=[], next_after=after, has_more=False)
        orders, failures = self._complete_orders(records)
        last = records[-1]
        last_local = shop_local(last.get("date_upd"))
        if last_local is None:
            raise ShopResponseError("an order without date_upd in the changes list")
        tied = sum(1 for r in records if shop_local(r.get("date_upd")) == last_local)
        if tie_local is not None and last_local == tie_local:
            tied += tied_before
        cursor = OrderCursor(
            updated_at=last_local.replace(tzinfo=self._tz, fold=0).astimezone(UTC),
            id=as_int(last.get("id"), "id"),
            tied=max(1, tied),
        )
        return OrderPage(orders=orders, failures=failures, next_after=cursor, has_more=has_more)

    def _orders_after(
        self, base: Query, tie_local: datetime, after_id: int, tied: int, upper: datetime, limit: int
    ) -> tuple[list[dict[str, Any]], bool]:
        def newer(record: Mapping[str, Any]) -> bool:
            local = shop_local(record.get("date_upd"))
            if local is None:
                return False
            return local > tie_local or (local == tie_local and as_int(record.get("id"), "id") > after_id)

        if tied <= limit:
            # Overlap the already-seen orders of the cursor's second and drop them here.
            asked = tied + limit
            raw = self._list("orders", base.where_between("date_upd", tie_local, upper).limit(asked, 0))
            fresh = [r for r in raw if newer(r)]
            return fresh[:limit], len(raw) >= asked or len(fresh) > limit
        # A very busy second: finish it by id first, then go on after it.
        same = self._list(
            "orders",
            Query()
            .display("full")
            .where_between("date_upd", tie_local, tie_local)
            .where_gt("id", after_id)
            .sort(("id", "ASC"))
            .limit(limit, 0),
        )
        if len(same) >= limit:
            return same[:limit], True
        rest = limit - len(same)
        start = tie_local + timedelta(seconds=1)
        if start > upper:
            return same, False
        later = self._list("orders", base.where_between("date_upd", start, upper).limit(rest, 0))
        return same + later, len(later) >= rest

    def fetch_orders(self, ids: Sequence[int]) -> list[ShopOrder]:
        wanted = sorted({int(i) for i in ids if int(i) > 0})
        records = self._list_by("orders", "id", wanted, Query().display("full"), max_items=self._product_batch)
        asked = set(wanted)
        records = [r for r in records if _safe_int(r.get("id")) in asked]
        orders, failures = self._complete_orders(records)
        for failure in failures:
            logger.warning("order %s could not be read: %s", failure.order_id, failure.reason)
        return sorted(orders, key=lambda o: o.id)

    def _complete_orders(self, records: Sequence[Mapping[str, Any]]) -> tuple[list[ShopOrder], list[OrderFailure]]:
        """Add lines' extra fields, customers, addresses, carrier references, currency codes."""
        if not records:
            return [], []
        order_ids, referenced = _order_references(records)
        details_by_order = self._details_by_order(order_ids)
        customers = self._customers(referenced["customers"])
        addresses = self._addresses(referenced["addresses"])
        carrier_refs = self._carrier_references(referenced["carriers"])
        currency_codes = self._currencies(referenced["currencies"])
        orders: list[ShopOrder] = []
        failures: list[OrderFailure] = []
        for record in records:
            order_id = _safe_int(record.get("id")) or 0
            try:
                orders.append(
                    translate.order(
                        record,
                        self._tz,
                        details=details_by_order.get(order_id, ()),
                        customers=customers,
                        addresses=addresses,
                        carrier_references=carrier_refs,
                        currency_codes=currency_codes,
                    )
                )
            except RecordError as exc:
                failures.append(OrderFailure(order_id=order_id, reason=str(exc)))
        return orders, failures

    def _details_by_order(self, order_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
        """The order_details rows of the orders, by order id."""
        details_by_order: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for detail in self._list_by(
            "order_details", "id_order", order_ids, Query().display("full"), max_items=self._related_batch
        ):
            order_id = _safe_int(detail.get("id_order"))
            if order_id:
                details_by_order[order_id].append(detail)
        return details_by_order

    def _customers(self, customer_ids: set[int]) -> dict[int, ShopCustomer]:
        """The readable customers among ``customer_ids`` (an unreadable one is left out)."""
        customers: dict[int, ShopCustomer] = {}
        for record in self._list_by("customers", "id", customer_ids, Query().display("full")):
            try:
                item = translate.customer(record)
                customers[item.id] = item
            except (RecordError, ValueError):
                continue
        return customers

    def _addresses(self, address_ids: set[int]) -> dict[int, ShopAddress]:
        """The readable addresses among ``address_ids`` (an unreadable one is left out)."""
        addresses: dict[int, ShopAddress] = {}
        for record in self._list_by("addresses", "id", address_ids, Query().display("full")):
            try:
                address = translate.address(record)
                addresses[address.id] = address
            except (RecordError, ValueError):
                continue
        return addresses

    def _carrier_references(self, carrier_ids: set[int]) -> dict[int, int]:
        """carrier id → id_reference; all carriers (deleted versions too) loaded once."""
        if self._carrier_refs is None:
            self._carrier_refs = {}
            if carrier_ids:
                self._remember_carriers(self._list("carriers", Query().display(["id", "id_reference"])))
        missing = carrier_ids - self._carrier_refs.keys()
        if missing:
            self._remember_carriers(self._list_by("carriers", "id", missing, Query().display(["id", "id_reference"])))
        return self._carrier_refs

    def _remember_carriers(self, records: Iterable[Mapping[str, Any]]) -> None:
        assert self._carrier_refs is not None
        for record in records:
            carrier_id = _safe_int(record.get("id"))
            if carrier_id:
                self._carrier_refs[carrier_id] = _safe_int(record.get("id_reference")) or carrier_id

    def _currencies(self, currency_ids: set[int]) -> dict[int, str]:
        if currency_ids - (self._currency_codes or {}).keys():
            codes = dict(self._currency_codes or {})
            for record in self._list("currencies", Query().display(["id", "iso_code"])):
                currency_id = _safe_int(record.get("id"))
                if currency_id:
                    codes[currency_id] = as_str(record.get("iso_code"))
            self._currency_codes = codes
        return self._currency_codes or {}

    # --- order writes ---------------------------------------------------------------------------

    def set_order_state(self, shop_order_id: int, state_id: int, *, notify_customer: bool = False) -> bool:
        current = self._current_state(shop_order_id)
        if current == state_id:
            return False
        query = Query().param("sendemail", 1) if notify_customer else Query()
        body = xml_body("order_history", [{"id_order": shop_order_id, "id_order_state": state_id}])
        try:
            self._client.request("POST", "order_histories", query, body=body, idempotent=False, output="auto")
        except (ShopTimeoutError, ShopUnreachableError, ShopServerError, ShopResponseError):
            # The history may have been written before the answer got lost: look before failing.
            if self._current_state(shop_order_id) == state_id:
                return True
            raise
        return True

    def _current_state(self, shop_order_id: int) -> int:
        rows = self._list("orders", Query().display(["id", "current_state"]).where_in("id", [int(shop_order_id)]))
        rows = [r for r in rows if _safe_int(r.get("id")) == int(shop_order_id)]
        if not rows:
            raise ShopNotFoundError(
                f"order {shop_order_id} does not exist in the shop",
                http_status=200,
                params={"detail": f"order {shop_order_id}"},
            )
        return as_int(rows[0].get("current_state"), "current_state")

    def set_tracking_number(self, shop_order_id: int, number: str) -> bool:
        value = (number or "").strip()
        rule = PROFILE.tracking
        if not rule.accepts(value):
            raise ValidationError(
                "invalid tracking number",
                details=[
                    FieldProblem(
                        "tracking_number",
                        f"1-{rule.max_length} characters: letters, digits, spaces and {rule.symbols}",
                    )
                ],
            )
        row = self._order_carrier(shop_order_id)
        if as_str(row.get("tracking_number")) == value:
            return False
        carrier_row_id = as_int(row.get("id"), "id")
        try:
            self._write_order_carrier(carrier_row_id, row, value)
        except (ShopServerError, ShopTimeoutError, ShopUnreachableError, ShopResponseError):
            # PrestaShop 8 may answer 500 code 46 after saving (when its e-mail fails).
            if as_str(self._order_carrier(shop_order_id).get("tracking_number")) == value:
                return True
            raise
        return True

    def _order_carrier(self, shop_order_id: int) -> dict[str, Any]:
        rows = self._list(
            "order_carriers",
            Query().display("full").where_in("id_order", [int(shop_order_id)]).sort(("id", "ASC")),
        )
        rows = sorted(
            (r for r in rows if _safe_int(r.get("id_order")) == int(shop_order_id)),
            key=lambda r: _safe_int(r.get("id")) or 0,
        )
        if not rows:
            raise ShopNotFoundError(
                f"order {shop_order_id} has no shipment (order_carriers) in the shop",
                http_status=200,
                params={"detail": f"order {shop_order_id}"},
            )
        return rows[0]

    def _write_order_carrier(self, row_id: int, row: Mapping[str, Any], number: str) -> None:
        if self._carrier_mode == "patch" and not self._is_legacy():
            body = xml_body("order_carrier", [{"id": row_id, "tracking_number": number}])
            try:
                self._write("PATCH", f"order_carriers/{row_id}", body, idempotent=True)
                return
            except (ShopPermissionError, ShopMethodNotSupportedError) as exc:
                if not _method_refused(exc):
                    raise
                self._carrier_mode = "put"
        full = {k: v for k, v in row.items() if k != "associations"}
        full["id"] = row_id
        full["tracking_number"] = number
        self._write("PUT", f"order_carriers/{row_id}", xml_body("order_carrier", [full]), idempotent=True)

    def post_order_message(self, shop_order_id: int, text: str) -> int:
        message = (text or "").strip()
        if not message:
            raise ValidationError("empty message", details=[FieldProblem("message", "the message must not be empty")])
        thread_id = self._order_thread(shop_order_id)
        body = xml_body(
            "customer_message",
            [
                {
                    "id_employee": self._employee_id,
                    "id_customer_thread": thread_id,
                    "message": message,
                    "private": 0,
                }
            ],
        )
        response = self._client.request("POST", "customer_messages", body=body, idempotent=False, output="auto")
        return _created_id(response, "customer_message")

    def _order_thread(self, shop_order_id: int) -> int:
        existing = self._threads_of(shop_order_id)
        if existing is not None:
            return existing
        rows = self._list(
            "orders",
            Query().display(["id", "id_customer", "id_lang", "id_shop"]).where_in("id", [int(shop_order_id)]),
        )
        rows = [r for r in rows if _safe_int(r.get("id")) == int(shop_order_id)]
        if not rows:
            raise ShopNotFoundError(
                f"order {shop_order_id} does not exist in the shop",
                http_status=200,
                params={"detail": f"order {shop_order_id}"},
            )
        order = rows[0]
        customer_id = _safe_int(order.get("id_customer")) or 0
        email = ""
        if customer_id:
            customers = self._list("customers", Query().display(["id", "email"]).where_in("id", [customer_id]))
            email = next((as_str(c.get("email")) for c in customers if _safe_int(c.get("id")) == customer_id), "")
        thread = {
            "id_lang": _safe_int(order.get("id_lang")) or self._language_id,
            "id_shop": _safe_int(order.get("id_shop")) or (self._shop_id or 1),
            "id_customer": customer_id,
            "id_order": int(shop_order_id),
            "id_contact": 0,
            "email": email,
            "token": secrets.token_hex(6),
            "status": "closed",
        }
        try:
            response = self._client.request(
                "POST",
                "customer_threads",
                body=xml_body("customer_thread", [thread]),
                idempotent=False,
                output="auto",
            )
        except (ShopTimeoutError, ShopUnreachableError, ShopServerError, ShopResponseError):
            found = self._threads_of(shop_order_id)
            if found is not None:
                return found
            raise
        return _created_id(response, "customer_thread")

    def _threads_of(self, shop_order_id: int) -> int | None:
        rows = self._list(
            "customer_threads",
            Query().display(["id", "id_order"]).where_in("id_order", [int(shop_order_id)]).sort(("id", "ASC")),
        )
        mine = [r for r in rows if _safe_int(r.get("id_order")) == int(shop_order_id)]
        ids = sorted(i for i in (_safe_int(r.get("id")) for r in mine) if i)
        return ids[0] if ids else None

    # --- catalogue ---------------------------------------------------------------------------------

    def list_products(self, filters: ProductListFilter, *, after_id: int = 0, limit: int = 500) -> list[ProductSummary]:
        if limit < 1:
            raise ValueError("limit must be positive")
        base = Query().display(["id", "name", "active", "date_upd"]).language(self._language_id).sort(("id", "ASC"))
        low = max(after_id + 1, filters.id_from or 1)
        high = filters.id_to
        if filters.date_from is not None:
            base = base.where_between("date_upd", self._date_from_local(filters.date_from), _FAR_FUTURE)
        if filters.only_active:
            base = base.where("active", 1)
        records: list[dict[str, Any]] = []
        if filters.ids is not None:
            wanted = sorted({i for i in filters.ids if i >= low and (high is None or i <= high)})[:limit]
            if not wanted:
                return []
            for chunk in self._chunks("products", wanted, lambda c: base.where_in("id", c), None):
                records.extend(self._list("products", base.where_in("id", chunk)))
        else:
            if high is not None and high < low:
                return []
            query = base.where_between("id", low, high) if high is not None else base.where_gt("id", low - 1)
            records = self._list("products", query.limit(limit))
        out: list[ProductSummary] = []
        for record in records:
            try:
                out.append(translate.product_summary(record, self._tz, self._language_id))
            except (RecordError, ValueError) as exc:
                logger.warning("product %s could not be listed: %s", record.get("id"), exc)
        return sorted(out, key=lambda p: p.id)[:limit]

    def _date_from_local(self, value: datetime | date) -> datetime:
        """A date is its midnight in the shop's timezone; a datetime must be aware."""
        if isinstance(value, datetime):
            return self._lower_bound(value)
        return datetime.combine(value, time(0, 0, 0))

    def fetch_variants(self, product_ids: Sequence[int], *, with_stock: bool = True) -> VariantBatch:
        wanted = list(dict.fromkeys(int(i) for i in product_ids if int(i) > 0))
        failures: dict[int, str] = {}
        split_budget = [16]
        products = self._read_products(wanted, failures, split_budget)
        combinations = self._read_combinations(products, failures, split_budget)
        self._load_options(
            {
                value_id
                for records in combinations.values()
                for record in records
                for value_id in _association_ids(record, "product_option_values")
            }
        )
        stock = self._read_stock_rows(products, failures, split_budget) if with_stock else None
        rates = self._rates_for({_safe_int(r.get("id_tax_rules_group")) or 0 for r in products.values()} - {0})
        variants = []
        for product_id in wanted:
            product = products.get(product_id)
            if product is None or product_id in failures:
                continue
            try:
                variants.extend(
                    translate.product_variants(
                        product,
                        combinations.get(product_id, []),
                        options=self._options,
                        stock_rows=None if stock is None else stock.get(product_id, {}),
                        tax_rates={k: v for k, v in rates.items() if v is not None},
                        tz=self._tz,
                        language_id=self._language_id,
                    )
                )
            except (RecordError, ValueError) as exc:
                failures[product_id] = f"unreadable: {exc}"
        return VariantBatch(
            variants=variants,
            failures=[ProductFailure(product_id=pid, reason=reason) for pid, reason in sorted(failures.items())],
        )

    def _read_products(
        self, wanted: list[int], failures: dict[int, str], split_budget: list[int]
    ) -> dict[int, dict[str, Any]]:
        """The ``wanted`` products by id; each one the shop does not have is a failure."""
        products: dict[int, dict[str, Any]] = {}
        for chunk in self._chunks(
            "products", wanted, lambda c: Query().display("full").where_in("id", c), self._product_batch
        ):
            for record in self._fetch_split("products", "id", chunk, failures, split_budget):
                product_id = _safe_int(record.get("id"))
                if product_id:
                    products[product_id] = record
        for product_id in wanted:
            if product_id not in products and product_id not in failures:
                failures[product_id] = "not_found: the product does not exist in the shop"
        return products

    def _read_combinations(
        self, products: dict[int, dict[str, Any]], failures: dict[int, str], split_budget: list[int]
    ) -> dict[int, list[dict[str, Any]]]:
        """The combinations of the products that have some, by product id."""
        with_combinations = [pid for pid, record in products.items() if _has_association(record, "combinations")]
        combinations: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for chunk in self._chunks(
            "combinations",
            with_combinations,
            lambda c: Query().display("full").where_in("id_product", c),
            self._related_batch,
        ):
            for record in self._fetch_split("combinations", "id_product", chunk, failures, split_budget):
                product_id = _safe_int(record.get("id_product"))
                if product_id:
                    combinations[product_id].append(record)
        return combinations

    def _read_stock_rows(
        self, products: dict[int, dict[str, Any]], failures: dict[int, str], split_budget: list[int]
    ) -> dict[int, dict[int, dict[str, Any]]]:
        """The stock rows of the products read so far without failure: product id → combination
        id (0: the product itself) → row."""
        stock: dict[int, dict[int, dict[str, Any]]] = defaultdict(dict)
        readable = [pid for pid in products if pid not in failures]
        for chunk in self._chunks(
            "stock_availables",
            readable,
            lambda c: Query().display("full").where_in("id_product", c),
            self._related_batch,
        ):
            for record in self._fetch_split("stock_availables", "id_product", chunk, failures, split_budget):
                self._keep_stock_row(stock, record)
        return stock

    def _fetch_split(
        self,
        resource: str,
        field: str,
        ids: list[int],
        failures: dict[int, str],
        budget: list[int],
    ) -> list[dict[str, Any]]:
        """One batched read; when the shop cannot answer it, halve the batch to find the
        product(s) that break it (within a small request budget) and report them."""
        try:
            return self._list(resource, Query().display("full").where_in(field, ids))
        except _SPLITTABLE as exc:
            if len(ids) == 1:
                failures[ids[0]] = f"{exc.code}: {exc.shop_message}"
                return []
            if budget[0] < 2:
                raise
            budget[0] -= 2
            middle = len(ids) // 2
            return self._fetch_split(resource, field, ids[:middle], failures, budget) + self._fetch_split(
                resource, field, ids[middle:], failures, budget
            )

    def _keep_stock_row(self, stock: dict[int, dict[int, dict[str, Any]]], record: dict[str, Any]) -> None:
        product_id = _safe_int(record.get("id_product"))
        if not product_id:
            return
        attribute = _safe_int(record.get("id_product_attribute")) or 0
        known = stock[product_id].get(attribute)
        preferred = self._shop_id is not None and _safe_int(record.get("id_shop")) == self._shop_id
        if known is None or preferred:
            stock[product_id][attribute] = record

    def _load_options(self, value_ids: set[int]) -> None:
        missing = sorted(value_ids - self._options.keys())
        if not missing:
            return
        for record in self._list_by(
            "product_option_values", "id", missing, Query().display("full"), max_items=self._related_batch * 5
        ):
            try:
                value_id, option, _position = translate.option_value(record, self._language_id)
            except (RecordError, ValueError):
                continue
            self._options[value_id] = option

    def _rates_for(self, groups: set[int]) -> dict[int, Decimal | None]:
        """Tax rate (percent) per tax rules group in the shop's default country; None = unknown.

        Gross prices are a convenience: when the key may not read taxes the lookup is given up
        for this instance and prices stay net only.
        """
        missing = groups - self._tax_rates.keys()
        if missing and not self._tax_lookup_broken:
            try:
                self._load_tax_rates(missing)
            except ShopPermanentError as exc:
                logger.info("tax rates unavailable (%s); gross prices left empty", exc.code)
                self._tax_lookup_broken = True
            except ShopTransientError as exc:
                logger.info("tax rates unavailable for now (%s)", exc.code)
        return {g: self._tax_rates.get(g) for g in groups}

    def _load_tax_rates(self, groups: set[int]) -> None:
        if self._country_id is None:
            config = self._configuration(("PS_COUNTRY_DEFAULT",))
            self._country_id = _safe_int(config.get("PS_COUNTRY_DEFAULT")) or 0
        rules = self._list(
            "tax_rules",
            Query()
            .display("full")
            .where_in("id_tax_rules_group", sorted(groups))
            .where("id_country", self._country_id),
        )
        tax_by_group: dict[int, int] = {}
        for rule in sorted(rules, key=lambda r: (_safe_int(r.get("id_state")) or 0, _safe_int(r.get("id")) or 0)):
            group = _safe_int(rule.get("id_tax_rules_group"))
            tax_id = _safe_int(rule.get("id_tax"))
            if group and group not in tax_by_group and (_safe_int(rule.get("id_state")) or 0) == 0:
                tax_by_group[group] = tax_id or 0
        rates: dict[int, Decimal] = {}
        tax_ids = {t for t in tax_by_group.values() if t}
        if tax_ids:
            for tax in self._list_by("taxes", "id", tax_ids, Query().display("full")):
                tax_id = _safe_int(tax.get("id"))
                if tax_id:
                    active = as_bool(tax.get("active")) if "active" in tax else True
                    rates[tax_id] = as_decimal(tax.get("rate"), "rate") if active else Decimal(0)
        for group in groups:
            tax_id = tax_by_group.get(group)
            if tax_id is None:
                self._tax_rates[group] = Decimal(0)  # no rule for the country: no tax
            else:
                self._tax_rates[group] = rates.get(tax_id, Decimal(0)) if tax_id else Decimal(0)

    # --- stock -------------------------------------------------------------------------------------

    def read_stock_rows(self, product_ids: Sequence[int]) -> StockRowBatch:
        wanted: dict[int, dict[str, Any]] = {int(i): {} for i in product_ids if int(i) > 0}
        failures: dict[int, str] = {}
        rows = self._read_stock_rows(wanted, failures, [16])
        return StockRowBatch(
            rows=[
                ShopStockRow(
                    product_id=product_id,
                    variant_id=variant_id,
                    stock_id=as_int(record.get("id"), "stock_availables.id"),
                    quantity=as_int(record.get("quantity"), "quantity"),
                )
                for product_id, by_variant in sorted(rows.items())
                for variant_id, record in sorted(by_variant.items())
            ],
            failures=[ProductFailure(product_id=p, reason=r) for p, r in sorted(failures.items())],
        )

    def read_stock(self, stock_ids: Sequence[int]) -> dict[int, int]:
        out: dict[int, int] = {}
        for record in self._list_by("stock_availables", "id", stock_ids, Query().display(["id", "quantity"])):
            stock_id = _safe_int(record.get("id"))
            if stock_id:
                out[stock_id] = as_int(record.get("quantity"), "quantity")
        return out

    def push_stock(self, updates: Sequence[StockUpdate]) -> list[StockPushOutcome]:
        latest: dict[int, int] = {}
        for update in updates:
            latest[update.stock_id] = update.quantity
        order = list(dict.fromkeys(u.stock_id for u in updates))
        outcomes: dict[int, StockPushOutcome] = {}
        fatal: ShopError | None = None
        for chunk in chunked(order, _STOCK_BATCH):
            rows = [(sid, latest[sid]) for sid in chunk]
            if fatal is not None:
                for sid, qty in rows:
                    outcomes[sid] = _failed(sid, qty, fatal)
                continue
            fatal = self._push_rows(rows, outcomes)
        return [outcomes[sid] for sid in order]

    def _push_rows(self, rows: list[tuple[int, int]], outcomes: dict[int, StockPushOutcome]) -> ShopError | None:
        """Write ``rows``; record an outcome for each. Returns an error that dooms every later row
        (bad key, no permission, webservice off...) so the caller stops trying."""
        pending = rows
        rounds = 0
        while pending:
            rounds += 1
            try:
                missing = self._write_stock(pending)
            except _GLOBAL_ERRORS as exc:
                for sid, qty in pending:
                    outcomes[sid] = _failed(sid, qty, exc)
                return exc
            except ShopError as exc:
                if rounds > len(rows) + 2:
                    for sid, qty in pending:
                        outcomes[sid] = _failed(sid, qty, exc)
                    return None
                remaining = self._after_failed_write(pending, exc, outcomes)
                if remaining is None:
                    return None
                pending = remaining
                continue
            for sid, qty in pending:
                if sid in missing:
                    outcomes[sid] = _not_found(sid, qty)
                else:
                    outcomes[sid] = StockPushOutcome(stock_id=sid, ok=True, quantity=qty)
            return None
        return None

    def _after_failed_write(
        self, pending: list[tuple[int, int]], error: ShopError, outcomes: dict[int, StockPushOutcome]
    ) -> list[tuple[int, int]] | None:
        """Find out what a failed multi-row write did; return the rows still to send (or None when
        everything has an outcome). PrestaShop saves nodes in order and stops at the first bad
        one, so after a re-read the first row not at its target is the one that broke it."""
        try:
            current = self.read_stock([sid for sid, _ in pending])
        except ShopError:
            for sid, qty in pending:
                outcomes[sid] = _failed(sid, qty, error)
            return None
        still, vanished = _explain_by_reread(pending, current, outcomes)
        if not still:
            return None
        if vanished:
            return still
        return self._after_unexplained_failure(still, error, outcomes)

    def _after_unexplained_failure(
        self, still: list[tuple[int, int]], error: ShopError, outcomes: dict[int, StockPushOutcome]
    ) -> list[tuple[int, int]] | None:
        """The rows a failed write left short of their target, none of them gone from the shop:
        return the rows still to send (or None when everything has an outcome)."""
        if isinstance(error, ShopTransientError):
            # The client has already retried within the deadline; leave the rest for later.
            for sid, qty in still:
                outcomes[sid] = _failed(sid, qty, error)
            return None
        if error.shop_codes:
            culprit, qty = still[0]
            outcomes[culprit] = _failed(culprit, qty, error, permanent=True)
            return still[1:]
        # No hint from the shop (e.g. a proxy refusing the body): split the batch.
        if len(still) == 1:
            sid, qty = still[0]
            outcomes[sid] = _failed(sid, qty, error, permanent=True)
            return None
        middle = len(still) // 2
        for half in (still[:middle], still[middle:]):
            if self._push_rows(half, outcomes) is not None:
                break
        for sid, qty in still:
            outcomes.setdefault(sid, _failed(sid, qty, error))
        return None

    def _write_stock(self, rows: list[tuple[int, int]]) -> set[int]:
        """One multi-node write; returns the ids found missing before writing (PUT mode only)."""
        if self._stock_mode == "patch" and not self._is_legacy():
            body = xml_body("stock_available", [{"id": sid, "quantity": qty} for sid, qty in rows])
            try:
                self._write("PATCH", "stock_availables", body, idempotent=True)
                return set()
            except (ShopPermissionError, ShopMethodNotSupportedError) as exc:
                if not _method_refused(exc):
                    raise
                logger.info("PATCH refused (%s); writing stock with full-record PUT", exc.shop_codes)
                self._stock_mode = "put"
        current = {
            _safe_int(r.get("id")) or 0: r
            for r in self._list_by("stock_availables", "id", [sid for sid, _ in rows], Query().display("full"))
        }
        nodes = []
        for sid, qty in rows:
            record = current.get(sid)
            if record is None:
                continue
            full = {k: v for k, v in record.items() if k != "associations"}
            full["id"] = sid
            full["quantity"] = qty
            nodes.append(full)
        if nodes:
            self._write("PUT", "stock_availables", xml_body("stock_available", nodes), idempotent=True)
        return {sid for sid, _ in rows if sid not in current}

    def _write(self, method: str, path: str, body: bytes, *, idempotent: bool) -> ShopResponse:
        """PUT / PATCH, tunnelled as ``POST ?ps_method=…`` when a firewall blocks the method."""
        if not self._tunnel_writes:
            try:
                return self._client.request(method, path, body=body, idempotent=idempotent, output="auto")
            except ShopBlockedError:
                logger.info("%s blocked before reaching the webservice; tunnelling as POST", method)
                self._tunnel_writes = True
        return self._client.request(
            "POST", path, Query().param("ps_method", method), body=body, idempotent=idempotent, output="auto"
        )


# --- module helpers -----------------------------------------------------------------------------


# order field -> the resource it refers to
_ORDER_REFERENCES = (
    ("id_customer", "customers"),
    ("id_address_delivery", "addresses"),
    ("id_address_invoice", "addresses"),
    ("id_carrier", "carriers"),
    ("id_currency", "currencies"),
)


def _order_references(records: Sequence[Mapping[str, Any]]) -> tuple[list[int], dict[str, set[int]]]:
    """The ids of the readable orders, and by resource the ids of the customers, addresses,
    carriers and currencies they refer to."""
    order_ids: list[int] = []
    referenced: dict[str, set[int]] = {resource: set() for _, resource in _ORDER_REFERENCES}
    for record in records:
        try:
            order_ids.append(as_int(record.get("id"), "id"))
        except RecordError:
            continue
        for field, resource in _ORDER_REFERENCES:
            value = _safe_int(record.get(field))
            if value:
                referenced[resource].add(value)
    return order_ids, referenced


def _singular(plural: str) -> str:
    irregular = {
        "addresses": "address",
        "order_histories": "order_history",
        "currencies": "currency",
        "taxes": "tax",
        "categories": "category",
        "countries": "country",
    }
    if plural in irregular:
        return irregular[plural]
    return plural[:-1] if plural.endswith("s") else plural


def _safe_int(value: Any) -> int | None:
    try:
        return as_opt_int(value)
    except RecordError:
        return None


def _has_association(record: Mapping[str, Any], name: str) -> bool:
    assoc = record.get("associations")
    return isinstance(assoc, dict) and bool(assoc.get(name))


def _association_ids(record: Mapping[str, Any], name: str) -> list[int]:
    assoc = record.get("associations")
    if not isinstance(assoc, dict):
        return []
    items = assoc.get(name) or []
    if isinstance(items, dict):
        items = [items]
    return [i for i in (_safe_int(x.get("id")) for x in items if isinstance(x, dict)) if i]


def _method_refused(exc: ShopError) -> bool:
    """405 code 25 (method not granted to the key) or 23/101 (method unknown: PrestaShop 1.7)."""
    if isinstance(exc, ShopMethodNotSupportedError):
        return True
    return exc.http_status == 405 and PROFILE.error_for(405, exc.shop_codes) is ShopPermissionError


def _created_id(response: ShopResponse, singular: str) -> int:
    payload = response.payload
    if isinstance(payload, Element):
        records = records_from_xml(payload, singular + "s", singular)
    else:
        records = records_from_json(payload, singular + "s", singular)
    if not records:
        raise ShopResponseError(f"the shop did not return the created {singular}")
    return as_int(records[0].get("id"), "id")


def _failed(sid: int, qty: int, error: ShopError, *, permanent: bool | None = None) -> StockPushOutcome:
    return StockPushOutcome(
        stock_id=sid,
        ok=False,
        quantity=qty,
        error_code=error.code,
        message=error.shop_message,
        permanent=(not error.retryable) if permanent is None else permanent,
    )


def _explain_by_reread(
    pending: list[tuple[int, int]], current: Mapping[int, int], outcomes: dict[int, StockPushOutcome]
) -> tuple[list[tuple[int, int]], bool]:
    """Record the outcome of each row the re-read ``current`` quantities explain (gone from the
    shop, or at its target); returns the other rows and whether any row was gone."""
    still: list[tuple[int, int]] = []
    vanished = False
    for sid, qty in pending:
        if sid not in current:
            outcomes[sid] = _not_found(sid, qty)
            vanished = True
        elif current[sid] == qty:
            outcomes[sid] = StockPushOutcome(stock_id=sid, ok=True, quantity=qty)
        else:
            still.append((sid, qty))
    return still, vanished


def _not_found(sid: int, qty: int) -> StockPushOutcome:
    return StockPushOutcome(
        stock_id=sid,
        ok=False,
        quantity=qty,
        error_code="not_found",
        message="the stock row no longer exists in the shop",
        permanent=True,
    )
