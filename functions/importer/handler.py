"""``functions/importer``: imports and linking over HTTP, import stages from ``ImportQueue``.

One function, two doors, chosen by the event's shape: an SQS batch (``"Records"``) goes to the
import worker (``BatchProcessor``, partial batch failures: a record fails only when its shop
failure may pass, so SQS brings it back), anything else is an HTTP API event.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from shophub.api import imports
from shophub.clock import lambda_deadline
from shophub.http import build_resolver
from shophub.jobs import attempt_of, read_job
from shophub.observability import logger, metrics, tracer
from shophub.services.imports import ImportMessage
from shophub.wiring import container

app = build_resolver()
app.include_router(imports.router)

#: With BatchSize 1 every failed record is a failed batch: report it in ``batchItemFailures``
#: (SQS brings it back) instead of failing the invocation.
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)

#: Seconds kept free before the Lambda's timeout when a stage talks to the shop.
_DEADLINE_MARGIN = 5.0


def import_record(record: SQSRecord, lambda_context: Any = None) -> None:
    """One import stage message; raises (the record comes back) only for transient failures."""
    message = read_job(record, ImportMessage, "import")
    if message is None:
        return
    attempt = attempt_of(record)
    deadline = lambda_deadline(lambda_context, _DEADLINE_MARGIN)
    logger.append_keys(import_id=message.import_id, account_id=message.account_id)
    try:
        container().import_service.handle(message, attempt=attempt, deadline=deadline)
    finally:
        logger.remove_keys(["import_id", "account_id"])
    metrics.add_metric(name=f"Import_{message.kind}", unit=MetricUnit.Count, value=1)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    if "Records" in event:
        return dict(
            process_partial_response(event=event, record_handler=import_record, processor=processor, context=context)
        )
    return app.resolve(event, context)
