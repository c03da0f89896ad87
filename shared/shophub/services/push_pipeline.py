"""The push pipeline: what every push of hub values to linked shop rows shares.

A push (stock today; prices or statuses later) brings rows of a shop to values the hub holds.
The pipeline owns the machinery; a :class:`PushRows` adapter says what the push is about.

The pipeline, per account (accounts in parallel, at most ``account_workers``):

1. takes the account's push lease (:class:`PushLeases`), waiting for another run's lease at
   most ``lease_wait`` seconds and never into the deadline's last
   :data:`LEASE_RESERVE_SECONDS`; a busy lease fails the account's subjects (delivered again);
2. runs up to :data:`PUSH_ROUNDS` rounds of "read, write, record": the adapter reads the rows
   (reporting those it skips), the pipeline writes them :data:`ROWS_PER_REQUEST` per request in
   at most ``shop_concurrency`` lanes (one connection each, requests one after another), and the
   adapter records the written rows; rows whose record was refused go to the next round;
3. releases the lease, leaving "in doubt" the subjects whose rows may hold a value the hub did
   not record;
4. writes one report per account, appends one activity entry and publishes one event per run.

The adapter's words: a *row* is one shop row to write; its *key* names it (unique within the
account); its *subject* is the hub record it carries the value of (a product id) — subjects are
what fail, go in doubt and come back.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Literal, Protocol, TypeVar

from shophub.clock import Clock, Deadline, iso, utc_now
from shophub.domain.accounts import Account
from shophub.domain.reports import Report, ReportEntry, ReportType
from shophub.errors import ShopHubError
from shophub.ids import new_id, new_ulid
from shophub.observability import logger
from shophub.ports import HubEvents
from shophub.retry import Backoff, retry
from shophub.store.stock import LeaseBusy, LeaseLost

#: Rows per shop request (a multi-row write carries up to 100 nodes).
ROWS_PER_REQUEST = 100
#: Accounts pushed at the same time by one invocation. An account's push mostly waits on its
#: shop, so a batch that names hundreds of shops needs many at once: with few, a handful of slow
#: or hanging shops hold every worker and the batch's healthy shops queue behind them.
ACCOUNT_WORKERS = 32
#: Rounds of "read, push, record" for rows whose record was refused.
PUSH_ROUNDS = 3
#: How long a run waits for another run's lease on an account before giving its rows back.
LEASE_WAIT_SECONDS = 20.0
#: Waits for a busy lease: 0.2 s growing by half up to 2 s, within the run's ``lease_wait``.
LEASE_BACKOFF = Backoff(base=0.2, factor=1.5, cap=2.0, budget=LEASE_WAIT_SECONDS)
#: No wait for a lease ends closer than this to the run's deadline.
LEASE_RESERVE_SECONDS = 5.0
#: A lease outlives the run that took it by this much (and lasts this long without a deadline).
LEASE_SLACK_SECONDS = 60
LEASE_DEFAULT_SECONDS = 900

Row = TypeVar("Row")
Conn = TypeVar("Conn", bound="PushConnection")
#: Where an adapter reports a row it does not write: ``(key, entry)``.
EntrySink = Callable[[str, ReportEntry], None]


@dataclass(frozen=True)
class RowOutcome:
    """What the shop did with one row (``permanent``: writing it again cannot help)."""

    ok: bool
    permanent: bool = False
    reason: str | None = None
    params: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PushKind:
    """How a push names itself in reports, the activity log and events."""

    report_type: ReportType
    action: str
    message_key: str
    event: str
    name: str


class PushConnection(Protocol):
    """One lane's connection to the shop."""

    @property
    def request_count(self) -> int: ...

    def close(self) -> None: ...


class PushLeases(Protocol):
    """The per-account push lease (one run pushes an account at a time)."""

    def acquire_lease(self, account_id: str, token: str, *, now: int, until: int, pushing: Sequence[int]) -> set[int]:
        """Hold the lease until ``until``; the subjects earlier runs left in doubt, or
        :class:`LeaseBusy`."""
        ...

    def release_lease(self, account_id: str, token: str, in_doubt: set[int]) -> None: ...


