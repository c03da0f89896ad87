"""One domain exception tree.

Every error a user can see is a :class:`ShopHubError`. Each class fixes its HTTP status and a
stable ``code``; the human message is looked up in :mod:`shophub.i18n` by ``message_key`` and
rendered in the caller's language at the HTTP edge (``shophub.http``), never here.

Shop failures are split by what a retrying worker must do with them:

* :class:`ShopTransientError` and its subclasses (unreachable, timeout, rate limited, 5xx) may
  succeed later; SQS workers let the message come back.
* :class:`ShopPermanentError` and its subclasses (bad key, missing permission, not found, refused
  input, hostile or malformed answers) will not; workers report them and drop the message.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class FieldProblem:
    """One invalid field of a request: rendered as ``{"field": ..., "message": ...}``."""

    field: str
    message: str


class ShopHubError(Exception):
    """Base of every error the service raises on purpose."""

    status: int = 500
    code: str = "internal_error"
    message_key: str = "internal_error"

    def __init__(
        self,
        detail: str = "",
        *,
        code: str | None = None,
        message_key: str | None = None,
        params: dict[str, Any] | None = None,
        details: list[Any] | None = None,
    ) -> None:
        super().__init__(detail or self.code)
        self.detail = detail
        if code is not None:
            self.code = code
        if message_key is not None:
            self.message_key = message_key
        elif code is not None:
            self.message_key = code
        self.params: dict[str, Any] = dict(params or {})
        self.details: list[Any] = list(details or [])


# --- request / business-rule errors ------------------------------------------------------------


class BadRequestError(ShopHubError):
    """Malformed JSON, unknown fields, a tampered paging token (400)."""

    status = 400
    code = "bad_request"
    message_key = "bad_request"


class PayloadTooLargeError(ShopHubError):
    """The request body is larger than the API accepts (413)."""

    status = 413
    code = "body_too_large"
    message_key = "body_too_large"


class UnsupportedMediaTypeError(ShopHubError):
    """The request body is not in a format the route accepts (415)."""

    status = 415
    code = "unsupported_media_type"
    message_key = "unsupported_media_type"


class UnauthorizedError(ShopHubError):
    """No token, a wrong or revoked token (401)."""

    status = 401
    code = "unauthorized"
    message_key = "unauthorized"


class ForbiddenError(ShopHubError):
    """A valid token that may not use this route: a tenant's token on an operator route, an
    operator's token on a tenant route (403); ``message_key`` says which."""

    status = 403
    code = "forbidden"
    message_key = "forbidden"


class NotFoundError(ShopHubError):
    """The thing does not exist, or belongs to another tenant (404)."""

    status = 404
    code = "not_found"
    message_key = "not_found"


class MethodNotAllowedError(ShopHubError):
    """The route exists but not with this method (405)."""

    status = 405
    code = "method_not_allowed"
    message_key = "method_not_allowed"


class ConflictError(ShopHubError):
    """A business rule refuses the request (409); ``code`` names the rule."""

    status = 409
    code = "conflict"
    message_key = "conflict"


class ValidationError(ShopHubError):
    """Invalid values (422); ``details`` lists :class:`FieldProblem` entries."""

    status = 422
    code = "validation_failed"
    message_key = "validation_failed"


class ConcurrentUpdateError(ConflictError):
    """An optimistic-version or conditional write lost a race."""

    code = "concurrent_update"
    message_key = "concurrent_update"


class ShopAlreadyConnectedError(ConflictError):
    """The tenant already has an account for this shop (same normalized URL); ``details`` names
    that account (``account_id``, ``name``, ``shop_url``)."""

    code = "shop_already_connected"
    message_key = "shop_already_connected"

    @classmethod
    def naming(cls, *, account_id: str, name: str, shop_url: str) -> ShopAlreadyConnectedError:
        """The refusal naming the tenant's account that has the shop."""
        named = {"account_id": account_id, "name": name, "shop_url": shop_url}
        return cls(f"shop already connected as account {account_id}", params=named, details=[named])

    @property
    def account_id(self) -> str:
        return str(self.params.get("account_id", ""))


# --- shop (connector) errors -------------------------------------------------------------------


