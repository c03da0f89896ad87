"""Names a merchant types, through the API: account, template and hub dictionary names with
control characters, bidi controls or nothing visible are refused with 422 naming the field (in
the API's validation error shape, nothing saved); whitespace is normalized before saving."""

from __future__ import annotations

from typing import Any

import pytest

from local.prestashop import ShopSimulator, SimulatorConfig
from tests.support.api import ApiAnswer, ApiClient
from tests.support.aws import TestStack
from tests.support.config import api, make_account

KEY = "NAMESTESTKEY00000000000000000001"
REFUSED = {
    "NUL": "Sklep\x00",
    "newline": "Sklep\ndemo",
    "right-to-left override": "Faktura\u202eexe.pdf",
    "isolate": "\u2066Sklep\u2069",
    "left-to-right mark": "\u200eSklep",
    "zero-width only": "\u200b\u200d\u2060\ufeff",
    "whitespace and zero-width only": " \u200b\u3000\u200c ",
}


def _refused(answer: ApiAnswer, field: str) -> None:
    assert answer.status == 422, answer.text
    error = answer.json["error"]
    assert error["code"] == "validation_failed"
    assert [d["field"] for d in error["details"]] == [field]
    assert all(d["message"] for d in error["details"])


@pytest.fixture
def client(stack: TestStack) -> ApiClient:
    return api(stack)


@pytest.mark.parametrize("name", REFUSED.values(), ids=REFUSED.keys())
def test_bad_account_names_are_refused_before_the_shop_is_called(
    stack: TestStack, client: ApiClient, name: str
) -> None:
    with ShopSimulator(SimulatorConfig(key=KEY, products=1, combinations=0, orders=0)) as shop:
        answer = client.post("/accounts", {"name": name, "shop_url": shop.url, "api_key": KEY})

        _refused(answer, "name")
        assert shop.request_count == 0
    assert client.get("/accounts").json["items"] == []


def test_account_names_are_normalized_and_a_rename_is_checked_too(stack: TestStack, client: ApiClient) -> None:
    with ShopSimulator(SimulatorConfig(key=KEY, products=1, combinations=0, orders=0)) as shop:
        created = client.post("/accounts", {"name": "  Mój \u00a0  sklep ", "shop_url": shop.url, "api_key": KEY})
        assert created.status == 201, created.text
        assert created.json["name"] == "Mój sklep"
        account = f"/accounts/{created.json['id']}"

        _refused(client.patch(account, {"name": "Nowy\u202e"}), "name")
        assert client.patch(account, {"name": "  Nowy   sklep "}).json["name"] == "Nowy sklep"
        assert client.get(account).json["name"] == "Nowy sklep"


@pytest.mark.parametrize("name", REFUSED.values(), ids=REFUSED.keys())
def test_bad_template_names_are_refused(stack: TestStack, client: ApiClient, name: str) -> None:
    account = make_account(stack)
    url = f"/accounts/{account.id}/templates"

    _refused(client.post(url, {"name": name}), "name")
    template = client.post(url, {"name": "Główny"}).json
    _refused(client.put(f"{url}/{template['id']}", {"name": name}), "name")

    assert [t["name"] for t in client.get(url).json["items"]] == ["Główny"]


def test_template_names_are_normalized(stack: TestStack, client: ApiClient) -> None:
    url = f"/accounts/{make_account(stack).id}/templates"

    created = client.post(url, {"name": "\u200b Tylko   stany \u2003"})
    renamed = client.put(f"{url}/{created.json['id']}", {"name": "Tylko\u00a0\u00a0stany  i ceny"})

    assert created.json["name"] == "Tylko stany"
    assert renamed.json["name"] == "Tylko stany i ceny"


@pytest.mark.parametrize("route", ["/hub/statuses", "/hub/payment-methods", "/hub/shipping-methods"])
def test_bad_dictionary_names_are_refused_and_good_ones_normalized(
    stack: TestStack, client: ApiClient, route: str
) -> None:
    before: list[dict[str, Any]] = client.get(route).json["items"]

    for name in REFUSED.values():
        _refused(client.post(route, {"name": name}), "name")
    assert client.get(route).json["items"] == before

    added = client.post(route, {"name": "  Dostawa \u3000 nocna  "})
    assert added.status == 201, added.text
    assert added.json["name"] == "Dostawa nocna"


def test_the_refusal_is_localized(stack: TestStack) -> None:
    polish, english = api(stack, language="pl"), api(stack, tenant="tenant-b", language="en")

    pl = polish.post("/hub/statuses", {"name": "\u200b"}).json["error"]
    en = english.post("/hub/statuses", {"name": "\u200b"}).json["error"]

    assert pl["message"] == "Przesłane dane są niepoprawne."
    assert en["message"] == "The submitted data is invalid."
    assert en["details"] == [{"field": "name", "message": "The name must contain visible characters."}]
    assert pl["details"][0]["field"] == "name"
