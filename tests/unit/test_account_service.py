"""The connection check's rules that need no shop: URL and key refusals, permission needs,
failure descriptions and their messages (no network: DNS is injected, no connector is built)."""

from __future__ import annotations

import re
import string
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from shophub.connectors import profile_for
from shophub.domain.shop import (
    ShopCarrier,
    ShopCurrency,
    ShopDiscovery,
    ShopInfo,
    ShopOrderState,
    ShopPaymentModule,
)
from shophub.errors import (
    ShopApiDisabledError,
    ShopAuthError,
    ShopBlockedError,
    ShopError,
    ShopMethodNotSupportedError,
    ShopNotFoundError,
    ShopPermissionError,
    ShopRateLimitedError,
    ShopResponseError,
    ShopServerError,
    ShopTimeoutError,
    ShopTlsError,
    ShopUnreachableError,
)
from shophub.http import error_body
from shophub.i18n import MESSAGES, messages_accounts, translate
from shophub.services.accounts import (
    AccountService,
    ConnectionCheck,
    ConnectionCheckFailedError,
    describe_shop_error,
)
from shophub.services.discovery import to_account_discovery

KEY = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
ALL_METHODS = frozenset({"GET", "PUT", "POST", "PATCH", "DELETE", "HEAD"})


class NoShop:
    """A connector factory that must never be reached: these checks fail before any request."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        raise AssertionError("a connector was built, so a request would have left")


def resolver(host: str, port: int) -> list[str]:
    return {
        "shop.example": ["93.184.215.14"],
        "private.example": ["10.1.2.3"],
        "cgnat.example": ["100.64.0.7"],
        "mixed.example": ["93.184.215.14", "172.16.0.1"],
        "mapped.example": ["::ffff:127.0.0.1"],
    }[host]


def service(*, allow_local: bool = False) -> tuple[AccountService, NoShop]:
    factory = NoShop()
    svc = AccountService(
        accounts=None,  # type: ignore[arg-type]
        secrets=None,  # type: ignore[arg-type]
        activity=None,  # type: ignore[arg-type]
        discovery=None,  # type: ignore[arg-type]
        connect=factory,
        allow_local=allow_local,
        resolver=resolver,
    )
    return svc, factory


PERMISSION_NEEDS = profile_for("prestashop").permissions
missing_permissions = profile_for("prestashop").missing_permissions


def everything() -> dict[str, frozenset[str]]:
    return {need.resource: ALL_METHODS for need in PERMISSION_NEEDS}


# --- permissions -------------------------------------------------------------------------------------


def test_a_key_with_every_needed_right_misses_nothing():
    assert missing_permissions(everything()) == ([], [])


def test_stock_needs_read_and_patch_or_put():
    granted = everything()
    granted["stock_availables"] = frozenset({"GET", "PUT"})
    assert missing_permissions(granted) == ([], [])

    granted["stock_availables"] = frozenset({"GET"})
    assert missing_permissions(granted) == (["stock_availables:PATCH|PUT"], [])

    del granted["stock_availables"]
    assert missing_permissions(granted) == (["stock_availables:GET", "stock_availables:PATCH|PUT"], [])


@pytest.mark.parametrize(
    ("resource", "essential"),
    [
        ("orders", True),
        ("order_details", True),
        ("order_states", True),
        ("carriers", True),
        ("customers", True),
        ("addresses", True),
        ("configurations", True),
        ("products", True),
        ("combinations", True),
        ("shops", True),
        ("currencies", True),
        ("product_option_values", False),
        ("order_histories", False),
        ("order_carriers", False),
        ("customer_threads", False),
        ("customer_messages", False),
    ],
)
def test_which_resources_are_essential(resource: str, essential: bool):
    granted = everything()
    del granted[resource]

    must, may = missing_permissions(granted)

    assert bool(must) is essential
    assert bool(may) is not essential
    assert all(name.startswith(resource + ":") for name in must + may)


def test_permission_names_are_lower_case_methods_are_upper_case():
    for need in PERMISSION_NEEDS:
        assert re.fullmatch(r"[a-z_]+:[A-Z]+(\|[A-Z]+)*", need.name), need.name


# --- refused before any request ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "reason", "host"),
    [
        ("http://shop.example", "check_url_not_https", None),
        ("ftp://shop.example", "check_url_not_https", None),
        ("shop.example", "check_url_not_https", None),
        ("", "check_url_malformed", None),
        ("https://user:pass@shop.example", "check_url_malformed", None),
        ("https://shop.example/?ws_key=x", "check_url_malformed", None),
        ("https://shop.example/#top", "check_url_malformed", None),
        ("https://shop .example", "check_url_malformed", None),
        ("http://127.0.0.1:8080", "check_url_not_https", None),
        ("https://127.0.0.1", "check_url_not_public", "127.0.0.1"),
        ("https://localhost", "check_url_not_public", "localhost"),
        ("https://169.254.169.254/latest/meta-data", "check_url_not_public", "169.254.169.254"),
        ("https://10.0.0.1", "check_url_not_public", "10.0.0.1"),
        ("https://192.168.1.1", "check_url_not_public", "192.168.1.1"),
        ("https://[::1]", "check_url_not_public", "::1"),
        ("https://[fe80::1]", "check_url_not_public", "fe80::1"),
        ("https://private.example", "check_url_not_public", "private.example"),
        ("https://cgnat.example", "check_url_not_public", "cgnat.example"),
        ("https://mixed.example", "check_url_not_public", "mixed.example"),
        ("https://mapped.example", "check_url_not_public", "mapped.example"),
    ],
)
def test_unsafe_urls_are_refused_without_a_request(url: str, reason: str, host: str | None):
    svc, factory = service()

    check = svc.check_credentials(url, KEY)

    assert not check.ok
    assert check.code == "invalid_shop_url"
    assert check.at_fault == "shop_url"
    assert check.problem is not None and check.problem.reason == reason
    if host is not None:
        assert check.problem.params["host"] == host
        assert host in check.message("pl")
    assert factory.calls == 0


def test_local_mode_allows_plain_http_to_loopback_only():
    svc, factory = service(allow_local=True)

    with pytest.raises(AssertionError, match="a connector was built"):
        svc.check_credentials("http://127.0.0.1:8081", KEY)

    assert svc.check_credentials("http://shop.example", KEY).problem.reason == "check_url_not_https"  # type: ignore[union-attr]
    assert svc.check_credentials("https://10.0.0.1", KEY).problem.reason == "check_url_not_public"  # type: ignore[union-attr]
    assert factory.calls == 1


@pytest.mark.parametrize(
    ("key", "reason", "params"),
    [
        ("", "check_key_length", {"length": "0"}),
        (KEY[:31], "check_key_length", {"length": "31"}),
        (KEY + "6", "check_key_length", {"length": "33"}),
        (KEY[:31] + "!", "check_key_characters", {}),
        (KEY[:31] + "ł", "check_key_characters", {}),
    ],
)
def test_a_key_that_is_not_32_letters_and_digits_is_refused_without_a_request(
    key: str, reason: str, params: dict[str, str]
):
    svc, factory = service()

    check = svc.check_credentials("https://shop.example", key)

    assert check.code == "connection_failed"
    assert check.at_fault == "api_key"
    assert check.problem is not None
    assert (check.problem.reason, check.problem.params) == (reason, params)
    assert factory.calls == 0


def test_the_url_is_checked_before_the_key():
    svc, _ = service()

    check = svc.check_credentials("http://shop.example", "short")

    assert check.problem is not None and check.problem.reason == "check_url_not_https"


def test_an_unresolvable_name_is_unreachable():
    def failing(host: str, port: int) -> list[str]:
        raise OSError("Name or service not known")

    svc, factory = service()
    svc.resolver = failing

    check = svc.check_credentials("https://no-such-shop.example", KEY)

    assert check.code == "connection_failed"
    assert check.problem is not None and check.problem.reason == "check_unreachable"
    assert "no-such-shop.example" in check.message("en")
    assert factory.calls == 0


# --- describing shop failures -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "reason", "field"),
    [
        (ShopUnreachableError("connection refused"), "check_unreachable", "shop_url"),
        (ShopTimeoutError("read timeout"), "check_timeout", "shop_url"),
        (ShopTlsError("certificate verify failed"), "check_tls", "shop_url"),
        (
            ShopApiDisabledError("503", shop_messages=("The webservice is disabled",)),
            "check_webservice_disabled",
            "shop_url",
        ),
        (ShopRateLimitedError("429"), "check_rate_limited", "shop_url"),
        (ShopServerError("HTTP 500"), "check_server_error", "shop_url"),
        (ShopAuthError("401", shop_messages=("Authentification key is not active",)), "check_auth", "api_key"),
        (ShopPermissionError("401 code 26"), "check_permission_denied", "api_key"),
        (ShopNotFoundError("404"), "check_not_found", "shop_url"),
        (ShopBlockedError("403 without a body"), "check_blocked", "shop_url"),
        (ShopResponseError("HTML instead of XML"), "check_bad_response", "shop_url"),
        (ShopMethodNotSupportedError("405 code 23"), "check_shop_error", "shop_url"),
    ],
)
def test_each_shop_failure_has_its_own_reason(error: ShopError, reason: str, field: str):
    problem, at_fault = describe_shop_error(error)

    assert (problem.reason, at_fault) == (reason, field)
    assert problem.params["detail"] == error.shop_message


def test_the_shops_own_words_are_kept_and_the_key_scrubbed():
    error = ShopAuthError("401", shop_messages=(f"Key {KEY} is not active", "No permission"))

    problem, _ = describe_shop_error(error, KEY)

    assert problem.params["detail"] == "Key *** is not active; No permission"


# --- messages -------------------------------------------------------------------------------------------


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_accounts_message_exists_in_both_languages_with_the_same_placeholders():
    for key, entry in messages_accounts.MESSAGES.items():
        assert set(entry) == {"pl", "en"}, key
        assert _placeholders(entry["pl"]) == _placeholders(entry["en"]), key


def test_every_reason_the_service_can_store_has_a_message():
    reasons = {
        "check_url_malformed",
        "check_url_not_https",
        "check_url_not_public",
        "check_key_length",
        "check_key_characters",
        "check_missing_permissions",
        "check_secret_missing",
        "check_shop_error",
        "discovery_not_queued",
        "internal_error",
    }
    reasons |= {
        describe_shop_error(cls("x"))[0].reason
        for cls in (
            ShopUnreachableError,
            ShopTimeoutError,
            ShopTlsError,
            ShopApiDisabledError,
            ShopRateLimitedError,
            ShopServerError,
            ShopAuthError,
            ShopPermissionError,
            ShopNotFoundError,
            ShopBlockedError,
            ShopResponseError,
        )
    }
    assert reasons <= set(MESSAGES)


def test_check_answers_in_both_languages():
    ok = ConnectionCheck(ok=True, shop_url="https://shop.example")
    assert (ok.message("pl"), ok.message("en")) == ("Połączenie jest poprawne.", "Connection is correct.")

    partial = ConnectionCheck(ok=True, shop_url="https://shop.example", optional_missing=["customer_threads:POST"])
    assert partial.message("pl").startswith("Połączenie jest poprawne. ")
    assert "customer_threads:POST" in partial.message("en")

    svc, _ = service()
    failed = svc.check_credentials("https://shop.example", "short")
    assert failed.message("pl") == (
        "Wpisane dane integracyjne są niepoprawne. Komunikat błędu API: klucz API musi mieć dokładnie 32 znaki (ma 5)"
    )
    assert failed.message("en") == (
        "The integration details are incorrect. API error message: the API key must be exactly 32 characters long "
        "(it has 5)"
    )


@pytest.mark.parametrize("language", ["pl", "en"])
def test_a_failed_check_renders_as_the_contracts_422(language: str):
    svc, _ = service()
    check = svc.check_credentials("http://shop.example", KEY)

    error = ConnectionCheckFailedError(check, language)
    body = error_body(error, language)

    assert error.status == 422
    assert body["error"]["code"] == "invalid_shop_url"
    assert body["error"]["message"] == translate(
        "invalid_shop_url", language, detail=translate("check_url_not_https", language)
    )
    assert body["error"]["message"].startswith(
        "Wpisane dane integracyjne są niepoprawne." if language == "pl" else "The integration details are incorrect."
    )
    assert body["error"]["details"] == [{"field": "shop_url", "message": check.detail(language)}]
    assert KEY not in str(error) and KEY not in repr(body)


def test_discovery_is_stored_with_every_field_the_hub_keeps():
    at = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    state = ShopOrderState(
        id=4,
        name="Wysłane",
        shipped=True,
        invoice=True,
        logable=True,
        deleted=True,
        module_name="ps_x",
        color="#8A2BE2",
    )
    found = ShopDiscovery(
        order_states=[state],
        carriers=[ShopCarrier(carrier_key=2, id=7, name="Kurier", active=False)],
        payment_modules=[ShopPaymentModule(module="ps_wirepayment", name="Przelew", orders=12, labels=["Bank wire"])],
        timezone="Europe/Warsaw",
        standard_states={"PS_OS_SHIPPING": 4},
        shops=[ShopInfo(id=1, name="Sklep", shop_group_id=3, active=True)],
        currencies=[ShopCurrency(id=1, iso_code="PLN", name="złoty", active=True, conversion_rate=Decimal("1"))],
        analyzed_orders=12,
    )

    stored = to_account_discovery("acc-1", found, at).model_dump(mode="json")

    assert stored == {
        "account_id": "acc-1",
        "payment_methods": [{"module": "ps_wirepayment", "name": "Przelew", "orders": 12, "labels": ["Bank wire"]}],
        "carriers": [{"carrier_key": 2, "id": 7, "name": "Kurier", "active": False}],
        "order_states": [
            {
                "id": 4,
                "name": "Wysłane",
                "paid": False,
                "shipped": True,
                "delivery": False,
                "invoice": True,
                "hidden": False,
                "deleted": True,
                "module_name": "ps_x",
                "color": "#8A2BE2",
            }
        ],
        "timezone": "Europe/Warsaw",
        "analyzed_orders": 12,
        "shops": [{"id": 1, "name": "Sklep", "shop_group_id": 3, "active": True}],
        "currencies": [{"id": 1, "iso_code": "PLN", "name": "złoty", "active": True}],
        "os_states": {"PS_OS_SHIPPING": 4},
        "refreshed_at": "2026-11-27T12:00:00Z",
    }
