"""Shop accounts through the API (authorizer → connection_check handler), moto and the simulator."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from local.prestashop import ShopSimulator, SimulatorConfig
from local.prestashop.resources import CATALOGUE_NAMES
from shophub.domain.activity import LogFilter
from shophub.services.activity import entry_message
from shophub.store import keys
from tests.support.accounts import (
    KEY,
    client,
    closed_port,
    create_account,
    install_account_service,
    receive,
    ssm_parameters,
    stored_account,
)
from tests.support.api import ApiClient
from tests.support.aws import TestStack as Stack
from tests.support.tls import untrusted_https_shop

OTHER_KEY = "ZXCVBNMASDFGHJKLQWERTYUIOP123456"
UNKNOWN_KEY = "UNKNOWNKEYUNKNOWNKEYUNKNOWNKEY99"
FAILED_PL = "Wpisane dane integracyjne są niepoprawne. Komunikat błędu API: "
FAILED_EN = "The integration details are incorrect. API error message: "
URL_FAILED_PL = "Wpisane dane integracyjne są niepoprawne."
URL_FAILED_EN = "The integration details are incorrect."
OK_PL = "Połączenie jest poprawne."
OK_EN = "Connection is correct."


def table_items(stack: Stack) -> list[dict[str, Any]]:
    return stack.container.dynamodb.scan(TableName=stack.container.table.name).get("Items", [])


def permissions_without(*drop: str) -> dict[str, set[str]]:
    """Every resource and method, minus ``resource`` or ``resource:METHOD`` entries."""
    granted = {name: {"GET", "PUT", "POST", "PATCH", "DELETE", "HEAD"} for name in CATALOGUE_NAMES}
    for item in drop:
        resource, _, method = item.partition(":")
        if method:
            granted[resource].discard(method)
        else:
            granted.pop(resource, None)
    return granted


# --- fixtures ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sim() -> Iterator[ShopSimulator]:
    simulator = ShopSimulator(SimulatorConfig(key=KEY, products=2, combinations=1, orders=6, timeout_hang_s=3))
    simulator.start()
    yield simulator
    simulator.stop()


@pytest.fixture
def shop(sim: ShopSimulator) -> Iterator[ShopSimulator]:
    """The module's simulator, reset to a healthy state for each test."""
    sim.clear_faults()
    sim.webservice_enabled = True
    sim.add_key(KEY)
    sim.reset_requests()
    yield sim
    sim.clear_faults()
    sim.webservice_enabled = True
    for key in (OTHER_KEY,):
        sim.remove_key(key)


@pytest.fixture(scope="module")
def untrusted_tls_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with untrusted_https_shop(tmp_path_factory.mktemp("tls")) as url:
        yield url


@pytest.fixture
def api(stack: Stack) -> ApiClient:
    return client(stack.container.tokens.create("tenant-a", name="default"))


# --- creating --------------------------------------------------------------------------------------


def test_create_saves_account_with_masked_key_and_queues_discovery(stack: Stack, shop: ShopSimulator, api: ApiClient):
    # When
    answer = create_account(api, shop.url)

    # Then the answer follows the contract, key masked
    assert answer.status == 201, answer.text
    body = answer.json
    assert body["api_key"] == "••••0001"
    assert body["name"] == "Sklep"
    assert body["shop_url"] == shop.url
    assert body["status"] == "connected"
    assert body["connection"] == {
        "ok": True,
        "message": OK_PL,
        "shop_version": "8.1.2",
        "missing_permissions": [],
        "checked_at": body["connection"]["checked_at"],
    }
    assert body["discovery"]["status"] == "pending"
    assert KEY not in answer.text
    # one request reached the shop: GET /api/
    assert [(r.method, r.path) for r in shop.requests] == [("GET", "/api/")]

    # the key is in SSM, DynamoDB holds only the parameter name
    account_id = body["id"]
    parameter = f"/shophub/test/accounts/{account_id}"
    assert ssm_parameters(stack) == {parameter: KEY}
    item = stack.table.get(keys.tenant_pk("tenant-a"), keys.account_sk(account_id))
    assert item is not None
    assert item["secret_ref"] == parameter
    assert KEY not in json.dumps(item, default=str)

    # discovery is queued for this account
    messages = receive(stack)
    assert [json.loads(m["Body"])["account_id"] for m in messages] == [account_id]

    # the account reads back the same, and is listed
    assert api.get(f"/accounts/{account_id}").json == body
    assert [a["id"] for a in api.get("/accounts").json["items"]] == [account_id]

    # and the creation is logged
    logs = api.get(f"/accounts/{account_id}/logs").json["items"]
    assert [(e["action"], e["outcome"], e["actor"]) for e in logs] == [("account.created", "ok", "default")]
    assert logs[0]["message"] == f"Dodano konto sklepu „Sklep”. {OK_PL}"

    # in English with Accept-Language: en (another tenant: this one has the shop already)
    english = client(stack.container.tokens.create("tenant-en"), "en")
    assert create_account(english, shop.url).json["connection"]["message"] == OK_EN