class PushRows(Protocol[Row, Conn]):
    """One account's push as the pipeline sees it (one adapter per account and run)."""

    def subjects(self) -> dict[str, int]:
        """The rows asked for: key → subject."""
        ...

    def add_subjects(self, subjects: set[int]) -> dict[str, int]:
        """Rows of subjects an earlier run left in doubt (key → subject), read now."""
        ...

    def refresh(self, subjects: set[int]) -> None:
        """Read the hub values of ``subjects`` again (before a later round)."""
        ...

    def rows(self, todo: Mapping[str, int], forced: set[int], report: EntrySink) -> list[Row]:
        """The rows of ``todo`` to write; ``forced`` subjects are written even when the shop seems
        to have their value. Rows not written are reported through ``report``."""
        ...

    def key(self, row: Row) -> str: ...

    def subject(self, row: Row) -> int: ...

    def conflicts(self, rows: Sequence[Row]) -> dict[str, RowOutcome]:
        """Rows not to send (e.g. two rows writing the same shop row): key → outcome."""
        ...

    def connect(self) -> Conn: ...

    def write(self, connection: Conn, rows: Sequence[Row]) -> dict[str, RowOutcome]:
        """Write one request's rows (at most :data:`ROWS_PER_REQUEST`): key → outcome."""
        ...

    def failure(self, error: ShopHubError | None) -> RowOutcome:
        """A row's outcome when its lane failed with ``error`` (``None``: an unexpected error)."""
        ...

    def record(self, token: str, rows: Sequence[Row], at: datetime) -> set[str]:
        """Record the written rows under the lease; the keys whose record was refused (pushed
        again from a fresh read). :class:`LeaseLost` when the lease is gone."""
        ...

    def entry(self, row: Row, outcome: str, *, reason: str | None, params: Mapping[str, str]) -> ReportEntry: ...

    def contended(self, key: str, subject: int) -> ReportEntry:
        """The entry of a row whose record was refused in every round."""
        ...


class Reports(Protocol):
    def write(self, report: Report, entries: Sequence[ReportEntry]) -> None: ...


class Activity(Protocol):
    def append(
        self,
        *,
        action: str,
        outcome: Literal["ok", "error"],
        message_key: str,
        params: dict[str, Any],
        tenant_id: str,
        account_id: str,
        details: dict[str, Any],
    ) -> object: ...


@dataclass
class AccountResult:
    """One account's push: its report entries (key → entry), the subjects to deliver again and
    the shop requests it made."""

    entries: dict[str, ReportEntry] = field(default_factory=dict)
    failed_subjects: set[int] = field(default_factory=set)
    requests: int = 0
    #: why a write failed in a way that may pass (the shop was not reached, or answered a
    #: passing error): the account's circuit breaker counts such runs; "" when none did
    unreachable: str = ""


@dataclass
class PushTally:
    """What the pipeline reported over one invocation."""

    ok: int = 0
    failed: int = 0
    unchanged: int = 0
    shop_requests: int = 0
    report_ids: list[str] = field(default_factory=list)


def _entry_order(entry: ReportEntry) -> tuple[int, int, int]:
    return (entry.hub_product_id or 0, entry.shop_product_id or 0, entry.shop_variant_id or 0)


