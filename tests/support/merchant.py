"""The merchant's flow against an in-process hub: the real handlers on moto, a simulated shop,
one clock for both.

* :class:`SteppedClock`: the hub's and the shop's clock; tests move it on between steps, so
  "placed before the link" and "placed after the link" never share a second.
* :class:`InProcessHub`: the template's functions on moto in-process. :meth:`InProcessHub.settle`
  delivers every queued message to its function (SQS events, ``batchItemFailures`` honoured),
  as the queue triggers would, until every queue is empty.
* :class:`LocalStackHub`: the same over real HTTP against ``make run``'s stack (gateway with the
  authorizer, queue pump); :meth:`LocalStackHub.settle` waits until the pump has emptied every
  queue.
* :class:`MerchantAccount`: one shop account driven only through the public HTTP API, as the
  merchant does it: add it (connection check, discovery), map what discovery found, a default
  template that syncs stock, order settings with fetching and stock updates on, imports and
  links, fetching orders, setting stock, deleting the account.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from local.demo import mapping_plans
from local.prestashop import ShopSimulator
from local.stack.events import LambdaContext, sqs_event
from shophub import wiring
from shophub.connectors import build_connector
from tests.support.api import ApiAnswer, ApiClient
from tests.support.aws import TestStack

#: Queue → the function its trigger invokes (template.yaml).
QUEUE_FUNCTIONS = {
    "DiscoveryQueue": "functions.connection_check.handler",
    "ImportQueue": "functions.importer.handler",
    "OrderPollQueue": "functions.order_poller.handler",
    "StockQueue": "functions.stock_pusher.handler",
    "OrderUpdateQueue": "functions.order_pusher.handler",
}
#: Deliveries of one message before the test calls it stuck (the template's DLQ gets it at 5).
MAX_DELIVERIES = 5


class SteppedClock:
    """A clock that moves only when told (``advance``); callable like ``datetime.now(UTC)``."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = (start or datetime.now(UTC)).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float = 5) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now


class _Container(wiring.Container):
    """The real container with a given clock; shop retries do not sleep."""

    def connector_for(self, account: Any, *, deadline: Callable[[], float] | None = None) -> Any:
        return build_connector(
            account.platform,
            account.shop_url,
            self.secrets.get(account.secret_ref),
            timezone=account.timezone,
            deadline=deadline,
            allow_local=True,
            sleep=lambda _seconds: None,
        )


class InProcessHub:
    """The hub's functions on moto in-process, driven queue by queue."""

    def __init__(self, stack: TestStack, clock: SteppedClock) -> None:
        self.stack = stack
        self.clock = clock
        self.container = _Container(clock=clock)
        wiring.reset(self.container)
        self.deliveries: dict[str, int] = {}
        self.clients: dict[tuple[str, str], ApiClient] = {}

    def close(self) -> None:
        wiring.reset()

    def api(self, tenant: str, language: str = "en") -> ApiClient:
        """A client with a token of ``tenant`` (one per tenant and language)."""
        key = (tenant, language)
        if key not in self.clients:
            self.clients[key] = ApiClient(token=self.container.tokens.create(tenant), language=language)
        return self.clients[key]

    def settle(self, rounds: int = 200) -> None:
        """Deliver queued messages until every queue is empty."""
        for _ in range(rounds):
            if not any(self._deliver(queue) for queue in QUEUE_FUNCTIONS):
                return
        raise AssertionError("the queues did not drain")

    def _deliver(self, queue: str) -> bool:
        sqs = self.container.sqs
        url = self.stack.queue_url(queue)
        messages = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0, AttributeNames=["All"]
        ).get("Messages", [])
        if not messages:
            return False
        handler = importlib.import_module(QUEUE_FUNCTIONS[queue]).handler
        answer = handler(sqs_event(messages, self.stack.queue_arn(queue)), LambdaContext(queue, timeout_seconds=120))
        failed = {f["itemIdentifier"] for f in (answer or {}).get("batchItemFailures", [])}
        for message in messages:
            if message["MessageId"] in failed:
                count = self.deliveries[message["MessageId"]] = self.deliveries.get(message["MessageId"], 0) + 1
                if count >= MAX_DELIVERIES:
                    raise AssertionError(f"{queue}: a message failed {count} times: {message['Body'][:300]}")
                continue
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return True