def _failure_setup(case: str, stack: Stack, shop: ShopSimulator, tls_url: str) -> tuple[str, str]:
    """Arrange one failure class; returns (shop_url, api_key)."""
    if case == "untrusted_certificate":
        return tls_url, KEY
    if case == "unreachable":
        install_account_service(stack, check_budget=2.0)
        return f"http://127.0.0.1:{closed_port()}", KEY
    if case == "timeout":
        install_account_service(stack, check_budget=1.5)
        shop.inject_fault("timeout", count=5)
        return shop.url, KEY
    if case == "bad_key":
        return shop.url, UNKNOWN_KEY
    if case == "webservice_disabled":
        shop.webservice_enabled = False
        return shop.url, KEY
    if case == "missing_essential":
        shop.add_key(OTHER_KEY, permissions_without("stock_availables"))
        return shop.url, OTHER_KEY
    if case == "key_format":
        return shop.url, KEY[:31]
    raise AssertionError(case)


FAILURES = {
    # case: (pl detail start, en detail start, text that must also be in the message)
    "unreachable": ("nie można połączyć się ze sklepem (", "cannot connect to the shop (", "Connection refused"),
    "timeout": ("sklep nie odpowiedział w wymaganym czasie", "the shop did not answer in time", ""),
    "untrusted_certificate": (
        "certyfikat TLS (https) sklepu jest nieprawidłowy (",
        "the shop's TLS (https) certificate is invalid (",
        "CERTIFICATE_VERIFY_FAILED",
    ),
    "bad_key": ("sklep odrzucił klucz API: ", "the shop rejected the API key: ", "Authentification key is not active"),
    "webservice_disabled": ("webservice sklepu jest wyłączony", "the shop's webservice is disabled", "→ Webservice"),
    "missing_essential": (
        "klucz API nie ma uprawnień wymaganych przez integrację: stock_availables:GET, stock_availables:PATCH|PUT",
        "the API key lacks permissions the integration needs: stock_availables:GET, stock_availables:PATCH|PUT",
        "",
    ),
    "key_format": (
        "klucz API musi mieć dokładnie 32 znaki (ma 31)",
        "the API key must be exactly 32 characters long (it has 31)",
        "",
    ),
}
FIELD_AT_FAULT = {"bad_key": "api_key", "missing_essential": "api_key", "key_format": "api_key"}


