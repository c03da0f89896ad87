"""``functions/importer``: imports and linking over HTTP, import stages and links file jobs from
``ImportQueue``.

One function, two doors, chosen by the event's shape: an SQS batch (``"Records"``) goes to the
worker (:func:`shophub.jobs.work_jobs`, partial batch failures: a record fails only when its shop failure
may pass, so SQS brings it back), anything else is an HTTP API event. A message's ``kind``
picks its service: ``prepare`` / ``chunk`` the import, ``links_file`` a links file job.
"""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from pydantic import Field, RootModel

from shophub.api import imports
from shophub.clock import Deadline
from shophub.function_settings import require_settings
from shophub.http import build_resolver
from shophub.jobs import work_jobs
from shophub.observability import logger, metrics, tracer
from shophub.services.imports import ImportMessage
from shophub.services.link_jobs import LinkJobMessage
from shophub.wiring import container

require_settings("importer")  # cold start: fails here, naming a missing variable

app = build_resolver()
app.include_router(imports.router)

#: Seconds kept free before the Lambda's timeout when a stage talks to the shop.
_DEADLINE_MARGIN = 5.0


class ImporterMessage(RootModel[Annotated[ImportMessage | LinkJobMessage, Field(discriminator="kind")]]):
    """A message on ``ImportQueue``, whichever its kind."""


def run_import(job: ImporterMessage, attempt: int, deadline: Deadline | None) -> None:
    """One import stage or links job message; raises (the record comes back) only for
    failures that may pass."""
    message = job.root
    if isinstance(message, LinkJobMessage):
        logger.append_keys(links_job_id=message.job_id, account_id=message.account_id)
        try:
            container().link_job_service.handle(message, attempt=attempt, deadline=deadline)
        finally:
            logger.remove_keys(["links_job_id", "account_id"])
    else:
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
            work_jobs(
                event, context, model=ImporterMessage, what="import", work=run_import, deadline_margin=_DEADLINE_MARGIN
            )
        )
    return app.resolve(event, context)
