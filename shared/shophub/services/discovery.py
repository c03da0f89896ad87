"""Discovery: read from a connected shop what a merchant maps (payment methods, carriers, order
states) plus its time zone, standard states, shops and currencies.

It runs asynchronously: :meth:`DiscoveryService.schedule` marks the account ``pending`` and
queues a :class:`DiscoveryJob` on ``DiscoveryQueue``; the ``connection_check`` function consumes
it and calls :meth:`DiscoveryService.run` (``running`` → ``done`` / ``failed``). The result is
stored at ``PK=ACCOUNT#<a>, SK=DISCOVERY`` and the account's ``timezone`` follows the shop's
``PS_TIMEZONE``.

A transient shop failure (unreachable, timeout, 5xx, 429) is raised so SQS delivers the message
again (the account shows ``pending`` meanwhile, ``failed`` after the last attempt); a permanent
one (bad key, missing permission, hostile answer) marks the run ``failed`` and is not retried.
Every run writes an activity log entry.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ConfigDict, Field

from shophub.clock import Clock, Deadline, utc_now
from shophub.domain.accounts import (
    Account,
    AccountDiscovery,
    DiscoveredCarrier,
    DiscoveredCurrency,
    DiscoveredOrderState,
    DiscoveredPaymentMethod,
    DiscoveredShop,
    Problem,
)
from shophub.domain.common import Model
from shophub.errors import NotFoundError, ShopError, ShopTransientError, UnsafeShopUrlError
from shophub.i18n import DEFAULT_LANGUAGE, LANGUAGES, text
from shophub.observability import logger
from shophub.services.accounts import describe_shop_error

if TYPE_CHECKING:
    from shophub.connectors.base import Connector
    from shophub.domain.shop import ShopDiscovery
    from shophub.store.accounts import AccountRepository
    from shophub.store.activity import ActivityLogRepository
    from shophub.store.discovery import DiscoveryRepository
    from shophub.store.messaging import QueuePublisher


#: How many of the newest orders are read to find the payment modules in use.
RECENT_ORDERS = 1000
#: ``maxReceiveCount`` of DiscoveryQueue's redrive policy (template.yaml): the last attempt.
MAX_ATTEMPTS = 5

RunOutcome = Literal["done", "failed", "skipped"]


class DiscoveryJob(Model):
    """The DiscoveryQueue message body."""

    model_config = ConfigDict(extra="ignore")

    kind: Literal["discovery"] = "discovery"
    tenant_id: str = Field(min_length=1)
    account_id: str = Field(min_length=1)
    #: who asked (the activity log's ``actor``) and in which language the log is written
    actor: str = "system"
    language: str = DEFAULT_LANGUAGE


class DiscoveryView(Model):
    """The run's status (from the account) with the newest successful result."""

    status: str
    problem: Problem | None = None
    result: AccountDiscovery | None = None


