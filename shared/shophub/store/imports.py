"""Import runs, their items and the one-running-import-per-account lock.

Items:

* run ``PK=ACCOUNT#<a>, SK=IMPORT#<id>`` — :class:`Import`; ids are time-ordered, so a
  backwards query lists the newest first; counters change with atomic ``ADD``.
* lock ``PK=ACCOUNT#<a>, SK=IMPORT#RUNNING`` — ``import_id`` of the running import; created with
  ``attribute_not_exists`` together with the run, deleted (conditional on the id) when the run
  ends. A lock whose run has ended (a crash between the end and the release) is taken over.
* items ``PK=IMPORT#<id>, SK=ITEM#<p>`` (stage 1) and ``ITEM#<p>#<c>`` (a variant's outcome).
* stage 2's plan ``PK=IMPORT#<id>, SK=PLAN#<n>`` — chunk ``n``'s product ids.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from shophub.domain.imports import TERMINAL_STATUSES, FileLineRefusal, Import, ImportItem
from shophub.errors import ConcurrentUpdateError, ConflictError, NotFoundError
from shophub.store import keys
from shophub.store.dynamo import TRANSACT_MAX, ConditionFailed, Expr, HubTable, TransactionConflict
from shophub.store.paging import decode_token, encode_token
from shophub.store.unit_of_work import CONTENTION, Committed, Subject, UnitOfWork, Write

COUNTERS = ("processed", "created", "linked", "skipped", "failed")


def import_not_found() -> NotFoundError:
    return NotFoundError("import", code="import_not_found", message_key="import_not_found")


def import_running() -> ConflictError:
    return ConflictError("an import is running", code="import_running")


#: The reason of a variant skipped because it was linked before (it is not "unlinked").
ALREADY_LINKED = "reason_already_linked"


def item_sk(item: ImportItem) -> str:
    return keys.import_item_sk(item.shop_product_id, item.shop_variant_id)


class ImportRepository:
    def __init__(self, table: HubTable) -> None:
        self.table = table

    # --- runs -----------------------------------------------------------------------------------

    @staticmethod
    def run_item(run: Import) -> dict[str, Any]:
        return {"PK": keys.account_pk(run.account_id), "SK": keys.import_sk(run.id), **run.model_dump(mode="json")}

    def start(self, run: Import) -> None:
        """Store ``run`` and take the account's lock in one transaction; 409 ``import_running``
        while another import of the account runs."""
        lock = {
            "PK": keys.account_pk(run.account_id),
            "SK": keys.RUNNING_IMPORT_SK,
            "import_id": run.id,
            "tenant_id": run.tenant_id,
            "started_at": run.created_at.isoformat(),
        }
        try:
            self.table.transact_write(
                [
                    self.table.tx_put(lock, condition="attribute_not_exists(PK)"),
                    self.table.tx_put(self.run_item(run), condition="attribute_not_exists(PK)"),
                ]
            )
            return
        except TransactionConflict as conflict:
            if conflict.reasons[0] != "ConditionalCheckFailed":
                raise
        holder = self.table.get(keys.account_pk(run.account_id), keys.RUNNING_IMPORT_SK, consistent=True)
        if holder is None:
            raise import_running()  # released a moment ago; the caller may simply try again
        held_by = self.find(run.account_id, str(holder.get("import_id")), consistent=True)
        if held_by is not None and held_by.status not in TERMINAL_STATUSES:
            raise import_running()
        # the holder ended without releasing the lock: take it over (if nobody else did)
        expr = Expr()
        try:
            self.table.transact_write(
                [
                    self.table.tx_put(
                        lock,
                        condition=f"{expr.name('import_id')} = {expr.value(holder.get('import_id'))}",
                        expr=expr,
                    ),
                    self.table.tx_put(self.run_item(run), condition="attribute_not_exists(PK)"),
                ]
            )
        except TransactionConflict:
            raise import_running() from None

    def release_lock(self, account_id: str, import_id: str) -> None:
        """Release the account's lock if ``import_id`` holds it."""
        expr = Expr()
        try:
            self.table.delete(
                keys.account_pk(account_id),
                keys.RUNNING_IMPORT_SK,
                condition=f"{expr.name('import_id')} = {expr.value(import_id)}",
                expr=expr,
            )
        except ConditionFailed:
            return

    def find(self, account_id: str, import_id: str, *, consistent: bool = False) -> Import | None:
        item = self.table.get(keys.account_pk(account_id), keys.import_sk(import_id), consistent=consistent)
        return Import.model_validate(item) if item else None

    def get(self, account_id: str, import_id: str, *, consistent: bool = False) -> Import:
        run = self.find(account_id, import_id, consistent=consistent)
        if run is None:
            raise import_not_found()
        return run

    def list_runs(
        self, account_id: str, *, limit: int = 20, next_token: str | None = None
    ) -> tuple[list[Import], str | None]:
        """The account's imports, newest first."""
        scope = keys.account_pk(account_id) + "#IMPORTS"
        expr = Expr()
        items, last = self.table.query_page(
            keys.account_pk(account_id),
            sk_prefix=keys.IMPORT_PREFIX,
            forward=False,
            limit=limit,
            start_key=decode_token(next_token, scope),
            filter_expr=f"attribute_exists({expr.name('mode')})",  # not the lock item
            expr=expr,
        )
        return [Import.model_validate(i) for i in items], encode_token(last, scope)

    def iter_runs(self, account_id: str) -> Iterator[Import]:
        """Every import of the account, newest first."""
        for item in self._query_filtered(
            keys.account_pk(account_id),
            keys.IMPORT_PREFIX,
            lambda expr: f"attribute_exists({expr.name('mode')})",
            forward=False,
        ):
            yield Import.model_validate(item)

    def _query_filtered(
        self,
        pk: str,
        sk_prefix: str,
        condition: Callable[[Expr], str] | None,
        *,
        forward: bool = True,
        consistent: bool = False,
        page_size: int | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Every page of a filtered query, each page with its own expression placeholders."""
        start = None
        while True:
            expr = Expr()
            filter_expr = condition(expr) if condition else None
            items, start = self.table.query_page(
                pk,
                sk_prefix=sk_prefix,
                forward=forward,
                start_key=start,
                filter_expr=filter_expr,
                expr=expr,
                consistent=consistent,
                limit=page_size,
            )
            yield from items
            if not start:
                return

    def update(
        self,
        run: Import,
        *,
        set_: Mapping[str, Any] | None = None,
        add: Mapping[str, int] | None = None,
        when_status: Iterable[str] | None = None,
    ) -> Import | None:
        """Change the run; with ``when_status`` only if its status is one of those (``None`` when
        it is not). Returns the run as stored after the change."""
        expr = Expr()
        condition = "attribute_exists(PK)"
        if when_status is not None:
            options = ", ".join(expr.value(s) for s in when_status)
            condition += f" AND {expr.name('status')} IN ({options})"
        values = {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in (set_ or {}).items()}
        try:
            item = self.table.update(
                keys.account_pk(run.account_id),
                keys.import_sk(run.id),
                set_=values or None,
                add=dict(add) if add else None,
                condition=condition,
                expr=expr,
            )
        except ConditionFailed:
            return None
        return Import.model_validate(item) if item else None

    def tx_add_counters(self, run: Import, counts: Mapping[str, int]) -> dict[str, Any]:
        """A transact item adding to the run's counters (zeros left out)."""
        return self.table.tx_update(
            keys.account_pk(run.account_id),
            keys.import_sk(run.id),
            add={k: v for k, v in counts.items() if v},
            condition="attribute_exists(PK)",
        )

    # --- items ----------------------------------------------------------------------------------

    @staticmethod
    def item_record(item: ImportItem) -> dict[str, Any]:
        return {"PK": keys.import_pk(item.import_id), "SK": item_sk(item), **item.model_dump(mode="json")}

    def put_items(self, items: Sequence[ImportItem]) -> None:
        """Unconditional batched writes (25 per request)."""
        self.table.batch_write([self.item_record(i) for i in items])

    def tx_put_item(self, item: ImportItem) -> dict[str, Any]:
        return self.table.tx_put(self.item_record(item))

    def put_item_in(self, unit: UnitOfWork, item: ImportItem) -> None:
        """Write a variant's outcome item with the unit (unconditionally: it is the idempotency
        record of the writes it goes with)."""
        key = (keys.import_pk(item.import_id), item_sk(item))
        unit.add(Write(Subject.IMPORT_ITEM, key, self.tx_put_item(item), ref=item))

    def get_items(
        self, import_id: str, wanted: Iterable[tuple[int, int | None]], *, consistent: bool = True
    ) -> dict[tuple[int, int | None], ImportItem]:
        """Items by (shop product, variant or None for the stage-1 item)."""
        pk = keys.import_pk(import_id)
        found = self.table.batch_get(
            [{"PK": pk, "SK": keys.import_item_sk(p, c)} for p, c in wanted], consistent=consistent
        )
        items = (ImportItem.model_validate(i) for i in found)
        return {(i.shop_product_id, i.shop_variant_id): i for i in items}

    def list_items(
        self, import_id: str, *, status: str | None = None, limit: int = 50, next_token: str | None = None
    ) -> tuple[list[ImportItem], str | None]:
        scope = keys.import_pk(import_id) + f"#ITEMS#{status or ''}"
        expr = Expr()
        filter_expr = f"{expr.name('status')} = {expr.value(status)}" if status else None
        items, last = self.table.query_page(
            keys.import_pk(import_id),
            sk_prefix=keys.ITEM_PREFIX,
            limit=limit,
            start_key=decode_token(next_token, scope),
            filter_expr=filter_expr,
            expr=expr,
        )
        return [ImportItem.model_validate(i) for i in items], encode_token(last, scope)

    # --- refused lines of a file import ---------------------------------------------------------

    def put_refusals(self, import_id: str, refusals: Sequence[FileLineRefusal]) -> None:
        """Keep refused lines (writing one again replaces it: a repeated delivery adds nothing)."""
        pk = keys.import_pk(import_id)
        self.table.batch_write(
            [{"PK": pk, "SK": keys.import_refusal_sk(r.line), **r.model_dump(mode="json")} for r in refusals]
        )

    def list_refusals(
        self, import_id: str, *, limit: int = 50, next_token: str | None = None
    ) -> tuple[list[FileLineRefusal], str | None]:
        """Refused lines in file order, a page at a time."""
        scope = keys.import_pk(import_id) + "#REFUSALS"
        items, last = self.table.query_page(
            keys.import_pk(import_id),
            sk_prefix=keys.REFUSAL_PREFIX,
            limit=limit,
            start_key=decode_token(next_token, scope),
        )
        return [FileLineRefusal.model_validate(i) for i in items], encode_token(last, scope)

    def list_unlinked(
        self, import_id: str, *, limit: int = 50, next_token: str | None = None
    ) -> tuple[list[ImportItem], str | None]:
        """The run's outcomes that left a shop variant (or product) without a link: skipped or
        failed, except variants skipped because they were linked already; in shop id order."""
        scope = keys.import_pk(import_id) + "#UNLINKED"
        expr = Expr()
        filter_expr = (
            f"{expr.name('status')} IN ({expr.value('skipped')}, {expr.value('failed')}) "
            f"AND {expr.name('reason_key')} <> {expr.value(ALREADY_LINKED)}"
        )
        items, last = self.table.query_page(
            keys.import_pk(import_id),
            sk_prefix=keys.ITEM_PREFIX,
            limit=limit,
            start_key=decode_token(next_token, scope),
            filter_expr=filter_expr,
            expr=expr,
        )
        return [ImportItem.model_validate(i) for i in items], encode_token(last, scope)

    def iter_unlinked(self, import_id: str) -> Iterator[ImportItem]:
        """Every outcome :meth:`list_unlinked` pages through."""
        for item in self.iter_items(import_id, statuses=["skipped", "failed"]):
            if item.reason_key != ALREADY_LINKED:
                yield item

    def iter_items(
        self,
        import_id: str,
        *,
        statuses: Iterable[str] | None = None,
        consistent: bool = False,
        page_size: int | None = None,
    ) -> Iterator[ImportItem]:
        wanted = list(statuses) if statuses is not None else None

        def condition(expr: Expr) -> str:
            options = ", ".join(expr.value(s) for s in wanted or [])
            return f"{expr.name('status')} IN ({options})"

        for item in self._query_filtered(
            keys.import_pk(import_id),
            keys.ITEM_PREFIX,
            condition if wanted else None,
            consistent=consistent,
            page_size=page_size,
        ):
            yield ImportItem.model_validate(item)

    def tx_count_chunk(
        self,
        run: Import,
        chunk: int,
        counts: Mapping[str, int],
        *,
        replaced: Sequence[int] = (),
        settled: Sequence[ImportItem] = (),
    ) -> list[dict[str, Any]]:
        """Transact items counting stage-2 chunk ``chunk`` exactly once: its marker
        (``attribute_not_exists``; it also keeps what :meth:`settle_products` must do, so a
        repeated delivery can finish that) and the run's counters (``ADD``, with ``chunks_done``)."""
        marker = {
            "PK": keys.import_pk(run.id),
            "SK": keys.import_chunk_sk(chunk),
            "counts": dict(counts),
            "replaced": list(replaced),
            "settled": [i.model_dump(mode="json") for i in settled],
        }
        return [
            self.table.tx_put(marker, condition="attribute_not_exists(PK)"),
            self.tx_add_counters(run, {**counts, "chunks_done": 1}),
        ]

    def count_chunk(
        self,
        run: Import,
        chunk: int,
        counts: Mapping[str, int],
        *,
        replaced: Sequence[int] = (),
        settled: Sequence[ImportItem] = (),
    ) -> bool:
        """Count stage-2 chunk ``chunk`` exactly once (:meth:`tx_count_chunk` in one transaction,
        retried while only concurrent transactions cancel it). True when counted now; False when
        it was counted before (its marker exists) or the run is gone; :class:`ConcurrentUpdateError`
        when concurrent transactions kept cancelling it."""
        marker, counters = self.tx_count_chunk(run, chunk, counts, replaced=replaced, settled=settled)
        unit = UnitOfWork(self.table)
        unit.add(
            Write(Subject.IMPORT_CHUNK, (keys.import_pk(run.id), keys.import_chunk_sk(chunk)), marker, ref=chunk),
            Write(Subject.IMPORT_RUN, (keys.account_pk(run.account_id), keys.import_sk(run.id)), counters, ref=run),
        )
        outcome = unit.commit(contention=CONTENTION)
        if isinstance(outcome, Committed):
            return True
        if outcome.contended:
            raise ConcurrentUpdateError("import chunk kept meeting concurrent writes")
        return False

    def put_chunk_plans(self, import_id: str, plans: Sequence[Sequence[int]]) -> None:
        """Stage 2's chunks, in order (each a list of product ids)."""
        pk = keys.import_pk(import_id)
        self.table.batch_write(
            [{"PK": pk, "SK": keys.import_plan_sk(n), "product_ids": list(ids)} for n, ids in enumerate(plans)]
        )

    def chunk_plans(self, import_id: str) -> list[list[int]]:
        """Stage 2's chunks as :meth:`put_chunk_plans` wrote them (empty before)."""
        items = self.table.query(keys.import_pk(import_id), sk_prefix=keys.IMPORT_PLAN_PREFIX, consistent=True)
        return [[int(p) for p in item["product_ids"]] for item in items]

    def chunk_plan(self, import_id: str, chunk: int) -> list[int] | None:
        """Chunk ``chunk``'s product ids (None: no such chunk)."""
        item = self.table.get(keys.import_pk(import_id), keys.import_plan_sk(chunk), consistent=True)
        return [int(p) for p in item["product_ids"]] if item else None

    def counted_chunk(self, import_id: str, chunk: int) -> tuple[list[int], list[ImportItem]] | None:
        """``(replaced, settled)`` of a counted chunk, or None while it is not counted."""
        marker = self.table.get(keys.import_pk(import_id), keys.import_chunk_sk(chunk), consistent=True)
        if marker is None:
            return None
        settled = [ImportItem.model_validate(i) for i in marker.get("settled") or []]
        return [int(p) for p in marker.get("replaced") or []], settled

    def settle_products(self, import_id: str, *, replaced: Sequence[int], settled: Sequence[ImportItem]) -> None:
        """After a chunk is counted: drop the stage-1 items of products whose variants now have
        items (``replaced``) and store the final state of the others (``settled``)."""
        pk = keys.import_pk(import_id)
        self.table.batch_write(
            [self.item_record(i) for i in settled],
            [{"PK": pk, "SK": keys.import_item_sk(p)} for p in replaced],
        )

    def tx_settle_product(
        self, import_id: str, shop_product_id: int, *, status: str, reason_key: str, reason_params: Mapping[str, str]
    ) -> dict[str, Any]:
        """A transact item moving a ``prepared`` stage-1 item to ``status`` with a reason."""
        expr = Expr()
        return self.table.tx_update(
            keys.import_pk(import_id),
            keys.import_item_sk(shop_product_id),
            set_={"status": status, "reason_key": reason_key, "reason_params": dict(reason_params)},
            condition=f"{expr.name('status')} = {expr.value('prepared')}",
            expr=expr,
        )

    def abort_prepared(self, import_id: str, *, reason_key: str) -> int:
        """Mark every still ``prepared`` stage-1 item ``aborted`` (conditional, 100 per
        transaction; an item a worker settles meanwhile keeps its outcome). Returns how many."""
        prepared = [i.shop_product_id for i in self.iter_items(import_id, statuses=["prepared"], consistent=True)]
        changed = 0
        for start in range(0, len(prepared), TRANSACT_MAX):
            group = prepared[start : start + TRANSACT_MAX]
            retries = CONTENTION.start()
            while group:
                operations = [
                    self.tx_settle_product(import_id, p, status="aborted", reason_key=reason_key, reason_params={})
                    for p in group
                ]
                try:
                    self.table.transact_write(operations)
                    changed += len(group)
                    break
                except TransactionConflict as conflict:
                    settled = {i for i, r in enumerate(conflict.reasons) if r == "ConditionalCheckFailed"}
                    if not settled:
                        if not retries.pause():
                            raise
                        continue
                    group = [p for i, p in enumerate(group) if i not in settled]
        return changed
