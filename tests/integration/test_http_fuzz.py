"""No request makes the API fail: every route of template.yaml, called through the authorizer
and its function with generated path parameters, query strings and bodies (random and
schema-shaped JSON, huge numbers, deep nesting, wrong types, NUL and other odd characters,
non-JSON bytes, base64, odd content types), with a valid token and without, never answers a
5xx, and every 4xx is in the API's error shape. Deterministic (derandomized, no example
database), so CI sees the same requests every run.

The regression tests below pin each failure the fuzz or the field found, on every route it
applies to."""

from __future__ import annotations

import base64
import copy
import dataclasses
import json

import pytest
from hypothesis import HealthCheck, Phase, given, settings

from local.stack.template import HttpRoute
from shophub.api.request_body import MAX_BODY_BYTES, MAX_DEPTH, MAX_NUMBER_CHARS
from tests.support.aws import TestStack
from tests.support.config import make_account, put_discovery
from tests.support.fuzz import (
    ROUTES,
    FuzzClient,
    FuzzRequest,
    body_schema,
    check_answer,
    loopback_only_lookups,
    requests,
    route_id,
)
from tests.support.stock import create_products

TENANT = "tenant-a"
#: Examples per route (each is two calls: with the token and without): more where a JSON body
#: is read, where most can go wrong. About 60 s for the 53 routes on a laptop core.
EXAMPLES_WITH_BODY = 75
EXAMPLES_WITHOUT_BODY = 20

FUZZ = settings(
    # No shrinking: each step would seed an account again (minutes); the failing request is
    # printed as generated, and it is deterministic.
    phases=[Phase.explicit, Phase.generate],
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)

JSON_ROUTES = [route for route in ROUTES if body_schema(route) is not None]


#: Placeholders for ids that exist: an account with discovery and a default template. After a
#: DELETE went through or a rule refused (409: an import is running, the template is the
#: default) the next request gets a new account, so what one example did does not turn all the
#: next ones into 404s and 409s.
ACCOUNT, TEMPLATE = "@account@", "@template@"
KNOWN = {"id": [ACCOUNT], "tid": [TEMPLATE], "pid": ["1", "2", "3"], "kind": ["payments", "carriers", "statuses"]}


def _seed_account(stack: TestStack, client: FuzzClient) -> dict[str, str]:
    account = make_account(stack, TENANT)
    put_discovery(stack, account.id)
    template = client.send(FuzzRequest("POST", f"/accounts/{account.id}/templates", body='{"name": "Domyślny"}'))
    return {ACCOUNT: account.id, TEMPLATE: template.json["id"]}


def _with_ids(request: FuzzRequest, ids: dict[str, str]) -> FuzzRequest:
    path = request.path
    for placeholder, value in ids.items():
        path = path.replace(placeholder, value)
    return dataclasses.replace(request, path=path)


@pytest.mark.parametrize("route", ROUTES, ids=route_id)
def test_no_request_makes_a_route_fail_or_answer_out_of_shape(
    stack: TestStack, route: HttpRoute, monkeypatch: pytest.MonkeyPatch
) -> None:
    loopback_only_lookups(monkeypatch)
    with_token = FuzzClient(token=stack.container.tokens.create(TENANT))
    anonymous = copy.copy(with_token)
    anonymous.token = None
    create_products(stack, TENANT, range(1, 4), stock=2)
    ids = [_seed_account(stack, with_token)]

    examples = EXAMPLES_WITH_BODY if body_schema(route) else EXAMPLES_WITHOUT_BODY

    @settings(FUZZ, max_examples=examples)
    @given(request=requests(route, KNOWN))
    def run(request: FuzzRequest) -> None:
        request = _with_ids(request, ids[0])

        answer = with_token.send(request)
        check_answer(answer, request)
        changed = answer.status == 409 or (answer.status < 300 and route.method == "DELETE")
        if changed and route.path.startswith("/accounts/{id}"):
            ids[0] = _seed_account(stack, with_token)

        answer = anonymous.send(request)
        check_answer(answer, request)
        if route.public:
            assert answer.status == 200, answer.text[:300]
        else:  # the tenant is checked first; only a path no route of the function takes is 404
            code = answer.json["error"]["code"]
            assert (answer.status, code) in ((401, "unauthorized"), (404, "not_found")), answer.text[:300]

    run()


# --- regressions: bodies that used to answer 500 (or not in the API's shape) ---------------------


def _path(route: HttpRoute) -> str:
    return route.path.replace("{kind}", "payments").replace("{", "").replace("}", "")


