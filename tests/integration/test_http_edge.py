"""The HTTP edge shared by every function: the API's own description served without a token
(``GET /openapi.json``, ``GET /docs``), routes a function does not serve, and the local
gateway answering in the API's error shape for a path that matches no route of template.yaml."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from local.openapi import OPENAPI_PATH, PACKAGED_PATH
from local.stack.events import LambdaContext, http_api_event
from local.stack.gateway import Gateway
from local.stack.runtime import Invoker
from local.stack.template import load_stack
from shophub.http import EDGE_ERRORS, PUBLIC_ROUTES
from tests.support.api import ApiClient
from tests.support.aws import TestStack

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def gateway(stack: TestStack) -> Iterator[Gateway]:
    """The local stack's gateway in front of the template's functions (no server: ``handle``)."""
    yield Gateway(stack.stack.model, Invoker(stack))


def _call(gateway: Gateway, method: str, target: str, body: bytes = b"", **headers: str) -> tuple[int, dict, bytes]:
    answer = gateway.handle(method, target, list(headers.items()), body)
    return answer.status, {name.lower(): value for name, value in answer.headers}, answer.body


# --- the API's description --------------------------------------------------------------------


def test_the_openapi_document_is_served_without_a_token_as_committed(stack: TestStack) -> None:
    answer = ApiClient().get("/openapi.json")

    assert answer.status == 200
    assert answer.headers["content-type"].startswith("application/json")
    assert answer.json == json.loads(OPENAPI_PATH.read_text(encoding="utf-8"))


def test_the_layer_ships_the_committed_document() -> None:
    # make openapi writes both; the layer is shared/ (shared/Makefile copies shophub whole)
    assert PACKAGED_PATH.read_text(encoding="utf-8") == OPENAPI_PATH.read_text(encoding="utf-8")
    assert PACKAGED_PATH.is_relative_to(ROOT / "shared" / "shophub")
    assert 'cp -R shophub "$(TARGET)/"' in (ROOT / "shared" / "Makefile").read_text()


def test_the_docs_page_is_served_without_a_token_and_reads_the_document_beside_it(stack: TestStack) -> None:
    answer = ApiClient().get("/docs")

    assert answer.status == 200
    assert answer.headers["content-type"] == "text/html; charset=utf-8"
    assert 'new URL("openapi.json", base)' in answer.text
    assert "https://" not in answer.text  # self-contained: nothing from a CDN
    policy = answer.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "connect-src 'self'" in policy
    for tag in ("script", "style"):  # the inline blocks are allowed by their hashes, nothing else
        (block,) = re.findall(rf"<{tag}>(.*?)</{tag}>", answer.text, flags=re.DOTALL)
        digest = base64.b64encode(hashlib.sha256(block.encode()).digest()).decode()
        assert f"{tag}-src 'sha256-{digest}'" in policy


def test_public_routes_are_the_templates_routes_without_the_authorizer() -> None:
    declared = {(route.method, route.path) for route in load_stack("test").routes if route.public}

    assert declared == set(PUBLIC_ROUTES) == {("GET", "/health"), ("GET", "/openapi.json"), ("GET", "/docs")}


def test_the_document_describes_the_edges_errors_in_the_api_shape() -> None:
    document = json.loads(OPENAPI_PATH.read_text(encoding="utf-8"))
    schemas, responses = document["components"]["schemas"], document["components"]["responses"]

    assert "HTTPValidationError" not in schemas  # Powertools' shape: the API never answers it
    assert schemas["Error"]["properties"]["error"]["required"] == ["code", "message", "details"]
    for status, codes in EDGE_ERRORS.items():
        assert all(f"`{code}`" in responses[f"Error{status}"]["description"] for code in codes)
    stock = document["paths"]["/products/{pid}/stock"]["put"]["responses"]
    assert {s: r.get("$ref") for s, r in stock.items() if s >= "400"} == {
        str(s): f"#/components/responses/Error{s}" for s in (400, 401, 404, 413, 415, 422)
    }
    assert set(document["paths"]["/health"]["get"]["responses"]) == {"200"}  # no input, no token


# --- routes a function does not serve ---------------------------------------------------------


def _direct(method: str, path: str, *, language: str = "en") -> tuple[int, dict]:
    from functions.api import handler as api

    event = http_api_event(method, path, headers={"accept-language": language}, authorizer_context=None)
    answer = api.handler(event, LambdaContext("ApiFunction"))
    return answer["statusCode"], json.loads(answer["body"])


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [("GET", "/nowhere", 404, "not_found"), ("DELETE", "/hub/statuses", 405, "method_not_allowed")],
)
def test_a_function_answers_a_route_it_does_not_serve_in_the_api_shape_without_asking_for_a_token(
    stack: TestStack, method: str, path: str, status: int, code: str
) -> None:
    answer_status, body = _direct(method, path)

    assert answer_status == status
    assert body["error"]["code"] == code


def test_the_deployed_api_sends_what_no_route_matches_to_the_api_function() -> None:
    """API Gateway's own answer to an unmatched request is a bare ``{"message": "Not Found"}``;
    the template's ``$default`` route (an HttpApi event without Path and Method) on the api
    function makes it the contract's 404 / 405 (the test above)."""
    model = load_stack("test")
    (owner,) = [f for f in model.functions.values() if f.default_route]
    assert owner.name == "api"