@pytest.mark.parametrize("case", list(FAILURES))
def test_failed_check_saves_nothing_and_explains_why(
    case: str, stack: Stack, shop: ShopSimulator, untrusted_tls_url: str
):
    for language, prefix in (("pl", FAILED_PL), ("en", FAILED_EN)):
        # Given
        shop.clear_faults()
        url, key = _failure_setup(case, stack, shop, untrusted_tls_url)
        api = client(stack.container.tokens.create("tenant-a"), language)

        # When
        answer = create_account(api, url, key)

        # Then 422 connection_failed with the class's own message, in the caller's language
        assert answer.status == 422, answer.text
        error = answer.json["error"]
        pl_detail, en_detail, also = FAILURES[case]
        assert error["code"] == "connection_failed"
        assert error["message"].startswith(prefix + (pl_detail if language == "pl" else en_detail)), error["message"]
        assert also in error["message"]
        assert error["details"][0]["field"] == FIELD_AT_FAULT.get(case, "shop_url")
        assert key not in answer.text

        # nothing saved: no account, no key, no discovery message
        assert api.get("/accounts").json["items"] == []
        assert ssm_parameters(stack) == {}
        assert receive(stack) == []
        # but the attempt is logged under the tenant
        entries, _ = stack.container.activity.list(tenant_id="tenant-a", limit=1)
        assert (entries[0].action, entries[0].outcome) == ("account.create_failed", "error")
        assert error["message"] in entry_message(entries[0], language)  # read in the reader's language
        assert key not in entries[0].model_dump_json()
    entries, _ = stack.container.activity.list(tenant_id="tenant-a")
    assert len(entries) == 2
    if case == "key_format":
        assert shop.request_count == 0


def test_missing_optional_permissions_are_listed_but_the_account_is_created(shop: ShopSimulator, api: ApiClient):
    # Given a key without the rights used to post documents as order messages
    shop.add_key(OTHER_KEY, permissions_without("customer_threads:POST", "customer_messages:POST"))

    # When
    answer = create_account(api, shop.url, OTHER_KEY)

    # Then
    assert answer.status == 201, answer.text
    connection = answer.json["connection"]
    assert connection["ok"] is True
    assert connection["missing_permissions"] == ["customer_threads:POST", "customer_messages:POST"]
    assert connection["message"].startswith(OK_PL)
    assert "customer_threads:POST, customer_messages:POST" in connection["message"]

    # and PUT alone is enough to push stock
    shop.add_key(OTHER_KEY, permissions_without("stock_availables:PATCH"))
    check = api.post(f"/accounts/{answer.json['id']}/check")
    assert check.status == 200, check.text
    assert check.json["ok"] is True and check.json["missing_permissions"] == []


# --- the URL guard: refused before any request leaves ----------------------------------------------


def _private_resolver(host: str, port: int) -> list[str]:
    return {"shop.internal.example": ["10.20.30.40"], "mixed.example": ["93.184.215.14", "192.168.1.10"]}[host]


REFUSED_URLS = {
    "http scheme": ("http://shop.example", "adres sklepu musi zaczynać się od https://"),
    "local http when local mode is off": ("LOCAL", "adres sklepu musi zaczynać się od https://"),
    "loopback": ("https://127.0.0.1", "127.0.0.1 wskazuje na sieć prywatną"),
    "instance metadata": ("https://169.254.169.254/latest", "169.254.169.254 wskazuje na sieć prywatną"),
    "private network": ("https://10.0.0.1", "10.0.0.1 wskazuje na sieć prywatną"),
    "ipv6 loopback": ("https://[::1]:8443", "::1 wskazuje na sieć prywatną"),
    "name resolving to a private address": (
        "https://shop.internal.example",
        "shop.internal.example wskazuje na sieć prywatną",
    ),
    "name with one private address among public ones": ("https://mixed.example", "mixed.example wskazuje"),
    "user name in the address": ("https://user@shop.example", "to nie jest poprawny adres sklepu"),
    "not an address": ("sklep.example", "adres sklepu musi zaczynać się od https://"),
}


def test_unsafe_shop_urls_are_refused_before_any_request(stack: Stack, shop: ShopSimulator, api: ApiClient):
    # Given local mode off and a resolver that maps some names to private addresses
    install_account_service(stack, allow_local=False, resolver=_private_resolver)

    for case, (url, expected) in REFUSED_URLS.items():
        # When
        answer = create_account(api, shop.url if url == "LOCAL" else url)

        # Then
        assert answer.status == 422, (case, answer.text)
        error = answer.json["error"]
        assert error["code"] == "invalid_shop_url", case
        assert error["message"].startswith(URL_FAILED_PL), case
        assert expected in error["message"], (case, error["message"])
        assert error["message"].endswith("Sprawdź, czy adres zaczyna się od https://"), case  # the hint
        assert error["details"][0]["field"] == "shop_url", case

    assert shop.request_count == 0
    assert api.get("/accounts").json["items"] == []
    assert ssm_parameters(stack) == {}

    # and in English
    english = client(api.token, "en")
    message = create_account(english, "http://shop.example").json["error"]["message"]
    assert message.startswith(URL_FAILED_EN)
    assert "the shop address must start with https://" in message


