"""``functions/order_poller``: the schedule's dispatcher and the per-account poll worker.

* An EventBridge scheduled event → the dispatcher: one ``PollOrders`` message per account with
  fetching enabled, on ``OrderPollQueue``.
* An SQS event from ``OrderPollQueue`` → the worker (:func:`shophub.jobs.work_jobs`, partial
  batch failures): one account polled per message. A transient shop failure fails the record
  (SQS delivers it again); on its last delivery the account's order poll breaker opens instead
  of the record going to the DLQ (``OpenCircuitBreakers`` is published, as while it stays open);
  permanent failures are logged and the record succeeds; a malformed message is logged and
  dropped.
"""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from shophub.clock import Deadline
from shophub.domain.orders import PollOrdersJob
from shophub.function_settings import require_settings
from shophub.jobs import work_jobs
from shophub.observability import logger, metrics, tracer
from shophub.wiring import container

require_settings("order_poller")  # cold start: fails here, naming a missing variable

#: Seconds kept free before the Lambda's timeout for releasing the lease and logging the run.
_DEADLINE_MARGIN = 10.0


def poll(job: PollOrdersJob, attempt: int, deadline: Deadline | None) -> None:
    """One account's poll; raises (the record comes back) only for transient failures."""
    result = container().order_poll_service.poll(job, attempt=attempt, deadline=deadline)
    metrics.add_metric(name="OrdersImported", unit=MetricUnit.Count, value=result.stats.imported)
    metrics.add_metric(name="OrdersUpdated", unit=MetricUnit.Count, value=result.stats.updated)
    metrics.add_metric(name="OrderPollShopRequests", unit=MetricUnit.Count, value=result.stats.shop_requests)
    if result.outcome == "parked":
        # the alarm on open circuit breakers reads this metric with the stage as its dimension
        metrics.add_dimension(name="Stage", value=os.environ.get("SHOPHUB_STAGE", "dev"))
        metrics.add_metric(name="OpenCircuitBreakers", unit=MetricUnit.Count, value=1)
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
            work_jobs(
                event, context, model=PollOrdersJob, what="order poll", work=poll, deadline_margin=_DEADLINE_MARGIN
            )
        )
    dispatched = container().order_poll_dispatcher.dispatch()
    metrics.add_metric(name="OrderPollsDispatched", unit=MetricUnit.Count, value=dispatched)
    logger.info("order polls dispatched", extra={"accounts": dispatched})
    return {"dispatched": dispatched}