def test_a_request_routed_by_default_is_a_404_in_the_api_shape(stack: TestStack) -> None:
    from functions.api import handler as api

    event = http_api_event("POST", "/accounts/x/nothing/here", route_key="$default", authorizer_context=None)
    answer = api.handler(event, LambdaContext("ApiFunction"))

    assert answer["statusCode"] == 404
    assert json.loads(answer["body"])["error"]["code"] == "not_found"


def test_a_cors_preflight_routed_by_default_is_a_204_without_a_token(stack: TestStack) -> None:
    """No route has OPTIONS: API Gateway hands a preflight to the ``$default`` route and adds the
    template's ``CorsConfiguration`` headers to the answer, which must be a 2xx for the browser."""
    from functions.api import handler as api

    headers = {"origin": "https://panel.example", "access-control-request-method": "PUT"}
    event = http_api_event("OPTIONS", "/hub/settings", headers=headers, route_key="$default", authorizer_context=None)
    answer = api.handler(event, LambdaContext("ApiFunction"))

    assert answer["statusCode"] == 204
    assert not answer.get("body")


# --- the local gateway ------------------------------------------------------------------------


@pytest.mark.parametrize(("language", "message"), [("pl", "Nie ma takiej ścieżki API."), ("en", "No such API route.")])
def test_the_gateway_answers_an_unknown_path_with_a_404_in_the_api_shape(
    gateway: Gateway, language: str, message: str
) -> None:
    status, headers, body = _call(gateway, "GET", "/nowhere/at/all?x=1", **{"Accept-Language": language})

    assert status == 404
    assert headers["content-type"] == "application/json"
    assert json.loads(body) == {"error": {"code": "not_found", "message": message, "details": []}}


def test_the_gateway_answers_a_wrong_method_with_a_405_naming_the_allowed_ones(gateway: Gateway) -> None:
    status, headers, body = _call(gateway, "DELETE", "/accounts", **{"Accept-Language": "en"})

    assert status == 405
    assert headers["allow"] == "GET, POST"
    assert json.loads(body)["error"] == {
        "code": "method_not_allowed",
        "message": "This operation is not allowed on this resource.",
        "details": [],
    }


def test_the_gateway_serves_the_docs_without_a_token(gateway: Gateway) -> None:
    status, _, body = _call(gateway, "GET", "/openapi.json")
    page_status, page_headers, _ = _call(gateway, "GET", "/docs")

    assert status == 200 and json.loads(body)["openapi"] == "3.1.0"
    assert page_status == 200 and page_headers["content-type"].startswith("text/html")


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b'{"quantity": ' + b"9" * 5001 + b"}", 400, "json_number_too_long"),
        (b"[" * 100_000 + b"]" * 100_000, 400, "json_too_deep"),
        # the gateway passes a JSON body as text, a byte that is not UTF-8 replaced by U+FFFD
        (b'{"quantity": "\xff"}', 422, "validation_failed"),
    ],
)
@pytest.mark.parametrize("token", [True, False])
def test_bodies_that_made_the_gateway_answer_500_are_refused_in_the_api_shape(
    stack: TestStack, gateway: Gateway, body: bytes, status: int, code: str, token: bool
) -> None:
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {stack.container.tokens.create('tenant-a')}"

    answer_status, _, answer = _call(gateway, "PUT", "/products/1/stock", body, **headers)

    expected = (status, code) if token else (401, "unauthorized")
    assert (answer_status, json.loads(answer)["error"]["code"]) == expected
