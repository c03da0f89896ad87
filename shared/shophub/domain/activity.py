"""Activity log entries: who did what, with which outcome, in which configuration section.

Every action is named ``<section>.<verb>`` and listed once in :data:`ACTIONS` with its section;
the log refuses any other name. A message is stored as a key of the i18n catalogue with its
parameters (:class:`ActivityEntry.message_key`, :class:`ActivityEntry.params`) and rendered in the
reader's language when read; ``message`` keeps the Polish text rendered at write time (entries
written before keys existed hold only that).
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, get_args

from pydantic import Field

from shophub.domain.common import HubModel

Outcome = Literal["ok", "error"]

Section = Literal[
    "account",
    "mappings",
    "order_settings",
    "field_mapping",
    "templates",
    "imports",
    "linking",
    "orders",
    "stock",
    "reports",
    "access",
]
SECTIONS: tuple[str, ...] = get_args(Section)

#: Every action the log knows, with its section (``<section>.<verb>``; the prefix is the section).
ACTIONS: dict[str, str] = {
    # account: connecting, changing, checking, deleting a shop; discovery
    "account.created": "account",
    "account.create_failed": "account",
    "account.updated": "account",
    "account.update_failed": "account",
    "account.checked": "account",
    "account.deleted": "account",
    "account.discovered": "account",
    "account.discovery_failed": "account",
    # mappings, and the hub dictionaries they map onto (tenant-wide)
    "mappings.changed": "mappings",
    "mappings.change_refused": "mappings",
    "mappings.dictionary_entry_added": "mappings",
    "mappings.dictionary_entry_renamed": "mappings",
    "mappings.dictionary_entry_deleted": "mappings",
    "mappings.dictionary_entry_delete_refused": "mappings",
    # order settings, and the tenant's stock-returning statuses
    "order_settings.changed": "order_settings",
    "order_settings.change_refused": "order_settings",
    "order_settings.return_statuses_changed": "order_settings",
    "field_mapping.changed": "field_mapping",
    "templates.created": "templates",
    "templates.changed": "templates",
    "templates.default_changed": "templates",
    "templates.deleted": "templates",
    "templates.delete_refused": "templates",
    "imports.started": "imports",
    "imports.finished": "imports",
    "imports.failed": "imports",
    "imports.aborted": "imports",
    "linking.file": "linking",
    "linking.file_started": "linking",
    # orders: fetching from the shop, changes in the hub, what is sent back to the shop
    "orders.fetch_requested": "orders",
    "orders.fetched": "orders",
    "orders.fetch_failed": "orders",
    "orders.imported": "orders",
    "orders.unreadable": "orders",
    "orders.status_unmapped": "orders",
    "orders.drifted": "orders",
    "orders.frozen": "orders",
    "orders.status_changed": "orders",
    "orders.tracking_added": "orders",
    "orders.document_added": "orders",
    "orders.status_sent": "orders",
    "orders.tracking_sent": "orders",
    "orders.document_sent": "orders",
    # stock: pushes to the shops and what orders did to hub stock
    "stock.pushed": "stock",
    "stock.order_taken": "stock",
    "stock.order_shortfall": "stock",
    "stock.order_not_taken": "stock",
    "stock.order_returned": "stock",
    "stock.shop_restocked": "stock",
    "stock.push_parked": "stock",
    "stock.push_resumed": "stock",
    "orders.poll_parked": "orders",
    "orders.poll_resumed": "orders",
    # access: a platform operator read the tenant's data (operators never change anything)
    "access.operator_read": "access",
}

#: Names written before the ``<section>.<verb>`` style (old entries, callers not converted yet)
#: → today's name. Read and written entries carry today's name.
LEGACY_ACTIONS: dict[str, str] = {
    "account.create": "account.created",
    "account.update": "account.updated",
    "account.check": "account.checked",
    "account.delete": "account.deleted",
    "account.discovery": "account.discovered",
    "mappings.updated": "mappings.changed",
    "order_settings.updated": "order_settings.changed",
    "field_mapping.updated": "field_mapping.changed",
    "dictionary.entry_created": "mappings.dictionary_entry_added",
    "hub_settings.updated": "order_settings.return_statuses_changed",
    "template.created": "templates.created",
    "template.updated": "templates.changed",
    "template.default_changed": "templates.default_changed",
    "template.deleted": "templates.deleted",
    "import.started": "imports.started",
    "import.finished": "imports.finished",
    "import.failed": "imports.failed",
    "import.aborted": "imports.aborted",
    "links.file": "linking.file",
    "links.file_job": "linking.file_started",
    "orders.poll": "orders.fetched",
    "order.unreadable": "orders.unreadable",
    "order.imported": "orders.imported",
    "order.status_unmapped": "orders.status_unmapped",
    "order.drift": "orders.drifted",
    "order.frozen": "orders.frozen",
    "order.status": "orders.status_changed",
    "order.tracking_number": "orders.tracking_added",
    "order.document": "orders.document_added",
    "order.push.StatusPush": "orders.status_sent",
    "order.push.TrackingNumber": "orders.tracking_sent",
    "order.push.Document": "orders.document_sent",
    "stock_push": "stock.pushed",
}


def canonical_action(action: str) -> str:
    """Today's name of ``action`` (a name the log does not know stays as it is: a test holds
    every name the services use to :data:`ACTIONS`)."""
    return LEGACY_ACTIONS.get(action, action)


def section_of(action: str) -> str | None:
    """The configuration section of ``action`` (old or new name); None for an unknown name."""
    return ACTIONS.get(LEGACY_ACTIONS.get(action, action))


class ActivityEntry(HubModel):
    """One entry: ``PK=TENANT#<t>, SK=LOG#<ts>#<ulid>`` (see :mod:`shophub.store.keys`); entries
    written before the tenant log live under ``PK=ACCOUNT#<a>`` (or ``TENANT#<t>``)."""

    at: datetime
    actor: str
    action: str
    outcome: Outcome
    #: the Polish text as rendered at write time
    message: str
    #: the i18n key and its JSON-safe parameters (nested localized parts: ``shophub.i18n.text``)
    message_key: str | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    details: dict[str, Any] = Field(default_factory=dict)
    account_id: str | None = None

    @property
    def section(self) -> str | None:
        return section_of(self.action)

    @property
    def current_action(self) -> str:
        """The action's name today (entries written under an old name are shown under it)."""
        return LEGACY_ACTIONS.get(self.action, self.action)


@dataclass(frozen=True)
class LogFilter:
    """What a listing keeps: one account, one section, one outcome (None: any)."""

    account_id: str | None = None
    section: str | None = None
    outcome: Outcome | None = None
    #: the account is known to be the tenant's: its own partition (entries written before the
    #: tenant log, which name no tenant) is read too
    account_verified: bool = False

    def accepts(self, entry: ActivityEntry) -> bool:
        """For entries read without key support (written before the tenant log)."""
        return (self.section is None or entry.section == self.section) and (
            self.outcome is None or entry.outcome == self.outcome
        )
