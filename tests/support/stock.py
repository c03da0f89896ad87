"""Building blocks of the stock tests: accounts, products, offers, templates and settings written
straight to the table, the simulator as the shop, and a pusher run from the messages really
queued on ``StockQueue``."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from local.prestashop import ShopSimulator, SimulatorConfig
from local.stack.events import LambdaContext, sqs_event
from shophub.domain.accounts import Account
from shophub.domain.catalog import HubProduct, Offer
from shophub.domain.config import OrderSettings, ProductSettings, Template, TemplateSync
from shophub.ids import new_id
from shophub.store import keys
from tests.support.aws import TestStack

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
SHOP_KEY = "STOCKTESTKEY00000000000000000001"
STOCK_QUEUE = "StockQueue"


def start_shop(products: int = 10, combinations: int = 2, *, key: str = SHOP_KEY, seed: int = 1) -> ShopSimulator:
    sim = ShopSimulator(SimulatorConfig(key=key, products=products, combinations=combinations, orders=0, seed=seed))
    sim.start()
    return sim


def stock_rows(sim: ShopSimulator) -> list[dict[str, Any]]:
    """The simulator's stock rows of combinations (one per variant), by id."""
    rows = [dict(r) for r in sim.data.tables["stock_availables"] if int(r["id_product_attribute"]) != 0]
    return sorted(rows, key=lambda r: int(r["id"]))


def shop_quantity(sim: ShopSimulator, stock_id: int) -> int:
    return int(sim.data.stock_row(stock_id)["quantity"])


@dataclass
class Link:
    """A hub product linked to one simulator stock row."""

    account_id: str
    product_id: int
    shop_product_id: int
    shop_variant_id: int
    stock_id: int

    @property
    def ref(self) -> str:
        return keys.offer_ref(self.account_id, self.shop_product_id, self.shop_variant_id)


@dataclass
class ShopAccount:
    account: Account
    sim: ShopSimulator
    template_id: str
    links: list[Link] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.account.id


def create_account(
    stack: TestStack,
    tenant_id: str,
    sim: ShopSimulator,
    *,
    update_stock: bool = True,
    sync_stock: bool = True,
    status: str = "connected",
    name: str = "Sklep",
) -> ShopAccount:
    """An account of ``tenant_id`` for ``sim`` with its key in SSM, order settings and one
    (default) template."""
    container = stack.container
    account_id = new_id()
    template_id = new_id()
    secret_ref = container.secrets.put(account_id, sim.key)
    account = Account(
        id=account_id,
        tenant_id=tenant_id,
        name=name,
        shop_url=sim.url,
        secret_ref=secret_ref,
        key_last4=sim.key[-4:],
        status=status,  # type: ignore[arg-type]
        default_template_id=template_id,
        created_at=NOW,
        updated_at=NOW,
    )
    template = Template(id=template_id, name="Domyślny", sync=TemplateSync(stock=sync_stock), created_at=NOW)
    settings = OrderSettings(products=ProductSettings(update_stock=update_stock))
    stack.table.batch_write(
        [
            {"PK": keys.tenant_pk(tenant_id), "SK": keys.account_sk(account_id), **account.model_dump(mode="json")},
            {
                "PK": keys.account_pk(account_id),
                "SK": keys.template_sk(template_id),
                **template.model_dump(mode="json"),
            },
            {"PK": keys.account_pk(account_id), "SK": keys.ORDER_SETTINGS_SK, **settings.model_dump(mode="json")},
        ]
    )
    return ShopAccount(account, sim, template_id)


def add_template(stack: TestStack, account: ShopAccount, *, sync_stock: bool) -> str:
    template = Template(id=new_id(), name="Inny", sync=TemplateSync(stock=sync_stock), created_at=NOW)
    stack.table.put(
        {"PK": keys.account_pk(account.id), "SK": keys.template_sk(template.id), **template.model_dump(mode="json")}
    )
    return template.id


def create_products(
    stack: TestStack,
    tenant_id: str,
    product_ids: Iterable[int],
    *,
    stock: int = 0,
    offer_refs: dict[int, list[str]] | None = None,
) -> None:
    """Hub products at version 0; ``offer_refs`` gives products their ``offer_keys``."""
    items = []
    for pid in product_ids:
        product = HubProduct(id=pid, tenant_id=tenant_id, name=f"Produkt {pid}", stock=stock, created_at=NOW)
        if offer_refs is not None:
            product = product.model_copy(update={"offer_keys": offer_refs.get(pid, [])})
        items.append({"PK": keys.tenant_pk(tenant_id), "SK": keys.product_sk(pid), **product.model_dump(mode="json")})
    stack.table.batch_write(items)


