"""``functions/connection_check``: shop accounts over HTTP, discovery runs from ``DiscoveryQueue``.

One function, two doors, chosen by the event's shape: an SQS batch (``"Records"``) goes to the
discovery worker (``BatchProcessor``, partial batch failures), anything else is an HTTP API event
for the accounts router or the tenant's activity log (``GET /logs``).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from shophub.api import accounts, logs
from shophub.clock import lambda_deadline
from shophub.errors import ShopError
from shophub.http import build_resolver
from shophub.jobs import attempt_of, read_job
from shophub.observability import logger, metrics, tracer
from shophub.services.discovery import DiscoveryJob
from shophub.wiring import container

app = build_resolver()
app.include_router(accounts.router)
app.include_router(logs.router)

#: a failed record is reported in ``batchItemFailures`` (also when it is the whole batch)
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)

#: Seconds kept free before the Lambda's timeout when a discovery run talks to the shop.
_DEADLINE_MARGIN = 3.0


def discovery_record(record: SQSRecord, lambda_context: Any = None) -> None:
    """One discovery run. Raises (the record fails and comes back) only for transient errors."""
    job = read_job(record, DiscoveryJob, "discovery")
    if job is None:
        return
    attempt = attempt_of(record)
    deadline = lambda_deadline(lambda_context, _DEADLINE_MARGIN)
    try:
        outcome = container().discovery_service.run(job, attempt=attempt, deadline=deadline)
    except ShopError as error:
        logger.warning(
            "discovery failed, the message comes back", extra={"account_id": job.account_id, "code": error.code}
        )
        raise
    except Exception:
        logger.exception("discovery failed unexpectedly", extra={"account_id": job.account_id})
        raise
    metrics.add_metric(name=f"Discovery_{outcome}", unit=MetricUnit.Count, value=1)
    logger.info("discovery run finished", extra={"account_id": job.account_id, "outcome": outcome})


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    if "Records" in event:
        return dict(
            process_partial_response(event=event, record_handler=discovery_record, processor=processor, context=context)
        )
    return app.resolve(event, context)
