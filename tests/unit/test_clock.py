"""Deadlines handed to the connector come from the Lambda's remaining time."""

from __future__ import annotations

from local.stack.events import LambdaContext
from shophub.clock import lambda_deadline


def test_deadline_is_the_remaining_time_minus_the_margin():
    context = LambdaContext("fn", timeout_seconds=30)

    deadline = lambda_deadline(context, 5.0)

    assert deadline is not None
    assert 24.0 < deadline() <= 25.0


def test_no_lambda_context_means_no_deadline():
    assert lambda_deadline(None, 5.0) is None
    assert lambda_deadline(object(), 5.0) is None
