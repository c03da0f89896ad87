"""The Kramik connector: the core's :class:`~shophub.connectors.base.Connector` over a
:class:`~tests.support.fake_platform.shop.KramikShop`, one counted request per call."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time
from decimal import Decimal

from shophub.domain.shop import (
    ConnectionInfo,
    OrderCursor,
    OrderPage,
    ProductFailure,
    ProductListFilter,
    ProductSummary,
    ShopCarrier,
    ShopCurrency,
    ShopCustomer,
    ShopDiscovery,
    ShopInfo,
    ShopOrder,
    ShopOrderLine,
    ShopOrderState,
    ShopOrderTotals,
    ShopPaymentModule,
    ShopStockRow,
    ShopVariant,
    StockPushOutcome,
    StockRowBatch,
    StockUpdate,
    VariantBatch,
)
from shophub.errors import FieldProblem, ShopError, ShopUnreachableError, ValidationError
from tests.support.fake_platform.profile import PLATFORM, PROFILE
from tests.support.fake_platform.shop import SHIPPING_PROFILES, STATUSES, KramikShop, Sale, Sku, shops

VAT = Decimal("1.23")


class KramikConnector:
    platform = PLATFORM

    def __init__(self, shop_url: str, api_key: str) -> None:
        self.shop_url = shop_url.rstrip("/")
        self.api_key = api_key
        self.requests = 0

    @property
    def request_count(self) -> int:
        return self.requests

    def close(self) -> None:
        pass

    # --- the wire ---------------------------------------------------------------------------------

    def _call(self, scope: str | None = None, method: str = "READ") -> KramikShop:
        """One request: the shop, after its key and the scope were checked as the shop does."""
        self.requests += 1
        shop = shops.get(self.shop_url)
        if shop is None:
            raise ShopUnreachableError("no Kramik shop answers at this address")
        shop.requests += 1
        if self.api_key != shop.key:
            raise self._error(401, "E_KEY_UNKNOWN")
        if scope is not None and method not in shop.scopes.get(scope, set()):
            raise self._error(403, "E_SCOPE")
        return shop

    @staticmethod
    def _error(status: int, code: str) -> ShopError:
        error = PROFILE.error_for(status, [code]) or ShopError
        return error(f"Kramik answered {status} {code}", http_status=status, shop_codes=(code,))

    # --- account ----------------------------------------------------------------------------------

    def check_connection(self) -> ConnectionInfo:
        shop = self._call()
        permissions = {scope: frozenset(methods) for scope, methods in shop.scopes.items() if methods}
        essential, optional = PROFILE.missing_permissions(permissions)
        return ConnectionInfo(
            platform=PLATFORM,
            shop_version="Kramik 3",
            shop_name="Kramik: koszulki",
            permissions=permissions,
            missing_permissions=essential + optional,
            optional_missing=optional,
        )

    def discover(self, recent_orders: int = 1000) -> ShopDiscovery:
        shop = self._call("sales")
        recent = sorted(shop.sales.values(), key=lambda s: s.id)[-recent_orders:]
        payments: dict[str, int] = {}
        for sale in recent:
            payments[sale.payment] = payments.get(sale.payment, 0) + 1
        return ShopDiscovery(
            order_states=[
                ShopOrderState(id=sid, name=name, paid=sid == 120, shipped=sid == 130)
                for sid, (name, _) in STATUSES.items()
            ],
            carriers=[
                ShopCarrier(carrier_key=key, id=version, name=name)
                for key, (version, name) in SHIPPING_PROFILES.items()
            ],
            payment_modules=[
                ShopPaymentModule(module=m, name="Kramik Pay", orders=n, labels=["Kramik Pay"])
                for m, n in payments.items()
            ],
            timezone="Europe/Warsaw",
            shops=[ShopInfo(id=1, name="Kramik: koszulki")],
            currencies=[ShopCurrency(id=1, iso_code="PLN", name="złoty", conversion_rate=Decimal(1))],
            analyzed_orders=len(recent),
        )

    # --- orders -----------------------------------------------------------------------------------

    def list_order_changes(
        self, since: datetime, until: datetime | None = None, *, after: OrderCursor | None = None, limit: int = 100
    ) -> OrderPage:
        shop = self._call("sales")
        start = (after.updated_at, after.id) if after else None
        changed = sorted(
            (s for s in shop.sales.values() if since <= s.updated_at and (until is None or s.updated_at <= until)),
            key=lambda s: (s.updated_at, s.id),
        )
        fresh = [s for s in changed if start is None or (s.updated_at, s.id) > start]
        page = fresh[:limit]
        if not page:
            return OrderPage(next_after=after)
        last = page[-1]
        return OrderPage(
            orders=[self._order(s) for s in page],
            next_after=OrderCursor(updated_at=last.updated_at, id=last.id),
            has_more=len(fresh) > limit,
        )

    def fetch_orders(self, ids: Sequence[int]) -> list[ShopOrder]:
        shop = self._call("sales")
        return [self._order(shop.sales[i]) for i in sorted(set(ids)) if i in shop.sales]

    def set_order_state(self, shop_order_id: int, state_id: int, *, notify_customer: bool = False) -> bool:
        shop = self._call("sales", "WRITE")
        sale = shop.sales[shop_order_id]
        if sale.status == state_id:
            return False
        shop.set_status(sale, state_id)
        return True

    def set_tracking_number(self, shop_order_id: int, number: str) -> bool:
        if not PROFILE.tracking.accepts(number):
            problem = f"1-{PROFILE.tracking.max_length} capital letters and digits"
            raise ValidationError("invalid tracking number", details=[FieldProblem("tracking_number", problem)])
        sale = self._call("fulfilment", "WRITE").sales[shop_order_id]
        if sale.tracking == number:
            return False
        sale.tracking = number
        return True

    def post_order_message(self, shop_order_id: int, text: str) -> int:
        sale = self._call("sales", "WRITE").sales[shop_order_id]
        sale.notes.append(text)
        return len(sale.notes)

    @staticmethod
    def _order(sale: Sale) -> ShopOrder:
        gross = sum((line.sku.price * line.quantity for line in sale.lines), Decimal(0))
        version, _ = SHIPPING_PROFILES[sale.shipping_profile]
        return ShopOrder(
            id=sale.id,
            reference=sale.number,
            current_state=sale.status,
            payment_module=sale.payment,
            payment_name="Kramik Pay",
            carrier_id=version,
            carrier_reference=sale.shipping_profile,
            currency="PLN",
            valid=not STATUSES[sale.status][1],
            shipping_number=sale.tracking,
            created_at=sale.updated_at,
            updated_at=sale.updated_at,
            totals=ShopOrderTotals(paid_gross=gross, paid_net=(gross / VAT).quantize(Decimal("0.01"))),
            lines=[
                ShopOrderLine(
                    id=line.id,
                    product_id=line.sku.item_id,
                    variant_id=line.sku.id,
                    name=line.sku.name,
                    quantity=line.quantity,
                    identifiers=_identifiers(line.sku),
                    unit_price_gross=line.sku.price,
                    unit_price_net=(line.sku.price / VAT).quantize(Decimal("0.01")),
                )
                for line in sale.lines
            ],
            customer=ShopCustomer(id=1, firstname="Ala", lastname="Nowak", email="ala@example.com"),
        )

    # --- catalogue and stock ----------------------------------------------------------------------

    def list_products(self, filters: ProductListFilter, *, after_id: int = 0, limit: int = 500) -> list[ProductSummary]:
        shop = self._call("catalog")
        since = filters.date_from
        if isinstance(since, date) and not isinstance(since, datetime):
            since = datetime.combine(since, time(), tzinfo=shop.now.tzinfo)
        found = [
            ProductSummary(id=item.id, name=item.name, active=True, updated_at=item.updated_at)
            for item in sorted(shop.items.values(), key=lambda i: i.id)
            if item.id > after_id
            and (filters.id_from is None or item.id >= filters.id_from)
            and (filters.id_to is None or item.id <= filters.id_to)
            and (filters.ids is None or item.id in filters.ids)
            and (since is None or item.updated_at >= since)
        ]
        return found[:limit]

    def fetch_variants(self, product_ids: Sequence[int], *, with_stock: bool = True) -> VariantBatch:
        shop = self._call("catalog")
        if with_stock:
            self._call("inventory")
        variants: list[ShopVariant] = []
        failures: list[ProductFailure] = []
        for item_id in product_ids:
            item = shop.items.get(item_id)
            if item is None:
                failures.append(ProductFailure(product_id=item_id, reason="not_found: no such item"))
                continue
            variants += [self._variant(shop, item.name, sku, with_stock) for sku in item.skus]
        return VariantBatch(variants=variants, failures=failures)

    @staticmethod
    def _variant(shop: KramikShop, item_name: str, sku: Sku, with_stock: bool) -> ShopVariant:
        return ShopVariant(
            product_id=sku.item_id,
            variant_id=sku.id,
            name=sku.name,
            product_name=item_name,
            variant_name=sku.name.removeprefix(item_name).strip(),
            identifiers=_identifiers(sku),
            price_net=(sku.price / VAT).quantize(Decimal("0.01")),
            price_gross=sku.price,
            stock_id=sku.slot_id,
            quantity=shop.slots[sku.slot_id] if with_stock else None,
        )

    def read_stock_rows(self, product_ids: Sequence[int]) -> StockRowBatch:
        shop = self._call("inventory")
        rows = [
            ShopStockRow(product_id=s.item_id, variant_id=s.id, stock_id=s.slot_id, quantity=shop.slots[s.slot_id])
            for item_id in product_ids
            if item_id in shop.items
            for s in shop.items[item_id].skus
        ]
        return StockRowBatch(rows=rows)

    def read_stock(self, stock_ids: Sequence[int]) -> dict[int, int]:
        shop = self._call("inventory")
        return {i: shop.slots[i] for i in stock_ids if i in shop.slots}

    def push_stock(self, updates: Sequence[StockUpdate]) -> list[StockPushOutcome]:
        shop = self._call("inventory", "WRITE")
        latest = {u.stock_id: u.quantity for u in updates}
        return [self._write_slot(shop, slot, quantity) for slot, quantity in latest.items()]

    @staticmethod
    def _write_slot(shop: KramikShop, slot: int, quantity: int) -> StockPushOutcome:
        if slot not in shop.slots:
            return StockPushOutcome(stock_id=slot, ok=False, quantity=quantity, error_code="not_found", permanent=True)
        if not 0 <= quantity <= PROFILE.max_stock_quantity:
            return StockPushOutcome(
                stock_id=slot, ok=False, quantity=quantity, error_code="E_QTY_RANGE", permanent=True
            )
        shop.slots[slot] = quantity
        return StockPushOutcome(stock_id=slot, ok=True, quantity=quantity)


def _identifiers(sku: Sku) -> dict[str, str]:
    return {"gtin": sku.gtin, "sku": sku.sku, "mpn": sku.mpn}
