"""``functions/connection_check``: shop accounts over HTTP, discovery runs from ``DiscoveryQueue``.

One function, two doors, chosen by the event's shape: an SQS batch (``"Records"``) goes to the
discovery worker (:func:`shophub.jobs.work_jobs`, partial batch failures), anything else is an HTTP API event
for the accounts router, the tenant's activity log (``GET /logs``) or the platform operators'
read-only routes (``GET /admin/…``), which render accounts and logs as the tenant's routes do.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit

from shophub.api import accounts, admin, logs
from shophub.clock import Deadline
from shophub.errors import ShopError
from shophub.function_settings import require_settings
from shophub.http import build_resolver
from shophub.jobs import work_jobs
from shophub.observability import logger, metrics, tracer
from shophub.services.discovery import DiscoveryJob
from shophub.wiring import container

require_settings("connection_check")  # cold start: fails here, naming a missing variable

app = build_resolver()
app.include_router(accounts.router)
app.include_router(logs.router)
app.include_router(admin.router)

#: Seconds kept free before the Lambda's timeout when a discovery run talks to the shop.
_DEADLINE_MARGIN = 3.0


def discover(job: DiscoveryJob, attempt: int, deadline: Deadline | None) -> None:
    """One discovery run. Raises (the record fails and comes back) only for transient errors."""
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
            work_jobs(
                event, context, model=DiscoveryJob, what="discovery", work=discover, deadline_margin=_DEADLINE_MARGIN
            )
        )
    return app.resolve(event, context)
