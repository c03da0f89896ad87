"""Shop accounts: connect a shop (URL + key), change it, check it, delete it.

The connection check runs in a fixed order and stops at the first failure, each with its own
message (``check_*`` keys in :mod:`shophub.i18n.messages_accounts`):

1. URL syntax and ``https://``;
2. URL guard: every address the name resolves to must be public (no request leaves otherwise);
3. key format: the platform profile's credential rule
   (:attr:`~shophub.connectors.base.ConnectorProfile.credentials`);
4. the connector's ``check_connection()`` (unreachable, TLS, timeout, key refused with the
   shop's own message, API disabled, ...);
5. the permissions the integration needs, as the connector found them against its profile's
   table (:attr:`~shophub.connectors.base.ConnectorProfile.permissions`): a missing *essential*
   one fails the check, missing *optional* ones are listed and the check passes.

A failed check on creation saves nothing (it is logged at tenant level); a failed re-check on
``PATCH`` changes nothing. Keys go to the secret store (SSM SecureString); the account item holds
only the parameter name and the key's last four characters.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from shophub.clock import Clock, Deadline, utc_now
from shophub.connectors import DEFAULT_PLATFORM, profile_for
from shophub.domain.accounts import Account, CheckRecord, Problem
from shophub.errors import (
    FieldProblem,
    NotFoundError,
    ShopAlreadyConnectedError,
    ShopApiDisabledError,
    ShopAuthError,
    ShopBlockedError,
    ShopError,
    ShopNotFoundError,
    ShopPermissionError,
    ShopRateLimitedError,
    ShopResponseError,
    ShopServerError,
    ShopTimeoutError,
    ShopTlsError,
    ShopUnreachableError,
    UnsafeShopUrlError,
    ValidationError,
)
from shophub.i18n import render_part, text, translate
from shophub.ids import new_id
from shophub.observability import logger
from shophub.security.url_guard import Resolver, parse_shop_url, resolve_public

if TYPE_CHECKING:
    from shophub.connectors.base import Connector, ConnectorProfile
    from shophub.domain.shop import ConnectionInfo
    from shophub.domain.stock import PushBreaker
    from shophub.security.secrets import SecretStore
    from shophub.services.discovery import DiscoveryService
    from shophub.store.accounts import AccountRepository
    from shophub.store.activity import ActivityLogRepository
    from shophub.store.breakers import BreakerRepository
    from shophub.store.orders import PollCursorRepository

#: ``(platform, shop_url, api_key, deadline=...)`` → a connector for a shop not saved yet.
NewShopConnector = Callable[..., "Connector"]

_MAX_DETAIL = 300

#: Seconds a connection check may take in total (retries included), below API Gateway's 30 s.
CHECK_BUDGET_SECONDS = 20.0


# --- describing failures ------------------------------------------------------------------------

#: shop error class → (detail message key, request field it points at); first match wins
_SHOP_ERRORS: tuple[tuple[type[ShopError], str, str], ...] = (
    (ShopTimeoutError, "check_timeout", "shop_url"),
    (ShopApiDisabledError, "check_webservice_disabled", "shop_url"),
    (ShopRateLimitedError, "check_rate_limited", "shop_url"),
    (ShopUnreachableError, "check_unreachable", "shop_url"),
    (ShopServerError, "check_server_error", "shop_url"),
    (ShopAuthError, "check_auth", "api_key"),
    (ShopPermissionError, "check_permission_denied", "api_key"),
    (ShopNotFoundError, "check_not_found", "shop_url"),
    (ShopBlockedError, "check_blocked", "shop_url"),
    (ShopTlsError, "check_tls", "shop_url"),
    (ShopResponseError, "check_bad_response", "shop_url"),
)


def scrub(text: str, *secrets: str) -> str:
    """``text`` without any of ``secrets`` (defence in depth: messages a shop echoes back)."""
    for secret in secrets:
        if secret and len(secret) >= 4 and secret in text:
            text = text.replace(secret, "***")
    return text


def describe_shop_error(error: ShopError, *secrets: str, platform: str | None = None) -> tuple[Problem, str]:
    """A stored, translatable reason for ``error`` and the request field it points at (worded
    for ``platform`` when given: the texts of its profile)."""
    detail = scrub(error.shop_message or error.code, *secrets)[:_MAX_DETAIL]
    params = {"detail": detail} if platform is None else {"detail": detail, "platform": platform}
    for kind, reason, field_name in _SHOP_ERRORS:
        if isinstance(error, kind):
            return Problem(reason=reason, params=params), field_name
    return Problem(reason="check_shop_error", params=params), "shop_url"


def render_problem(problem: Problem, language: str) -> str:
    return translate(problem.reason, language, **problem.params)


# --- the outcome of a check ---------------------------------------------------------------------


@dataclass(frozen=True)
class ConnectionCheck:
    """What a connection check found. ``problem`` is set when not ``ok``."""

    ok: bool
    shop_url: str
    problem: Problem | None = None
    #: ``connection_failed`` or ``invalid_shop_url`` when not ok
    code: str | None = None
    #: the request field the failure points at (``shop_url`` or ``api_key``)
    at_fault: str | None = None
    shop_version: str | None = None
    permissions: dict[str, list[str]] = field(default_factory=dict)
    #: every need the key does not meet (essential ones first), ``resource:METHOD`` names
    missing_permissions: list[str] = field(default_factory=list)
    optional_missing: list[str] = field(default_factory=list)
    #: when the outcome was recorded on the account (None for a check of unsaved details)
    checked_at: datetime | None = None

    @classmethod
    def failed(
        cls, shop_url: str, problem: Problem, *, field_name: str, code: str = "connection_failed", **extra: Any
    ) -> ConnectionCheck:
        return cls(ok=False, shop_url=shop_url, problem=problem, code=code, at_fault=field_name, **extra)

    def detail(self, language: str) -> str:
        return render_problem(self.problem, language) if self.problem else ""

    def message(self, language: str) -> str:
        """The answer a merchant reads: "Połączenie jest poprawne." or "Wpisane dane ... <detail>"."""
        return str(render_part(self.message_text(), language))

    def message_text(self) -> dict[str, Any]:
        """:meth:`message` as a stored text (rendered in each reader's language)."""
        if self.ok:
            if self.optional_missing:
                return text("connection_ok_missing_optional", permissions=", ".join(self.optional_missing))
            return text("connection_ok")
        detail = text(self.problem.reason, **self.problem.params) if self.problem else ""
        return text(self.code or "connection_failed", detail=detail)

    def record(self, at: datetime) -> CheckRecord:
        return CheckRecord(ok=self.ok, at=at, code=self.code, problem=self.problem)


def check_message(record: CheckRecord | None, account: Account, language: str) -> str:
    """The stored check of ``account`` rendered in ``language``."""
    if record is None or record.ok:
        profile = profile_for(account.platform)
        optional = [name for name in account.missing_permissions if not profile.is_essential(name)]
        check = ConnectionCheck(ok=True, shop_url=account.shop_url, optional_missing=optional)
        return check.message(language)
    check = ConnectionCheck(ok=False, shop_url=account.shop_url, problem=record.problem, code=record.code)
    return check.message(language)


class ConnectionCheckFailedError(ValidationError):
    """422: the shop URL or key did not pass the connection check.

    ``code`` is ``connection_failed`` (or ``invalid_shop_url``); the message starts with
    "Wpisane dane integracyjne są niepoprawne." and ``details`` names the field at fault.
    """

    code = "connection_failed"
    message_key = "connection_failed"

    def __init__(self, check: ConnectionCheck, language: str) -> None:
        detail = check.detail(language)
        super().__init__(
            f"connection check failed ({check.problem.reason if check.problem else 'unknown'})",
            code=check.code or "connection_failed",
            params={"detail": detail},
            details=[FieldProblem(check.at_fault or "shop_url", detail)],
        )
        self.check = check


# --- the service --------------------------------------------------------------------------------


@dataclass(frozen=True)
class AccountView:
    """An account with what its order polls did: when one last ended and when one last imported
    a new order (None: never). Both live on the poll cursor item, written by the update that
    ends a poll, so a poll that finds nothing writes no activity entry and no extra item."""

    account: Account
    last_poll_at: datetime | None = None
    last_order_at: datetime | None = None
    #: the account's stock push circuit breaker (None: its shop answers); read for one account only
    stock_push: PushBreaker | None = None
    order_poll: PushBreaker | None = None


@dataclass
class _AccountEdit:
    """What one :meth:`AccountService.update` call changes on an account."""

    account: Account
    #: the account fields to write
    changes: dict[str, Any]
    url_changed: bool
    key_changed: bool
    #: the request fields that change (``name``, ``shop_url``, ``api_key``), as the log names them
    fields: list[str]

    @classmethod
    def of(
        cls, account: Account, *, name: str | None, shop_url: str | None, api_key: str | None, allow_local: bool
    ) -> _AccountEdit:
        changes: dict[str, Any] = {}
        if name is not None and name != account.name:
            changes["name"] = name
        url_changed = shop_url is not None and _normalised(shop_url, allow_local) != account.shop_url
        key_changed = api_key is not None
        fields = [
            f
            for f, changed in (("name", "name" in changes), ("shop_url", url_changed), ("api_key", key_changed))
            if changed
        ]
        return cls(account, changes, url_changed, key_changed, fields)

    def record_check(self, check: ConnectionCheck, now: datetime, api_key: str | None) -> None:
        """Add what a passing re-check found (and the new key's last four characters)."""
        self.changes.update(
            shop_url=check.shop_url,
            status="connected",
            shop_version=check.shop_version,
            permissions=check.permissions,
            missing_permissions=check.missing_permissions,
            last_check=check.record(now),
        )
        if api_key is not None:
            self.changes["key_last4"] = api_key[-4:]


class AccountService:
    """Create, read, change, check and delete a tenant's shop accounts."""

    def __init__(
        self,
        *,
        accounts: AccountRepository,
        secrets: SecretStore,
        activity: ActivityLogRepository,
        discovery: DiscoveryService,
        connect: NewShopConnector,
        clock: Clock = utc_now,
        allow_local: bool = False,
        resolver: Resolver | None = None,
        check_budget: float = CHECK_BUDGET_SECONDS,
        cursors: PollCursorRepository | None = None,
        breakers: BreakerRepository | None = None,
        poll_breakers: BreakerRepository | None = None,
    ) -> None:
        self.accounts = accounts
        self.cursors = cursors
        self.breakers = breakers
        self.poll_breakers = poll_breakers
        self.secrets = secrets
        self.activity = activity
        self.discovery = discovery
        self.connect = connect
        self.clock = clock
        self.allow_local = allow_local
        self.resolver = resolver
        self.check_budget = check_budget

    # --- the connection check ---------------------------------------------------------------------

    def check_credentials(
        self, shop_url: str, api_key: str, *, platform: str = DEFAULT_PLATFORM, deadline: Deadline | None = None
    ) -> ConnectionCheck:
        """Run the check (see the module docstring). Never raises for a failing shop."""
        profile = profile_for(platform)
        raw_url = scrub(shop_url.strip(), api_key)
        try:
            parsed = parse_shop_url(shop_url, allow_local=self.allow_local)
        except UnsafeShopUrlError as error:
            return self._url_failure(raw_url, error, host=scrub(_host_of(shop_url), api_key))
        url = parsed.base_url
        try:
            resolve_public(parsed.host, parsed.port, resolver=self.resolver, allow_local=self.allow_local)
        except UnsafeShopUrlError as error:
            return self._url_failure(url, error, host=parsed.host)
        except ShopUnreachableError as error:
            problem, field_name = describe_shop_error(error, api_key, platform=profile.platform)
            return ConnectionCheck.failed(url, problem, field_name=field_name)
        key_rule = profile.credential("api_key")
        key_problem = key_rule.problem(api_key) if key_rule is not None else None
        if key_problem is not None:
            reason, params = key_problem
            return ConnectionCheck.failed(url, Problem(reason=reason, params=params), field_name="api_key")
        connector: Connector | None = None
        try:
            connector = self.connect(platform, url, api_key, deadline=self._check_deadline(deadline))
            info = connector.check_connection()
        except UnsafeShopUrlError as error:
            return self._url_failure(url, error, host=parsed.host)
        except ShopError as error:
            problem, field_name = describe_shop_error(error, api_key, platform=profile.platform)
            logger.info("connection check failed", extra={"code": error.code, "http_status": error.http_status})
            return ConnectionCheck.failed(url, problem, field_name=field_name)
        finally:
            if connector is not None:
                connector.close()
        return self._permissions_check(url, info, profile)

    @staticmethod
    def _permissions_check(url: str, info: ConnectionInfo, profile: ConnectorProfile) -> ConnectionCheck:
        """The check's last step: it fails when the key lacks an essential permission; missing
        optional ones are listed on a passing check."""
        needed = profile.needed_resources
        permissions = {res: sorted(methods) for res, methods in sorted(info.permissions.items()) if res in needed}
        optional = list(info.optional_missing)
        essential = [name for name in info.missing_permissions if name not in optional]
        if essential:
            problem = Problem(
                reason="check_missing_permissions",
                params={"permissions": ", ".join(essential), "platform": profile.platform},
            )
            return ConnectionCheck.failed(
                url,
                problem,
                field_name="api_key",
                shop_version=info.shop_version,
                permissions=permissions,
                missing_permissions=essential + optional,
                optional_missing=optional,
            )
        return ConnectionCheck(
            ok=True,
            shop_url=url,
            shop_version=info.shop_version,
            permissions=permissions,
            missing_permissions=optional,
            optional_missing=optional,
        )

    def _check_deadline(self, deadline: Deadline | None) -> Deadline:
        """The caller's deadline, further capped by the check's own budget."""
        ends = time.monotonic() + self.check_budget

        def remaining() -> float:
            own = ends - time.monotonic()
            return min(own, deadline()) if deadline is not None else own

        return remaining

    @staticmethod
    def _url_failure(url: str, error: UnsafeShopUrlError, *, host: str) -> ConnectionCheck:
        reason = str(error.params.get("reason") or "malformed")
        key = {"not_https": "check_url_not_https", "not_public": "check_url_not_public"}.get(
            reason, "check_url_malformed"
        )
        params = {"host": host[:200]} if key == "check_url_not_public" else {}
        return ConnectionCheck.failed(
            url, Problem(reason=key, params=params), field_name="shop_url", code="invalid_shop_url"
        )

    # --- reading ------------------------------------------------------------------------------------

    def get(self, tenant_id: str, account_id: str) -> Account:
        return self.accounts.get(tenant_id, account_id)

    def list_accounts(
        self, tenant_id: str, *, limit: int = 50, next_token: str | None = None
    ) -> tuple[list[Account], str | None]:
        return self.accounts.list(tenant_id, limit=limit, next_token=next_token)

    def view(self, tenant_id: str, account_id: str) -> AccountView:
        """The account with its last poll, last new order and whether its stock pushes are parked."""
        view = self._views([self.accounts.get(tenant_id, account_id)])[0]
        breaker = self.breakers.get(account_id) if self.breakers else None
        polls = self.poll_breakers.get(account_id) if self.poll_breakers else None
        return replace(view, stock_push=breaker, order_poll=polls)

    def list_views(
        self, tenant_id: str, *, limit: int = 50, next_token: str | None = None
    ) -> tuple[list[AccountView], str | None]:
        """One page of accounts, each with its last poll and last new order (one more request)."""
        accounts, token = self.accounts.list(tenant_id, limit=limit, next_token=next_token)
        return self._views(accounts), token

    def _views(self, accounts: list[Account]) -> list[AccountView]:
        cursors = self.cursors.get_many(a.id for a in accounts) if self.cursors and accounts else {}
        views = []
        for account in accounts:
            cursor = cursors.get(account.id)
            if cursor is None:
                views.append(AccountView(account))
                continue
            last_poll = cursor.last_poll_at or cursor.last_success_at
            views.append(AccountView(account, last_poll_at=last_poll, last_order_at=cursor.last_order_at))
        return views

    # --- creating -------------------------------------------------------------------------------------

    def create(
        self,
        tenant_id: str,
        *,
        name: str,
        shop_url: str,
        api_key: str,
        platform: str = DEFAULT_PLATFORM,
        actor: str = "api",
        language: str = "pl",
        deadline: Deadline | None = None,
    ) -> Account:
        """Check the shop, then save the account and its key and queue discovery.

        A failing check saves nothing: it is logged under the tenant and raised as
        :class:`ConnectionCheckFailedError` (422). A shop the tenant already has is refused
        before the shop is called, and again when the account is saved (one shop per tenant,
        also under concurrent calls): :class:`ShopAlreadyConnectedError` (409), logged too.
        """
        try:
            self._ensure_shop_free(tenant_id, shop_url)
        except ShopAlreadyConnectedError as taken:
            raise self._duplicate_logged(taken, tenant_id, name, actor, language) from None
        check = self.check_credentials(shop_url, api_key, platform=platform, deadline=deadline)
        if not check.ok:
            self.activity.append(
                action="account.create_failed",
                outcome="error",
                message_key="account_create_failed",
                params={"name": name, "connection": check.message_text()},
                actor=actor,
                tenant_id=tenant_id,
                details=self._check_details(check, name=name),
            )
            raise ConnectionCheckFailedError(check, language)
        account = self._new_account_with_key(tenant_id, name, platform, api_key, check)
        try:
            self.accounts.create(account)
        except ShopAlreadyConnectedError as taken:
            self.secrets.delete(account.secret_ref)
            raise self._duplicate_logged(taken, tenant_id, name, actor, language) from None
        except Exception:
            self.secrets.delete(account.secret_ref)
            raise
        self.activity.append(
            action="account.created",
            outcome="ok",
            message_key="account_created",
            params={"name": name, "connection": check.message_text()},
            actor=actor,
            tenant_id=tenant_id,
            account_id=account.id,
            details=self._check_details(check, name=name),
        )
        return self.discovery.schedule(account, actor=actor, language=language)

    def _new_account_with_key(
        self, tenant_id: str, name: str, platform: str, api_key: str, check: ConnectionCheck
    ) -> Account:
        """The account for a shop that passed the check (not saved yet); its key is already in
        the secret store, under the account's new id."""
        now = self.clock()
        account_id = new_id()
        secret_ref = self.secrets.put(account_id, api_key)
        return Account(
            id=account_id,
            tenant_id=tenant_id,
            name=name,
            shop_url=check.shop_url,
            platform=platform,
            secret_ref=secret_ref,
            key_last4=api_key[-4:],
            status="connected",
            shop_version=check.shop_version,
            permissions=check.permissions,
            missing_permissions=check.missing_permissions,
            discovery_status="pending",
            created_at=now,
            updated_at=now,
            last_check=check.record(now),
        )

    # --- changing -------------------------------------------------------------------------------------

    def update(
        self,
        tenant_id: str,
        account_id: str,
        *,
        name: str | None = None,
        shop_url: str | None = None,
        api_key: str | None = None,
        actor: str = "api",
        language: str = "pl",
        deadline: Deadline | None = None,
    ) -> Account:
        """Rename, or move to another URL / key. A new URL or key is checked first; a failing
        check changes nothing (422). A new URL also re-runs discovery."""
        account = self.accounts.get(tenant_id, account_id)
        edit = _AccountEdit.of(account, name=name, shop_url=shop_url, api_key=api_key, allow_local=self.allow_local)
        old_key: str | None = None
        if edit.url_changed and shop_url is not None:
            self._ensure_shop_free(tenant_id, shop_url, account_id=account.id)
        if edit.url_changed or edit.key_changed:
            old_key = self._stored_key(account)
            new_key = api_key if api_key is not None else old_key
            target = shop_url if edit.url_changed and shop_url is not None else account.shop_url
            check = self._recheck(
                tenant_id, edit, target, new_key or "", actor=actor, language=language, deadline=deadline
            )
            edit.record_check(check, self.clock(), api_key)
        if not edit.changes:
            return account
        edit.changes["updated_at"] = self.clock()
        saved = self._save_edit(tenant_id, edit, api_key, old_key)
        self.activity.append(
            action="account.updated",
            outcome="ok",
            message_key="account_updated",
            params={"name": saved.name, "fields": ", ".join(edit.fields) or "-"},
            actor=actor,
            tenant_id=tenant_id,
            account_id=account.id,
            details={"fields": edit.fields, "shop_url": saved.shop_url, "shop_version": saved.shop_version},
        )
        if edit.url_changed:
            saved = self.discovery.schedule(saved, actor=actor, language=language)
        return saved

    def _recheck(
        self,
        tenant_id: str,
        edit: _AccountEdit,
        shop_url: str,
        api_key: str,
        *,
        actor: str,
        language: str,
        deadline: Deadline | None,
    ) -> ConnectionCheck:
        """The passing check of the account's new URL / key; a failing one is logged and raised
        as :class:`ConnectionCheckFailedError` (nothing is changed)."""
        account = edit.account
        check = self.check_credentials(shop_url, api_key, platform=account.platform, deadline=deadline)
        if not check.ok:
            self.activity.append(
                action="account.update_failed",
                outcome="error",
                message_key="account_update_failed",
                params={"name": account.name, "connection": check.message_text()},
                actor=actor,
                tenant_id=tenant_id,
                account_id=account.id,
                details=self._check_details(check, fields=edit.fields),
            )
            raise ConnectionCheckFailedError(check, language)
        return check

    def _save_edit(self, tenant_id: str, edit: _AccountEdit, api_key: str | None, old_key: str | None) -> Account:
        """Write the changed fields under the account's version, then the new key (if any)."""
        account = edit.account
        # The versioned write goes first and the key follows only when it won: a concurrent change
        # or delete (both bump the version) makes this one fail before any key is written, so two
        # replacements never leave the key of the loser behind the winner's last four characters.
        saved = self.accounts.update_versioned(
            tenant_id,
            account.id,
            account.version,
            moved_from=account.shop_url if edit.url_changed else None,
            **_json_fields(account, edit.changes),
        )
        if api_key is not None and api_key != old_key:
            self.secrets.put(account.id, api_key)
            if self.accounts.get(tenant_id, account.id, include_deleted=True).status == "deleted":
                self.secrets.delete(account.secret_ref)  # deleted between the write and the key
        return saved

    # --- checking -------------------------------------------------------------------------------------

    def check(
        self,
        tenant_id: str,
        account_id: str,
        *,
        actor: str = "api",
        language: str = "pl",
        deadline: Deadline | None = None,
    ) -> ConnectionCheck:
        """Check a saved account's URL and key now; the outcome is stored and logged."""
        account = self.accounts.get(tenant_id, account_id)
        try:
            key = self.secrets.get(account.secret_ref)
        except NotFoundError:
            check = ConnectionCheck.failed(
                account.shop_url, Problem(reason="check_secret_missing"), field_name="api_key"
            )
        else:
            check = self.check_credentials(account.shop_url, key, platform=account.platform, deadline=deadline)
        now = self.clock()
        fields: dict[str, Any] = {"status": "connected" if check.ok else "error", "last_check": check.record(now)}
        if check.shop_version is not None or check.ok:
            fields.update(
                shop_version=check.shop_version,
                permissions=check.permissions,
                missing_permissions=check.missing_permissions,
            )
        self.accounts.update_fields(tenant_id, account.id, **_json_fields(account, fields))
        self.activity.append(
            action="account.checked",
            outcome="ok" if check.ok else "error",
            message_key="account_checked",
            params={"connection": check.message_text()},
            actor=actor,
            tenant_id=tenant_id,
            account_id=account.id,
            details=self._check_details(check),
        )
        return replace(check, checked_at=now)

    # --- deleting -------------------------------------------------------------------------------------

    def delete(self, tenant_id: str, account_id: str, *, actor: str = "api", language: str = "pl") -> None:
        """Delete the account: its key, settings, mappings, templates, offers, cursor, imports,
        reports and discovery. Imported orders stay (flagged ``account_deleted``), the activity
        log stays until it expires; the account item stays as ``deleted`` (404, skipped by
        every worker)."""
        account = self.accounts.get(tenant_id, account_id)
        now = self.clock()
        stamp = _json_fields(account, {"deleted_at": now})["deleted_at"]  # as the account item stores it
        self.accounts.mark_deleted(tenant_id, account.id, stamp)
        self.secrets.delete(account.secret_ref)
        removed = self.accounts.delete_account_data(account.id)
        orders = self.accounts.mark_orders_account_deleted(account.id)
        self.activity.append(
            action="account.deleted",
            outcome="ok",
            message_key="account_deleted",
            params={"name": account.name, "orders": orders},
            actor=actor,
            tenant_id=tenant_id,
            account_id=account.id,
            details={"account_id": account.id, "name": account.name, "removed_items": removed, "kept_orders": orders},
        )

    # --- helpers ----------------------------------------------------------------------------------------

    def _ensure_shop_free(self, tenant_id: str, shop_url: str, *, account_id: str | None = None) -> None:
        """:class:`ShopAlreadyConnectedError` when another account of the tenant is connected to
        this shop (an address that is not a valid shop URL is left to the connection check)."""
        try:
            url = parse_shop_url(shop_url, allow_local=self.allow_local).base_url
        except UnsafeShopUrlError:
            return
        existing = self.accounts.connected_account(tenant_id, url)
        if existing is not None and existing.id != account_id:
            raise ShopAlreadyConnectedError.naming(
                account_id=existing.id, name=existing.name, shop_url=existing.shop_url
            )

    def _duplicate_logged(
        self, taken: ShopAlreadyConnectedError, tenant_id: str, name: str, actor: str, language: str
    ) -> ShopAlreadyConnectedError:
        existing, existing_id = taken.params["name"], taken.params["account_id"]
        self.activity.append(
            action="account.create_failed",
            outcome="error",
            message_key="account_create_duplicate",
            params={"name": name, "existing": existing, "account_id": existing_id},
            actor=actor,
            tenant_id=tenant_id,
            details={"code": taken.code, "name": name, "account_id": existing_id, "shop_url": taken.params["shop_url"]},
        )
        return taken

    def _stored_key(self, account: Account) -> str | None:
        try:
            return self.secrets.get(account.secret_ref)
        except NotFoundError:
            return None

    @staticmethod
    def _check_details(check: ConnectionCheck, **extra: Any) -> dict[str, Any]:
        details: dict[str, Any] = {
            "shop_url": check.shop_url[:200],
            "ok": check.ok,
            "shop_version": check.shop_version,
            "missing_permissions": check.missing_permissions,
        }
        if check.problem is not None:
            details.update(code=check.code, reason=check.problem.reason, **check.problem.params)
        details.update(extra)
        return details


def _host_of(url: str) -> str:
    try:
        return (urlsplit(url.strip()).hostname or "").lower()
    except ValueError:
        return ""


def _normalised(shop_url: str, allow_local: bool) -> str:
    try:
        return parse_shop_url(shop_url, allow_local=allow_local).base_url
    except UnsafeShopUrlError:
        return shop_url


def _json_fields(account: Account, changes: Mapping[str, Any]) -> dict[str, Any]:
    """``changes`` as the account item stores them (JSON-ready; None removes the attribute)."""
    dumped = account.model_copy(update=dict(changes)).model_dump(mode="json", include=set(changes))
    return {k: dumped.get(k) for k in changes}