# --- reading -------------------------------------------------------------------------------------------


def test_accounts_list_is_paged_with_an_opaque_token(stack: Stack, shop: ShopSimulator, api: ApiClient):
    created = {create_account(api, shop.url).json["id"]}
    created |= {stored_account(stack, f"https://shop{i}.example", name=f"Sklep {i}") for i in range(2)}

    seen: list[str] = []
    answer = api.get("/accounts", query="limit=2")
    pages = 1
    while True:
        assert answer.status == 200
        seen += [a["id"] for a in answer.json["items"]]
        if not answer.json["next"]:
            break
        answer = api.get("/accounts", query=f"limit=2&next={answer.json['next']}")
        pages += 1

    assert sorted(seen) == sorted(created)
    assert pages == 2
    assert api.get("/accounts", query="next=bm90LWEtdG9rZW4").status == 400
    assert api.get("/accounts", query="limit=0").status == 422


def test_request_validation(shop: ShopSimulator, api: ApiClient):
    unknown = api.post("/accounts", {"name": "S", "shop_url": shop.url, "api_key": KEY, "colour": "red"})
    assert unknown.status == 400
    assert unknown.json["error"]["code"] == "unknown_fields"

    missing = api.post("/accounts", {"shop_url": shop.url, "api_key": KEY})
    assert missing.status == 422
    assert missing.json["error"]["details"][0]["field"] == "name"
    assert shop.request_count == 0


# --- checking -------------------------------------------------------------------------------------


def test_check_reports_the_connection_and_records_it(stack: Stack, shop: ShopSimulator, api: ApiClient):
    account_id = create_account(api, shop.url).json["id"]

    ok = api.post(f"/accounts/{account_id}/check")
    assert ok.status == 200
    assert ok.json == {
        "ok": True,
        "message": OK_PL,
        "shop_version": "8.1.2",
        "missing_permissions": [],
        "checked_at": ok.json["checked_at"],
    }
    assert api.get(f"/accounts/{account_id}").json["connection"]["checked_at"] == ok.json["checked_at"]

    # When the shop switches its webservice off
    shop.webservice_enabled = False
    failed = api.post(f"/accounts/{account_id}/check")

    # Then the check answers (200) with the reason, and the account shows it
    assert failed.status == 200
    assert failed.json["ok"] is False
    assert failed.json["message"].startswith(FAILED_PL + "webservice sklepu jest wyłączony")
    account = api.get(f"/accounts/{account_id}").json
    assert account["status"] == "error"
    assert account["connection"]["ok"] is False
    assert account["connection"]["message"] == failed.json["message"]
    logs = api.get(f"/accounts/{account_id}/logs").json["items"]
    assert [(e["action"], e["outcome"]) for e in logs[:2]] == [("account.checked", "error"), ("account.checked", "ok")]

    # and a good check restores it
    shop.webservice_enabled = True
    assert api.post(f"/accounts/{account_id}/check").json["ok"] is True
    assert api.get(f"/accounts/{account_id}").json["status"] == "connected"


# --- changing -------------------------------------------------------------------------------------


def test_patch_with_a_bad_key_changes_nothing(stack: Stack, shop: ShopSimulator, api: ApiClient):
    account_id = create_account(api, shop.url).json["id"]
    before = api.get(f"/accounts/{account_id}").json

    # When
    answer = api.patch(f"/accounts/{account_id}", {"api_key": UNKNOWN_KEY, "name": "Nowa nazwa"})

    # Then
    assert answer.status == 422
    assert answer.json["error"]["code"] == "connection_failed"
    assert "Authentification key is not active" in answer.json["error"]["message"]
    assert api.get(f"/accounts/{account_id}").json == before
    assert ssm_parameters(stack)[f"/shophub/test/accounts/{account_id}"] == KEY
    assert api.post(f"/accounts/{account_id}/check").json["ok"] is True  # the old key still works
    logs = api.get(f"/accounts/{account_id}/logs").json["items"]
    assert ("account.update_failed", "error") in [(e["action"], e["outcome"]) for e in logs]


