"""Real AWS event shapes, built the way the services that invoke Lambda build them.

Used by the local gateway, schedule runner and queue pump, and by tests that call handlers:
API Gateway HTTP API payload 2.0 events (with the Lambda authorizer's context), SQS batch
events, EventBridge scheduled events, and a Lambda context object.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from local.stack.template import ACCOUNT_ID, REGION


@dataclass
class LambdaContext:
    """Enough of the Lambda context object for Powertools and deadline handling."""

    function_name: str = "local"
    timeout_seconds: int = 30
    memory_limit_in_mb: int = 512
    function_version: str = "$LATEST"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    _started: float = field(default_factory=time.monotonic)

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{self.function_name}"

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function_name}"

    @property
    def log_stream_name(self) -> str:
        return "local"

    def get_remaining_time_in_millis(self) -> int:
        left = self.timeout_seconds - (time.monotonic() - self._started)
        return max(0, int(left * 1000))


def http_api_event(
    method: str,
    path: str,
    *,
    query: str = "",
    headers: dict[str, str] | None = None,
    body: bytes | str | None = None,
    route_key: str | None = None,
    path_parameters: dict[str, str] | None = None,
    authorizer_context: dict[str, Any] | None = None,
    stage: str = "$default",
    source_ip: str = "127.0.0.1",
) -> dict[str, Any]:
    """An API Gateway HTTP API (payload format 2.0) event."""
    lowered = {k.lower(): v for k, v in (headers or {}).items()}
    raw = body.encode("utf-8") if isinstance(body, str) else body
    is_text = raw is None or _is_text(lowered.get("content-type", ""))
    now = datetime.now(UTC)
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key or f"{method} {path}",
        "rawPath": path,
        "rawQueryString": query,
        "headers": lowered,
        "requestContext": {
            "accountId": ACCOUNT_ID,
            "apiId": "local",
            "domainName": lowered.get("host", "127.0.0.1"),
            "domainPrefix": "local",
            "http": {
                "method": method.upper(),
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": lowered.get("user-agent", ""),
            },
            "requestId": uuid.uuid4().hex,
            "routeKey": route_key or f"{method} {path}",
            "stage": stage,
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now.timestamp() * 1000),
        },
        "isBase64Encoded": False,
    }
    if query:
        params: dict[str, str] = {}
        for k, v in parse_qsl(query, keep_blank_values=True):
            params[k] = f"{params[k]},{v}" if k in params else v
        event["queryStringParameters"] = params
    if path_parameters:
        event["pathParameters"] = path_parameters
    if authorizer_context is not None:
        event["requestContext"]["authorizer"] = {"lambda": authorizer_context}
    if lowered.get("cookie"):
        event["cookies"] = [c.strip() for c in lowered["cookie"].split(";")]
    if raw is not None and raw != b"":
        if is_text:
            event["body"] = raw.decode("utf-8", errors="replace")
        else:
            event["body"] = base64.b64encode(raw).decode()
            event["isBase64Encoded"] = True
    return event


def _is_text(content_type: str) -> bool:
    ct = content_type.lower()
    return not ct or ct.startswith("text/") or "json" in ct or "xml" in ct or "csv" in ct or "form" in ct


def authorizer_event(headers: dict[str, str], route_key: str, raw_path: str) -> dict[str, Any]:
    """The REQUEST authorizer event (payload 2.0) API Gateway sends before a route."""
    lowered = {k.lower(): v for k, v in headers.items()}
    return {
        "version": "2.0",
        "type": "REQUEST",
        "routeArn": f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:local/$default/{route_key.replace(' ', '')}",
        "identitySource": [lowered["authorization"]] if "authorization" in lowered else [],
        "routeKey": route_key,
        "rawPath": raw_path,
        "headers": lowered,
        "requestContext": {"accountId": ACCOUNT_ID, "apiId": "local", "http": {"method": route_key.split(" ")[0]}},
    }


def sqs_record(message: dict[str, Any], queue_arn: str) -> dict[str, Any]:
    """One SQS record from a ``receive_message`` message."""
    body = message["Body"]
    attributes = message.get("Attributes", {})
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": body,
        "attributes": {
            "ApproximateReceiveCount": attributes.get("ApproximateReceiveCount", "1"),
            "SentTimestamp": attributes.get("SentTimestamp", str(int(time.time() * 1000))),
            "SenderId": attributes.get("SenderId", ACCOUNT_ID),
            "ApproximateFirstReceiveTimestamp": attributes.get(
                "ApproximateFirstReceiveTimestamp", str(int(time.time() * 1000))
            ),
            **({"MessageGroupId": attributes["MessageGroupId"]} if "MessageGroupId" in attributes else {}),
        },
        "messageAttributes": message.get("MessageAttributes", {}),
        "md5OfBody": message.get("MD5OfBody") or hashlib.md5(body.encode(), usedforsecurity=False).hexdigest(),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": REGION,
    }


def sqs_event(messages: list[dict[str, Any]], queue_arn: str) -> dict[str, Any]:
    return {"Records": [sqs_record(m, queue_arn) for m in messages]}


def sqs_event_from_bodies(bodies: list[Any], queue_arn: str) -> dict[str, Any]:
    """An SQS event for tests: each body (str or JSON-able) becomes one record."""
    messages = []
    for i, body in enumerate(bodies):
        text = body if isinstance(body, str) else json.dumps(body)
        messages.append({"MessageId": f"msg-{i}-{uuid.uuid4().hex[:8]}", "ReceiptHandle": f"rh-{i}", "Body": text})
    return sqs_event(messages, queue_arn)


def schedule_event(rule_name: str) -> dict[str, Any]:
    """An EventBridge "Scheduled Event" as delivered to a Lambda target."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT_ID,
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": REGION,
        "resources": [f"arn:aws:events:{REGION}:{ACCOUNT_ID}:rule/{rule_name}"],
        "detail": {},
    }
