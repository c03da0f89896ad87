"""Platform operators read any tenant's data and never change it.

An operator's token names no tenant; the ``/admin`` routes name the tenant (and account) they
read, and each read goes through the same services as the tenant's own routes (accounts with
masked keys, the activity log and its filters, imports, reports). Every read of a tenant's data
leaves one entry in that tenant's activity log (section ``access``): the operator's name as the
actor, the route in ``details``, what was read in the message, so the tenant sees who looked.

The tenants are the tenants tokens were made for (:meth:`TokenRepository.tenants`); a tenant
no token was made for is a 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from shophub.errors import NotFoundError
from shophub.i18n import text
from shophub.observability import logger

if TYPE_CHECKING:
    from shophub.domain.activity import Outcome
    from shophub.domain.imports import Import
    from shophub.domain.reports import Report, ReportType
    from shophub.services.accounts import AccountService, AccountView
    from shophub.services.activity import ActivityService, LogPage
    from shophub.services.imports import ImportService
    from shophub.services.stock_push import ReportService
    from shophub.store.activity import ActivityLogRepository
    from shophub.store.tokens import TenantItem, TokenRepository

#: The activity log's action for an operator's read (section ``access``).
OPERATOR_READ = "access.operator_read"


@dataclass(frozen=True)
class OperatorRead:
    """Who reads (the operator's name, from the token) and through which route
    (``GET /admin/tenants/acme/logs``), for the tenant's activity log."""

    operator: str
    route: str


@dataclass(frozen=True)
class LogQuery:
    """The filters of a log read, as ``GET /logs`` takes them."""

    section: str | None = None
    account_id: str | None = None
    outcome: Outcome | None = None
    limit: int = 50
    next_token: str | None = None


class OperatorReadService:
    def __init__(
        self,
        *,
        tenants: TokenRepository,
        activity: ActivityLogRepository,
        accounts: AccountService,
        logs: ActivityService,
        imports: ImportService,
        reports: ReportService,
    ) -> None:
        self.tenants = tenants
        self.activity = activity
        self.accounts = accounts
        self.logs = logs
        self.imports = imports
        self.reports = reports

    def list_tenants(
        self, read: OperatorRead, *, limit: int = 50, next_token: str | None = None
    ) -> tuple[list[TenantItem], str | None]:
        """One page of the platform's tenants, by id (reads no tenant's data: not in a tenant's log)."""
        logger.info("operator listed tenants", extra={"operator": read.operator})
        return self.tenants.tenants(limit=limit, next_token=next_token)

    def tenant_accounts(
        self, read: OperatorRead, tenant_id: str, *, limit: int = 50, next_token: str | None = None
    ) -> tuple[list[AccountView], str | None]:
        """The tenant's accounts as ``GET /accounts`` gives them (keys masked)."""
        self._require_tenant(tenant_id)
        page = self.accounts.list_views(tenant_id, limit=limit, next_token=next_token)
        self._record(read, tenant_id, text("operator_read_accounts"))
        return page

    def tenant_log(self, read: OperatorRead, tenant_id: str, query: LogQuery) -> LogPage:
        """The tenant's activity log as ``GET /logs`` gives it (this read is logged after it)."""
        self._require_tenant(tenant_id)
        page = self.logs.tenant_log(
            tenant_id,
            section=query.section,
            account_id=query.account_id,
            outcome=query.outcome,
            limit=query.limit,
            next_token=query.next_token,
        )
        filters = {"section": query.section, "account_id": query.account_id, "outcome": query.outcome}
        self._record(read, tenant_id, text("operator_read_logs"), filters={k: v for k, v in filters.items() if v})
        return page

    def account_imports(
        self, read: OperatorRead, tenant_id: str, account_id: str, *, limit: int = 20, next_token: str | None = None
    ) -> tuple[list[Import], str | None]:
        """The account's imports as ``GET /accounts/{id}/imports`` gives them."""
        self._require_tenant(tenant_id)
        page = self.imports.list_runs(tenant_id, account_id, limit=limit, next_token=next_token)
        self._record(read, tenant_id, text("operator_read_imports", account_id=account_id), account_id=account_id)
        return page

    def account_reports(
        self,
        read: OperatorRead,
        tenant_id: str,
        account_id: str,
        *,
        report_type: ReportType | None = None,
        limit: int = 50,
        next_token: str | None = None,
    ) -> tuple[list[Report], str | None]:
        """The account's reports as ``GET /accounts/{id}/reports`` gives them."""
        self._require_tenant(tenant_id)
        page = self.reports.list_reports(
            tenant_id, account_id, report_type=report_type, limit=limit, next_token=next_token
        )
        self._record(read, tenant_id, text("operator_read_reports", account_id=account_id), account_id=account_id)
        return page

    def _require_tenant(self, tenant_id: str) -> None:
        if not self.tenants.has_tenant(tenant_id):
            raise NotFoundError(f"tenant {tenant_id}", code="tenant_not_found", message_key="tenant_not_found")

    def _record(
        self,
        read: OperatorRead,
        tenant_id: str,
        what: dict[str, Any],
        *,
        account_id: str | None = None,
        filters: dict[str, Any] | None = None,
    ) -> None:
        """One entry in the tenant's log: who read, what, through which route."""
        details: dict[str, Any] = {"operator": read.operator, "route": read.route}
        if filters:
            details["filters"] = filters
        self.activity.append(
            action=OPERATOR_READ,
            outcome="ok",
            message_key="activity_operator_read",
            params={"operator": read.operator, "resource": what},
            actor=read.operator,
            tenant_id=tenant_id,
            account_id=account_id,
            details=details,
        )
