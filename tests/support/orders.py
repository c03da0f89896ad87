"""Shared set-up of the order tests: a simulated shop connected to a hub account with complete
mappings and order settings, written straight into the moto table (no other area's routes)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from local.prestashop import ShopSimulator, SimulatorConfig
from local.stack.events import LambdaContext, sqs_event
from shophub import wiring
from shophub.connectors import build_connector
from shophub.domain.accounts import Account
from shophub.domain.catalog import HubProduct, Offer
from shophub.domain.config import OrderSettings, SyncSettings
from shophub.domain.orders import HubOrder
from shophub.ids import new_id
from shophub.store import keys
from shophub.store.catalog import CatalogRepository
from tests.support.aws import TestStack

TENANT = "tenant-a"
OTHER_TENANT = "tenant-b"
#: Shop states of the simulator (PrestaShop's defaults) and where the tests map them.
STATE_MAP = {
    "1": "oczekuje-na-platnosc",
    "10": "oczekuje-na-platnosc",
    "13": "oczekuje-na-platnosc",
    "2": "w-realizacji",
    "3": "w-realizacji",
    "4": "wyslane",
    "5": "dostarczone",
    "6": "anulowane",
}
PAYMENT_MAP = {"ps_checkpayment": "czek", "ps_wirepayment": "przelew", "ps_cashondelivery": "pobranie"}
CARRIER_MAP = {"1": "odbior-osobisty", "2": "kurier", "4": "paczkomat", "6": "kurier"}
LANDING = "nowe"
UPDATE_STATUSES = ["nowe", "oczekuje-na-platnosc", "w-realizacji"]


class TestContainer(wiring.Container):
    """The real container, except that shop retries do not sleep (tests stay fast) and the
    clock can be moved."""

    __test__ = False  # not a test class, despite the name

    __test__ = False

    def __init__(self, *, timeout: float | None = None) -> None:
        self.offset = timedelta(0)
        super().__init__(clock=lambda: datetime.now(UTC) + self.offset)
        self.shop_timeout = timeout

    def connector_for(self, account: Any, *, deadline: Callable[[], float] | None = None) -> Any:
        import httpx

        options: dict[str, Any] = {"sleep": lambda _seconds: None}
        if self.shop_timeout is not None:
            options["timeout"] = httpx.Timeout(self.shop_timeout)
        return build_connector(
            account.platform,
            account.shop_url,
            self.secrets.get(account.secret_ref),
            timezone=account.timezone,
            deadline=deadline,
            allow_local=True,
            **options,
        )


@dataclass
class Shop:
    """One simulated shop connected to one hub account."""

    sim: ShopSimulator
    account: Account
    container: TestContainer
    settings: OrderSettings = field(default_factory=OrderSettings)

    @property
    def account_id(self) -> str:
        return self.account.id

    def stored_orders(self) -> list[HubOrder]:
        items = self.container.table.query(keys.account_pk(self.account.id), sk_prefix=keys.ORDER_PREFIX)
        return [HubOrder.model_validate(i) for i in items]

    def stored_order(self, shop_order_id: int) -> HubOrder:
        order = self.container.order_repository.get(self.account.id, shop_order_id, consistent=True)
        assert order is not None, f"order {shop_order_id} was not imported"
        return order

    def set_settings(self, **changes: Any) -> OrderSettings:
        current = self.container.config_repository.get_order_settings(self.account.id, consistent=True)
        merged = current.model_copy(update=changes)
        self.settings = self.container.config_repository.save_order_settings(
            self.account.tenant_id, self.account.id, merged, expected_version=current.version, at=datetime.now(UTC)
        )
        return self.settings

    def poll(self, *, attempt: int = 1, reason: str = "manual") -> Any:
        from shophub.domain.orders import PollOrdersJob

        job = PollOrdersJob(tenant_id=self.account.tenant_id, account_id=self.account.id, reason=reason)  # type: ignore[arg-type]
        return self.container.order_poll_service.poll(job, attempt=attempt, deadline=lambda: 100.0)

    def link(
        self,
        shop_product_id: int,
        shop_combination_id: int,
        *,
        stock: int,
        product_id: int | None = None,
        stock_taken_at: datetime | None = None,
        shop_stock: int | None = None,
    ) -> int:
        """A hub product (created with ``stock`` unless ``product_id`` names one) linked to this
        shop's variant. With ``shop_stock`` the link took the shop's stock figure (the shop row is
        set to it and the offer records it as the shop's figure, as an import with stock does)."""
        catalog: CatalogRepository = self.container.catalog
        now = datetime.now(UTC)
        if product_id is None:
            product_id = catalog.allocate_product_ids(self.account.tenant_id, 1)[0]
            catalog.create_product(
                HubProduct(
                    id=product_id,
                    tenant_id=self.account.tenant_id,
                    name=f"P{product_id}",
                    stock=stock,
                    stock_version=1,
                    created_at=now,
                )
            )
        if shop_stock is not None:
            self.sim.data.set_stock(shop_product_id, shop_combination_id, shop_stock)
        catalog.put_offer(
            Offer(
                tenant_id=self.account.tenant_id,
                account_id=self.account.id,
                hub_product_id=product_id,
                shop_product_id=shop_product_id,
                shop_variant_id=shop_combination_id,
                stock_ref=self.sim.data.stock_row_for(shop_product_id, shop_combination_id)["id"],
                stock_taken_at=stock_taken_at or (now - timedelta(hours=1) if shop_stock is not None else None),
                pushed_quantity=shop_stock,
                pushed_version=1 if shop_stock is not None else None,
                linked_at=now,
            )
        )
        return product_id

    def sync_stock(self) -> None:
        """Push hub stock to this shop: a default template that syncs stock, ``update_stock`` on."""
        from shophub.domain.config import Template

        template = Template(id=new_id(), name="Default", created_at=datetime.now(UTC))
        self.container.template_repository.create_as_default(self.account.tenant_id, self.account.id, template)
        products = self.settings.products.model_copy(update={"update_stock": True})
        self.set_settings(products=products)


def connect_shop(
    stack: TestStack,
    container: TestContainer,
    *,
    tenant_id: str = TENANT,
    orders: int = 0,
    products: int = 10,
    combinations: int = 2,
    seed: int = 1,
    created_at: datetime | None = None,
    sync: SyncSettings | None = None,
    fetch_enabled: bool = True,
    timeout_hang_s: float = 5.0,
) -> Shop:
    """Start a simulator and connect it as a hub account with complete mappings and settings."""
    sim = ShopSimulator(
        SimulatorConfig(
            products=products, combinations=combinations, orders=orders, seed=seed, timeout_hang_s=timeout_hang_s
        )
    )
    url = sim.start()
    now = datetime.now(UTC)
    account_id = new_id()
    secret_ref = container.secrets.put(account_id, sim.key)
    account = Account(
        id=account_id,
        tenant_id=tenant_id,
        name=f"Shop {account_id[-4:]}",
        shop_url=url,
        secret_ref=secret_ref,
        key_last4=sim.key[-4:],
        shop_version="8.1.2",
        timezone="Europe/Warsaw",
        discovery_status="done",
        created_at=created_at or now - timedelta(days=400),
        updated_at=now,
    )
    container.accounts.create(account)
    config = container.config_repository
    container.dictionary_repository.ensure_seeded(tenant_id)
    for kind, values in (("PAYMENT", PAYMENT_MAP), ("CARRIER", CARRIER_MAP), ("STATUS", STATE_MAP)):
        config.replace_mappings(account_id, config.get_mapping_set(account_id, kind), values, at=now)
    settings = OrderSettings(
        fetch_enabled=fetch_enabled,
        landing_status=LANDING,
        update_statuses=UPDATE_STATUSES,
        sync=sync or SyncSettings(update_statuses=True),
    )
    saved = config.save_order_settings(tenant_id, account_id, settings, expected_version=0, at=now)
    return Shop(sim=sim, account=account, container=container, settings=saved)


def queued(stack: TestStack, queue: str, max_messages: int = 100) -> list[dict[str, Any]]:
    """Receive (and delete) what a queue holds: ``[{"message": raw, "body": parsed}]``."""
    sqs = stack.container.sqs
    url = stack.queue_url(queue)
    out: list[dict[str, Any]] = []
    while len(out) < max_messages:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"]).get("Messages", [])
        if not got:
            break
        for message in got:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            out.append({"message": message, "body": json.loads(message["Body"])})
    return out


def run_queue(
    stack: TestStack, queue: str, handler: Callable[[dict[str, Any], Any], Any], *, timeout_seconds: int = 120
) -> list[Any]:
    """Deliver everything queued on ``queue`` to ``handler`` (one batch per receive)."""
    answers = []
    while True:
        batch = queued(stack, queue, max_messages=10)
        if not batch:
            return answers
        event = sqs_event([b["message"] for b in batch], stack.queue_arn(queue))
        answers.append(handler(event, LambdaContext("test", timeout_seconds=timeout_seconds)))


def offline_account(
    container: TestContainer,
    *,
    tenant_id: str = TENANT,
    fetch_enabled: bool = True,
    sync: SyncSettings | None = None,
    mappings: bool = True,
) -> Account:
    """A hub account whose shop is never called (for API tests that only read and queue)."""
    now = datetime.now(UTC)
    account_id = new_id()
    account = Account(
        id=account_id,
        tenant_id=tenant_id,
        name="Offline shop",
        shop_url=f"https://{account_id}.shop.example",  # one shop per account (one shop per tenant)
        secret_ref=container.secrets.put(account_id, "K" * 32),
        key_last4="KKKK",
        created_at=now - timedelta(days=30),
        updated_at=now,
    )
    container.accounts.create(account)
    config = container.config_repository
    container.dictionary_repository.ensure_seeded(tenant_id)
    if mappings:
        for kind, values in (("PAYMENT", PAYMENT_MAP), ("CARRIER", CARRIER_MAP), ("STATUS", STATE_MAP)):
            config.replace_mappings(account_id, config.get_mapping_set(account_id, kind), values, at=now)
    settings = OrderSettings(
        fetch_enabled=fetch_enabled and mappings,
        landing_status=LANDING,
        update_statuses=UPDATE_STATUSES,
        sync=sync or SyncSettings(update_statuses=True),
    )
    config.save_order_settings(tenant_id, account_id, settings, expected_version=0, at=now)
    return account


def stored_order(
    container: TestContainer,
    account: Account,
    shop_order_id: int,
    *,
    status: str = LANDING,
    imported_at: datetime | None = None,
    placed_at: datetime | None = None,
    lines: list[tuple[int, int, int, int | None]] | None = None,
) -> HubOrder:
    """An order written straight into the table, as an import would have left it (placed in the
    shop ``placed_at``, by default a minute before it was imported)."""
    from decimal import Decimal

    from shophub.domain.orders import OrderLine, OrderTotals, hub_order_id

    now = imported_at or datetime.now(UTC)
    order = HubOrder(
        id=hub_order_id(account.id, shop_order_id),
        tenant_id=account.tenant_id,
        account_id=account.id,
        shop_order_id=shop_order_id,
        reference=f"REF{shop_order_id:06d}",
        status=status,
        shop_status_id=1,
        payment_method="czek",
        payment_module="ps_checkpayment",
        shipping_method="kurier",
        frozen=status not in UPDATE_STATUSES,
        lines=[
            OrderLine(
                line_id=shop_order_id * 10 + i,
                hub_product_id=hub_id,
                shop_product_id=p,
                shop_variant_id=c,
                name=f"Product {p}",
                quantity=q,
                unit_price_gross=Decimal("12.30"),
                unit_price_net=Decimal("10.00"),
                ean="5901234123457",
                symbol=f"SKU-{p}",
            )
            for i, (p, c, q, hub_id) in enumerate(lines or [(1, 0, 1, None)])
        ],
        totals=OrderTotals(paid_gross=Decimal("20.91"), paid_net=Decimal("17.00"), currency="PLN"),
        shop_created_at=placed_at or now - timedelta(minutes=1),
        shop_updated_at=now - timedelta(minutes=1),
        imported_at=now,
        updated_at=now,
    )
    assert container.order_repository.create(order)
    return order
