"""``functions/api``: configuration, hub dictionaries, catalogue, stock, orders and reports."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.logging import correlation_paths

from shophub.api import catalog, docs, health, hub, templates
from shophub.api import config as config_routes
from shophub.api import orders as order_routes
from shophub.api import reports as report_routes
from shophub.api import stock as stock_routes
from shophub.function_settings import require_settings
from shophub.http import build_resolver
from shophub.observability import logger, metrics, tracer

require_settings("api")  # cold start: fails here, naming a missing variable

app = build_resolver()
app.include_router(health.router)
app.include_router(docs.router)
app.include_router(hub.router)
app.include_router(config_routes.router)
app.include_router(templates.router)
app.include_router(catalog.router)
app.include_router(stock_routes.router)
app.include_router(report_routes.router)
app.include_router(order_routes.router)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
