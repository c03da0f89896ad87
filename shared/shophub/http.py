"""The HTTP edge shared by every API function.

:func:`build_resolver` returns a Powertools ``APIGatewayHttpResolver`` with request validation
(OpenAPI from pydantic models), the single mapping from the domain error tree to the API's error
shape, and the request context: a middleware resolves the tenant, language and actor once per
request into one :class:`~shophub.api.context.RequestContext` that routes read with
:func:`~shophub.api.context.ctx`. Handlers register routes on it and make one service call per
route.

Error shape (API.md): ``{"error": {"code", "message", "details"}}``; 400 malformed JSON or
unknown fields, 401 no tenant, 403 a tenant's token on an operator route or an operator's on a
tenant route, 404, 405, 409 rule, 413 body too large, 415 not JSON, 422 invalid values, 502 shop
failure.

Order of the checks of a request: the tenant or operator (401, then 403; public routes skip it),
then the path, query and body (a JSON body is read within the limits of
:mod:`shophub.api.request_body`, before it is parsed), then the route. A route this function does not serve is 404 ``not_found`` (405
``method_not_allowed`` when the path exists with another method), with or without a token;
an ``OPTIONS`` request (a CORS preflight) is 204 with no body.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from functools import partial
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import NotFoundError as PowertoolsNotFound
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from aws_lambda_powertools.event_handler.middlewares.openapi_validation import OpenAPIRequestValidationMiddleware
from aws_lambda_powertools.event_handler.openapi.compat import lenient_issubclass
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.shared.json_encoder import Encoder
from pydantic import BaseModel

from shophub.api.context import RequestContext, bound_request_context, current_request_context
from shophub.api.request_body import read_json_body
from shophub.errors import (
    BadRequestError,
    FieldProblem,
    ForbiddenError,
    MethodNotAllowedError,
    NotFoundError,
    ShopError,
    ShopHubError,
    UnauthorizedError,
    ValidationError,
)
from shophub.i18n import pick_language, translate
from shophub.observability import logger

#: Routes any caller may use without a token (``Auth: Authorizer: NONE`` in template.yaml).
PUBLIC_ROUTES = frozenset({("GET", "/health"), ("GET", "/openapi.json"), ("GET", "/docs")})
#: Routes under this prefix serve operators' tokens only; every other protected route tenants' only.
OPERATOR_ROUTES_PREFIX = "/admin/"

#: The error codes this module answers for any route, by status (``local/openapi.py`` documents
#: them on every operation they apply to; routes add their own codes).
EDGE_ERRORS: dict[int, tuple[str, ...]] = {
    400: (
        "malformed_json",
        "unknown_fields",
        "body_not_base64",
        "body_not_utf8",
        "json_too_deep",
        "json_number_too_long",
    ),
    401: ("unauthorized",),
    404: ("not_found",),
    405: ("method_not_allowed",),
    413: ("body_too_large",),
    415: ("unsupported_media_type",),
    422: ("validation_failed", "body_not_object"),
}


def language_of(app: Any) -> str:
    headers = app.current_event.headers or {}
    return pick_language(headers.get("accept-language") or headers.get("Accept-Language"))


def tenant_of(app: Any) -> str:
    """The tenant the authorizer resolved for this request (401 when there is none)."""
    context = app.current_event.request_context.authorizer
    lambda_context = (context.get_lambda if context else None) or {}
    tenant = lambda_context.get("tenant_id") if isinstance(lambda_context, dict) else None
    if not tenant:
        raise UnauthorizedError("no tenant")
    return str(tenant)


def actor_of(app: Any) -> str:
    """Who acts, for the activity log: the token's name when the authorizer gave one."""
    context = app.current_event.request_context.authorizer
    lambda_context = (context.get_lambda if context else None) or {}
    return str(lambda_context.get("token_name") or "api") if isinstance(lambda_context, dict) else "api"


def is_operator(app: Any) -> bool:
    """Whether the authorizer resolved an operator's token (role ``operator``, no tenant)."""
    context = app.current_event.request_context.authorizer
    lambda_context = (context.get_lambda if context else None) or {}
    return isinstance(lambda_context, dict) and lambda_context.get("role") == "operator"


def error_body(error: ShopHubError, language: str) -> dict[str, Any]:
    params = dict(error.params)
    if isinstance(error, ShopError):
        params.setdefault("detail", error.shop_message)
    else:
        params.setdefault("detail", error.detail)
    details: list[Any] = []
    for item in error.details:
        if isinstance(item, FieldProblem):
            details.append({"field": item.field, "message": item.message})
        else:
            details.append(item)
    return {
        "error": {"code": error.code, "message": translate(error.message_key, language, **params), "details": details}
    }


def error_response(error: ShopHubError, language: str) -> Response:
    return Response(
        status_code=error.status,
        content_type=content_types.APPLICATION_JSON,
        body=error_body(error, language),
    )


def _field_path(loc: tuple[Any, ...] | list[Any]) -> str:
    """``("body", "items", 2, "hub_id")`` → ``items[2].hub_id``."""
    parts = list(loc)
    if parts and parts[0] in ("body", "query", "path", "header"):
        parts = parts[1:]
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + str(part)
    return text or "body"


