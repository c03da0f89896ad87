"""Every queue worker of the template drops a message that can never become a job: the record
succeeds (no redelivery, no DLQ), nothing is done and the drop is logged."""

from __future__ import annotations

import importlib

import pytest

from local.stack.events import LambdaContext, sqs_event_from_bodies
from local.stack.template import load_stack
from tests.support.aws import TestStack

JOB_WORKERS = {
    "ConnectionCheckFunction": "discovery",
    "ImporterFunction": "import",
    "OrderPollerFunction": "order poll",
    "OrderPusherFunction": "order update",
}


def test_every_job_worker_of_the_template_is_covered():
    consumers = {name for name, spec in load_stack("test").functions.items() if spec.sqs}
    assert consumers - {"StockPusherFunction"} == set(JOB_WORKERS)


@pytest.mark.parametrize("function", sorted(JOB_WORKERS))
def test_a_malformed_message_is_dropped_and_logged(function: str, stack: TestStack, caplog):
    spec = load_stack("test").functions[function]
    (source,) = spec.sqs
    event = sqs_event_from_bodies(["{not json", {"unexpected": True}], stack.queue_arn(source.queue))
    handler = importlib.import_module(spec.module).handler

    answer = handler(event, LambdaContext(function))

    assert answer["batchItemFailures"] == []
    dropped = [r for r in caplog.records if r.getMessage() == f"malformed {JOB_WORKERS[function]} message dropped"]
    assert sorted(r.message_id for r in dropped) == sorted(r["messageId"] for r in event["Records"])
    assert {r.levelname for r in dropped} == {"ERROR"}
