"""The Lambda authorizer resolves bearer tokens to tenants; the API refuses requests without one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from local.stack.events import LambdaContext, authorizer_event, http_api_event
from shophub.store.tokens import TokenNameTaken, TokenNotFound, TokenRepository, hash_token
from tests.support.api import ApiClient


def decide(headers: dict[str, str]) -> dict:
    from functions.authorizer.handler import handler as authorizer  # imported with the stack's environment

    return authorizer(authorizer_event(headers, "GET /hub/statuses", "/hub/statuses"), LambdaContext("authorizer"))


def test_good_token_resolves_to_its_tenant(stack):
    token = stack.container.tokens.create("acme", name="ci")

    decision = decide({"Authorization": f"Bearer {token}"})

    assert decision == {"isAuthorized": True, "context": {"tenant_id": "acme", "token_name": "ci"}}


def test_operators_token_resolves_to_an_operator_without_a_tenant(stack):
    token = stack.container.tokens.create_operator("alice")

    decision = decide({"Authorization": f"Bearer {token}"})

    assert decision == {"isAuthorized": True, "context": {"tenant_id": "", "token_name": "alice", "role": "operator"}}


def test_revoked_operators_token_gives_no_operator(stack):
    token = stack.container.tokens.create_operator("alice")
    stack.container.tokens.revoke_named("alice")

    assert decide({"Authorization": f"Bearer {token}"})["context"] == {"tenant_id": "", "token_name": ""}


def test_token_is_stored_only_as_a_hash(stack):
    token = stack.container.tokens.create("acme")

    items = stack.container.dynamodb.scan(TableName=stack.stack.table_name)["Items"]

    assert token not in repr(items)
    assert any(item["PK"]["S"].startswith("TOKEN#") for item in items)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": ""},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer shk_not-a-real-token"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
    ],
)
def test_missing_or_wrong_token_gives_no_tenant(stack, headers):
    stack.container.tokens.create("acme")

    assert decide(headers)["context"]["tenant_id"] == ""


def test_revoked_token_gives_no_tenant(stack):
    token = stack.container.tokens.create("acme")
    stack.container.tokens.revoke(token)

    assert decide({"Authorization": f"Bearer {token}"})["context"]["tenant_id"] == ""


@pytest.mark.parametrize(
    "language,text", [("pl", "Brak lub nieprawidłowy token"), ("en", "Missing or invalid access token")]
)
def test_api_answers_401_in_the_error_shape(stack, language, text):
    stack.container.tokens.create("acme")

    for token in (None, "shk_wrong"):
        answer = ApiClient(token=token, language=language).get("/hub/statuses")

        assert answer.status == 401
        assert answer.json["error"]["code"] == "unauthorized"
        assert answer.json["error"]["message"].startswith(text)
        assert answer.json["error"]["details"] == []


def test_revoked_token_is_refused_by_the_api(stack):
    token = stack.container.tokens.create("acme")
    assert ApiClient(token=token).get("/hub/statuses").status != 401
    stack.container.tokens.revoke(token)

    assert ApiClient(token=token).get("/hub/statuses").status == 401


def test_health_needs_no_token(stack):
    answer = ApiClient().get("/health")

    assert answer.status == 200
    assert answer.json == {"status": "ok", "version": answer.json["version"]}


def test_public_route_stays_public_behind_a_named_stage(stack):
    """Deployed, the HTTP API's stage prefixes rawPath (``/dev/health``)."""
    from functions.api.handler import handler as api

    event = http_api_event("GET", "/dev/health", route_key="GET /health", stage="dev")

    answer = api(event, LambdaContext("api"))

    assert answer["statusCode"] == 200


def test_an_expired_token_is_refused_by_the_api_with_its_normal_401(stack):
    # Given a token that expired yesterday (created 91 days ago, valid for 90) and one still valid
    past = datetime.now(UTC) - timedelta(days=91)
    tokens = TokenRepository(stack.table, clock=lambda: past)
    expired = tokens.create("acme", name="old", expires_in_days=90)
    valid = tokens.create("acme", name="long", expires_in_days=365)

    # Then the authorizer gives the expired one no tenant and the API answers its usual 401
    assert decide({"Authorization": f"Bearer {expired}"})["context"]["tenant_id"] == ""
    answer = ApiClient(token=expired, language="en").get("/hub/statuses")
    assert answer.status == 401
    assert answer.json["error"] == {
        "code": "unauthorized",
        "message": "Missing or invalid access token.",
        "details": [],
    }
    assert decide({"Authorization": f"Bearer {valid}"})["context"] == {"tenant_id": "acme", "token_name": "long"}


def test_a_token_revoked_by_name_is_refused(stack):
    token = stack.container.tokens.create("acme", name="ci")
    stack.container.tokens.create("acme", name="other")

    revoked = stack.container.tokens.revoke_named("ci")

    assert revoked.name == "ci" and revoked.revoked_at
    assert ApiClient(token=token).get("/hub/statuses").status == 401
    with pytest.raises(TokenNotFound):
        stack.container.tokens.revoke_named("nope")


def test_tokens_are_named_uniquely_and_listed_without_the_token(stack):
    today = datetime.now(UTC).date().isoformat()
    tokens = stack.container.tokens

    plain = [tokens.create("acme") for _ in range(3)] + [tokens.create("acme", name="ci", expires_in_days=30)]

    listed = tokens.list()
    assert sorted(t.name for t in listed) == sorted(["ci", f"acme-{today}", f"acme-{today}-2", f"acme-{today}-3"])
    assert {t.tenant_id for t in listed} == {"acme"}
    ci = next(t for t in listed if t.name == "ci")
    assert ci.expires_at and ci.expires_at[:10] == (datetime.now(UTC) + timedelta(days=30)).date().isoformat()
    assert all(t.expires_at is None for t in listed if t.name != "ci")
    assert not any(secret in repr(listed) for p in plain for secret in (p, hash_token(p)))
    with pytest.raises(TokenNameTaken):
        tokens.create("other-tenant", name="ci")