HOSTILE = {
    # ValueError: Exceeds the limit (4300 digits) for integer string conversion
    "integer of 5,001 digits": ('{"quantity": ' + "9" * 5001 + "}", 400, "json_number_too_long"),
    "integer of 101 digits": ("[" + "1" * (MAX_NUMBER_CHARS + 1) + "]", 400, "json_number_too_long"),
    # RecursionError in json.loads
    "arrays nested 100,000 deep": ("[" * 100_000 + "]" * 100_000, 400, "json_too_deep"),
    "objects nested 10,000 deep": ('{"a":' * 10_000 + "1" + "}" * 10_000, 400, "json_too_deep"),
    "one level too deep": ("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), 400, "json_too_deep"),
    "unterminated, deep": ("[" * 100_000, 400, "json_too_deep"),
    "too large": ('{"name": "' + "x" * MAX_BODY_BYTES + '"}', 413, "body_too_large"),
    "malformed": ("{", 400, "malformed_json"),
    "NaN": ('{"quantity": NaN}', 400, "malformed_json"),
    "a float out of range": ('{"quantity": 1e999}', 400, "malformed_json"),
    "an unpaired surrogate": ('{"name": "\\ud800"}', 400, "malformed_json"),
    "an array": ("[1, 2]", 422, "body_not_object"),
    "a string": ('"x"', 422, "body_not_object"),
    "null": ("null", 422, "body_not_object"),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_json_bodies_are_refused_in_the_api_shape_on_every_json_route(stack: TestStack, case: str) -> None:
    body, status, code = HOSTILE[case]
    client = FuzzClient(token=stack.container.tokens.create(TENANT), language="en")
    anonymous = FuzzClient()

    for route in JSON_ROUTES:
        answer = client.send(FuzzRequest(route.method, _path(route), body=body))
        refused = anonymous.send(FuzzRequest(route.method, _path(route), body=body))

        check_answer(answer)
        assert (answer.status, answer.json["error"]["code"]) == (status, code), (route, answer.text[:300])
        assert (refused.status, refused.json["error"]["code"]) == (401, "unauthorized"), route


ENCODED = {
    "invalid UTF-8 in base64": (
        base64.b64encode(b'{"name": "\xff\xfe"}').decode(),
        "application/json",
        400,
        "body_not_utf8",
    ),
    "not base64": ("%%%not base64%%%", "application/json", 400, "body_not_base64"),
    "plain text": (None, "text/plain", 415, "unsupported_media_type"),
    "a form": (None, "application/x-www-form-urlencoded", 415, "unsupported_media_type"),
    "JSON in latin-1": (None, "application/json; charset=latin-1", 415, "unsupported_media_type"),
}


@pytest.mark.parametrize("case", list(ENCODED))
def test_bodies_in_another_encoding_or_format_are_refused_on_every_json_route(stack: TestStack, case: str) -> None:
    encoded, content_type, status, code = ENCODED[case]
    client = FuzzClient(token=stack.container.tokens.create(TENANT))

    for route in JSON_ROUTES:
        request = FuzzRequest(route.method, _path(route), content_type=content_type, body='{"name": "x"}')
        request.base64_body = encoded

        answer = client.send(request)

        check_answer(answer)
        assert (answer.status, answer.json["error"]["code"]) == (status, code), (route, answer.text[:300])


@pytest.mark.parametrize(
    ("language", "code", "body", "message"),
    [
        (
            None,
            "json_too_deep",
            "[" * 50 + "]" * 50,
            f"Dokument JSON jest zagnieżdżony zbyt głęboko (dozwolona głębokość: {MAX_DEPTH}).",
        ),
        (
            "en",
            "json_too_deep",
            "[" * 50 + "]" * 50,
            f"The JSON document is nested too deeply (at most {MAX_DEPTH} levels are allowed).",
        ),
        (
            "pl",
            "json_number_too_long",
            "[" + "9" * 5001 + "]",
            f"Liczba w dokumencie JSON jest za długa (dozwolona długość: {MAX_NUMBER_CHARS}).",
        ),
        (
            "en",
            "json_number_too_long",
            "[" + "9" * 5001 + "]",
            f"A number in the JSON document is too long (at most {MAX_NUMBER_CHARS} characters are allowed).",
        ),
        (
            "pl",
            "body_too_large",
            "[" + "1," * MAX_BODY_BYTES + "1]",
            "Treść żądania jest za duża (dozwolony rozmiar: 256 KB).",
        ),
        (
            "en",
            "body_too_large",
            "[" + "1," * MAX_BODY_BYTES + "1]",
            "The request body is too large (at most 256 KB are allowed).",
        ),
        ("pl", "body_not_object", "[]", "Treść żądania musi być obiektem JSON ({…})."),
        ("en", "body_not_object", "[]", "The request body must be a JSON object ({…})."),
    ],
)
def test_refusals_speak_the_callers_language(
    stack: TestStack, language: str | None, code: str, body: str, message: str
) -> None:
    client = FuzzClient(token=stack.container.tokens.create(TENANT), language=language)

    answer = client.send(FuzzRequest("POST", "/hub/statuses", body=body))

    assert answer.json["error"]["code"] == code
    assert answer.json["error"]["message"] == message


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("pl", "Nieobsługiwany typ treści żądania: „text/plain”. Wyślij dane jako application/json (UTF-8)."),
        ("en", 'Unsupported request content type: "text/plain". Send the data as application/json (UTF-8).'),
    ],
)
def test_a_body_that_is_not_json_is_415_naming_the_type(stack: TestStack, language: str, message: str) -> None:
    client = FuzzClient(token=stack.container.tokens.create(TENANT), language=language)

    answer = client.send(FuzzRequest("PUT", "/products/1/stock", content_type="text/plain", body='{"quantity": 1}'))

    assert answer.status == 415
    assert answer.json == {"error": {"code": "unsupported_media_type", "message": message, "details": []}}


