"""Shared set-up for the import, linking and catalogue tests (no tests here).

* :class:`ImportWorld`: the moto stack plus a PrestaShop simulator, accounts written directly
  (key in SSM, the simulator as shop, a default template, an optional field mapping), API
  clients per tenant, and a small queue driver that feeds ``ImportQueue`` messages to the
  importer handler as SQS events (honouring ``batchItemFailures``).
* :class:`SerialClient`: a DynamoDB client whose calls run one at a time, so threads racing
  through the services meet moto (which is not thread-safe) without corrupting it.
* :func:`item_level_rollback`: moto backs a transaction up by deep-copying the whole table once
  per item of the transaction (to roll a cancelled one back); an import writes thousands of
  transaction items, so that copying made a 50-product chunk take minutes. The fixture keeps
  moto's semantics (a cancelled transaction leaves nothing behind) by saving and restoring
  only the items the transaction touches.
"""

from __future__ import annotations

import importlib
import json
import threading
from datetime import UTC, datetime
from typing import Any

from local.prestashop import ShopSimulator, SimulatorConfig
from local.stack.events import LambdaContext, sqs_event
from shophub.domain.accounts import Account
from shophub.domain.config import FieldMapping, Template
from shophub.ids import new_id
from shophub.store.accounts import AccountRepository
from shophub.store.config import ConfigRepository
from shophub.store.templates import TemplateRepository
from tests.support.api import ApiClient
from tests.support.aws import TestStack

SHOP_KEY = "IMPORTTESTKEY0000000000000000001"
CREATED_AT = datetime(2026, 3, 1, 8, 30, tzinfo=UTC)
QUEUE = "ImportQueue"


class SerialClient:
    """Proxy of a boto3 client: every call holds one lock (moto is not thread-safe)."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self._lock = threading.RLock()

    def __getattr__(self, name: str) -> Any:
        target = getattr(self._client, name)
        if not callable(target):
            return target

        def call(*args: Any, **kwargs: Any) -> Any:
            with self._lock:
                return target(*args, **kwargs)

        return call


class ImportWorld:
    def __init__(self, stack: TestStack, sim: ShopSimulator) -> None:
        self.stack = stack
        self.sim = sim
        self.container = stack.container
        self.handler = importlib.import_module("functions.importer.handler").handler
        self.outcomes: list[dict[str, Any]] = []

    # --- set-up -----------------------------------------------------------------------------------

    def account(
        self,
        tenant: str = "tenant-a",
        *,
        template: bool = True,
        mapping: FieldMapping | None = None,
        sim: ShopSimulator | None = None,
    ) -> Account:
        shop = sim or self.sim
        account_id = new_id()
        ref = self.container.secrets.put(account_id, shop.key)
        template_id = new_id() if template else None
        account = Account(
            id=account_id,
            tenant_id=tenant,
            name="Sklep",
            shop_url=shop.url,
            secret_ref=ref,
            key_last4=shop.key[-4:],
            default_template_id=template_id,
            created_at=CREATED_AT,
            updated_at=CREATED_AT,
        )
        AccountRepository(self.container.table).create(account)
        if template_id:
            TemplateRepository(self.container.table).create(
                account_id, Template(id=template_id, name="Domyślny", created_at=CREATED_AT)
            )
        if mapping is not None:
            ConfigRepository(self.container.table).save_field_mapping(account_id, mapping)
        return account

    def api(self, tenant: str = "tenant-a", language: str = "en") -> ApiClient:
        return ApiClient(token=self.container.tokens.create(tenant), language=language)

    def start(self, client: ApiClient, account: Account, **body: Any) -> str:
        answer = client.post(f"/accounts/{account.id}/imports", body)
        assert answer.status == 202, answer.text
        assert answer.json["status"] == "preparing"
        return str(answer.json["id"])

    def edit(self, resource: str, record_id: int, **fields: Any) -> None:
        """Change a record of the simulated shop (as the merchant would in the back office)."""
        record = self.sim.data.get(resource, record_id)
        assert record is not None, (resource, record_id)
        record.update(fields)
        self.sim.data.save(resource, record)

    # --- the queue ---------------------------------------------------------------------------------

    def receive(self, limit: int = 10) -> list[dict[str, Any]]:
        """Take up to ``limit`` messages off the queue (they come back unless deleted)."""
        answer = self.container.sqs.receive_message(
            QueueUrl=self.stack.queue_url(QUEUE),
            MaxNumberOfMessages=min(10, limit),
            VisibilityTimeout=60,
            AttributeNames=["All"],
        )
        return list(answer.get("Messages", []))

    def take(self, limit: int = 10) -> list[dict[str, Any]]:
        """Remove up to ``limit`` messages from the queue and return their bodies (a test then
        runs them its own way)."""
        messages = self.receive(limit)
        for message in messages:
            self.container.sqs.delete_message(
                QueueUrl=self.stack.queue_url(QUEUE), ReceiptHandle=message["ReceiptHandle"]
            )
        return [self.body(m) for m in messages]

    def queued_count(self) -> int:
        attributes = self.container.sqs.get_queue_attributes(
            QueueUrl=self.stack.queue_url(QUEUE),
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])

    def step(self, limit: int = 10) -> int:
        """Deliver up to ``limit`` queued messages (one per invocation, as BatchSize 1 does);
        returns how many were delivered. Messages the handler fails are queued again."""
        messages = self.receive(limit)
        for message in messages:
            self.deliver(message)
        return len(messages)

    def deliver(self, message: dict[str, Any]) -> dict[str, Any]:
        answer = self.handler(sqs_event([message], self.stack.queue_arn(QUEUE)), LambdaContext("ImporterFunction", 120))
        self.outcomes.append(answer)
        failed = {f["itemIdentifier"] for f in answer.get("batchItemFailures", [])}
        url = self.stack.queue_url(QUEUE)
        if message["MessageId"] in failed:
            self.container.sqs.change_message_visibility(
                QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
            )
        else:
            self.container.sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return answer

    def drain(self, rounds: int = 50) -> None:
        """Deliver messages until the queue is empty."""
        for _ in range(rounds):
            if not self.step():
                return
        raise AssertionError("ImportQueue did not drain")

    @staticmethod
    def body(message: dict[str, Any]) -> dict[str, Any]:
        return dict(json.loads(message["Body"]))

    # --- reading ------------------------------------------------------------------------------------

    def progress(self, client: ApiClient, account: Account, import_id: str) -> dict[str, Any]:
        answer = client.get(f"/accounts/{account.id}/imports/{import_id}")
        assert answer.status == 200, answer.text
        return dict(answer.json)

    def items(
        self, client: ApiClient, account: Account, import_id: str, status: str | None = None
    ) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        token = None
        while True:
            query = f"limit=200{f'&status={status}' if status else ''}{f'&next={token}' if token else ''}"
            answer = client.get(f"/accounts/{account.id}/imports/{import_id}/items", query=query)
            assert answer.status == 200, answer.text
            out += answer.json["items"]
            token = answer.json["next"]
            if not token:
                return out

    def products(self, tenant: str = "tenant-a") -> list[Any]:
        return list(self.container.catalog.iter_products(tenant))

    def offers(self, account: Account) -> list[Any]:
        return list(self.container.catalog.offers_of_account(account.id))


def simulator(**config: Any) -> ShopSimulator:
    settings = {"key": SHOP_KEY, "products": 6, "combinations": 2, "orders": 0, "seed": 7, **config}
    sim = ShopSimulator(SimulatorConfig(**settings))
    sim.start()
    return sim
