"""Sync and import reports: a summary per run and one entry per row."""

from datetime import datetime
from typing import Literal

from pydantic import Field

from shophub.domain.common import HubModel

ReportType = Literal["stock", "import"]


class ReportEntry(HubModel):
    hub_product_id: int | None = None
    shop_product_id: int | None = None
    shop_variant_id: int | None = None
    old: int | str | None = None
    new: int | str | None = None
    outcome: str  # e.g. "ok", "failed", "skipped", "unchanged", "linked", "created"
    message: str = ""
    #: an i18n message key and its parameters: when set, readers render ``message`` from them in
    #: the reader's language (``message`` keeps the Polish text for anyone reading raw items)
    reason: str | None = None
    params: dict[str, str] = Field(default_factory=dict)


class Report(HubModel):
    id: str
    type: ReportType
    account_id: str
    tenant_id: str
    at: datetime
    ok: int = 0
    failed: int = 0
    summary: dict[str, int] = Field(default_factory=dict)
    source_id: str | None = None  # e.g. the import id
