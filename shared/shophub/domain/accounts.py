"""Shop accounts (one per connected shop) as the hub stores them."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from shophub.domain.common import HubModel

AccountStatus = Literal["connected", "error", "deleted"]
DiscoveryStatus = Literal["pending", "running", "done", "failed"]


def mask_key(last4: str) -> str:
    """What answers show instead of a key: ``••••ABCD``."""
    return "••••" + last4


class Account(HubModel):
    """``PK=TENANT#<t>, SK=ACCOUNT#<a>``. The key itself lives in SSM under ``secret_ref``."""

    id: str
    tenant_id: str
    name: str
    shop_url: str
    platform: str = "prestashop"
    secret_ref: str
    key_last4: str
    status: AccountStatus = "connected"
    shop_version: str | None = None
    permissions: dict[str, list[str]] = Field(default_factory=dict)
    missing_permissions: list[str] = Field(default_factory=list)
    timezone: str = "Europe/Warsaw"
    language_id: int = 1
    default_template_id: str | None = None
    discovery_status: DiscoveryStatus = "pending"
    created_at: datetime
    updated_at: datetime
    version: int = 1

    @property
    def masked_key(self) -> str:
        return mask_key(self.key_last4)