class ShopError(ShopHubError):
    """The shop failed or refused (502 at the HTTP edge).

    ``http_status`` is the shop's HTTP status (``None`` when no answer came), ``shop_codes`` and
    ``shop_messages`` the platform's own error codes and messages (what a code means is declared
    by the connector's profile, :attr:`shophub.connectors.base.ConnectorProfile.error_codes`),
    ``request_id`` an id of the request for the logs. None of them ever carries the shop's key.
    """

    status = 502
    code = "shop_error"
    message_key = "shop_error"
    retryable = False

    def __init__(
        self,
        detail: str = "",
        *,
        http_status: int | None = None,
        shop_codes: tuple[int | str, ...] = (),
        shop_messages: tuple[str, ...] = (),
        request_id: str | None = None,
        code: str | None = None,
        message_key: str | None = None,
        params: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail, code=code, message_key=message_key, params=params)
        self.http_status = http_status
        self.shop_codes = tuple(shop_codes)
        self.shop_messages = tuple(shop_messages)
        self.request_id = request_id

    @property
    def shop_message(self) -> str:
        """The shop's own words when it gave any, otherwise our description of the failure."""
        return "; ".join(m for m in self.shop_messages if m) or self.detail


class ShopTransientError(ShopError):
    """May succeed if tried again later."""

    retryable = True
    code = "shop_unavailable"
    message_key = "shop_unavailable"


class ShopUnreachableError(ShopTransientError):
    """DNS, connection refused or reset: no HTTP answer."""

    code = "shop_unreachable"
    message_key = "shop_unreachable"


class ShopTimeoutError(ShopTransientError):
    """No complete answer before the deadline."""

    code = "shop_timeout"
    message_key = "shop_timeout"


class ShopRateLimitedError(ShopTransientError):
    """429 (or a 503 with Retry-After); ``retry_after`` in seconds when the shop said."""

    code = "shop_rate_limited"
    message_key = "shop_rate_limited"

    def __init__(self, detail: str = "", *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(detail, **kwargs)
        self.retry_after = retry_after


class ShopServerError(ShopTransientError):
    """5xx from the shop."""

    code = "shop_server_error"
    message_key = "shop_server_error"


class ShopApiDisabledError(ShopTransientError):
    """The shop's API is switched off in its administration (the code stays
    ``shop_webservice_disabled``: stored checks and clients know it by that name)."""

    code = "shop_webservice_disabled"
    message_key = "shop_webservice_disabled"


class ShopPermanentError(ShopError):
    """Will fail the same way if tried again."""

    retryable = False


class ShopAuthError(ShopPermanentError):
    """A bare 401 or the platform's key codes: the key is wrong, inactive or malformed."""

    code = "shop_auth_failed"
    message_key = "shop_auth_failed"


class ShopPermissionError(ShopPermanentError):
    """The key may not use this resource, method or shop."""

    code = "shop_permission_denied"
    message_key = "shop_permission_denied"


class ShopNotFoundError(ShopPermanentError):
    """404: the shop does not know the resource."""

    code = "shop_not_found"
    message_key = "shop_not_found"


class ShopRequestRejectedError(ShopPermanentError):
    """400 and friends (or a code the profile says means a wrong request): the shop refused it."""

    code = "shop_request_rejected"
    message_key = "shop_request_rejected"


class ShopMethodNotSupportedError(ShopPermanentError):
    """The method does not exist for this shop or resource (e.g. an older platform version)."""

    code = "shop_method_not_supported"
    message_key = "shop_method_not_supported"


class ShopBlockedError(ShopPermanentError):
    """403/405 without the platform's error body: a WAF or proxy refused the request."""

    code = "shop_blocked"
    message_key = "shop_blocked"


class ShopResponseError(ShopPermanentError):
    """The answer is not what the platform's API sends: HTML, truncated or hostile XML,
    too large a body, a redirect to another host, bad JSON."""

    code = "shop_bad_response"
    message_key = "shop_bad_response"


class ShopTlsError(ShopPermanentError):
    """The shop's TLS certificate is invalid."""

    code = "shop_tls_error"
    message_key = "shop_tls_error"


class UnsafeShopUrlError(ShopHubError):
    """The shop URL is malformed, not https, or resolves to a non-public address (422)."""

    status = 422
    code = "invalid_shop_url"
    message_key = "invalid_shop_url"
