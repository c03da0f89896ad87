"""Hub stock: levels (quantity at a version), the ``StockChanged`` message, push rows.

The hub is the source of truth for stock. Every change of a product's stock, whatever its source
(the API, an order), takes the next ``stock_version`` of that product; the version only grows.
Shops receive absolute quantities, never deltas, so replaying a change is harmless and the
newest version always wins.
"""

from collections.abc import Iterable
from datetime import datetime
from typing import Final, Literal, Self

from pydantic import ConfigDict, Field, model_validator

from shophub.domain.common import Model

#: Changes carried by one ``StockChanged`` message (a message stays far below SQS's 256 KB).
CHANGES_PER_MESSAGE = 200
#: Items of one ``PUT /stock`` request.
MAX_BULK_ITEMS = 1000
#: The hub's largest quantity (a signed 32-bit integer, part of the API contract); what a shop
#: platform can store is its profile's ``max_stock_quantity``.
MAX_QUANTITY = 2_147_483_647

STOCK_CHANGED: Final = "StockChanged"


class StockLevel(Model):
    """A product's hub stock at one version."""

    model_config = ConfigDict(frozen=True)

    product_id: int = Field(ge=1)
    quantity: int
    version: int = Field(ge=0)


class StockChangedMessage(Model):
    """The body of a ``StockQueue`` message: ``{"type": "StockChanged", "tenant_id", "changes"}``."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    type: Literal["StockChanged"] = STOCK_CHANGED
    tenant_id: str = Field(min_length=1)
    changes: list[StockLevel] = Field(min_length=1)
    #: pushed to this account only: one shop's work given back (it failed, ran out of its time
    #: budget, or its circuit breaker is open) so that it never holds back another shop's
    account_id: str | None = None


class PushBreaker(Model):
    """``PK=ACCOUNT#<a>, SK=BREAKER#STOCK``: an account's stock push circuit breaker. ``failures``
    counts the runs in a row that could not reach the shop; from
    :data:`shophub.services.push_breakers.OPEN_AFTER` on, the breaker is open until ``open_until``
    (pushes to the shop are parked and retried then); the first success deletes it."""

    account_id: str
    failures: int = 0
    open_until: datetime | None = None
    opened_at: datetime | None = None
    last_error: str = ""

    def is_open(self, now: datetime) -> bool:
        return self.open_until is not None and now < self.open_until


class StockMovement(Model):
    """One requested change: an absolute ``quantity`` or a relative ``delta`` (exactly one)."""

    model_config = ConfigDict(frozen=True)

    product_id: int = Field(ge=1)
    quantity: int | None = Field(default=None, ge=0, le=MAX_QUANTITY)
    delta: int | None = None

    @model_validator(mode="after")
    def _one_of(self) -> Self:
        if (self.quantity is None) == (self.delta is None):
            raise ValueError("a stock movement has either a quantity or a delta")
        return self


PushOutcome = Literal["ok", "failed", "unchanged", "skipped"]


class UnknownProducts(Exception):
    """Some products of the request do not exist (nothing was written for any of them)."""

    def __init__(self, product_ids: Iterable[int]) -> None:
        self.product_ids = sorted(set(product_ids))
        super().__init__("unknown products: " + ", ".join(map(str, self.product_ids)))
