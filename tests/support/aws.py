"""moto-backed AWS for tests: the stack of ``template.yaml`` provisioned in-process."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import boto3
from moto import mock_aws

from local.stack.template import REGION, ProvisionedStack, load_stack, provision
from shophub import wiring

BASE_ENV = {
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_DISABLED": "true",
    "POWERTOOLS_DEV": "false",
    "SHOPHUB_ALLOW_LOCAL_SHOPS": "true",
}


@dataclass
class TestStack:
    """The provisioned stack plus a fresh container wired to it."""

    __test__ = False  # not a test class, despite the name

    stack: ProvisionedStack
    container: wiring.Container

    @property
    def table(self) -> Any:
        return self.container.table

    def queue_url(self, logical_id: str) -> str:
        return self.stack.queue_urls[logical_id]

    def queue_arn(self, logical_id: str) -> str:
        name = self.stack.model.resources[logical_id]["Properties"]["QueueName"]
        return f"arn:aws:sqs:{REGION}:123456789012:{name}"

    def messages(self, logical_id: str, max_messages: int = 10) -> list[dict[str, Any]]:
        """Drain up to ``max_messages`` from a queue (visibility 0, so they stay)."""
        sqs = self.container.sqs
        out: list[dict[str, Any]] = []
        while len(out) < max_messages:
            got = sqs.receive_message(
                QueueUrl=self.queue_url(logical_id),
                MaxNumberOfMessages=min(10, max_messages - len(out)),
                VisibilityTimeout=0,
                AttributeNames=["All"],
            ).get("Messages", [])
            if not got:
                break
            out.extend(got)
        return out


@contextmanager
def aws_stack(**env: str) -> Iterator[TestStack]:
    """moto in-process with the template's table, queues and bus; env set for the functions."""
    saved = dict(os.environ)
    os.environ.update(BASE_ENV)
    try:
        with mock_aws():
            model = load_stack("test")
            stack = provision(
                model,
                dynamodb=boto3.client("dynamodb"),
                sqs=boto3.client("sqs"),
                events=boto3.client("events"),
                s3=boto3.client("s3"),
            )
            os.environ.update(stack.union_environment())
            os.environ.update(env)
            wiring.reset()
            yield TestStack(stack, wiring.container())
    finally:
        wiring.reset()
        os.environ.clear()
        os.environ.update(saved)


def presigned_object(container: Any, url: str) -> bytes:
    """The links bucket object a presigned download link points at (virtual-hosted or path style)."""
    from urllib.parse import unquote, urlparse

    location = urlparse(url)
    assert location.query, "a presigned link carries its signature in the query"
    bucket = container.settings.links_bucket
    key = unquote(location.path).lstrip("/").removeprefix(f"{bucket}/")
    return bytes(container.s3.get_object(Bucket=bucket, Key=key)["Body"].read())