def test_patch_with_a_good_key_replaces_it(stack: Stack, shop: ShopSimulator, api: ApiClient):
    account_id = create_account(api, shop.url).json["id"]
    shop.add_key(OTHER_KEY)
    receive(stack)

    answer = api.patch(f"/accounts/{account_id}", {"api_key": OTHER_KEY})

    assert answer.status == 200, answer.text
    assert answer.json["api_key"] == "••••3456"
    assert OTHER_KEY not in answer.text
    assert ssm_parameters(stack)[f"/shophub/test/accounts/{account_id}"] == OTHER_KEY
    assert receive(stack) == []  # same shop: no new discovery
    shop.remove_key(KEY)
    assert api.post(f"/accounts/{account_id}/check").json["ok"] is True


def test_patch_name_only_does_not_call_the_shop(shop: ShopSimulator, api: ApiClient):
    account_id = create_account(api, shop.url).json["id"]
    shop.reset_requests()

    answer = api.patch(f"/accounts/{account_id}", {"name": "Sklep główny"})

    assert answer.status == 200
    assert answer.json["name"] == "Sklep główny"
    assert shop.request_count == 0
    logs = api.get(f"/accounts/{account_id}/logs").json["items"]
    assert logs[0]["action"] == "account.updated"
    assert logs[0]["details"]["fields"] == ["name"]


def test_patch_to_another_shop_rechecks_and_reruns_discovery(stack: Stack, shop: ShopSimulator, api: ApiClient):
    account_id = create_account(api, shop.url).json["id"]
    receive(stack)
    with ShopSimulator(SimulatorConfig(key=KEY, products=1, combinations=0, orders=1)) as second:
        answer = api.patch(f"/accounts/{account_id}", {"shop_url": second.url + "/"})

        assert answer.status == 200, answer.text
        assert answer.json["shop_url"] == second.url
        assert answer.json["discovery"]["status"] == "pending"
        assert second.request_count == 1
    assert [json.loads(m["Body"])["account_id"] for m in receive(stack)] == [account_id]


def test_patch_to_an_unsafe_url_is_refused(stack: Stack, shop: ShopSimulator, api: ApiClient):
    account_id = create_account(api, shop.url).json["id"]
    install_account_service(stack, allow_local=False)
    shop.reset_requests()

    answer = api.patch(f"/accounts/{account_id}", {"shop_url": "https://169.254.169.254"})

    assert answer.status == 422
    assert answer.json["error"]["code"] == "invalid_shop_url"
    assert api.get(f"/accounts/{account_id}").json["shop_url"] == shop.url
    assert shop.request_count == 0


def _during_the_check(stack: Stack, action: Any) -> None:
    """Run ``action`` once, while the next connection check talks to the shop."""
    real = stack.container.connector_for_new_shop
    pending = [action]

    def connect(*args: Any, **kwargs: Any) -> Any:
        if pending:
            pending.pop()()
        return real(*args, **kwargs)

    install_account_service(stack, connect=connect)


def test_a_delete_during_a_key_change_is_not_undone(stack: Stack, shop: ShopSimulator, api: ApiClient):
    # Given an account whose key is being replaced, deleted while the new key is checked
    account_id = create_account(api, shop.url).json["id"]
    shop.add_key(OTHER_KEY)
    _during_the_check(stack, lambda: stack.container.account_service.delete("tenant-a", account_id))

    # When the key change finishes
    answer = api.patch(f"/accounts/{account_id}", {"api_key": OTHER_KEY})

    # Then it loses: the account stays deleted and no key is stored again
    assert answer.status == 409
    assert answer.json["error"]["code"] == "concurrent_update"
    assert api.get(f"/accounts/{account_id}").status == 404
    item = stack.table.get(keys.tenant_pk("tenant-a"), keys.account_sk(account_id))
    assert item is not None and item["status"] == "deleted"
    assert ssm_parameters(stack) == {}


