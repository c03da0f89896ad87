"""The local stack of ``make run``: embedded AWS from the template, the HTTP gateway with the
authorizer, the queue pump (partial failures, retries, DLQ redrive, concurrency, batching) and
the schedules — against a real moto server on a free port and against moto in-process."""

from __future__ import annotations

import base64
import io
import itertools
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
import yaml
from moto import mock_aws

from local.stack.__main__ import LocalConfig, LocalStack, generate_shop_key
from local.stack.aws import BASE_ENV, free_port
from local.stack.gateway import Router
from local.stack.pump import QueuePump, failed_message_ids
from local.stack.runtime import Invoker
from local.stack.scheduler import Scheduler
from local.stack.template import REGION, HttpRoute, ProvisionedStack, load_stack, provision, read_template
from local.stack.token import main as token_main
from shophub import wiring
from shophub.store.dynamo import HubTable
from shophub.store.tokens import TokenRepository, hash_token
from tests.support.aws import aws_stack
from tests.support.echo_function import recorder

ROOT = Path(__file__).resolve().parents[2]
DEV_TOKEN = "shk_local-stack-test-token"
ECHO = "EchoFunction"


def _queue_pair(resources: dict[str, Any], key: str, suffix: str) -> None:
    resources[f"{key}DLQ"] = {
        "Type": "AWS::SQS::Queue",
        "Properties": {"QueueName": {"Fn::Sub": f"shophub-${{Stage}}-{suffix}-dlq"}},
    }
    resources[f"{key}Queue"] = {
        "Type": "AWS::SQS::Queue",
        "Properties": {
            "QueueName": {"Fn::Sub": f"shophub-${{Stage}}-{suffix}"},
            "VisibilityTimeout": 60,
            "RedrivePolicy": {"deadLetterTargetArn": {"Fn::GetAtt": [f"{key}DLQ", "Arn"]}, "maxReceiveCount": 5},
        },
    }


def _http(method: str, path: str, public: bool = False) -> dict[str, Any]:
    properties: dict[str, Any] = {"ApiId": {"Ref": "HttpApi"}, "Method": method, "Path": path}
    if public:
        properties["Auth"] = {"Authorizer": "NONE"}
    return {"Type": "HttpApi", "Properties": properties}


def _sqs(queue: str, batch: int, **extra: Any) -> dict[str, Any]:
    properties = {"Queue": {"Fn::GetAtt": [queue, "Arn"]}, "BatchSize": batch, **extra}
    properties["FunctionResponseTypes"] = ["ReportBatchItemFailures"]
    return {"Type": "SQS", "Properties": properties}


