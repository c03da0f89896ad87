"""The request context: the tenant a request acts for, the language it is answered in, the
actor the activity log names and the caller's role, resolved once per request by the HTTP edge
and read by the routes.

A tenant's token acts for its tenant on the tenant routes; an operator's token (role
``operator``, no tenant) only on the read-only ``/admin`` routes, which name the tenant they
read in their path. The edge refuses either token on the other's routes (403).

:func:`shophub.http.build_resolver` installs the middleware that resolves them (a request without
a tenant on a protected route is a 401 before anything else is looked at) and binds one
:class:`RequestContext` for the time the route runs; a route reads it with :func:`ctx`. Public
routes (``/health``, ``/openapi.json``, ``/docs``) get no context: they act for nobody.

The context lives in a :class:`~contextvars.ContextVar`, reset when the request ends, so a
request never sees another's tenant, also when the local stack serves several execution
environments of one function in threads.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Literal

#: ``tenant``: a tenant's token; ``operator``: a platform operator's token (reads only, no tenant).
Role = Literal["tenant", "operator"]


@dataclass(frozen=True, slots=True)
class RequestContext:
    """Who a request acts for, in which language it is answered, as whom it is logged, and
    whose token it carries."""

    #: The tenant the authorizer resolved from the bearer token.
    tenant_id: str
    #: ``pl`` or ``en``, from ``Accept-Language``.
    language: str
    #: The token's name (``api`` when the authorizer gave none), for the activity log.
    actor: str
    #: Whose token it is; an operator's context has no tenant (``tenant_id`` is empty).
    role: Role = "tenant"


_current: ContextVar[RequestContext | None] = ContextVar("shophub_request_context", default=None)


def ctx() -> RequestContext:
    """The context of the request being served (protected routes only)."""
    context = _current.get()
    if context is None:
        raise RuntimeError("no request context: ctx() is read by a protected route while it serves a request")
    return context


def current_request_context() -> RequestContext | None:
    """The bound context, or ``None`` outside a protected route's request."""
    return _current.get()


@contextmanager
def bound_request_context(context: RequestContext | None) -> Iterator[None]:
    """Binds ``context`` for the time of one request (the edge's middleware)."""
    token = _current.set(context)
    try:
        yield
    finally:
        _current.reset(token)