def test_two_concurrent_key_changes_leave_the_winners_key(stack: Stack, shop: ShopSimulator, api: ApiClient):
    # Given a key change to OTHER_KEY, overtaken during its check by a change to a third key
    third = "THIRDKEYTHIRDKEYTHIRDKEYTHIRD777"
    account_id = create_account(api, shop.url).json["id"]
    shop.add_key(OTHER_KEY)
    shop.add_key(third)
    _during_the_check(stack, lambda: stack.container.account_service.update("tenant-a", account_id, api_key=third))

    # When the first change finishes
    answer = api.patch(f"/accounts/{account_id}", {"api_key": OTHER_KEY})

    # Then it loses, and the stored key is the one the account shows
    assert answer.status == 409
    assert api.get(f"/accounts/{account_id}").json["api_key"] == "••••" + third[-4:]
    assert ssm_parameters(stack)[f"/shophub/test/accounts/{account_id}"] == third
    shop.remove_key(third)


# --- deleting -------------------------------------------------------------------------------------


def test_delete_removes_key_and_configuration_but_keeps_orders(stack: Stack, shop: ShopSimulator, api: ApiClient):
    # Given an account with configuration, an import, a report and two imported orders
    account_id = create_account(api, shop.url).json["id"]
    pk = keys.account_pk(account_id)
    table = stack.table
    config_sks = [
        keys.DISCOVERY_SK,
        keys.ORDER_SETTINGS_SK,
        keys.FIELD_MAPPING_SK,
        keys.ORDER_CURSOR_SK,
        keys.mapping_set_sk("PAYMENT"),
        keys.template_sk("t1"),
        keys.offer_sk(1, 0),
        keys.import_sk("imp1"),
        keys.report_sk("2026-11-01T00:00:00.000000Z", "rep1"),
    ]
    for sk in config_sks:
        table.put({"PK": pk, "SK": sk, "note": "x"})
    table.put({"PK": keys.import_pk("imp1"), "SK": keys.import_item_sk(1), "status": "prepared"})
    table.put({"PK": keys.report_pk("rep1"), "SK": keys.report_entry_sk(0), "outcome": "ok"})
    for order_id in (1, 2):
        table.put({"PK": pk, "SK": keys.order_sk(order_id), "reference": f"REF{order_id}", "total": "12.50"})

    # When
    answer = api.delete(f"/accounts/{account_id}")

    # Then
    assert answer.status == 204
    assert answer.text == ""
    assert api.get(f"/accounts/{account_id}").status == 404
    assert api.get("/accounts").json["items"] == []
    assert api.delete(f"/accounts/{account_id}").status == 404
    assert ssm_parameters(stack) == {}
    left = {(i["PK"]["S"], i["SK"]["S"]) for i in table_items(stack)}
    assert not any(pk == p and sk in config_sks for p, sk in left)
    assert (keys.import_pk("imp1"), keys.import_item_sk(1)) not in left
    assert (keys.report_pk("rep1"), keys.report_entry_sk(0)) not in left
    for order_id in (1, 2):
        order = table.get(pk, keys.order_sk(order_id))
        assert order is not None
        assert order["account_deleted"] is True
        assert order["reference"] == f"REF{order_id}"
    account_item = table.get(keys.tenant_pk("tenant-a"), keys.account_sk(account_id))
    assert account_item is not None and account_item["status"] == "deleted"
    # the log entries stay (until they expire) and the deletion is logged for the tenant
    entries, _ = stack.container.activity.list("tenant-a", LogFilter(account_id=account_id))
    assert entries[0].action == "account.deleted"
    assert entries[0].details["kept_orders"] == 2
    tenant_entries, _ = stack.container.activity.list(tenant_id="tenant-a")
    assert [(e.action, e.account_id) for e in tenant_entries][:1] == [("account.deleted", account_id)]


# --- logs -------------------------------------------------------------------------------------------


