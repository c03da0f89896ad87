"""Activity log entries: who did what, with which outcome."""

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from shophub.domain.common import HubModel

Outcome = Literal["ok", "error"]


class ActivityEntry(HubModel):
    """``PK=ACCOUNT#<a>`` (or ``TENANT#<t>`` for tenant-level events), ``SK=LOG#<ts>#<ulid>``."""

    at: datetime
    actor: str
    action: str
    outcome: Outcome
    message: str
    details: dict[str, Any] = Field(default_factory=dict)