_MESSAGE_TYPES: dict[str, tuple[str, str]] = {
    "missing": ("To pole jest wymagane.", "This field is required."),
    "string_too_short": ("Wartość jest za krótka.", "The value is too short."),
    "string_too_long": ("Wartość jest za długa.", "The value is too long."),
    "too_short": ("Lista ma za mało elementów.", "The list has too few items."),
    "too_long": ("Lista ma za dużo elementów.", "The list has too many items."),
    "literal_error": ("Wartość spoza dozwolonego zbioru.", "The value is not one of the allowed values."),
    "enum": ("Wartość spoza dozwolonego zbioru.", "The value is not one of the allowed values."),
    "bool_type": ("Oczekiwano wartości logicznej (true/false).", "A boolean (true/false) is expected."),
    "bool_parsing": ("Oczekiwano wartości logicznej (true/false).", "A boolean (true/false) is expected."),
    "int_type": ("Oczekiwano liczby całkowitej.", "An integer is expected."),
    "int_parsing": ("Oczekiwano liczby całkowitej.", "An integer is expected."),
    "int_from_float": ("Oczekiwano liczby całkowitej.", "An integer is expected."),
    "string_type": ("Oczekiwano tekstu.", "A string is expected."),
    "list_type": ("Oczekiwano listy.", "A list is expected."),
    "dict_type": ("Oczekiwano obiektu.", "An object is expected."),
    "model_type": ("Oczekiwano obiektu.", "An object is expected."),
    "model_attributes_type": ("Oczekiwano obiektu.", "An object is expected."),
    "greater_than": ("Wartość jest za mała.", "The value is too small."),
    "greater_than_equal": ("Wartość jest za mała.", "The value is too small."),
    "less_than": ("Wartość jest za duża.", "The value is too large."),
    "less_than_equal": ("Wartość jest za duża.", "The value is too large."),
    "datetime_type": ("Oczekiwano daty i czasu (ISO 8601).", "A date and time (ISO 8601) is expected."),
    "datetime_parsing": ("Oczekiwano daty i czasu (ISO 8601).", "A date and time (ISO 8601) is expected."),
    "datetime_from_date_parsing": ("Oczekiwano daty (ISO 8601).", "A date (ISO 8601) is expected."),
    "date_parsing": ("Oczekiwano daty (RRRR-MM-DD).", "A date (YYYY-MM-DD) is expected."),
    "date_from_datetime_parsing": ("Oczekiwano daty (RRRR-MM-DD).", "A date (YYYY-MM-DD) is expected."),
    "timezone_aware": ("Data musi zawierać strefę czasową.", "The date must include a time zone."),
    "datetime_out_of_range": ("Data jest poza dozwolonym zakresem.", "The date is out of range."),
    "string_pattern_mismatch": ("Wartość ma nieprawidłowy format.", "The value has an invalid format."),
    "url_parsing": ("Nieprawidłowy adres URL.", "Invalid URL."),
    "url_scheme": ("Nieprawidłowy schemat adresu URL.", "Invalid URL scheme."),
}
_GENERIC_PROBLEM = ("Nieprawidłowa wartość.", "Invalid value.")


def _problem_message(error: dict[str, Any], language: str) -> str:
    error_type = str(error.get("type"))
    pair = _MESSAGE_TYPES.get(error_type)
    if pair is None:
        # Errors raised by model validators carry their own (English) text; keep it in English
        # answers and give Polish callers a Polish generic text.
        if language == "en" and error_type == "value_error":
            return str(error.get("msg", "Invalid value.")).removeprefix("Value error, ")
        pair = _GENERIC_PROBLEM
    return pair[0] if language == "pl" else pair[1]


def validation_to_error(exc: RequestValidationError, language: str) -> ShopHubError:
    """Powertools/pydantic validation errors → 400 (malformed JSON, unknown fields) or 422."""
    errors = list(exc.errors())
    if any(e.get("type") == "json_invalid" for e in errors):
        return BadRequestError("malformed json", code="malformed_json")
    extra = [e for e in errors if e.get("type") == "extra_forbidden"]
    if extra:
        fields = ", ".join(_field_path(e.get("loc", ())) for e in extra)
        return BadRequestError(
            "unknown fields",
            code="unknown_fields",
            params={"fields": fields},
            details=[FieldProblem(_field_path(e.get("loc", ())), "unknown field") for e in extra],
        )
    problems = [FieldProblem(_field_path(e.get("loc", ())), _problem_message(e, language)) for e in errors]
    return ValidationError("invalid values", details=problems)


def _is_served_route(app: Any) -> bool:
    """Whether the request matched one of this resolver's routes (not the not-found route)."""
    route = app.context.get("_route")
    return any(route is served for served in (*app._static_routes, *app._dynamic_routes))