def test_logs_are_newest_first_and_paged(stack: Stack, shop: ShopSimulator, api: ApiClient):
    account_id = create_account(api, shop.url).json["id"]
    for _ in range(4):
        api.post(f"/accounts/{account_id}/check")

    items: list[dict[str, Any]] = []
    token = ""
    while True:
        page = api.get(f"/accounts/{account_id}/logs", query=f"limit=2&next={token}" if token else "limit=2")
        assert page.status == 200
        assert len(page.json["items"]) <= 2
        items += page.json["items"]
        token = page.json["next"]
        if not token:
            break

    assert [e["action"] for e in items] == ["account.checked"] * 4 + ["account.created"]
    assert [e["at"] for e in items] == sorted((e["at"] for e in items), reverse=True)
    assert all(e["outcome"] == "ok" and e["actor"] == "default" for e in items)
    first = api.get(f"/accounts/{account_id}/logs", query="limit=2").json["next"]
    other_id = stored_account(stack, "https://other.example")
    assert api.get(f"/accounts/{other_id}/logs", query=f"next={first}").status == 400  # token of another list
    assert api.get(f"/accounts/{account_id}/logs", query="limit=101").status == 422
    expires = [i["expires_at"]["N"] for i in table_items(stack) if i["SK"]["S"].startswith("LOG#")]
    assert expires  # every entry expires (TTL)


# --- tenants and secrets --------------------------------------------------------------------------


def test_another_tenant_sees_nothing(stack: Stack, shop: ShopSimulator, api: ApiClient):
    account_id = create_account(api, shop.url).json["id"]
    other = client(stack.container.tokens.create("tenant-b"))
    shop.reset_requests()

    answers = {
        "get": other.get(f"/accounts/{account_id}"),
        "patch": other.patch(f"/accounts/{account_id}", {"name": "mine"}),
        "check": other.post(f"/accounts/{account_id}/check"),
        "discovery": other.get(f"/accounts/{account_id}/discovery"),
        "rediscover": other.post(f"/accounts/{account_id}/discovery"),
        "logs": other.get(f"/accounts/{account_id}/logs"),
        "delete": other.delete(f"/accounts/{account_id}"),
    }

    assert {name: a.status for name, a in answers.items()} == dict.fromkeys(answers, 404)
    assert all(a.json["error"]["code"] == "account_not_found" for a in answers.values())
    assert other.get("/accounts").json["items"] == []
    assert shop.request_count == 0
    assert api.get(f"/accounts/{account_id}").json["name"] == "Sklep"
    assert client(None).get(f"/accounts/{account_id}").status == 401


def test_the_key_never_leaves_in_answers_logs_or_errors(
    stack: Stack,
    shop: ShopSimulator,
    api: ApiClient,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
):
    # Given everything logged, at every level
    caplog.set_level(logging.DEBUG, logger="shophub")
    shop.add_key(OTHER_KEY)
    texts: list[str] = []

    # When the keys travel through every route, good and bad
    created = create_account(api, shop.url)
    account_id = created.json["id"]
    texts += [
        created.text,
        create_account(api, shop.url, UNKNOWN_KEY).text,
        create_account(api, "https://user:" + OTHER_KEY + "@shop.example", OTHER_KEY).text,
        api.patch(f"/accounts/{account_id}", {"api_key": UNKNOWN_KEY}).text,
        api.patch(f"/accounts/{account_id}", {"api_key": OTHER_KEY}).text,
        api.post(f"/accounts/{account_id}/check").text,
        api.get(f"/accounts/{account_id}").text,
        api.get("/accounts").text,
        api.get(f"/accounts/{account_id}/logs").text,
    ]
    shop.webservice_enabled = False
    texts.append(api.post(f"/accounts/{account_id}/check").text)
    check_error = stack.container.account_service.check_credentials(shop.url, UNKNOWN_KEY)

    # Then no key appears anywhere: answers, log records, stdout/stderr, stored items, errors
    out, err = capfd.readouterr()
    stored = json.dumps(table_items(stack))
    logged = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    for key in (KEY, OTHER_KEY, UNKNOWN_KEY):
        for text in (*texts, out, err, logged, stored, repr(check_error)):
            assert key not in text
    assert caplog.records  # the handler did log
