"""``functions/stock_pusher``: ``StockQueue`` batches → one coalesced push to every linked shop.

The whole batch is pushed at once (changes of many messages to one product become one row, the
rows of one account go out 100 per request, each account within its own time budget); then
:func:`shophub.jobs.work_batch` settles the batch. A shop that could not be reached gets its rows
back as its own delayed message (:mod:`shophub.services.shop_isolation`; after repeated failures
its circuit breaker parks them), so it never makes the batch's messages, which other shops' rows
share, come back; a message fails (and SQS delivers it again) only when such rows could not be
given back or another run holds the account. Unreadable messages and permanent refusals are
reported and succeed. An exception escaping the push fails the whole batch, which is safe: pushes are
absolute quantities, recorded per row only with a conditional write on the version.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from shophub.clock import Deadline
from shophub.function_settings import require_settings
from shophub.jobs import work_batch
from shophub.observability import logger, metrics, tracer
from shophub.services.stock_push import Delivery
from shophub.wiring import container

require_settings("stock_pusher")  # cold start: fails here, naming a missing variable

#: Seconds kept free before the Lambda's timeout for recording pushes and writing the reports.
_DEADLINE_MARGIN = 15.0


def push(records: Sequence[SQSRecord], deadline: Deadline | None) -> set[str]:
    """One push for the whole batch; returns the ids of the messages that must come back (a row
    of one of their products was not written yet)."""
    deliveries = [Delivery(str(r.get("messageId", "")), str(r.get("body") or "")) for r in records]
    result = container().stock_push_service(deadline=deadline).push(deliveries)
    metrics.add_metric(name="StockChanges", unit=MetricUnit.Count, value=result.changes)
    metrics.add_metric(name="StockRowsPushed", unit=MetricUnit.Count, value=result.ok)
    metrics.add_metric(name="StockRowsFailed", unit=MetricUnit.Count, value=result.failed)
    metrics.add_metric(name="StockShopRequests", unit=MetricUnit.Count, value=result.shop_requests)
    metrics.add_metric(name="StockRowsGivenBack", unit=MetricUnit.Count, value=result.given_back)
    # the alarm on open circuit breakers reads this metric with the stage as its dimension
    metrics.add_dimension(name="Stage", value=os.environ.get("SHOPHUB_STAGE", "dev"))
    metrics.add_metric(name="OpenCircuitBreakers", unit=MetricUnit.Count, value=result.open_breakers)
    return result.failed_message_ids


@logger.inject_lambda_context(correlation_id_path="Records[0].messageId")
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: Any) -> PartialItemFailureResponse:
    return work_batch(event, context, work=push, deadline_margin=_DEADLINE_MARGIN)
