"""``functions/api``: configuration, hub dictionaries, catalogue, stock, orders and reports."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.logging import correlation_paths

from shophub.api import health
from shophub.http import build_resolver
from shophub.observability import logger, metrics, tracer

app = build_resolver()
app.include_router(health.router)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
