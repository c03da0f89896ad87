"""The request context (tenant, language, actor) is resolved once per request by the HTTP edge and
read by the routes; it belongs to its request only, also when several execution environments of
a function serve requests at the same time."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from local.stack.runtime import Invoker
from shophub.api.context import ctx, current_request_context
from tests.support.api import ApiClient


def test_outside_a_request_there_is_no_context():
    with pytest.raises(RuntimeError, match="no request context"):
        ctx()
    assert current_request_context() is None


def test_a_request_leaves_no_context_behind(stack):
    token = stack.container.tokens.create("acme", name="ci")

    answer = ApiClient(token=token).get("/hub/statuses")

    assert answer.status == 200
    assert current_request_context() is None


def test_each_request_acts_for_its_own_tenant_as_its_own_actor(stack):
    # Given two tenants, each with statuses of its own added through the API under its token
    invoker = Invoker(stack, max_environments=2)
    callers = {
        tenant: ApiClient(token=stack.container.tokens.create(tenant, name=f"{tenant}-ci"), invoker=invoker)
        for tenant in ("acme", "zeta")
    }
    for tenant, caller in callers.items():
        for index in range(3):
            assert caller.post("/hub/statuses", {"name": f"{tenant} status {index}"}).status == 201

    # When both read their statuses at the same time, in two environments of the api function
    def own_statuses(tenant: str) -> set[str]:
        items = callers[tenant].get("/hub/statuses").json["items"]
        return {item["name"] for item in items if " status " in item["name"]}

    tenants = ["acme", "zeta"] * 10
    with ThreadPoolExecutor(max_workers=2) as pool:
        seen = list(pool.map(own_statuses, tenants))

    # Then each request saw its own tenant's statuses only, and the log names each token
    assert seen == [{f"{tenant} status {i}" for i in range(3)} for tenant in tenants]
    for tenant, caller in callers.items():
        entries = caller.get("/logs").json["items"]
        assert len(entries) == 3
        assert {entry["actor"] for entry in entries} == {f"{tenant}-ci"}
