"""Reading the activity log: the tenant's whole log and one account's, filtered and paged, each
entry's message rendered in the reader's language."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shophub.domain.activity import ActivityEntry, LogFilter, Outcome
from shophub.errors import NotFoundError
from shophub.i18n import render

if TYPE_CHECKING:
    from shophub.store.accounts import AccountRepository
    from shophub.store.activity import ActivityLogRepository

LogPage = tuple[list[ActivityEntry], str | None]


def entry_message(entry: ActivityEntry, language: str) -> str:
    """The entry's message in ``language`` (entries stored before message keys: as written)."""
    if entry.message_key:
        return render(entry.message_key, language, entry.params)
    return entry.message


class ActivityService:
    def __init__(self, accounts: AccountRepository, activity: ActivityLogRepository) -> None:
        self.accounts = accounts
        self.activity = activity

    def tenant_log(
        self,
        tenant_id: str,
        *,
        section: str | None = None,
        account_id: str | None = None,
        outcome: Outcome | None = None,
        limit: int = 50,
        next_token: str | None = None,
    ) -> LogPage:
        """Every entry of the tenant (also of deleted accounts and of failed additions)."""
        verified = account_id is not None and self._owns(tenant_id, account_id)
        where = LogFilter(account_id=account_id, section=section, outcome=outcome, account_verified=verified)
        return self.activity.list(tenant_id, where, limit=limit, next_token=next_token)

    def account_log(
        self,
        tenant_id: str,
        account_id: str,
        *,
        section: str | None = None,
        limit: int = 50,
        next_token: str | None = None,
    ) -> LogPage:
        """One account's entries (404 for an account the tenant does not have)."""
        self.accounts.get(tenant_id, account_id)
        where = LogFilter(account_id=account_id, section=section, account_verified=True)
        return self.activity.list(tenant_id, where, limit=limit, next_token=next_token)

    def _owns(self, tenant_id: str, account_id: str) -> bool:
        """Whether the account is (or was: deleted accounts stay as such) the tenant's."""
        try:
            self.accounts.get(tenant_id, account_id, include_deleted=True)
        except NotFoundError:
            return False
        return True