class PushPipeline:
    """Leases, rounds, lanes and reports for one kind of push."""

    def __init__(
        self,
        kind: PushKind,
        leases: PushLeases,
        reports: Reports,
        activity: Activity,
        events: HubEvents,
        *,
        clock: Clock = utc_now,
        deadline: Deadline | None = None,
        shop_concurrency: int = 2,
        account_workers: int = ACCOUNT_WORKERS,
        lease_wait: float = LEASE_WAIT_SECONDS,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.kind = kind
        self.leases = leases
        self.reports = reports
        self.activity = activity
        self.events = events
        self.clock = clock
        self.deadline = deadline
        self.shop_concurrency = max(1, shop_concurrency)
        self.account_workers = max(1, account_workers)
        self.lease_wait = lease_wait
        self.sleep = sleep

    def remaining(self) -> float:
        return float("inf") if self.deadline is None else float(self.deadline())

    def run(
        self,
        tenant_id: str,
        accounts: Sequence[tuple[Account, PushRows[Any, Any]]],
        tally: PushTally,
        *,
        at: datetime,
    ) -> dict[str, AccountResult]:
        """Push every account (in parallel), report each (the reports dated ``at``), add the
        figures to ``tally``; returns each account's result (its ``failed_subjects`` must be
        pushed again)."""
        return self.run_many([(tenant_id, accounts)], tally, at=at)[0]

    def run_many(
        self,
        groups: Sequence[tuple[str, Sequence[tuple[Account, PushRows[Any, Any]]]]],
        tally: PushTally,
        *,
        at: datetime,
        order: Callable[[Account], Any] | None = None,
    ) -> list[dict[str, AccountResult]]:
        """:meth:`run` for several tenants' accounts at once, all in one pool (started in
        ``order``, a sort key: e.g. accounts that failed lately last); each group reported as
        its tenant's. Returns each group's results."""
        jobs = [(n, account, rows) for n, (_, accounts) in enumerate(groups) for account, rows in accounts]
        if order is not None:
            jobs.sort(key=lambda job: order(job[1]))
        outcomes: dict[tuple[int, str], AccountResult] = {}
        if jobs:
            workers = min(self.account_workers, len(jobs))
            with ThreadPoolExecutor(max_workers=workers, thread_name_prefix=f"{self.kind.name}-account") as pool:
                done = pool.map(lambda job: _AccountPush(self, job[1], job[2], at).run(), jobs)
                outcomes = {(n, account.id): outcome for (n, account, _), outcome in zip(jobs, done, strict=True)}
        answers = []
        for n, (tenant_id, accounts) in enumerate(groups):
            reported = [(account, outcomes[(n, account.id)]) for account, _ in accounts]
            self._report(tenant_id, at, [(a, r) for a, r in reported if r.entries], tally)
            answers.append({account.id: outcome for account, outcome in reported})
        return answers

    def _report(
        self, tenant_id: str, at: datetime, results: Sequence[tuple[Account, AccountResult]], tally: PushTally
    ) -> None:
        events = []
        for account, outcome in results:
            entries = sorted(outcome.entries.values(), key=_entry_order)
            counts: dict[str, int] = defaultdict(int)
            for entry in entries:
                counts[entry.outcome] += 1
            summary = {
                "ok": counts["ok"],
                "failed": counts["failed"],
                "unchanged": counts["unchanged"],
                "skipped": counts["skipped"],
                "shop_requests": outcome.requests,
            }
            report = Report(
                id=new_id(),
                type=self.kind.report_type,
                account_id=account.id,
                tenant_id=tenant_id,
                at=at,
                ok=counts["ok"],
                failed=counts["failed"],
                summary=summary,
            )
            self.reports.write(report, entries)
            self.activity.append(
                action=self.kind.action,
                outcome="error" if counts["failed"] else "ok",
                message_key=self.kind.message_key,
                params=summary,
                tenant_id=tenant_id,
                account_id=account.id,
                details={"report_id": report.id, "rows": len(entries), **summary},
            )
            events.append(
                {"tenant_id": tenant_id, "account_id": account.id, "report_id": report.id, "at": iso(at), **summary}
            )
            tally.report_ids.append(report.id)
            tally.ok += counts["ok"]
            tally.failed += counts["failed"]
            tally.unchanged += counts["unchanged"]
            tally.shop_requests += outcome.requests
        if events:
            self.events.publish_many(self.kind.event, events)


class _AccountPush:
    """One account's push, under the account's lease."""

    def __init__(self, pipeline: PushPipeline, account: Account, adapter: PushRows[Any, Any], at: datetime) -> None:
        self.pipeline = pipeline
        self.account = account
        self.adapter = adapter
        self.at = at
        self.refs = adapter.subjects()
        self.token = new_ulid()
        self.result = AccountResult()
        self.doubt: set[int] = set()

    # --- the lease ------------------------------------------------------------------------------

    def run(self) -> AccountResult:
        pushing = sorted(set(self.refs.values()))
        name = self.pipeline.kind.name
        try:
            in_doubt = self._acquire(pushing)
        except LeaseBusy:
            # another run keeps pushing this account: the messages come back later (and the
            # rows are reported then)
            logger.info(f"{name} push lease busy", extra={"account_id": self.account.id})
            self.result.failed_subjects |= set(pushing)
            return self.result
        try:
            self._push_all(in_doubt)
        except LeaseLost:
            logger.warning(f"{name} push lease lost", extra={"account_id": self.account.id})
            self.result.failed_subjects |= set(self.refs.values())
            return self.result
        except BaseException:
            self._release(set(pushing) | in_doubt)
            raise
        self._release(self.doubt)
        return self.result

    def _acquire(self, pushing: Sequence[int]) -> set[int]:
        """Take the account's lease; while another run holds it, wait (:data:`LEASE_BACKOFF`) at
        most ``lease_wait`` seconds and never into the deadline's last
        :data:`LEASE_RESERVE_SECONDS`, then :class:`LeaseBusy`."""
        pipeline = self.pipeline

        def take() -> set[int]:
            now = int(pipeline.clock().timestamp())
            remaining = pipeline.remaining()
            lease = LEASE_DEFAULT_SECONDS if remaining == float("inf") else int(remaining) + LEASE_SLACK_SECONDS
            return pipeline.leases.acquire_lease(
                self.account.id, self.token, now=now, until=now + lease, pushing=pushing
            )

        return retry(
            take,
            replace(LEASE_BACKOFF, budget=pipeline.lease_wait),
            on=LeaseBusy,
            sleep=pipeline.sleep,
            deadline=pipeline.remaining,
            reserve=LEASE_RESERVE_SECONDS,
        )

    def _release(self, in_doubt: set[int]) -> None:
        try:
            self.pipeline.leases.release_lease(self.account.id, self.token, in_doubt)
        except LeaseLost:
            logger.warning(
                f"{self.pipeline.kind.name} push lease lost before release", extra={"account_id": self.account.id}
            )

    # --- the rounds -----------------------------------------------------------------------------

    def _push_all(self, in_doubt: set[int]) -> None:
        forced = set(in_doubt)
        earlier = in_doubt - set(self.refs.values())
        if earlier:
            self.refs.update(self.adapter.add_subjects(earlier))
        todo = dict(self.refs)
        for attempt in range(PUSH_ROUNDS):
            refused = self._round(todo, forced)
            if not refused:
                break
            forced |= set(refused.values())
            if attempt + 1 < PUSH_ROUNDS:
                self.adapter.refresh(set(refused.values()))
            todo = refused
        else:
            for key, subject in todo.items():
                self.result.entries[key] = self.adapter.contended(key, subject)
                self.result.failed_subjects.add(subject)
                self.doubt.add(subject)

    def _note(self, key: str, entry: ReportEntry) -> None:
        self.result.entries[key] = entry

    def _round(self, todo: Mapping[str, int], forced: set[int]) -> dict[str, int]:
        """Push ``todo`` rows; returns the rows whose record was refused (key → subject)."""
        adapter = self.adapter
        to_push = adapter.rows(todo, forced, self._note)
        if not to_push:
            return {}
        outcomes = self._push(to_push)
        written = [row for row in to_push if outcomes[adapter.key(row)].ok]
        refused = adapter.record(self.token, written, self.at)
        again: dict[str, int] = {}
        for row in to_push:
            key, subject = adapter.key(row), adapter.subject(row)
            outcome = outcomes[key]
            if outcome.ok and key in refused:
                again[key] = subject
                continue
            self._note(
                key, adapter.entry(row, "ok" if outcome.ok else "failed", reason=outcome.reason, params=outcome.params)
            )
            if not outcome.ok and not outcome.permanent:
                # the write may or may not have reached the shop: the subject stays in doubt
                self.result.failed_subjects.add(subject)
                self.doubt.add(subject)
                self.result.unreachable = self.result.unreachable or str(
                    outcome.params.get("detail") or outcome.reason or "unreachable"
                )
        return again

    # --- the lanes ------------------------------------------------------------------------------

    def _push(self, rows: Sequence[Any]) -> dict[str, RowOutcome]:
        """Write the rows, :data:`ROWS_PER_REQUEST` per request, in at most ``shop_concurrency``
        lanes (each lane one connection sending its requests one after another)."""
        outcomes = self.adapter.conflicts(rows)
        unique = [row for row in rows if self.adapter.key(row) not in outcomes]
        chunks = [unique[i : i + ROWS_PER_REQUEST] for i in range(0, len(unique), ROWS_PER_REQUEST)]
        concurrency = self.pipeline.shop_concurrency
        lanes = [lane for lane in (chunks[i::concurrency] for i in range(concurrency)) if lane]
        if not lanes:
            return outcomes
        with ThreadPoolExecutor(max_workers=len(lanes), thread_name_prefix=f"{self.pipeline.kind.name}-lane") as pool:
            for lane_outcomes, requests in pool.map(self._push_lane, lanes):
                outcomes.update(lane_outcomes)
                self.result.requests += requests
        return outcomes

    def _push_lane(self, chunks: list[list[Any]]) -> tuple[dict[str, RowOutcome], int]:
        adapter = self.adapter
        keys = [adapter.key(row) for chunk in chunks for row in chunk]
        try:
            connection = adapter.connect()
        except ShopHubError as error:
            return dict.fromkeys(keys, adapter.failure(error)), 0
        try:
            answers: dict[str, RowOutcome] = {}
            for chunk in chunks:
                answers.update(adapter.write(connection, chunk))
            return {key: answers[key] for key in keys}, connection.request_count
        except ShopHubError as error:
            return dict.fromkeys(keys, adapter.failure(error)), connection.request_count
        except Exception:
            logger.exception(
                f"{self.pipeline.kind.name} push failed unexpectedly", extra={"account_id": self.account.id}
            )
            return dict.fromkeys(keys, adapter.failure(None)), connection.request_count
        finally:
            connection.close()