class DiscoveryService:
    def __init__(
        self,
        *,
        accounts: AccountRepository,
        store: DiscoveryRepository,
        activity: ActivityLogRepository,
        connector_for: Callable[..., Connector],
        queue: Callable[[], QueuePublisher],
        clock: Clock = utc_now,
        recent_orders: int = RECENT_ORDERS,
        max_attempts: int = MAX_ATTEMPTS,
    ) -> None:
        self.accounts = accounts
        self.store = store
        self.activity = activity
        self.connector_for = connector_for
        self.queue = queue
        self.clock = clock
        self.recent_orders = recent_orders
        self.max_attempts = max_attempts

    # --- asking for a run -------------------------------------------------------------------------

    def request(self, tenant_id: str, account_id: str, *, actor: str = "api", language: str = "pl") -> Account:
        """Re-run discovery for the tenant's account (``POST /accounts/{id}/discovery``)."""
        return self.schedule(self.accounts.get(tenant_id, account_id), actor=actor, language=language)

    def schedule(self, account: Account, *, actor: str, language: str) -> Account:
        """Mark the account's discovery ``pending`` and queue a run."""
        account = self.accounts.update_fields(
            account.tenant_id, account.id, discovery_status="pending", discovery_problem=None
        )
        job = DiscoveryJob(tenant_id=account.tenant_id, account_id=account.id, actor=actor, language=language)
        try:
            self.queue().send(job.model_dump())
        except Exception as error:  # the account is saved either way; the merchant can re-run
            logger.warning("discovery not queued", extra={"account_id": account.id, "error": type(error).__name__})
            problem = Problem(reason="discovery_not_queued")
            account = self.accounts.update_fields(
                account.tenant_id,
                account.id,
                discovery_status="failed",
                discovery_problem=problem.model_dump(mode="json"),
            )
            self.activity.append(
                action="account.discovery_failed",
                outcome="error",
                message_key=problem.reason,
                params=dict(problem.params),
                actor=actor,
                tenant_id=account.tenant_id,
                account_id=account.id,
            )
        return account

    # --- reading the result ---------------------------------------------------------------------------

    def get(self, tenant_id: str, account_id: str) -> DiscoveryView:
        account = self.accounts.get(tenant_id, account_id)
        return DiscoveryView(
            status=account.discovery_status,
            problem=account.discovery_problem,
            result=self.store.get(account.id),
        )

    # --- running ----------------------------------------------------------------------------------------

    def run(self, job: DiscoveryJob, *, attempt: int = 1, deadline: Deadline | None = None) -> RunOutcome:
        """One discovery run. Raises :class:`ShopTransientError` (and unexpected errors) so the
        message comes back; permanent shop failures end as ``failed`` without raising."""
        language = job.language if job.language in LANGUAGES else DEFAULT_LANGUAGE
        try:
            account = self.accounts.get(job.tenant_id, job.account_id)
        except NotFoundError:
            logger.info("discovery skipped: the account is gone", extra={"account_id": job.account_id})
            return "skipped"
        self.accounts.update_fields(account.tenant_id, account.id, discovery_status="running")
        started = time.monotonic()
        try:
            found = self._discover(account, deadline)
        except ShopTransientError as error:
            problem, _ = describe_shop_error(error)
            final = attempt >= self.max_attempts
            self._fail(account, job, problem, language, final=final)
            raise
        except ShopError as error:
            problem, _ = describe_shop_error(error)
            self._fail(account, job, problem, language, final=True)
            return "failed"
        except NotFoundError:  # the stored key is gone
            self._fail(account, job, Problem(reason="check_secret_missing"), language, final=True)
            return "failed"
        except UnsafeShopUrlError:  # the name now resolves to a non-public address: never retried
            problem = Problem(reason="check_url_not_public", params={"host": _host(account.shop_url)})
            self._fail(account, job, problem, language, final=True)
            return "failed"
        except Exception:
            self._fail(account, job, Problem(reason="internal_error"), language, final=attempt >= self.max_attempts)
            raise
        try:
            return self._save(account, job, found, language, seconds=time.monotonic() - started)
        except Exception:  # e.g. a result DynamoDB refuses: never left "running" for good
            self._fail(account, job, Problem(reason="internal_error"), language, final=attempt >= self.max_attempts)
            raise

    def _discover(self, account: Account, deadline: Deadline | None) -> ShopDiscovery:
        connector = self.connector_for(account, deadline=deadline)
        try:
            result: ShopDiscovery = connector.discover(recent_orders=self.recent_orders)
        finally:
            connector.close()
        return result

    def _save(
        self, account: Account, job: DiscoveryJob, found: ShopDiscovery, language: str, *, seconds: float
    ) -> RunOutcome:
        current = self.accounts.get(account.tenant_id, account.id, include_deleted=True)
        if current.status == "deleted":
            logger.info("discovery result dropped: the account was deleted", extra={"account_id": account.id})
            return "skipped"
        now = self.clock()
        result = to_account_discovery(account.id, found, now)
        self.store.put(result)
        fields: dict[str, Any] = {"discovery_status": "done", "discovery_problem": None}
        if _known_timezone(found.timezone):
            fields["timezone"] = found.timezone
        self.accounts.update_fields(account.tenant_id, account.id, **fields)
        counts = {
            "payment_methods": len(result.payment_methods),
            "carriers": len(result.carriers),
            "order_states": len(result.order_states),
            "analyzed_orders": result.analyzed_orders,
        }
        self.activity.append(
            action="account.discovered",
            outcome="ok",
            message_key="discovery_done",
            params=counts,
            actor=job.actor,
            tenant_id=account.tenant_id,
            account_id=account.id,
            details={
                **counts,
                "timezone": result.timezone,
                "shops": len(result.shops),
                "currencies": len(result.currencies),
                "seconds": round(seconds, 2),
            },
        )
        return "done"

    def _fail(self, account: Account, job: DiscoveryJob, problem: Problem, language: str, *, final: bool) -> None:
        self.accounts.update_fields(
            account.tenant_id,
            account.id,
            discovery_status="failed" if final else "pending",
            discovery_problem=problem.model_dump(mode="json"),
        )
        self.activity.append(
            action="account.discovery_failed",
            outcome="error",
            message_key="discovery_failed" if final else "discovery_retrying",
            params={"detail": text(problem.reason, **problem.params)},
            actor=job.actor,
            tenant_id=account.tenant_id,
            account_id=account.id,
            details={"reason": problem.reason, **problem.params, "will_retry": not final},
        )


def to_account_discovery(account_id: str, found: ShopDiscovery, at: Any) -> AccountDiscovery:
    """The connector's :class:`ShopDiscovery` as the hub stores it (the fields the hub keeps)."""

    def kept[Stored: Model](model: type[Stored], records: Iterable[Any]) -> list[Stored]:
        return [model.model_validate(r, from_attributes=True) for r in records]

    return AccountDiscovery(
        account_id=account_id,
        payment_methods=kept(DiscoveredPaymentMethod, found.payment_modules),
        carriers=kept(DiscoveredCarrier, found.carriers),
        order_states=kept(DiscoveredOrderState, found.order_states),
        timezone=found.timezone,
        analyzed_orders=found.analyzed_orders,
        shops=kept(DiscoveredShop, found.shops),
        currencies=kept(DiscoveredCurrency, found.currencies),
        os_states=dict(found.standard_states),
        refreshed_at=at,
    )


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "")[:200]
    except ValueError:
        return ""


def _known_timezone(name: str | None) -> bool:
    if not name:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True
