"""Platform operators read any tenant's data and change nothing: an operator's token (``make token
OPERATOR=1 NAME=alice``) reads through ``GET /admin/…`` only, in the shapes of the tenant's own
routes, and every read of a tenant's data is an entry in that tenant's activity log."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from local.stack.events import LambdaContext, http_api_event
from local.stack.gateway import Gateway
from local.stack.runtime import Invoker
from local.stack.template import REGION, load_stack
from local.stack.token import main as token_main
from shophub.domain.imports import Import
from shophub.domain.reports import Report, ReportEntry
from shophub.store.tokens import TokenRepository
from tests.support.accounts import KEY, client, stored_account
from tests.support.api import ApiAnswer, ApiClient
from tests.support.aws import TestStack

ACME, ZETA = "acme", "zeta"
OPERATOR = "alice"
FORBIDDEN_OPERATOR = {
    "pl": "Token operatora platformy pozwala tylko czytać dane klientów przez ścieżki /admin; "
    "nie działa jako token klienta i niczego nie zmienia.",
    "en": "A platform operator's token only reads tenants' data through the /admin routes; "
    "it does not act as a tenant's token and changes nothing.",
}
OPERATORS_ONLY = {
    "pl": "Ta ścieżka jest dostępna tylko dla operatorów platformy.",
    "en": "This route is for platform operators only.",
}
NO_TENANT = {"pl": "Nie ma takiego klienta platformy.", "en": "There is no such tenant."}


@dataclass
class Platform:
    """Two tenants (acme with a shop account, an import and a report; zeta with nothing) and an
    operator, each with a token."""

    stack: TestStack
    acme: ApiClient
    zeta: ApiClient
    operator_token: str
    account_id: str
    import_id: str

    def operator(self, language: str = "en") -> ApiClient:
        return client(self.operator_token, language)

    def access_log(self, tenant: ApiClient) -> list[dict]:
        answer = tenant.get("/logs", query="section=access&limit=100")
        assert answer.status == 200, answer.text
        return list(answer.json["items"])


@pytest.fixture
def platform(stack: TestStack) -> Platform:
    tokens = stack.container.tokens
    acme = client(tokens.create(ACME, name="acme-ci"), "en")
    zeta = client(tokens.create(ZETA, name="zeta-ci"), "en")
    tokens.revoke(tokens.create(ZETA, name="zeta-old"))
    account_id = stored_account(stack, "https://acme.example", tenant_id=ACME, name="Sklep Acme")
    now = datetime.now(UTC)
    run = Import(id="imp1", tenant_id=ACME, account_id=account_id, mode="import", created_at=now)
    stack.container.imports.start(run)
    report = Report(id="rep1", type="import", account_id=account_id, tenant_id=ACME, at=now, ok=3, source_id="imp1")
    stack.container.reports.write(report, [ReportEntry(hub_product_id=1, outcome="created", message="Utworzono")])
    assert acme.post(f"/accounts/{account_id}/templates", {"name": "Domyślny"}).status == 201  # acme's log: one entry
    operator_token = tokens.create_operator(OPERATOR)
    return Platform(stack, acme, zeta, operator_token, account_id, run.id)


def error_of(answer: ApiAnswer) -> tuple[int, str, str]:
    return answer.status, answer.json["error"]["code"], answer.json["error"]["message"]


# --- reading ------------------------------------------------------------------------------------


def test_the_operator_lists_the_tenants_tokens_were_made_for_page_by_page(platform: Platform) -> None:
    operator = platform.operator()

    everyone = operator.get("/admin/tenants")
    first = operator.get("/admin/tenants", query="limit=1")
    second = operator.get("/admin/tenants", query=f"limit=1&next={first.json['next']}")

    assert everyone.status == 200, everyone.text
    assert [(t["id"], t["active_tokens"]) for t in everyone.json["items"]] == [(ACME, 1), (ZETA, 1)]
    assert everyone.json["next"] is None
    assert [t["id"] for t in first.json["items"]] == [ACME] and first.json["next"]
    assert [t["id"] for t in second.json["items"]] == [ZETA] and second.json["next"] is None
    assert operator.get("/admin/tenants", query="next=nonsense").status == 400
    # listing the tenants reads no tenant's data: no tenant's log has an entry for it
    assert platform.access_log(platform.acme) == platform.access_log(platform.zeta) == []


def test_the_operator_reads_a_tenants_accounts_as_the_tenant_does_with_keys_masked(platform: Platform) -> None:
    seen_by_operator = platform.operator().get(f"/admin/tenants/{ACME}/accounts")
    seen_by_tenant = platform.acme.get("/accounts")

    assert seen_by_operator.status == 200, seen_by_operator.text
    assert seen_by_operator.json == seen_by_tenant.json
    [account] = seen_by_operator.json["items"]
    assert (account["id"], account["name"], account["api_key"]) == (platform.account_id, "Sklep Acme", "••••0001")
    assert KEY not in seen_by_operator.text
    assert platform.operator().get(f"/admin/tenants/{ZETA}/accounts").json["items"] == []


def test_the_operator_reads_a_tenants_log_with_its_filters(platform: Platform) -> None:
    operator = platform.operator()

    whole = operator.get(f"/admin/tenants/{ACME}/logs")
    templates = operator.get(f"/admin/tenants/{ACME}/logs", query="section=templates&outcome=ok")
    of_account = operator.get(f"/admin/tenants/{ACME}/logs", query=f"account_id={platform.account_id}")
    of_other_account = operator.get(f"/admin/tenants/{ACME}/logs", query="account_id=other")
    errors = operator.get(f"/admin/tenants/{ACME}/logs", query="outcome=error")

    assert whole.status == 200, whole.text
    assert [e["action"] for e in whole.json["items"]] == ["templates.created"]
    assert whole.json["items"][0]["actor"] == "acme-ci"
    assert [e["action"] for e in templates.json["items"]] == ["templates.created"]
    assert [e["action"] for e in of_account.json["items"]] == ["templates.created"]
    assert of_other_account.json["items"] == errors.json["items"] == []
    assert operator.get(f"/admin/tenants/{ACME}/logs", query="section=nope").status == 422


def test_the_operator_reads_an_accounts_imports_and_reports_as_the_tenant_does(platform: Platform) -> None:
    operator, account = platform.operator(), platform.account_id

    imports = operator.get(f"/admin/tenants/{ACME}/accounts/{account}/imports")
    reports = operator.get(f"/admin/tenants/{ACME}/accounts/{account}/reports", query="type=import")

    assert imports.status == 200, imports.text
    assert imports.json == platform.acme.get(f"/accounts/{account}/imports").json
    assert [(i["id"], i["mode"], i["status"]) for i in imports.json["items"]] == [
        (platform.import_id, "import", "preparing")
    ]
    assert reports.status == 200, reports.text
    assert reports.json == platform.acme.get(f"/accounts/{account}/reports", query="type=import").json
    assert [(r["id"], r["ok"], r["source_id"]) for r in reports.json["items"]] == [("rep1", 3, "imp1")]
    # an account of another tenant (or none) is not found, as on the tenant's routes
    for path in (f"/admin/tenants/{ZETA}/accounts/{account}/imports", f"/admin/tenants/{ACME}/accounts/nope/reports"):
        assert operator.get(path).status == 404


def test_every_read_is_in_that_tenants_log_with_the_operators_name(platform: Platform) -> None:
    # Given the operator reads acme's accounts, log, imports and reports
    operator, account = platform.operator(), platform.account_id
    reads = [
        f"/admin/tenants/{ACME}/accounts",
        f"/admin/tenants/{ACME}/logs",
        f"/admin/tenants/{ACME}/accounts/{account}/imports",
        f"/admin/tenants/{ACME}/accounts/{account}/reports",
    ]
    for path in reads:
        assert operator.get(path).status == 200

    # Then acme's log has one entry per read, newest first, naming the operator and the route
    entries = platform.access_log(platform.acme)
    assert [e["details"]["route"] for e in entries] == [f"GET {path}" for path in reversed(reads)]
    assert {(e["actor"], e["action"], e["section"], e["outcome"]) for e in entries} == {
        (OPERATOR, "access.operator_read", "access", "ok")
    }
    assert [e["message"] for e in entries] == [
        f"Platform operator alice read: the reports of account {account}.",
        f"Platform operator alice read: the imports of account {account}.",
        "Platform operator alice read: the activity log.",
        "Platform operator alice read: the shop accounts.",
    ]
    polish = client(platform.acme.token, "pl").get("/logs", query="section=access").json["items"]
    assert polish[-1]["message"] == "Operator platformy alice odczytał dane: konta sklepów."
    # the account's own log shows the reads of that account; zeta's log shows nothing
    by_account = platform.acme.get(f"/accounts/{account}/logs", query="section=access").json["items"]
    assert [e["details"]["route"] for e in by_account] == [f"GET {reads[3]}", f"GET {reads[2]}"]
    assert platform.access_log(platform.zeta) == []


def test_a_log_read_is_logged_after_it_with_its_filters(platform: Platform) -> None:
    operator = platform.operator()

    first = operator.get(f"/admin/tenants/{ACME}/logs", query="section=access")
    second = operator.get(f"/admin/tenants/{ACME}/logs", query="section=access")

    assert first.json["items"] == []
    [entry] = second.json["items"]
    assert entry["details"] == {
        "operator": OPERATOR,
        "route": f"GET /admin/tenants/{ACME}/logs",
        "filters": {"section": "access"},
    }


# --- what an operator cannot do -----------------------------------------------------------------


@pytest.mark.parametrize("language", ["pl", "en"])
def test_an_operators_token_is_refused_on_every_tenant_route_and_changes_nothing(
    platform: Platform, language: str
) -> None:
    operator, account = platform.operator(language), platform.account_id
    attempts = [
        operator.get("/accounts"),
        operator.get("/logs"),
        operator.post("/accounts", {"name": "X", "shop_url": "https://x.example", "api_key": KEY}),
        operator.patch(f"/accounts/{account}", {"name": "Przejęte"}),
        operator.delete(f"/accounts/{account}"),
        operator.put(f"/accounts/{account}/order-settings", {"fetch_enabled": False}),
        operator.post(f"/accounts/{account}/imports", {"mode": "link", "unique_identifier": "ean"}),
        operator.post(f"/accounts/{account}/templates", {"name": "Operatora"}),
        operator.post("/hub/statuses", {"name": "Operatora"}),
        operator.put("/stock", {"items": [{"product_id": 1, "quantity": 5}]}),
    ]

    assert {error_of(answer) for answer in attempts} == {(403, "forbidden", FORBIDDEN_OPERATOR[language])}
    # nothing changed: acme's account, its one log entry, its statuses
    [account_item] = platform.acme.get("/accounts").json["items"]
    assert account_item["name"] == "Sklep Acme"
    assert [e["action"] for e in platform.acme.get("/logs").json["items"]] == ["templates.created"]
    assert [t["name"] for t in platform.acme.get(f"/accounts/{account}/templates").json["items"]] == ["Domyślny"]


def test_no_route_under_admin_writes() -> None:
    model = load_stack("test")
    admin_routes = {(r.method, r.path) for r in model.routes if r.path.startswith("/admin")}

    assert {method for method, _ in admin_routes} == {"GET"}
    assert {path for _, path in admin_routes} == {
        "/admin/tenants",
        "/admin/tenants/{tid}/accounts",
        "/admin/tenants/{tid}/logs",
        "/admin/tenants/{tid}/accounts/{aid}/imports",
        "/admin/tenants/{tid}/accounts/{aid}/reports",
    }


@pytest.fixture
def gateway(stack: TestStack) -> Iterator[Gateway]:
    yield Gateway(stack.stack.model, Invoker(stack))


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_another_method_on_an_admin_route_is_refused(platform: Platform, gateway: Gateway, method: str) -> None:
    headers = [("Authorization", f"Bearer {platform.operator_token}"), ("Accept-Language", "en")]
    path = f"/admin/tenants/{ACME}/accounts"

    # the local gateway, which knows every route of the template: GET reads, another method is 405
    assert gateway.handle("GET", path, headers, b"").status == 200
    answer = gateway.handle(method, path, headers, b"{}")
    assert answer.status == 405
    assert json.loads(answer.body)["error"]["code"] == "method_not_allowed"
    # the function serving the path answers the same if the request reached it
    from functions.connection_check import handler as connection_check

    event = http_api_event(method, path, headers=dict(headers), body="{}", authorizer_context=None)
    direct = connection_check.handler(event, LambdaContext("ConnectionCheckFunction"))
    assert direct["statusCode"] == 405
    # deployed, API Gateway hands it to the $default route (the api function): not found
    from functions.api import handler as api

    event = http_api_event(method, path, headers=dict(headers), route_key="$default", authorizer_context=None)
    assert api.handler(event, LambdaContext("ApiFunction"))["statusCode"] == 404
    # only the GET was read (and logged)
    assert [e["details"]["route"] for e in platform.access_log(platform.acme)] == [f"GET {path}"]


@pytest.mark.parametrize("language", ["pl", "en"])
def test_a_tenants_token_is_forbidden_on_every_admin_route(platform: Platform, language: str) -> None:
    acme = client(platform.acme.token, language)
    paths = [
        "/admin/tenants",
        f"/admin/tenants/{ACME}/accounts",
        f"/admin/tenants/{ZETA}/logs",
        f"/admin/tenants/{ACME}/accounts/{platform.account_id}/imports",
        f"/admin/tenants/{ACME}/accounts/{platform.account_id}/reports",
    ]

    assert {error_of(acme.get(path)) for path in paths} == {(403, "forbidden", OPERATORS_ONLY[language])}
    assert platform.access_log(platform.acme) == []


def test_a_missing_revoked_or_expired_operators_token_is_401(platform: Platform) -> None:
    tokens = platform.stack.container.tokens
    revoked = tokens.create_operator("bob")
    tokens.revoke(revoked)
    last_month = datetime.now(UTC) - timedelta(days=30)
    expired = TokenRepository(platform.stack.container.table, lambda: last_month).create_operator(
        "carol", expires_in_days=7
    )

    for token in (None, "shk_wrong", revoked, expired):
        answer = client(token, "en").get(f"/admin/tenants/{ACME}/accounts")
        assert answer.status == 401
        assert answer.json["error"]["code"] == "unauthorized"
    assert platform.access_log(platform.acme) == []


@pytest.mark.parametrize("language", ["pl", "en"])
def test_an_unknown_tenant_is_not_found(platform: Platform, language: str) -> None:
    operator = platform.operator(language)
    paths = [
        "/admin/tenants/nobody/accounts",
        "/admin/tenants/nobody/logs",
        f"/admin/tenants/nobody/accounts/{platform.account_id}/imports",
        f"/admin/tenants/nobody/accounts/{platform.account_id}/reports",
    ]

    assert {error_of(operator.get(path)) for path in paths} == {(404, "tenant_not_found", NO_TENANT[language])}
    assert operator.get("/admin/tenants/no%20such/accounts").status == 404


# --- operators' tokens ---------------------------------------------------------------------------


def test_make_token_operator_makes_lists_and_revokes_an_operators_token(
    platform: Platform, capsys: pytest.CaptureFixture[str]
) -> None:
    target = ["--stage", "test", "--region", REGION]  # the in-process stack's table
    capsys.readouterr()

    # When an operator's token is made with the command
    assert token_main(["--operator", "--name", "dave", "--days", "30", *target]) == 0
    token = capsys.readouterr().out.strip()

    # Then it reads through /admin, and the tenant's log names the operator
    assert client(token).get(f"/admin/tenants/{ACME}/accounts").status == 200
    assert platform.access_log(platform.acme)[0]["actor"] == "dave"
    # the listing shows it as an operator's, beside the tenants' tokens
    assert token_main(["--list", *target]) == 0
    rows = {line.split()[0]: line.split() for line in capsys.readouterr().out.splitlines()[1:]}
    assert rows["dave"][1] == "(operator)" and rows["dave"][4] == "active"
    assert rows[OPERATOR][1] == "(operator)" and rows["acme-ci"][1] == ACME
    assert token not in json.dumps(rows)
    # revoked by name, it gets the API's 401
    assert token_main(["--revoke", "dave", *target]) == 0
    assert client(token).get(f"/admin/tenants/{ACME}/accounts").status == 401
    # a taken name is refused, and an operator's token needs a name
    assert token_main(["--operator", "--name", OPERATOR, *target]) == 1
    assert "exists already" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        token_main(["--operator", *target])
    with pytest.raises(SystemExit):
        token_main(["--operator", "--tenant", ACME, "--name", "eve", *target])


def test_an_operators_token_names_no_tenant(stack: TestStack) -> None:
    token = stack.container.tokens.create_operator(OPERATOR)

    found = stack.container.tokens.resolve(token)

    assert found is not None and found.is_operator
    assert (found.tenant_id, found.name, found.role) == ("", OPERATOR, "operator")
    assert stack.container.tokens.has_tenant("") is False
    assert stack.container.tokens.tenants()[0] == []
