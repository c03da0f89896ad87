"""``functions/order_pusher``: ``OrderUpdateQueue`` → tracking numbers, sales documents and status
changes to the shop (:func:`shophub.jobs.work_jobs`, partial batch failures).

A record fails (and SQS delivers it again; after 5 receives it lands in the DLQ) only for a
transient shop failure; permanent refusals are recorded on the order and in the activity log and
the record succeeds; a malformed message is logged and dropped.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from shophub.clock import Deadline
from shophub.domain.orders import OrderPushJob
from shophub.function_settings import require_settings
from shophub.jobs import work_jobs
from shophub.observability import logger, metrics, tracer
from shophub.wiring import container

require_settings("order_pusher")  # cold start: fails here, naming a missing variable

#: Seconds kept free before the Lambda's timeout for recording the outcome.
_DEADLINE_MARGIN = 5.0


def push(job: OrderPushJob, attempt: int, deadline: Deadline | None) -> None:
    """One push to the shop; raises (the record comes back) only for transient failures."""
    result = container().order_push_service.push(job, attempt=attempt, deadline=deadline)
    metrics.add_metric(name="OrderPushShopRequests", unit=MetricUnit.Count, value=result.shop_requests)
    logger.info(
        "order push finished",
        extra={"type": job.type, "shop_order_id": job.shop_order_id, "outcome": result.outcome},
    )


@logger.inject_lambda_context(correlation_id_path="Records[0].messageId")
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return dict(
        work_jobs(event, context, model=OrderPushJob, what="order update", work=push, deadline_margin=_DEADLINE_MARGIN)
    )