class HttpApiClient:
    """:class:`ApiClient`'s interface over real HTTP (the local stack's gateway)."""

    def __init__(self, base_url: str, token: str, language: str = "en") -> None:
        import httpx

        self.token = token
        self.http = httpx.Client(
            base_url=base_url,
            timeout=60,
            headers={"Authorization": f"Bearer {token}", "Accept-Language": language},
        )

    def call(self, method: str, path: str, body: Any = None, *, query: str = "") -> ApiAnswer:
        url = f"{path}?{query}" if query else path
        answer = self.http.request(method, url, json=body) if body is not None else self.http.request(method, url)
        return ApiAnswer(answer.status_code, dict(answer.headers), answer.text)

    def get(self, path: str, **kw: Any) -> ApiAnswer:
        return self.call("GET", path, **kw)

    def post(self, path: str, body: Any = None, **kw: Any) -> ApiAnswer:
        return self.call("POST", path, body, **kw)

    def put(self, path: str, body: Any = None, **kw: Any) -> ApiAnswer:
        return self.call("PUT", path, body, **kw)

    def delete(self, path: str, **kw: Any) -> ApiAnswer:
        return self.call("DELETE", path, **kw)

    def close(self) -> None:
        self.http.close()


class LocalStackHub:
    """The hub of a running local stack (``local.stack.LocalStack``): its dev tenant over HTTP,
    its queues emptied by the stack's own pump."""

    def __init__(self, stack: Any, token: str) -> None:
        assert stack.gateway is not None and stack.pump is not None
        self.stack = stack
        self.token = token
        self.clients: dict[str, HttpApiClient] = {}

    def api(self, tenant: str, language: str = "en") -> HttpApiClient:
        """The dev token's client (the dev tenant, whatever ``tenant`` says)."""
        if language not in self.clients:
            self.clients[language] = HttpApiClient(self.stack.gateway.url, self.token, language)
        return self.clients[language]

    def settle(self, timeout: float = 90.0) -> None:
        """Wait until every queue of the template reads empty twice in a row."""
        import time

        pump = self.stack.pump
        queues = [source.queue for source in pump.sources]
        deadline = time.monotonic() + timeout
        while not all(pump.settled_empty(queue) for queue in queues):
            if time.monotonic() > deadline:
                raise AssertionError(f"the queues did not drain in {timeout} s")
            time.sleep(0.1)

    def close(self) -> None:
        for client in self.clients.values():
            client.close()


def expect(answer: ApiAnswer, *statuses: int) -> Any:
    assert answer.status in statuses, f"{answer.status}: {answer.text[:500]}"
    return answer.json


