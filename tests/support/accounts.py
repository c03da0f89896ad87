"""Shop accounts in tests: API clients, accounts made through the API or straight in the store, the
account service replaced, what waits on a queue or in SSM."""

from __future__ import annotations

import copy
import functools
import socket
from datetime import UTC, datetime
from typing import Any

from shophub.domain.accounts import Account
from shophub.ids import new_id
from shophub.services.accounts import AccountService
from tests.support.api import ApiAnswer, ApiClient
from tests.support.aws import TestStack as Stack

KEY = "SHOPHUBSIMULATORKEY0000000000001"


@functools.cache
def _prototype() -> ApiClient:
    return ApiClient()


def client(token: str | None, language: str | None = None) -> ApiClient:
    """An API client (sharing one parsed template: building an ApiClient parses template.yaml)."""
    api = copy.copy(_prototype())
    api.token, api.language = token, language
    return api


def install_account_service(stack: Stack, **overrides: Any) -> AccountService:
    """Replace the container's account service (e.g. local mode off, a short check budget)."""
    c = stack.container
    options: dict[str, Any] = {
        "accounts": c.accounts,
        "secrets": c.secrets,
        "activity": c.activity,
        "discovery": c.discovery_service,
        "connect": c.connector_for_new_shop,
        "clock": c.clock,
        "allow_local": c.settings.allow_local_shops,
    }
    options.update(overrides)
    service = AccountService(**options)
    c.account_service = service
    return service


def create_account(api: ApiClient, url: str, key: str = KEY, name: str = "Sklep") -> ApiAnswer:
    return api.post("/accounts", {"name": name, "shop_url": url, "api_key": key})


def receive(stack: Stack, queue: str = "DiscoveryQueue") -> list[dict[str, Any]]:
    """Messages waiting on ``queue`` (each once: they stay invisible for a minute)."""
    answer = stack.container.sqs.receive_message(
        QueueUrl=stack.queue_url(queue), MaxNumberOfMessages=10, VisibilityTimeout=60, AttributeNames=["All"]
    )
    return list(answer.get("Messages", []))


def ssm_parameters(stack: Stack) -> dict[str, str]:
    answer = stack.container.ssm.get_parameters_by_path(Path="/shophub", Recursive=True, WithDecryption=True)
    return {p["Name"]: p["Value"] for p in answer.get("Parameters", [])}


def closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def stored_account(stack: Stack, shop_url: str, *, tenant_id: str = "tenant-a", name: str = "Sklep") -> str:
    """An account saved straight through the repository (no shop call): a shop of its own."""
    account_id = new_id()
    now = datetime.now(UTC)
    stack.container.accounts.create(
        Account(
            id=account_id,
            tenant_id=tenant_id,
            name=name,
            shop_url=shop_url,
            secret_ref=stack.container.secrets.put(account_id, KEY),
            key_last4=KEY[-4:],
            created_at=now,
            updated_at=now,
        )
    )
    return account_id