def test_a_valid_body_still_goes_through_with_a_json_content_type_variant(stack: TestStack) -> None:
    create_products(stack, TENANT, [7])
    client = FuzzClient(token=stack.container.tokens.create(TENANT))
    for content_type in ("application/json", "application/json; charset=UTF-8", "application/merge-patch+json", ""):
        request = FuzzRequest("PUT", "/products/7/stock", content_type=content_type, body=json.dumps({"quantity": 3}))

        answer = client.send(request)

        assert answer.status == 202, (content_type, answer.text)
    encoded = FuzzRequest("PUT", "/products/7/stock", base64_body=base64.b64encode(b'{"quantity": 4}').decode())
    assert client.send(encoded).json["quantity"] == 4


# --- regressions: values validation let through that failed further down (found by the fuzz) ----


@pytest.mark.parametrize(
    "filters",
    [
        {"ids": [10**60]},  # decimal.Rounded: DynamoDB keeps 38 digits
        {"id_from": 10**39},
        {"id_from": 1, "id_to": 2**64},
        {"ids": [4_294_967_296]},  # one past the largest PrestaShop id
    ],
)
def test_an_import_of_shop_ids_no_shop_can_have_is_refused(stack: TestStack, filters: dict[str, object]) -> None:
    client = FuzzClient(token=stack.container.tokens.create(TENANT), language="en")
    ids = _seed_account(stack, client)

    answer = client.send(
        FuzzRequest(
            "POST", f"/accounts/{ids[ACCOUNT]}/imports", body=json.dumps({"mode": "import", "filters": filters})
        )
    )

    check_answer(answer)
    assert answer.status == 422
    assert answer.json["error"]["details"][0]["message"] == "The value is too large."


@pytest.mark.parametrize("moment", ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59"])
@pytest.mark.parametrize(
    ("language", "message"), [("pl", "Data jest poza dozwolonym zakresem."), ("en", "The date is out of range.")]
)
def test_a_fetch_start_that_utc_cannot_hold_is_invalid(
    stack: TestStack, moment: str, language: str, message: str
) -> None:
    client = FuzzClient(token=stack.container.tokens.create(TENANT), language=language)
    ids = _seed_account(stack, client)

    answer = client.send(
        FuzzRequest("PUT", f"/accounts/{ids[ACCOUNT]}/order-settings", body=json.dumps({"fetch_from": moment}))
    )

    assert answer.status == 422  # was OverflowError in the service's astimezone(UTC)
    assert answer.json["error"]["details"] == [{"field": "fetch_from", "message": message}]


def test_a_links_file_whose_header_the_csv_reader_cannot_read_is_refused(stack: TestStack) -> None:
    client = FuzzClient(token=stack.container.tokens.create(TENANT), language="en")
    ids = _seed_account(stack, client)
    text = "hub_product_id," + "x" * 200_000 + "\n1,2\n"

    answer = client.send(
        FuzzRequest("POST", f"/accounts/{ids[ACCOUNT]}/links/file", content_type="text/csv", body=text)
    )

    check_answer(answer)  # was _csv.Error: field larger than field limit (131072), read outside any handler
    assert answer.status == 422