@dataclass
class MerchantAccount:
    """One shop account of one tenant, driven through the HTTP API."""

    hub: Any  # InProcessHub | LocalStackHub
    client: Any  # ApiClient | HttpApiClient
    shop: ShopSimulator
    account_id: str
    imports: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def connect(
        cls, hub: Any, shop: ShopSimulator, tenant: str, *, name: str = "Sklep demo", language: str = "en"
    ) -> MerchantAccount:
        """Add the shop (connection check, discovery), map everything discovery found, a default
        template that syncs stock, and order settings: fetching on from long ago, stock on."""
        client = hub.api(tenant, language)
        body = expect(client.post("/accounts", {"name": name, "shop_url": shop.url, "api_key": shop.key}), 201)
        assert body["connection"]["ok"], body["connection"]
        account = cls(hub, client, shop, str(body["id"]))
        hub.settle()  # discovery
        account.map_everything()
        expect(account.post("/templates", {"name": "Domyślny", "sync": {"stock": True}}), 201)
        account.order_settings()
        return account

    def path(self, suffix: str = "") -> str:
        return f"/accounts/{self.account_id}{suffix}"

    def get(self, suffix: str = "", **kw: Any) -> ApiAnswer:
        return self.client.get(self.path(suffix), **kw)

    def post(self, suffix: str, body: Any = None) -> ApiAnswer:
        return self.client.post(self.path(suffix), body)

    def put(self, suffix: str, body: Any) -> ApiAnswer:
        return self.client.put(self.path(suffix), body)

    def map_everything(self) -> None:
        discovery = expect(self.get("/discovery"), 200)
        assert discovery["status"] == "done", discovery
        payments = expect(self.client.get("/hub/payment-methods"), 200)["items"]
        shipping = expect(self.client.get("/hub/shipping-methods"), 200)["items"]
        statuses = expect(self.client.get("/hub/statuses"), 200)["items"]
        plans = mapping_plans(discovery, payments, shipping, statuses)
        for kind, items in plans.items():
            if items:
                expect(self.put(f"/mappings/{kind}", {"items": items}), 200)

    def order_settings(self, **changes: Any) -> dict[str, Any]:
        body = {
            "fetch_enabled": True,
            "fetch_from": "2020-01-01T00:00:00Z",
            "landing_status": "nowe",
            "update_statuses": ["nowe", "oczekuje-na-platnosc", "w-realizacji"],
            "sync": {"update_statuses": True, "send_tracking_numbers": True, "send_documents": True},
            "products": {"update_stock": True},
            **changes,
        }
        return dict(expect(self.put("/order-settings", body), 200))

    def run_import(self, mode: str = "import", unique_identifier: str = "symbol", **options: Any) -> dict[str, Any]:
        """Start an import (or automatic linking), let it run, return its final state."""
        started = expect(self.post("/imports", {"mode": mode, "unique_identifier": unique_identifier, **options}), 202)
        self.hub.settle()
        result = dict(expect(self.get(f"/imports/{started['id']}"), 200))
        assert result["status"] == "finished", result
        self.imports.append(result)
        return result

    def fetch_orders(self) -> None:
        expect(self.post("/orders/fetch"), 202)
        self.hub.settle()

    def orders(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        token = ""
        while True:
            query = f"account_id={self.account_id}&limit=100" + (f"&next={token}" if token else "")
            page = expect(self.client.get("/orders", query=query), 200)
            found += page["items"]
            token = page.get("next") or ""
            if not token:
                return found

    def order(self, shop_order_id: int) -> dict[str, Any]:
        return dict(expect(self.client.get(f"/orders/{self.account_id}-{shop_order_id}"), 200))

    def offers(self) -> list[Any]:
        return list(self.hub.container.catalog.offers_of_account(self.account_id))

    def linked_rows(self) -> dict[tuple[int, int], int]:
        """``(shop product, shop combination)`` → hub product, for this account, read through the
        API (``GET /products`` and each product's offers)."""
        rows: dict[tuple[int, int], int] = {}
        for summary in products(self.client):
            product = expect(self.client.get(f"/products/{summary['id']}"), 200)
            for offer in product["offers"]:
                if offer["account_id"] == self.account_id:
                    rows[(offer["shop_product_id"], offer["shop_combination_id"])] = product["id"]
        return rows

    def logs(self, action: str | None = None) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        token = ""
        while True:
            page = expect(self.get("/logs", query="limit=100" + (f"&next={token}" if token else "")), 200)
            found += [e for e in page["items"] if action is None or e["action"] == action]
            token = page.get("next") or ""
            if not token:
                return found

    def delete(self) -> None:
        expect(self.client.delete(self.path()), 204, 200)
        self.hub.settle()


def products(client: ApiClient) -> list[dict[str, Any]]:
    """Every hub product of the client's tenant, with its offers."""
    found: list[dict[str, Any]] = []
    token = ""
    while True:
        page = expect(client.get("/products", query="limit=100" + (f"&next={token}" if token else "")), 200)
        found += page["items"]
        token = page.get("next") or ""
        if not token:
            return found


def set_stock(client: ApiClient, quantities: dict[int, int]) -> None:
    """``PUT /stock`` in batches of the API's limit."""
    items = [{"product_id": pid, "quantity": quantity} for pid, quantity in sorted(quantities.items())]
    for start in range(0, len(items), 1000):
        expect(client.put("/stock", {"items": items[start : start + 1000]}), 200, 202)


def dumps(value: Any) -> str:
    return json.dumps(value, default=str, ensure_ascii=False)
