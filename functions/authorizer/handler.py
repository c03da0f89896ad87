"""HTTP API Lambda authorizer: ``Authorization: Bearer <token>`` → tenant id (or operator).

Simple-response format (payload 2.0). It never refuses on its own: a request whose token is
missing, unknown, revoked or expired gets an empty ``tenant_id`` and the API functions answer it with the
contract's 401 error body (an HTTP API cannot shape an authorizer's refusal). A platform
operator's token gives ``role: operator``, its name and no tenant; the API functions let it
read through the ``/admin`` routes only (403 elsewhere).
"""

from __future__ import annotations

from typing import Any

from shophub.function_settings import require_settings
from shophub.observability import logger
from shophub.wiring import container

require_settings("authorizer")  # cold start: fails here, naming a missing variable


def _bearer(headers: dict[str, str]) -> str:
    value = headers.get("authorization") or headers.get("Authorization") or ""
    scheme, _, token = value.strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


@logger.inject_lambda_context(log_event=False)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    token = _bearer(event.get("headers") or {})
    found = container().tokens.resolve(token) if token else None
    if found is None:
        logger.info("request without a valid token", extra={"has_token": bool(token)})
        return {"isAuthorized": True, "context": {"tenant_id": "", "token_name": ""}}
    if found.is_operator:
        return {"isAuthorized": True, "context": {"tenant_id": "", "token_name": found.name, "role": "operator"}}
    return {"isAuthorized": True, "context": {"tenant_id": found.tenant_id, "token_name": found.name}}