def link_rows(
    stack: TestStack,
    tenant_id: str,
    account: ShopAccount,
    pairs: Sequence[tuple[int, dict[str, Any]]],
    *,
    template_id: str | None = None,
    pushed_quantity: int | None = None,
) -> list[Link]:
    """Offers linking hub products to simulator stock rows (``(product id, stock row)`` pairs),
    written the way the catalogue writes them (GSI1 keys included)."""
    items = []
    links = []
    for product_id, row in pairs:
        link = Link(account.id, product_id, int(row["id_product"]), int(row["id_product_attribute"]), int(row["id"]))
        offer = Offer(
            tenant_id=tenant_id,
            account_id=account.id,
            hub_product_id=product_id,
            shop_product_id=link.shop_product_id,
            shop_variant_id=link.shop_variant_id,
            stock_ref=link.stock_id,
            template_id=template_id if template_id is not None else account.template_id,
            pushed_quantity=pushed_quantity,
            linked_at=NOW,
        )
        items.append(
            {
                "PK": keys.account_pk(account.id),
                "SK": keys.offer_sk(link.shop_product_id, link.shop_variant_id),
                "GSI1PK": keys.product_offers_gsi1pk(tenant_id, product_id),
                "GSI1SK": keys.product_offers_gsi1sk(account.id, link.shop_product_id, link.shop_variant_id),
                **offer.model_dump(mode="json"),
            }
        )
        links.append(link)
    stack.table.batch_write(items)
    account.links.extend(links)
    return links


def hub_product(stack: TestStack, tenant_id: str, product_id: int) -> dict[str, Any]:
    item = stack.table.get(keys.tenant_pk(tenant_id), keys.product_sk(product_id), consistent=True)
    assert item is not None
    return item


def offer_item(stack: TestStack, link: Link) -> dict[str, Any]:
    item = stack.table.get(
        keys.account_pk(link.account_id), keys.offer_sk(link.shop_product_id, link.shop_variant_id), consistent=True
    )
    assert item is not None
    return item


# --- the queue -------------------------------------------------------------------------------------


def queued(stack: TestStack, *, delete: bool = True) -> list[dict[str, Any]]:
    """Every message on StockQueue, in queue order (removed from the queue unless ``delete`` is
    False: then they are visible again)."""
    sqs = stack.container.sqs
    url = stack.queue_url(STOCK_QUEUE)
    messages: list[dict[str, Any]] = []
    while True:
        got = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=60, MessageSystemAttributeNames=["All"]
        ).get("Messages", [])
        if not got:
            break
        messages.extend(got)
    for start in range(0, len(messages), 10):
        entries = [
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages[start : start + 10])
        ]
        if delete:
            sqs.delete_message_batch(QueueUrl=url, Entries=entries)
        else:
            sqs.change_message_visibility_batch(QueueUrl=url, Entries=[{**e, "VisibilityTimeout": 0} for e in entries])
    return messages


def bodies(messages: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    return [json.loads(m["Body"]) for m in messages]


def run_pusher(stack: TestStack, messages: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """One stock pusher invocation with these messages as its SQS batch."""
    from functions.stock_pusher import handler as pusher  # imported with the stack's environment

    event = sqs_event(list(messages), stack.queue_arn(STOCK_QUEUE))
    answer: dict[str, Any] = pusher.handler(event, LambdaContext("StockPusherFunction", timeout_seconds=120))
    return answer


def failed_ids(answer: dict[str, Any]) -> list[str]:
    return sorted(item["itemIdentifier"] for item in answer.get("batchItemFailures", []))


def stock_reports(stack: TestStack, account_id: str) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """Every stock report of the account (oldest first) with its entries, read from the table."""
    found = []
    for item in stack.table.query(keys.account_pk(account_id), sk_prefix=keys.REPORT_PREFIX):
        if item.get("type") != "stock":
            continue
        entries = [e for e in stack.table.query(keys.report_pk(str(item["id"])), sk_prefix=keys.ENTRY_PREFIX)]
        found.append((item, entries))
    return found
