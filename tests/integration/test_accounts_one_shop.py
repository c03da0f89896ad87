"""One shop per tenant: ``POST /accounts`` (and a URL change) for a shop the tenant already has
is refused with 409 ``shop_already_connected`` naming the account; another tenant may connect
the same shop; the rule holds under concurrent calls and frees the shop on delete."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from local.prestashop import ShopSimulator, SimulatorConfig
from shophub.domain.activity import LogFilter
from shophub.errors import ShopAlreadyConnectedError
from shophub.store import keys
from shophub.store.accounts import AccountRepository
from tests.support.accounts import KEY, client, create_account, install_account_service, ssm_parameters
from tests.support.api import ApiClient
from tests.support.aws import TestStack as Stack
from tests.support.races import lined_up_table, race


@pytest.fixture(scope="module")
def sim() -> Iterator[ShopSimulator]:
    with ShopSimulator(SimulatorConfig(key=KEY, products=1, combinations=0, orders=1)) as simulator:
        yield simulator


@pytest.fixture
def shop(sim: ShopSimulator) -> ShopSimulator:
    sim.reset_requests()
    return sim


@pytest.fixture
def api(stack: Stack) -> ApiClient:
    return client(stack.container.tokens.create("tenant-a"))


def accounts_of(api: ApiClient) -> list[dict[str, Any]]:
    answer = api.get("/accounts")
    assert answer.status == 200
    return list(answer.json["items"])


def spellings(url: str) -> list[str]:
    """The same shop written differently: case, trailing slashes, the /api suffix."""
    scheme, rest = url.split("://")
    return [url + "/", f"{scheme.upper()}://{rest.upper()}", url + "//", url + "/api/"]


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("pl", "Ten sklep ({url}) jest już podłączony jako konto „Mój sklep” (id {id})."),
        ("en", 'This shop ({url}) is already connected as the account "Mój sklep" (id {id}).'),
    ],
)
def test_a_shop_the_tenant_has_is_refused_naming_the_account(
    stack: Stack, shop: ShopSimulator, api: ApiClient, language: str, message: str
) -> None:
    # Given the tenant's account for the shop
    first = create_account(api, shop.url, name="Mój sklep")
    assert first.status == 201, first.text
    account_id = first.json["id"]
    shop.reset_requests()
    speaker = client(api.token, language)

    for url in spellings(shop.url):
        # When the same shop is added again, however the URL is written
        answer = create_account(speaker, url, name="Drugi")

        # Then 409 names the account that has it, before any request to the shop
        assert answer.status == 409, (url, answer.text)
        error = answer.json["error"]
        assert error["code"] == "shop_already_connected"
        assert error["message"].startswith(message.format(url=shop.url, id=account_id))
        assert error["details"] == [{"account_id": account_id, "name": "Mój sklep", "shop_url": shop.url}]
    assert shop.request_count == 0

    # and nothing was saved; the refusals are logged for the tenant
    assert [a["id"] for a in accounts_of(api)] == [account_id]
    assert len(ssm_parameters(stack)) == 1
    entries, _ = stack.container.activity.list("tenant-a", LogFilter(outcome="error"))
    assert {(e.action, e.outcome, e.details["account_id"]) for e in entries} == {
        ("account.create_failed", "error", account_id)
    }


def test_another_tenant_may_connect_the_same_shop(stack: Stack, shop: ShopSimulator, api: ApiClient) -> None:
    assert create_account(api, shop.url).status == 201

    other = client(stack.container.tokens.create("tenant-b"))
    answer = create_account(other, shop.url)

    assert answer.status == 201, answer.text
    assert [a["id"] for a in accounts_of(other)] == [answer.json["id"]]


def test_a_deleted_account_gives_the_shop_back(stack: Stack, shop: ShopSimulator, api: ApiClient) -> None:
    account_id = create_account(api, shop.url).json["id"]

    assert api.delete(f"/accounts/{account_id}").status == 204
    again = create_account(api, shop.url + "/")

    assert again.status == 201, again.text
    assert [a["id"] for a in accounts_of(api)] == [again.json["id"]]


def test_concurrent_adds_of_one_shop_leave_one_account(stack: Stack, shop: ShopSimulator, api: ApiClient) -> None:
    # Given two adds that both read "free" before either writes (the pre-check passes for both)
    def after_the_shop_lookup(operation: str, request: dict[str, Any]) -> bool:
        return operation == "get_item" and request["Key"]["SK"]["S"].startswith("SHOPURL#")

    table = lined_up_table(stack, 2, after_the_shop_lookup)
    service = install_account_service(stack, accounts=AccountRepository(table))

    # When they race
    results = race(
        *(lambda n=n: service.create("tenant-a", name=f"Sklep {n}", shop_url=shop.url, api_key=KEY) for n in (1, 2))
    )

    # Then exactly one account exists, the other add was refused naming it, and its key is gone
    winners = [r for r in results if not isinstance(r, Exception)]
    losers = [r for r in results if isinstance(r, ShopAlreadyConnectedError)]
    assert len(winners) == 1 and len(losers) == 1, results
    assert losers[0].account_id == winners[0].id
    assert [a["id"] for a in accounts_of(api)] == [winners[0].id]
    assert list(ssm_parameters(stack)) == [f"/shophub/test/accounts/{winners[0].id}"]


def test_a_url_change_moves_the_shop(stack: Stack, shop: ShopSimulator, api: ApiClient) -> None:
    first = create_account(api, shop.url, name="Pierwszy").json["id"]
    with ShopSimulator(SimulatorConfig(key=KEY, products=1, combinations=0, orders=1)) as second:
        other = create_account(api, second.url, name="Drugi").json["id"]

        # a change to the other account's shop is refused, naming it, and changes nothing
        refused = api.patch(f"/accounts/{first}", {"shop_url": second.url + "/"})
        assert refused.status == 409, refused.text
        assert refused.json["error"]["details"][0]["account_id"] == other
        assert api.get(f"/accounts/{first}").json["shop_url"] == shop.url

        # once that account is gone, the change goes through and frees the old shop
        assert api.delete(f"/accounts/{other}").status == 204
        moved = api.patch(f"/accounts/{first}", {"shop_url": second.url})
        assert moved.status == 200, moved.text
        assert create_account(api, second.url).json["error"]["details"][0]["account_id"] == first
    assert create_account(api, shop.url).status == 201


def test_the_shop_claim_is_a_tenant_item_with_a_documented_key(stack: Stack, shop: ShopSimulator, api: ApiClient):
    account_id = create_account(api, shop.url).json["id"]

    claim = stack.table.get(keys.tenant_pk("tenant-a"), keys.connected_shop_sk(shop.url))

    assert claim is not None and claim["account_id"] == account_id