def _resolve_request_context(app: Any) -> RequestContext | None:
    """The context of a request to a protected route this function serves (401 without a
    tenant); ``None`` for public routes and for paths no route serves (404/405 without a token)."""
    event = app.current_event
    if not _is_served_route(app) or (event.request_context.http.method, event.path) in PUBLIC_ROUTES:
        return None
    return _caller_context(app, operator_route=app.context["_route"].path.startswith(OPERATOR_ROUTES_PREFIX))


def _caller_context(app: Any, *, operator_route: bool) -> RequestContext:
    """An operator's context on an operator route, a tenant's on a tenant route; 401 without
    a valid token, 403 for a valid token on the other kind of route."""
    if is_operator(app):
        if not operator_route:
            raise ForbiddenError("operator token on a tenant route", message_key="forbidden_operator_token")
        return RequestContext(tenant_id="", language=language_of(app), actor=actor_of(app), role="operator")
    # the tenant first: it raises UnauthorizedError → 401 in the API's shape
    context = RequestContext(tenant_id=tenant_of(app), language=language_of(app), actor=actor_of(app))
    if operator_route:
        raise ForbiddenError("tenant token on an operator route", message_key="forbidden_operators_only")
    return context


def _request_context_middleware(app: Any, next_middleware: Callable[[Any], Response]) -> Response:
    """Resolves the request context once and binds it while the route runs (see
    :mod:`shophub.api.context`); the request validation, which runs first, has bound it already."""
    if current_request_context() is not None:
        return next_middleware(app)
    with bound_request_context(_resolve_request_context(app)):
        return next_middleware(app)


def _expects_object(app: Any) -> bool:
    route = app.context.get("_route")
    params = route.dependant.body_params if route is not None else []
    return bool(params) and all(lenient_issubclass(param.type_, BaseModel) for param in params)


class _RequestValidation(OpenAPIRequestValidationMiddleware):
    """Powertools' request validation, after the tenant check and with the body read by
    :func:`shophub.api.request_body.read_json_body` (limits checked before parsing; 400, 413 or
    415 in the API's shape instead of a 500 or Powertools' own answers)."""

    def handler(self, app: Any, next_middleware: NextMiddleware) -> Response:
        # the request context (and its 401) first: an anonymous caller learns nothing about its input
        return _request_context_middleware(app, partial(super().handler, next_middleware=next_middleware))

    def _get_body(self, app: Any) -> Any:
        event = app.current_event
        headers = event.headers or {}
        value = read_json_body(
            event.body,
            base64_encoded=event.is_base64_encoded,
            content_type=headers.get("content-type") or headers.get("Content-Type"),
        )
        if event.body and not isinstance(value, dict) and _expects_object(app):
            language = language_of(app)
            raise ValidationError(
                "body is not an object",
                code="body_not_object",
                details=[FieldProblem("body", _problem_message({"type": "dict_type"}, language))],
            )
        return value


def _route_exists_with_other_method(app: APIGatewayHttpResolver, method: str, path: str) -> bool:
    routes = list(getattr(app, "_static_routes", [])) + list(getattr(app, "_dynamic_routes", []))
    return any(route.method != method and route.rule.match(path) for route in routes)


def build_resolver(*, enable_validation: bool = True) -> APIGatewayHttpResolver:
    """An HTTP API resolver with ShopHub's error mapping, request context and validation."""
    app = APIGatewayHttpResolver(
        enable_validation=enable_validation,
        # UTF-8 bodies: "Połączenie jest poprawne.", not "Po\u0142\u0105czenie ..."
        serializer=partial(json.dumps, separators=(",", ":"), cls=Encoder, ensure_ascii=False),
    )
    if enable_validation:
        # Powertools runs this middleware first for every route; ours reads bodies within limits.
        app._request_validation_middleware = _RequestValidation()
    app.use(middlewares=[_request_context_middleware])

    @app.exception_handler(ShopHubError)
    def _domain_error(error: ShopHubError) -> Response:
        if error.status >= 500:
            logger.warning("request failed", extra={"code": error.code, "status": error.status})
        return error_response(error, language_of(app))

    @app.exception_handler(RequestValidationError)
    def _invalid_request(exc: RequestValidationError) -> Response:
        language = language_of(app)
        return error_response(validation_to_error(exc, language), language)

    @app.not_found
    def _not_found(_: PowertoolsNotFound) -> Response:
        event = app.current_event
        method, path = event.request_context.http.method, event.path
        if method == "OPTIONS":
            # a browser's CORS preflight: no route has OPTIONS, so the HTTP API's $default route
            # brings it here; API Gateway adds the template's CorsConfiguration headers to this 204
            return no_content()
        if _route_exists_with_other_method(app, method, path):
            return error_response(MethodNotAllowedError(f"{method} {path}"), language_of(app))
        return error_response(NotFoundError("route", message_key="route_not_found"), language_of(app))

    return app


_IDENT = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def require_id(value: str, what: str = "id") -> str:
    """A path id that looks like one of ours; anything else is simply not found (404)."""
    if not _IDENT.match(value):
        raise NotFoundError(what)
    return value


def no_content() -> Response:
    return Response(status_code=204, content_type=None, body="")


def json_response(status: int, body: Any) -> Response:
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=body)


Handler = Callable[[dict[str, Any], Any], dict[str, Any]]
