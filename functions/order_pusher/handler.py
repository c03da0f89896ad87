"""``functions/order_pusher``: ``OrderUpdateQueue`` → tracking numbers, sales documents and status
changes to the shop (``BatchProcessor``, partial batch failures).

A record fails (and SQS delivers it again; after 5 receives it lands in the DLQ) only for a
transient shop failure; permanent refusals are recorded on the order and in the activity log and
the record succeeds; a malformed message is logged and dropped.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from shophub.clock import lambda_deadline
from shophub.domain.orders import OrderPushJob
from shophub.jobs import attempt_of, read_job
from shophub.observability import logger, metrics, tracer
from shophub.wiring import container

#: Every failed record is reported (also when all of them failed), never raised as one error.
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)

#: Seconds kept free before the Lambda's timeout for recording the outcome.
_DEADLINE_MARGIN = 5.0


def push_record(record: SQSRecord, lambda_context: Any = None) -> None:
    """One push to the shop; raises (the record comes back) only for transient failures."""
    job = read_job(record, OrderPushJob, "order update")
    if job is None:
        return
    attempt = attempt_of(record)

    result = container().order_push_service.push(
        job, attempt=attempt, deadline=lambda_deadline(lambda_context, _DEADLINE_MARGIN)
    )
    metrics.add_metric(name="OrderPushShopRequests", unit=MetricUnit.Count, value=result.shop_requests)
    logger.info(
        "order push finished",
        extra={"type": job.type, "shop_order_id": job.shop_order_id, "outcome": result.outcome},
    )


@logger.inject_lambda_context(correlation_id_path="Records[0].messageId")
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return dict(process_partial_response(event=event, record_handler=push_record, processor=processor, context=context))
