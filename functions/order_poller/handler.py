"""``functions/order_poller``: the schedule's dispatcher and the per-account poll worker.

* An EventBridge scheduled event → the dispatcher: one ``PollOrders`` message per account with
  fetching enabled, on ``OrderPollQueue``.
* An SQS event from ``OrderPollQueue`` → the worker (``BatchProcessor``, partial batch failures):
  one account polled per message. A transient shop failure fails the record (SQS delivers it
  again; after 5 receives it lands in the DLQ); permanent failures are logged and the record
  succeeds; a malformed message is logged and dropped.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from shophub.clock import lambda_deadline
from shophub.domain.orders import PollOrdersJob
from shophub.jobs import attempt_of, read_job
from shophub.observability import logger, metrics, tracer
from shophub.wiring import container

#: Every failed record is reported (also when all of them failed), never raised as one error.
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)

#: Seconds kept free before the Lambda's timeout for releasing the lease and logging the run.
_DEADLINE_MARGIN = 10.0


def poll_record(record: SQSRecord, lambda_context: Any = None) -> None:
    """One account's poll; raises (the record comes back) only for transient failures."""
    job = read_job(record, PollOrdersJob, "order poll")
    if job is None:
        return
    attempt = attempt_of(record)

    result = container().order_poll_service.poll(
        job, attempt=attempt, deadline=lambda_deadline(lambda_context, _DEADLINE_MARGIN)
    )
    metrics.add_metric(name="OrdersImported", unit=MetricUnit.Count, value=result.stats.imported)
    metrics.add_metric(name="OrdersUpdated", unit=MetricUnit.Count, value=result.stats.updated)
    metrics.add_metric(name="OrderPollShopRequests", unit=MetricUnit.Count, value=result.stats.shop_requests)
    logger.info(
        "order poll finished",
        extra={"account_id": job.account_id, "outcome": result.outcome, **result.stats.as_dict()},
    )


@logger.inject_lambda_context(correlation_id_path="Records[0].messageId || id")
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    if "Records" in event:
        return dict(
            process_partial_response(event=event, record_handler=poll_record, processor=processor, context=context)
        )
    dispatched = container().order_poll_dispatcher.dispatch()
    metrics.add_metric(name="OrderPollsDispatched", unit=MetricUnit.Count, value=dispatched)
    logger.info("order polls dispatched", extra={"accounts": dispatched})
    return {"dispatched": dispatched}
