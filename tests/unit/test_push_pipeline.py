"""The push pipeline without AWS or a shop: a second kind of push (a toy price push, defined
here only) runs through the same lease, rounds, lanes and reports as the stock push."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from shophub.domain.accounts import Account
from shophub.domain.reports import Report, ReportEntry
from shophub.errors import ShopHubError
from shophub.services.push_pipeline import EntrySink, PushKind, PushPipeline, PushTally, RowOutcome
from shophub.store.stock import LeaseBusy

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
#: The hub stores stock and import reports; a real price push would add its own report type.
PRICE_PUSH = PushKind(
    report_type="stock", action="price.pushed", message_key="stock_push_logged", event="PriceSyncReported", name="price"
)


@dataclass(frozen=True)
class PriceRow:
    key: str
    product_id: int
    price: str


class FakeLeases:
    def __init__(self, *, busy: bool = False, in_doubt: set[int] | None = None) -> None:
        self.busy = busy
        self.in_doubt = set(in_doubt or ())
        self.taken = 0
        self.released: list[set[int]] = []

    def acquire_lease(self, account_id: str, token: str, *, now: int, until: int, pushing: Sequence[int]) -> set[int]:
        if self.busy:
            raise LeaseBusy
        self.taken += 1
        return set(self.in_doubt)

    def release_lease(self, account_id: str, token: str, in_doubt: set[int]) -> None:
        self.released.append(set(in_doubt))


class Recorded:
    def __init__(self) -> None:
        self.reports: list[tuple[Report, list[ReportEntry]]] = []
        self.activity: list[dict[str, Any]] = []
        self.events: list[tuple[str, list[dict[str, Any]]]] = []

    def write(self, report: Report, entries: Sequence[ReportEntry]) -> None:
        self.reports.append((report, list(entries)))

    def append(self, **entry: Any) -> None:
        self.activity.append(entry)

    def publish_many(self, detail_type: str, details: Sequence[dict[str, Any]]) -> None:
        self.events.append((detail_type, list(details)))


class FakePriceShop:
    """One connection: every ``write_prices`` call is one request."""

    def __init__(self, shop: dict[str, str], refuse: set[str]) -> None:
        self.shop = shop
        self.refuse = refuse
        self.request_count = 0
        self.closed = False

    def write_prices(self, rows: Sequence[PriceRow]) -> dict[str, bool]:
        self.request_count += 1
        answers = {}
        for row in rows:
            answers[row.key] = row.key not in self.refuse
            if answers[row.key]:
                self.shop[row.key] = row.price
        return answers

    def close(self) -> None:
        self.closed = True


class PriceRows:
    """A price push adapter: rows are shop prices, the subject is the hub product."""

    def __init__(self, prices: dict[int, str], *, refuse: frozenset[str] = frozenset(), contend: int = 0) -> None:
        self.prices = prices
        self.shop: dict[str, str] = {}
        self.recorded: dict[str, str] = {}
        self.refuse = set(refuse)
        self.contend = contend
        self.connections: list[FakePriceShop] = []

    def subjects(self) -> dict[str, int]:
        return {f"p{product_id}": product_id for product_id in self.prices}

    def add_subjects(self, subjects: set[int]) -> dict[str, int]:
        return {}

    def refresh(self, subjects: set[int]) -> None:
        pass

    def rows(self, todo: Mapping[str, int], forced: set[int], report: EntrySink) -> list[PriceRow]:
        rows = []
        for key, product_id in todo.items():
            row = PriceRow(key, product_id, self.prices[product_id])
            if product_id not in forced and self.recorded.get(key) == row.price:
                report(key, self.entry(row, "unchanged", reason=None, params={}))
            else:
                rows.append(row)
        return rows

    def key(self, row: PriceRow) -> str:
        return row.key

    def subject(self, row: PriceRow) -> int:
        return row.product_id

    def conflicts(self, rows: Sequence[PriceRow]) -> dict[str, RowOutcome]:
        return {}

    def connect(self) -> FakePriceShop:
        connection = FakePriceShop(self.shop, self.refuse)
        self.connections.append(connection)
        return connection

    def write(self, connection: FakePriceShop, rows: Sequence[PriceRow]) -> dict[str, RowOutcome]:
        answers = connection.write_prices(rows)
        return {
            k: RowOutcome(ok=True) if ok else RowOutcome(ok=False, reason="price_retry") for k, ok in answers.items()
        }

    def failure(self, error: ShopHubError | None) -> RowOutcome:
        return RowOutcome(ok=False, reason="price_retry")

    def record(self, token: str, rows: Sequence[PriceRow], at: datetime) -> set[str]:
        if self.contend:
            # another writer recorded a newer price of the first row: push it again
            self.contend -= 1
            return {rows[0].key}
        self.recorded.update({row.key: row.price for row in rows})
        return set()

    def entry(self, row: PriceRow, outcome: str, *, reason: str | None, params: Mapping[str, str]) -> ReportEntry:
        return ReportEntry(hub_product_id=row.product_id, new=None, outcome=outcome, reason=reason, params=dict(params))

    def contended(self, key: str, subject: int) -> ReportEntry:
        return ReportEntry(hub_product_id=subject, outcome="failed", reason="price_contended")


def account(account_id: str = "acc1") -> Account:
    return Account.model_validate(
        {
            "id": account_id,
            "tenant_id": "t1",
            "name": "Shop",
            "shop_url": "https://shop.example",
            "secret_ref": "/shophub/t1/acc1",
            "key_last4": "ABCD",
            "created_at": NOW,
            "updated_at": NOW,
        }
    )


def pipeline(leases: FakeLeases, recorded: Recorded, *, shop_concurrency: int = 2) -> PushPipeline:
    return PushPipeline(
        PRICE_PUSH,
        leases,
        recorded,
        recorded,
        recorded,
        clock=lambda: NOW,
        shop_concurrency=shop_concurrency,
        lease_wait=0,
        sleep=lambda _: None,
    )


def test_a_price_push_runs_through_the_pipeline_with_its_own_report() -> None:
    # Given 250 prices to push and two lanes
    leases, recorded = FakeLeases(), Recorded()
    prices = PriceRows({n: f"{n}.00" for n in range(1, 251)})
    tally = PushTally()

    # When the pipeline pushes them
    [result] = pipeline(leases, recorded).run("t1", [(account(), prices)], tally, at=NOW).values()
    failed = result.failed_subjects

    # Then every price reached the shop in 3 requests (100 rows each) over 2 connections
    assert failed == set()
    assert prices.shop == {f"p{n}": f"{n}.00" for n in range(1, 251)}
    assert sorted(c.request_count for c in prices.connections) == [1, 2]
    assert all(c.closed for c in prices.connections)
    # and the run held the lease and released it with nothing in doubt
    assert leases.taken == 1 and leases.released == [set()]
    # and it has its own report, activity entry and event
    ((report, entries),) = recorded.reports
    assert (report.ok, report.failed, report.summary["shop_requests"]) == (250, 0, 3)
    assert len(entries) == 250
    assert recorded.activity[0]["action"] == "price.pushed"
    assert [name for name, _ in recorded.events] == ["PriceSyncReported"]
    assert tally.ok == 250 and tally.shop_requests == 3 and tally.report_ids == [report.id]


def test_price_push_rounds_failures_and_doubt_come_from_the_pipeline() -> None:
    # Given a price whose record is refused once and a price the shop does not save
    leases, recorded = FakeLeases(), Recorded()
    prices = PriceRows({1: "1.00", 2: "2.00"}, refuse=frozenset({"p2"}), contend=1)

    # When the pipeline pushes them
    [result] = pipeline(leases, recorded).run("t1", [(account(), prices)], PushTally(), at=NOW).values()
    failed = result.failed_subjects

    # Then the refused record was pushed again in a second round and recorded
    assert prices.recorded == {"p1": "1.00"}
    # and the unsaved price fails its product, which stays in doubt for the next run
    assert failed == {2}
    assert leases.released == [{2}]
    ((report, entries),) = recorded.reports
    assert (report.ok, report.failed) == (1, 1)
    assert {(e.hub_product_id, e.outcome, e.reason) for e in entries} == {(1, "ok", None), (2, "failed", "price_retry")}


def test_a_busy_lease_gives_the_price_push_back_without_writing() -> None:
    # Given another run holding the account's lease
    leases, recorded = FakeLeases(busy=True), Recorded()
    prices = PriceRows({1: "1.00"})

    # When the pipeline pushes
    [result] = pipeline(leases, recorded).run("t1", [(account(), prices)], PushTally(), at=NOW).values()
    failed = result.failed_subjects

    # Then nothing was written or reported, and the product comes back later
    assert failed == {1}
    assert prices.connections == [] and recorded.reports == []
