"""``functions/stock_pusher``: ``StockQueue`` batches → one coalesced push to every linked shop.

The whole batch is pushed at once (changes of many messages to one product become one row, the
rows of one account go out 100 per request); then ``BatchProcessor`` settles the batch: a
message fails (and SQS delivers it again) only when a row of one of its products could not be
written for a passing reason. Unreadable messages and permanent refusals are reported and
succeed. An exception escaping the push fails the whole batch, which is safe: pushes are
absolute quantities, recorded per row only with a conditional write on the version.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from shophub.clock import lambda_deadline
from shophub.observability import logger, metrics, tracer
from shophub.services.stock_push import Delivery
from shophub.wiring import container

processor = BatchProcessor(event_type=EventType.SQS)

#: Seconds kept free before the Lambda's timeout for recording pushes and writing the reports.
_DEADLINE_MARGIN = 15.0


class StockPushIncomplete(Exception):
    """A row of this message's products was not written yet (the message comes back)."""


@logger.inject_lambda_context(correlation_id_path="Records[0].messageId")
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: Any) -> PartialItemFailureResponse:
    records = event.get("Records") or []
    deliveries = [Delivery(str(r.get("messageId", "")), str(r.get("body") or "")) for r in records]

    result = container().stock_push_service(deadline=lambda_deadline(context, _DEADLINE_MARGIN)).push(deliveries)
    metrics.add_metric(name="StockChanges", unit=MetricUnit.Count, value=result.changes)
    metrics.add_metric(name="StockRowsPushed", unit=MetricUnit.Count, value=result.ok)
    metrics.add_metric(name="StockRowsFailed", unit=MetricUnit.Count, value=result.failed)
    metrics.add_metric(name="StockShopRequests", unit=MetricUnit.Count, value=result.shop_requests)
    failed = result.failed_message_ids

    def settle(record: SQSRecord) -> None:
        if record.message_id in failed:
            raise StockPushIncomplete(record.message_id)

    return process_partial_response(event=event, record_handler=settle, processor=processor, context=context)
