"""Every domain error maps to one status and the API's error shape, in Polish and English."""

from __future__ import annotations

import importlib
import inspect

import pytest

from shophub import errors
from shophub.errors import FieldProblem, ShopAuthError, ShopHubError, ValidationError
from shophub.http import error_body
from shophub.i18n import MESSAGES, pick_language, translate

ERROR_CLASSES = [cls for _, cls in inspect.getmembers(errors, inspect.isclass) if issubclass(cls, ShopHubError)]


@pytest.mark.parametrize("cls", ERROR_CLASSES, ids=lambda c: c.__name__)
def test_each_error_has_a_status_and_messages_in_both_languages(cls):
    error = cls("detail text")

    assert 400 <= error.status <= 599
    assert error.message_key in MESSAGES, f"{cls.__name__}: no message {error.message_key}"
    for language in ("pl", "en"):
        body = error_body(error, language)
        assert set(body["error"]) == {"code", "message", "details"}
        assert body["error"]["code"] == error.code
        assert body["error"]["message"]


EXPECTED_STATUS = {
    "BadRequestError": 400,
    "UnauthorizedError": 401,
    "NotFoundError": 404,
    "MethodNotAllowedError": 405,
    "ConflictError": 409,
    "ValidationError": 422,
    "ShopTimeoutError": 502,
    "ShopAuthError": 502,
    "UnsafeShopUrlError": 422,
}


@pytest.mark.parametrize("name,status", EXPECTED_STATUS.items())
def test_statuses_follow_the_contract(name, status):
    assert getattr(errors, name)().status == status


def test_transient_and_permanent_shop_errors_stay_distinguishable():
    assert errors.ShopTimeoutError().retryable
    assert errors.ShopRateLimitedError(retry_after=3).retryable
    assert not errors.ShopAuthError().retryable
    assert not errors.ShopResponseError().retryable


def test_validation_details_are_rendered_as_field_and_message():
    error = ValidationError("bad", details=[FieldProblem("items[0].hub_id", "unknown")])

    assert error_body(error, "en")["error"]["details"] == [{"field": "items[0].hub_id", "message": "unknown"}]


def test_shop_errors_show_the_shops_own_message():
    error = ShopAuthError(
        "401", http_status=401, shop_codes=(20, 21), shop_messages=("Authentification key is not active",)
    )

    assert "Authentification key is not active" in error_body(error, "en")["error"]["message"]
    assert "Authentification key is not active" in error_body(error, "pl")["error"]["message"]


@pytest.mark.parametrize(
    "header,expected",
    [
        (None, "pl"),
        ("", "pl"),
        ("en", "en"),
        ("en-GB,en;q=0.9", "en"),
        ("pl-PL", "pl"),
        ("de", "pl"),
        ("pl;q=0.5, en;q=0.8", "en"),
        ("fr, en;q=0.1", "en"),
    ],
)
def test_language_is_picked_from_accept_language(header, expected):
    assert pick_language(header) == expected


def test_every_message_has_polish_and_english():
    for module in (
        "messages",
        "messages_accounts",
        "messages_config",
        "messages_catalog",
        "messages_stock",
        "messages_orders",
    ):
        catalogue = importlib.import_module(f"shophub.i18n.{module}").MESSAGES
        for key, texts in catalogue.items():
            assert texts.get("pl") and texts.get("en"), f"{module}.{key}"


def test_missing_placeholders_do_not_crash():
    assert "{detail}" in translate("shop_error", "en")