@pytest.fixture(scope="module")
def echo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """template.yaml plus a test-only echo function (HTTP, SQS and schedule events) whose
    authorizer refuses on ``x-deny`` and otherwise delegates to the real one."""
    template = read_template()
    resources = template["Resources"]
    _queue_pair(resources, "Echo", "echo")
    _queue_pair(resources, "Slow", "slow")
    _queue_pair(resources, "Bulk", "bulk")
    code = "tests/support/echo_function/"
    resources["EchoAuthorizerFunction"] = {
        "Type": "AWS::Serverless::Function",
        "Properties": {"CodeUri": code, "Handler": "handler.authorize", "Timeout": 5},
    }
    resources[ECHO] = {
        "Type": "AWS::Serverless::Function",
        "Properties": {
            "CodeUri": code,
            "Handler": "handler.handler",
            "Timeout": 7,
            "MemorySize": 128,
            "Environment": {"Variables": {"ECHO_ONLY": "yes"}},
            "Events": {
                "GetEchoId": _http("GET", "/echo/{id}"),
                "GetEchoStatic": _http("GET", "/echo/static"),
                "PostEchoId": _http("POST", "/echo/{id}"),
                "GetPublicEcho": _http("GET", "/public-echo/{id}", public=True),
                "EchoJobs": _sqs("EchoQueue", 10),
                "SlowJobs": _sqs("SlowQueue", 1, ScalingConfig={"MaximumConcurrency": 2}),
                "BulkJobs": _sqs("BulkQueue", 25, MaximumBatchingWindowInSeconds=1),
                "Tick": {"Type": "Schedule", "Properties": {"Schedule": "rate(5 minutes)"}},
            },
        },
    }
    auth = resources["HttpApi"]["Properties"]["Auth"]
    auth["Authorizers"]["TokenAuthorizer"]["FunctionArn"] = {"Fn::GetAtt": ["EchoAuthorizerFunction", "Arn"]}
    path = tmp_path_factory.mktemp("template") / "template.yaml"
    path.write_text(yaml.safe_dump(template, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def _fresh_recorder() -> None:
    recorder.reset()


def _config(template: Path, state: Path, **overrides: Any) -> LocalConfig:
    settings: dict[str, Any] = {
        "api_port": 0,
        "moto_port": 0,
        "template": template,
        "dev_token": DEV_TOKEN,
        "start_shop": False,
        "start_pump": False,
        "start_scheduler": False,
        "access_log": False,
        "state_path": state,
    }
    settings.update(overrides)
    return LocalConfig(**settings)


@pytest.fixture(scope="class")
def running(echo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    """The local stack on free ports (moto server + gateway), without simulator/pump/schedules."""
    state = tmp_path_factory.mktemp("state") / "state.json"
    stack = LocalStack(_config(echo_template, state), out=io.StringIO())
    stack.start()
    try:
        yield stack
    finally:
        stack.stop()


@pytest.fixture
def api(running: LocalStack) -> Iterator[httpx.Client]:
    assert running.gateway is not None
    with httpx.Client(base_url=running.gateway.url, timeout=15) as client:
        yield client


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class TestThroughTheGateway:
    """One moto server and gateway for the class; every call goes over real HTTP."""

    def test_template_resources_exist_in_the_embedded_aws(self, running: LocalStack) -> None:
        assert running.aws is not None and running.stack is not None
        model = load_stack("local")  # the real template
        dynamodb, sqs, events = (running.aws.client(s) for s in ("dynamodb", "sqs", "events"))

        table = dynamodb.describe_table(TableName="shophub-local-hub")["Table"]
        assert [k["AttributeName"] for k in table["KeySchema"]] == ["PK", "SK"]
        (gsi,) = table["GlobalSecondaryIndexes"]
        assert gsi["IndexName"] == "GSI1"
        assert [k["AttributeName"] for k in gsi["KeySchema"]] == ["GSI1PK", "GSI1SK"]
        ttl = dynamodb.describe_time_to_live(TableName="shophub-local-hub")["TimeToLiveDescription"]
        assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires_at"}

        queues = model.of_type("AWS::SQS::Queue")
        work_queues = {k: v for k, v in queues.items() if "RedrivePolicy" in v["Properties"]}
        assert set(work_queues) == {"DiscoveryQueue", "ImportQueue", "OrderPollQueue", "OrderUpdateQueue", "StockQueue"}
        timeouts = {s.queue: fn.timeout for fn in model.functions.values() for s in fn.sqs}
        for logical, resource in work_queues.items():
            props = resource["Properties"]
            url = running.stack.queue_urls[logical]
            attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
            policy = json.loads(attributes["RedrivePolicy"])
            dlq_logical = running.stack.dead_letter_queue(logical)
            assert dlq_logical is not None and dlq_logical.endswith("DLQ")
            assert policy["deadLetterTargetArn"] == running.stack.queue_arn(dlq_logical)
            assert int(policy["maxReceiveCount"]) == 5
            assert int(attributes["VisibilityTimeout"]) == props["VisibilityTimeout"]
            assert int(attributes["VisibilityTimeout"]) >= 6 * timeouts[logical], logical
            dlq = sqs.get_queue_attributes(QueueUrl=running.stack.queue_urls[dlq_logical], AttributeNames=["All"])
            assert dlq["Attributes"]["MessageRetentionPeriod"] == "1209600"

        bus = events.describe_event_bus(Name="shophub-local-events")
        assert bus["Name"] == "shophub-local-events"

    def test_health_is_served_without_a_token(self, api: httpx.Client) -> None:
        answer = api.get("/health")
        assert answer.status_code == 200
        assert answer.json()["status"] == "ok"
        assert recorder.of_kind("authorizer") == []  # a public route skips the authorizer

    def test_a_protected_route_without_token_is_401_in_the_api_shape(self, api: httpx.Client) -> None:
        answer = api.get("/hub/statuses")
        assert answer.status_code == 401
        assert answer.json()["error"]["code"] == "unauthorized"

    def test_a_protected_route_with_the_dev_token_gets_past_the_tenant_check(self, api: httpx.Client) -> None:
        answer = api.get("/hub/statuses", headers=_bearer(DEV_TOKEN))
        assert answer.status_code != 401

    def test_unknown_routes_and_methods_answer_in_the_api_error_shape(self, api: httpx.Client) -> None:
        for method, path in (("GET", "/nowhere"), ("GET", "/echo/1/more"), ("POST", "/health/x")):
            answer = api.request(method, path, headers=_bearer(DEV_TOKEN))
            assert answer.status_code == 404, (method, path)
            assert answer.json() == {
                "error": {"code": "not_found", "message": "Nie ma takiej ścieżki API.", "details": []}
            }

        wrong_method = api.request("DELETE", "/health", headers={"Accept-Language": "en"})
        assert wrong_method.status_code == 405
        assert wrong_method.headers["allow"] == "GET"
        assert wrong_method.json()["error"] == {
            "code": "method_not_allowed",
            "message": "This operation is not allowed on this resource.",
            "details": [],
        }
        assert recorder.of_kind("authorizer") == recorder.of_kind("http") == []

    def test_a_route_reaches_its_handler_with_a_v2_event_and_the_authorizer_context(self, api: httpx.Client) -> None:
        answer = api.get("/echo/42?b=2&a=1&a=3", headers={**_bearer(DEV_TOKEN), "X-Custom-Header": "Value"})

        assert answer.status_code == 200
        body = answer.json()
        event = body["event"]
        assert event["version"] == "2.0"
        assert event["routeKey"] == "GET /echo/{id}"
        assert event["requestContext"]["routeKey"] == "GET /echo/{id}"
        assert event["rawPath"] == "/echo/42"
        assert event["pathParameters"] == {"id": "42"}
        assert event["rawQueryString"] == "b=2&a=1&a=3"
        assert event["queryStringParameters"] == {"b": "2", "a": "1,3"}
        assert event["headers"]["x-custom-header"] == "Value"
        assert all(name == name.lower() for name in event["headers"])
        assert event["requestContext"]["http"]["method"] == "GET"
        assert event["requestContext"]["authorizer"] == {"lambda": {"tenant_id": "dev", "token_name": "dev"}}
        # Context from the template: the function's name and its 7 s timeout.
        assert body["function"] == ECHO
        assert 0 < body["remaining_ms"] <= 7000
        # The answer's headers, multi-value headers and cookies reach the client.
        assert answer.headers["x-echo"] == "yes"
        assert answer.headers.get_list("x-multi") == ["one", "two"]
        assert answer.headers.get_list("set-cookie") == ["first=1; Path=/", "second=2; Path=/"]
        # The authorizer saw the REQUEST event for this route.
        (authorized,) = recorder.of_kind("authorizer")
        assert authorized.event["type"] == "REQUEST"
        assert authorized.event["routeKey"] == "GET /echo/{id}"

    def test_a_function_gets_its_own_variables_only_while_it_runs(self, api: httpx.Client) -> None:
        assert api.get("/echo/1", headers=_bearer(DEV_TOKEN)).status_code == 200

        (authorized,) = recorder.of_kind("authorizer")
        (echoed,) = recorder.of_kind("http")
        assert echoed.environment == {"ECHO_ONLY": "yes", "SHOPHUB_TABLE_NAME": "shophub-local-hub"}
        assert authorized.environment == {"ECHO_ONLY": None, "SHOPHUB_TABLE_NAME": "shophub-local-hub"}
        assert "ECHO_ONLY" not in os.environ

    def test_static_segments_beat_parameters(self, api: httpx.Client) -> None:
        event = api.get("/echo/static", headers=_bearer(DEV_TOKEN)).json()["event"]
        assert event["routeKey"] == "GET /echo/static"
        assert "pathParameters" not in event

    def test_binary_bodies_travel_base64_both_ways(self, api: httpx.Client) -> None:
        payload = bytes(range(256))
        answer = api.post(
            "/echo/upload",
            content=payload,
            headers={**_bearer(DEV_TOKEN), "content-type": "application/octet-stream"},
        )
        event = answer.json()["event"]
        assert event["isBase64Encoded"] is True
        assert base64.b64decode(event["body"]) == payload

        chunked = api.post(
            "/echo/upload",
            content=iter([payload[:100], payload[100:]]),
            headers={**_bearer(DEV_TOKEN), "content-type": "application/octet-stream"},
        )
        assert base64.b64decode(chunked.json()["event"]["body"]) == payload

        answer = api.get("/echo/binary", headers=_bearer(DEV_TOKEN))
        assert answer.status_code == 200
        assert answer.content == b"\x00\x01\x02\xff"

    def test_json_bodies_travel_as_text(self, api: httpx.Client) -> None:
        answer = api.post("/echo/doc", json={"name": "Żółw"}, headers=_bearer(DEV_TOKEN))
        event = answer.json()["event"]
        assert event["isBase64Encoded"] is False
        assert json.loads(event["body"]) == {"name": "Żółw"}

    def test_an_answer_without_status_code_is_a_200_json(self, api: httpx.Client) -> None:
        answer = api.get("/echo/raw", headers=_bearer(DEV_TOKEN))
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "application/json"
        assert answer.json() == {"hello": "world"}

    def test_a_public_route_has_no_authorizer_context(self, api: httpx.Client) -> None:
        event = api.get("/public-echo/7").json()["event"]
        assert event["routeKey"] == "GET /public-echo/{id}"
        assert "authorizer" not in event["requestContext"]
        assert recorder.of_kind("authorizer") == []

    def test_an_authorizer_refusal_is_403(self, api: httpx.Client) -> None:
        answer = api.get("/echo/1", headers={**_bearer(DEV_TOKEN), "x-deny": "1"})
        assert answer.status_code == 403
        assert answer.json() == {"message": "Forbidden"}
        assert recorder.of_kind("http") == []

    def test_a_failing_handler_or_authorizer_is_a_500_with_the_traceback_on_stderr(
        self, api: httpx.Client, capsys: pytest.CaptureFixture[str]
    ) -> None:
        answer = api.get("/echo/boom", headers=_bearer(DEV_TOKEN))
        assert answer.status_code == 500
        assert answer.json() == {"message": "Internal Server Error"}
        assert "echo handler exploded on purpose" in capsys.readouterr().err

        answer = api.get("/echo/1", headers={**_bearer(DEV_TOKEN), "x-explode": "1"})
        assert answer.status_code == 500
        assert "authorizer exploded on purpose" in capsys.readouterr().err

    def test_make_token_creates_a_working_token_for_another_tenant(
        self, running: LocalStack, api: httpx.Client, capsys: pytest.CaptureFixture[str]
    ) -> None:
        code = token_main(["--tenant", "acme", "--name", "ci", "--state-file", str(running.config.state_path)])
        assert code == 0
        token = capsys.readouterr().out.strip()
        assert token.startswith("shk_")
        event = api.get("/echo/1", headers=_bearer(token)).json()["event"]
        assert event["requestContext"]["authorizer"]["lambda"] == {"tenant_id": "acme", "token_name": "ci"}

    def test_local_shop_urls_are_accepted_by_default(self, api: httpx.Client) -> None:
        # the URL guard lets the loopback address through: the connection check then finds no shop
        error = _add_local_shop(api)
        assert error["code"] == "connection_failed", error

    def test_make_tokens_lists_them_and_token_revoke_refuses_one(
        self, running: LocalStack, api: httpx.Client, capsys: pytest.CaptureFixture[str]
    ) -> None:
        # Given a token with a chosen name and a 90-day expiry, and one named by default
        state = ["--state-file", str(running.config.state_path)]
        assert token_main(["--tenant", "shop-7", "--name", "ci-7", "--days", "90", *state]) == 0
        token = capsys.readouterr().out.strip()
        assert token_main(["--tenant", "shop-7", *state]) == 0
        other = capsys.readouterr().out.strip()
        assert api.get("/hub/statuses", headers=_bearer(token)).status_code == 200

        # When the tokens are listed
        assert token_main(["--list", *state]) == 0
        listed = capsys.readouterr().out

        # Then each shows name, tenant, created, expiry and state, never the token or its hash
        today = datetime.now(UTC).date()
        rows = {line.split()[0]: line.split() for line in listed.splitlines()[1:]}
        assert listed.splitlines()[0].split() == ["NAME", "TENANT", "CREATED", "EXPIRES", "STATE"]
        assert rows["ci-7"][1] == "shop-7" and rows["ci-7"][2].startswith(today.isoformat())
        assert rows["ci-7"][3].startswith((today + timedelta(days=90)).isoformat()) and rows["ci-7"][4] == "active"
        assert rows[f"shop-7-{today.isoformat()}"][3:] == ["never", "active"]
        assert rows["dev"][1] == "dev"
        for secret in (token, other, hash_token(token), hash_token(other)):
            assert secret not in listed

        # and once revoked by name, the token gets the API's 401
        assert token_main(["--revoke", "ci-7", *state]) == 0
        assert "revoked: ci-7" in capsys.readouterr().out
        answer = api.get("/hub/statuses", headers=_bearer(token))
        assert answer.status_code == 401 and answer.json()["error"]["code"] == "unauthorized"
        assert api.get("/hub/statuses", headers=_bearer(other)).status_code == 200
        assert token_main(["--list", *state]) == 0
        assert [line.split()[-1] for line in capsys.readouterr().out.splitlines() if line.startswith("ci-7 ")] == [
            "revoked"
        ]

        # a name that is taken or unknown is an error that says so
        assert token_main(["--tenant", "shop-7", "--name", "ci-7", *state]) == 1
        assert "exists already" in capsys.readouterr().err
        assert token_main(["--revoke", "nope", *state]) == 1
        assert "no token is named 'nope'" in capsys.readouterr().err

    def test_the_state_file_tells_where_the_stack_runs(self, running: LocalStack) -> None:
        assert running.config.state_path is not None and running.aws is not None and running.gateway is not None
        state = json.loads(running.config.state_path.read_text())
        assert state["moto_endpoint"] == running.aws.endpoint
        assert state["api_url"] == running.gateway.url
        assert state["table_name"] == "shophub-local-hub"
        assert state["pid"] == os.getpid()
        assert DEV_TOKEN not in running.config.state_path.read_text()


def _add_local_shop(api: httpx.Client) -> dict[str, Any]:
    """POST /accounts for a shop on 127.0.0.1 (a closed port) with the dev token: the error."""
    body = {"name": "Sklep", "shop_url": f"http://127.0.0.1:{free_port()}", "api_key": "K" * 32}
    answer = api.post("/accounts", json=body, headers={**_bearer(DEV_TOKEN), "Accept-Language": "en"})
    assert answer.status_code == 422, answer.text
    error: dict[str, Any] = answer.json()["error"]
    return error


def test_allow_local_shops_false_runs_the_stack_with_the_url_guard_on(
    echo_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given SHOPHUB_ALLOW_LOCAL_SHOPS=false in the environment of `make run`
    monkeypatch.setenv("SHOPHUB_ALLOW_LOCAL_SHOPS", "false")
    from_env = LocalConfig.from_env()
    assert from_env.allow_local_shops is False
    config = _config(echo_template, tmp_path / "state.json", allow_local_shops=from_env.allow_local_shops)

    # When a shop on 127.0.0.1 is added
    with LocalStack(config, out=io.StringIO()) as local:
        assert local.gateway is not None
        banner = local.banner()
        with httpx.Client(base_url=local.gateway.url, timeout=30) as api:
            error = _add_local_shop(api)

    # Then the URL guard refuses it before any request, as deployed, and the banner says so
    assert error["code"] == "invalid_shop_url", error
    assert error["details"][0]["field"] == "shop_url"
    assert "public https:// only" in banner


@pytest.mark.parametrize(("value", "allowed"), [(None, True), ("true", True), ("0", False), ("off", False)])
def test_allow_local_shops_is_read_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, value: str | None, allowed: bool
) -> None:
    if value is None:
        monkeypatch.delenv("SHOPHUB_ALLOW_LOCAL_SHOPS", raising=False)
    else:
        monkeypatch.setenv("SHOPHUB_ALLOW_LOCAL_SHOPS", value)
    assert LocalConfig.from_env().allow_local_shops is allowed


def test_make_token_without_a_running_stack_fails_clearly(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = token_main(["--tenant", "acme", "--state-file", str(tmp_path / "missing.json")])
    assert code == 1
    assert "no local stack is running" in capsys.readouterr().err


def test_make_token_for_a_deployed_stage_writes_to_its_table(capsys: pytest.CaptureFixture[str]) -> None:
    with aws_stack() as stack:  # moto in-process: table shophub-test-hub
        assert token_main(["--tenant", "acme", "--stage", "test", "--region", REGION]) == 0
        token = capsys.readouterr().out.strip()
        found = stack.container.tokens.resolve(token)
        assert found is not None and found.tenant_id == "acme"
        assert found.name == f"acme-{datetime.now(UTC).date().isoformat()}"

        assert token_main(["--tenant", "acme", "--stage", "nope", "--region", REGION]) == 1
        assert "shophub-nope-hub does not exist" in capsys.readouterr().err


def test_the_router_prefers_the_most_specific_route() -> None:
    router = Router(
        [
            HttpRoute("GET", "/accounts/{id}/{rest+}", "Greedy"),
            HttpRoute("ANY", "/accounts/{id}/links/file", "Any"),
            HttpRoute("GET", "/accounts/{id}/links/{kind}", "Param"),
            HttpRoute("GET", "/accounts/{id}/links/file", "Static"),
        ]
    )

    def routed(method: str, path: str) -> str:
        found = router.match(method, path)
        assert found is not None, (method, path)
        return found.route.function

    assert routed("GET", "/accounts/a1/links/file") == "Static"
    assert routed("POST", "/accounts/a1/links/file") == "Any"
    assert routed("GET", "/accounts/a1/links/csv") == "Param"
    decoded = router.match("GET", "/accounts/a%2Fb/links/csv")
    assert decoded is not None and decoded.path_parameters == {"id": "a/b", "kind": "csv"}
    assert routed("GET", "/accounts/a1/x/y/z") == "Greedy"
    assert router.match("GET", "/accounts") is None


# --------------------------------------------------------------------------------------------------
# The queue pump, against the moto server and against moto in-process


@dataclass
class PumpStack:
    stack: ProvisionedStack
    invoker: Invoker
    sqs: Any

    def pump(self, **options: Any) -> QueuePump:
        options.setdefault("retry_seconds", 0)
        return QueuePump(self.stack, self.invoker, sqs=self.sqs, log=lambda text: None, **options)

    def send(self, queue: str, *bodies: dict[str, Any]) -> list[str]:
        url = self.stack.queue_urls[queue]
        return [self.sqs.send_message(QueueUrl=url, MessageBody=json.dumps(b))["MessageId"] for b in bodies]

    def bodies_in(self, queue: str) -> list[dict[str, Any]]:
        got = self.sqs.receive_message(
            QueueUrl=self.stack.queue_urls[queue], MaxNumberOfMessages=10, VisibilityTimeout=0
        )
        return [json.loads(m["Body"]) for m in got.get("Messages", [])]


@contextmanager
def _in_process(template: Path) -> Iterator[PumpStack]:
    saved = dict(os.environ)
    os.environ.pop("AWS_ENDPOINT_URL", None)
    os.environ.update(BASE_ENV)
    try:
        with mock_aws():
            stack = provision(
                load_stack("test", template),
                dynamodb=boto3.client("dynamodb"),
                sqs=boto3.client("sqs"),
                events=boto3.client("events"),
                s3=boto3.client("s3"),
            )
            os.environ.update(stack.common_environment())
            wiring.reset()
            yield PumpStack(stack, Invoker(stack), boto3.client("sqs"))
    finally:
        wiring.reset()
        os.environ.clear()
        os.environ.update(saved)


@pytest.fixture(params=["moto-server", "in-process"])
def pumped(request: pytest.FixtureRequest, echo_template: Path, tmp_path: Path) -> Iterator[PumpStack]:
    if request.param == "in-process":
        with _in_process(echo_template) as stack:
            yield stack
        return
    with LocalStack(_config(echo_template, tmp_path / "state.json"), out=io.StringIO()) as local:
        assert local.stack is not None and local.invoker is not None and local.aws is not None
        yield PumpStack(local.stack, local.invoker, local.aws.client("sqs"))


@pytest.fixture
def in_process(echo_template: Path) -> Iterator[PumpStack]:
    with _in_process(echo_template) as stack:
        yield stack


def test_a_reported_item_failure_retries_exactly_that_message(pumped: PumpStack) -> None:
    ok_1, failing, ok_2 = pumped.send("EchoQueue", {"id": "a"}, {"id": "b", "fail_times": 1}, {"id": "c"})

    result = pumped.pump(retry_seconds=1).drain("EchoQueue", timeout=20)

    first, second = result.batches
    assert first.message_ids == (ok_1, failing, ok_2)
    assert first.failed_ids == (failing,)
    assert second.message_ids == (failing,)
    assert second.receive_counts == (2,)
    assert second.failed_ids == ()
    assert second.started - first.started >= 0.9  # retried after SHOPHUB_RETRY_SECONDS, not 60 s
    assert result.dead_lettered == 0
    assert pumped.bodies_in("EchoQueue") == []
    # The handler received real SQS records.
    record = recorder.of_kind("sqs")[0].event["Records"][0]
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"].endswith(":shophub-" + pumped.stack.model.stage + "-echo")
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert json.loads(record["body"]) == {"id": "a"}


def test_a_poison_message_ends_in_the_dlq_after_five_receives(pumped: PumpStack) -> None:
    (poison,) = pumped.send("EchoQueue", {"id": "poison", "fail_times": 1000})

    result = pumped.pump().drain("EchoQueue", timeout=20)

    assert result.deliveries(poison) == 5
    assert [b.receive_counts for b in result.batches] == [(1,), (2,), (3,), (4,), (5,)]
    assert result.dead_lettered == 1
    assert pumped.bodies_in("EchoDLQ") == [{"id": "poison", "fail_times": 1000}]
    assert pumped.bodies_in("EchoQueue") == []


def test_an_exception_or_an_invalid_answer_fails_the_whole_batch(in_process: PumpStack) -> None:
    in_process.send("EchoQueue", {"id": "a"}, {"id": "b", "raise_times": 1})
    raised = in_process.pump().drain("EchoQueue", timeout=20)
    assert raised.batch_sizes == [2, 2]
    assert raised.batches[0].failed_ids == raised.batches[0].message_ids
    assert raised.batches[0].error == "RuntimeError: message b fails the whole batch"

    in_process.send("EchoQueue", {"id": "c"}, {"id": "d", "invalid_times": 1})
    invalid = in_process.pump().drain("EchoQueue", timeout=20)
    assert invalid.batch_sizes == [2, 2]
    assert invalid.batches[0].failed_ids == invalid.batches[0].message_ids
    assert "invalid batchItemFailures entry" in (invalid.batches[0].error or "")
    assert invalid.failures == 2 and invalid.deleted == 2


def test_maximum_concurrency_bounds_parallel_invocations(in_process: PumpStack) -> None:
    in_process.send("SlowQueue", *({"id": str(n), "sleep": 0.25} for n in range(6)))

    result = in_process.pump().drain("SlowQueue", timeout=20)

    assert result.batch_sizes == [1] * 6
    assert recorder.peak == 2
    assert result.elapsed < 6 * 0.25
    # Two overlapping invocations need two execution environments (two cold starts).
    assert sum(i.cold_start for i in in_process.invoker.invocations(ECHO)) == 2


def test_batches_gather_up_to_the_batch_size_within_the_window(in_process: PumpStack) -> None:
    in_process.send("BulkQueue", *({"id": str(n)} for n in range(30)))

    result = in_process.pump().drain("BulkQueue", timeout=20)

    assert result.batch_sizes == [25, 5]
    # The short batch waited for the 1 s batching window before being invoked.
    assert result.batches[1].duration < 1 and result.elapsed >= 1


def test_the_pump_takes_the_test_stack_of_other_integration_tests() -> None:
    with aws_stack() as stack:
        result = QueuePump(stack, Invoker(stack), retry_seconds=0).drain("StockQueue", timeout=5)
    assert result.invocations == 0 and result.dead_lettered == 0


def test_batch_item_failures_are_read_like_lambda_reads_them() -> None:
    ids = ["m1", "m2"]
    assert failed_message_ids(None, ids, True) == ([], None)
    assert failed_message_ids({}, ids, True) == ([], None)
    assert failed_message_ids({"batchItemFailures": None}, ids, True) == ([], None)
    assert failed_message_ids({"batchItemFailures": [{"itemIdentifier": "m2"}]}, ids, True) == (["m2"], None)
    for invalid in ("ok", {"batchItemFailures": [{"itemIdentifier": ""}]}, {"batchItemFailures": [{"id": "m1"}]}):
        failed, why = failed_message_ids(invalid, ids, True)
        assert failed == ids and why
    assert failed_message_ids({"batchItemFailures": [{"itemIdentifier": "m1"}]}, ids, False) == ([], None)


# --------------------------------------------------------------------------------------------------
# Schedules and the whole process


def test_the_schedule_fires_at_the_shortened_period(echo_template: Path) -> None:
    model = load_stack("test", echo_template)
    scheduler = Scheduler(model, Invoker(model), period=0.25, log=lambda text: None)

    started = scheduler.start(functions=[ECHO])
    time.sleep(1.15)
    scheduler.stop()

    assert [s.function for s in started] == [ECHO]
    fired = recorder.of_kind("schedule")
    assert 3 <= len(fired) <= 5
    gaps = [later.at - earlier.at for earlier, later in itertools.pairwise(fired)]
    assert all(0.15 <= gap <= 0.4 for gap in gaps), gaps
    event = fired[0].event
    assert event["detail-type"] == "Scheduled Event"
    assert event["source"] == "aws.events"
    assert event["resources"][0].endswith(":rule/shophub-test-EchoFunctionTick")


def test_make_run_starts_prints_and_stops_on_sigint(tmp_path: Path) -> None:
    api_port, moto_port = free_port(), free_port()
    state = tmp_path / "state.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "SHOPHUB_", "POWERTOOLS_"))}
    env.update(
        SHOPHUB_API_PORT=str(api_port),
        SHOPHUB_MOTO_PORT=str(moto_port),
        SHOPHUB_STATE_FILE=str(state),
        SHOPHUB_DEV_TOKEN=DEV_TOKEN,
        PYTHONUNBUFFERED="1",
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "local.stack", "--no-shop", "--quiet"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        lines = []
        assert process.stdout is not None
        while not any("Ctrl-C" in line for line in lines):
            line = process.stdout.readline()
            assert line, "the stack exited early: " + "".join(lines) + (process.stderr.read() if process.stderr else "")
            lines.append(line)
        banner = "".join(lines)
        assert f"http://127.0.0.1:{api_port}" in banner
        assert DEV_TOKEN in banner
        assert f"http://127.0.0.1:{moto_port}" in banner
        assert json.loads(state.read_text())["moto_endpoint"] == f"http://127.0.0.1:{moto_port}"
        assert httpx.get(f"http://127.0.0.1:{api_port}/health", timeout=10).status_code == 200
        answer = httpx.get(f"http://127.0.0.1:{api_port}/hub/statuses", headers=_bearer(DEV_TOKEN), timeout=10)
        assert answer.status_code != 401

        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=20) == 0
        assert not state.exists()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_the_dev_token_is_stored_as_a_hash_for_the_dev_tenant(echo_template: Path, tmp_path: Path) -> None:
    with LocalStack(_config(echo_template, tmp_path / "state.json"), out=io.StringIO()) as local:
        assert local.aws is not None and local.stack is not None
        table = HubTable(local.aws.client("dynamodb"), local.stack.table_name)
        found = TokenRepository(table).resolve(DEV_TOKEN)
        assert found is not None and found.tenant_id == "dev"
        raw = local.aws.client("dynamodb").scan(TableName=local.stack.table_name)["Items"]
        assert DEV_TOKEN not in json.dumps(raw)


def test_in_make_run_the_pump_and_the_schedules_work_in_the_background(echo_template: Path, tmp_path: Path) -> None:
    config = _config(
        echo_template, tmp_path / "state.json", start_pump=True, start_scheduler=True, poll_seconds=0.3, retry_seconds=0
    )
    with LocalStack(config, out=io.StringIO()) as local:
        assert local.stack is not None and local.aws is not None
        sqs = local.aws.client("sqs")
        sqs.send_message(QueueUrl=local.stack.queue_urls["EchoQueue"], MessageBody=json.dumps({"fail_times": 1}))

        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and (len(recorder.of_kind("sqs")) < 2 or not recorder.of_kind("schedule")):
            time.sleep(0.05)

        deliveries = recorder.of_kind("sqs")
        assert [d.event["Records"][0]["attributes"]["ApproximateReceiveCount"] for d in deliveries] == ["1", "2"]
        assert recorder.of_kind("schedule")
        assert local.pump is not None
        time.sleep(0.2)
        assert local.pump.queue_depth("EchoQueue") == 0


def test_the_prestashop_simulator_starts_with_the_given_key(echo_template: Path, tmp_path: Path) -> None:
    key = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
    out = io.StringIO()
    config = _config(
        echo_template,
        tmp_path / "state.json",
        start_shop=True,
        shop_port=0,
        shop_key=key,
        shop_products=5,
        shop_orders=3,
    )
    with LocalStack(config, out=out) as local:
        banner = local.banner()
        assert local.shop_url is not None and local.shop_url in banner
        assert key in banner
        answer = httpx.get(f"{local.shop_url}/api/products", params={"output_format": "JSON"}, auth=(key, ""))
        assert answer.status_code == 200
        assert len(answer.json()["products"]) == 5
        assert httpx.get(f"{local.shop_url}/api/products", auth=("WRONG" * 6 + "XY", "")).status_code == 401
    generated = generate_shop_key()
    assert len(generated) == 32 and generated.isalnum() and generated.upper() == generated
