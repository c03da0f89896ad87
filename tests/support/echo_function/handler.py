"""Echo handler for HTTP API, SQS and schedule events, and a delegating authorizer.

HTTP: answers 200 with the event it received as JSON body (plus a header, a multi-value header
and two cookies); path id ``boom`` raises, ``raw`` answers a bare object (no ``statusCode``),
``binary`` answers base64 bytes.

SQS: each record's body is JSON ``{"id", "fail_times", "raise_times", "invalid_times", "sleep"}``;
a record fails (``batchItemFailures``) while its ApproximateReceiveCount ≤ ``fail_times``, the
whole batch raises while it is ≤ ``raise_times`` and the answer names an unknown message while
it is ≤ ``invalid_times``.

Authorizer: refuses when the request has an ``x-deny`` header, raises on ``x-explode``,
otherwise delegates to the real authorizer (so tokens resolve to tenants).
"""

from __future__ import annotations

import base64
import json
import os
import time
from typing import Any

from tests.support.echo_function import recorder

WATCHED = ("ECHO_ONLY", "SHOPHUB_TABLE_NAME")


def _environment() -> dict[str, str | None]:
    return {name: os.environ.get(name) for name in WATCHED}


def handler(event: dict[str, Any], context: Any) -> Any:
    if "Records" in event:
        return _sqs(event)
    if event.get("detail-type") == "Scheduled Event":
        recorder.record("schedule", event, _environment())
        return None
    return _http(event, context)


def _http(event: dict[str, Any], context: Any) -> Any:
    recorder.record("http", event, _environment())
    item = (event.get("pathParameters") or {}).get("id")
    if item == "boom":
        raise RuntimeError("echo handler exploded on purpose")
    if item == "raw":
        return {"hello": "world"}
    if item == "binary":
        return {
            "statusCode": 200,
            "headers": {"content-type": "application/octet-stream"},
            "body": base64.b64encode(b"\x00\x01\x02\xff").decode(),
            "isBase64Encoded": True,
        }
    echoed = {"event": event, "remaining_ms": context.get_remaining_time_in_millis(), "function": context.function_name}
    return {
        "statusCode": 200,
        "headers": {"content-type": "application/json", "x-echo": "yes"},
        "multiValueHeaders": {"x-multi": ["one", "two"]},
        "cookies": ["first=1; Path=/", "second=2; Path=/"],
        "body": json.dumps(echoed),
    }


def _sqs(event: dict[str, Any]) -> dict[str, Any]:
    recorder.record("sqs", event, _environment())
    recorder.enter()
    try:
        failures = []
        for record in event["Records"]:
            body = json.loads(record["body"])
            count = int(record["attributes"]["ApproximateReceiveCount"])
            if body.get("sleep"):
                time.sleep(float(body["sleep"]))
            if count <= int(body.get("raise_times", 0)):
                raise RuntimeError(f"message {body.get('id')} fails the whole batch")
            if count <= int(body.get("invalid_times", 0)):
                return {"batchItemFailures": [{"itemIdentifier": "not-in-this-batch"}]}
            if count <= int(body.get("fail_times", 0)):
                failures.append({"itemIdentifier": record["messageId"]})
        return {"batchItemFailures": failures}
    finally:
        recorder.leave()


def authorize(event: dict[str, Any], context: Any) -> dict[str, Any]:
    recorder.record("authorizer", event, _environment())
    headers = event.get("headers") or {}
    if "x-explode" in headers:
        raise RuntimeError("authorizer exploded on purpose")
    if "x-deny" in headers:
        return {"isAuthorized": False}
    from functions.authorizer.handler import handler as real_authorizer

    return real_authorizer(event, context)
