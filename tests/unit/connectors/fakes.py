"""Small fakes for connector unit tests: a scripted shop behind ``httpx.MockTransport`` and a
fake clock for deadlines."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import httpx

from shophub.connectors.prestashop.client import PrestaShopClient, RetryPolicy
from shophub.connectors.prestashop.connector import PrestaShopConnector

KEY = "ABCDEFGHIJKLMNOPQRSTUVWXYZ123456"
SHOP = "https://shop.example"
PS_HEADERS = {"X-Powered-By": "PrestaShop Webservice", "PSWS-Version": "8.1.2"}

Handler = Callable[[httpx.Request], httpx.Response]


def json_response(payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(
        status,
        headers={**PS_HEADERS, "Content-Type": "application/json", **(headers or {})},
        content=json.dumps(payload).encode(),
    )


def ps_error(status: int, *codes: int, message: str = "error", version: str = "8.1.2") -> httpx.Response:
    return httpx.Response(
        status,
        headers={**PS_HEADERS, "PSWS-Version": version, "Content-Type": "application/json"},
        content=json.dumps({"errors": [{"code": c, "message": message} for c in codes]}).encode(),
    )


def params_of(request: httpx.Request) -> dict[str, str]:
    return dict(parse_qsl(request.url.query.decode(), keep_blank_values=True))


@dataclass
class FakeClock:
    """Deadline = ``budget`` seconds; ``sleep`` and each request advance the clock."""

    budget: float = 60.0
    per_request: float = 0.0
    now: float = 0.0
    sleeps: list[float] = field(default_factory=list)

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.sleeps.append(seconds)
        self.now += seconds

    def remaining(self) -> float:
        return self.budget - self.now

    def tick(self) -> None:
        self.now += self.per_request


@dataclass
class ScriptedShop:
    """Answers with ``handler``; keeps every request."""

    handler: Handler
    clock: FakeClock | None = None
    requests: list[httpx.Request] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        if self.clock is not None:
            self.clock.tick()
        return self.handler(request)

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self)


def make_client(
    shop: ScriptedShop,
    *,
    clock: FakeClock | None = None,
    retry: RetryPolicy | None = None,
    **options: Any,
) -> PrestaShopClient:
    clock = clock or shop.clock or FakeClock()
    return PrestaShopClient(
        options.pop("shop_url", SHOP),
        KEY,
        http=httpx.Client(transport=shop.transport()),
        deadline=clock.remaining,
        sleep=clock.sleep,
        rng=lambda: 0.5,
        retry=retry,
        **options,
    )


def make_connector(shop: ScriptedShop, *, clock: FakeClock | None = None, **options: Any) -> PrestaShopConnector:
    clock = clock or shop.clock or FakeClock()
    return PrestaShopConnector(
        SHOP,
        KEY,
        http=httpx.Client(transport=shop.transport()),
        deadline=clock.remaining,
        sleep=clock.sleep,
        rng=lambda: 0.5,
        **options,
    )
