"""On-demand product imports and automatic linking, in two stages on ``ImportQueue``.

``POST /accounts/{id}/imports`` only checks the rules (a default template in import mode, one
running import per account), stores the run with the account's lock and queues stage 1.

* Stage 1 (``prepare`` message): the connector lists matching shop products (ids and names
  only, keyset pages on id); each becomes a ``prepared`` item; ``total`` grows as pages arrive.
  It then queues stage 2 as chunks of at most :data:`CHUNK_SIZE` product ids.
* Stage 2 (``chunk`` messages): the connector reads the chunk's products, variants, option
  values and stock rows in batched requests; :class:`~shophub.services.linking.VariantLinker`
  links or creates every variant; one transaction then replaces the chunk's stage-1 items by
  the outcome and adds the counters (so a chunk that runs twice counts once). The chunk that
  completes the last one finishes the import: report, lock released, ``ProductsImported``.

Stock (``with_stock``): a hub product the import creates takes the shop's quantity (version 1)
and the offer records that quantity as already in the shop. A variant linked to an existing hub
product leaves the hub's stock alone (the hub's figure wins; the stock sync pushes it later) and
its offer gets no ``stock_taken_at``. Either way the offer's ``linked_at`` is the moment from which
the shop's orders move hub stock (the stock rule, ``services/stock_movements.py``): orders placed
before it are already counted in the hub's figure.

A shop failure that may pass (timeouts, 5xx, 429) fails the SQS record, so the chunk comes back;
on the last delivery the chunk's products are marked failed instead. A bad key or missing
permission fails the whole import; a product the shop cannot deliver fails alone.
"""

from __future__ import annotations

import contextlib
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Literal, NoReturn

from pydantic import Field

from shophub.clock import Clock, Deadline, utc_now
from shophub.domain.accounts import Account
from shophub.domain.catalogue_file import CatalogueFile
from shophub.domain.common import Model
from shophub.domain.config import FieldMapping
from shophub.domain.imports import (
    RUNNING_STATUSES,
    TERMINAL_STATUSES,
    FileLineRefusal,
    Import,
    ImportFilters,
    ImportItem,
    ImportRequest,
)
from shophub.domain.reports import Report, ReportEntry
from shophub.domain.shop import ProductListFilter, ShopVariant
from shophub.errors import (
    ConflictError,
    MethodNotAllowedError,
    NotFoundError,
    ShopAuthError,
    ShopError,
    ShopPermanentError,
    ShopPermissionError,
    ShopTransientError,
    ValidationError,
)
from shophub.ids import new_id
from shophub.observability import logger
from shophub.services.file_import import (
    CatalogueFiles,
    file_summary,
    file_variants,
    listed_products,
    stock_row_variants,
)
from shophub.services.linking import VariantLinker, reason_part, render_reason
from shophub.services.unlinked import unlinked_csv
from shophub.store.catalog import CatalogRepository, TemplateGone
from shophub.store.imports import ImportRepository

#: Product ids per stage-2 chunk (one SQS message, one batched read of the shop).
CHUNK_SIZE = 100
#: Chunks of one import queued at a time: each chunk that ends queues the one this many places
#: on, so one shop is read by at most this many chunk workers however many run for the stack,
#: and a tenant's 100,000-product import never holds back another tenant's.
CHUNKS_IN_FLIGHT = 2
#: Product ids per stage-1 page.
LIST_PAGE = 1000
#: Deliveries of one message before a shop that keeps failing is given up on (the queue's
#: ``maxReceiveCount`` is 5; the last delivery settles the products instead of failing).
MAX_DELIVERIES = 5
#: Seconds stage 1 keeps free before the Lambda's timeout; it continues in a new message.
PREPARE_MARGIN = 20.0
#: Report entries at most (the report says how many more there were).
REPORT_ENTRIES_MAX = 5000


def _in_filters(product_id: int, filters: ImportFilters) -> bool:
    """Whether a file's product passes the run's id filters (the file says nothing of dates or
    active flags, so those filters apply only to webservice imports)."""
    return (
        (filters.id_from is None or product_id >= filters.id_from)
        and (filters.id_to is None or product_id <= filters.id_to)
        and (filters.ids is None or product_id in filters.ids)
    )


class ImportMessage(Model):
    """A message on ``ImportQueue``."""

    kind: Literal["prepare", "chunk"]
    tenant_id: str
    account_id: str
    import_id: str
    chunk: int = 0
    product_ids: list[int] = Field(default_factory=list)


class ImportService:
    def __init__(
        self,
        *,
        accounts: Any,
        imports: ImportRepository,
        catalog: CatalogRepository,
        field_mappings: Callable[[str, str], FieldMapping],
        reports: Any,
        activity: Any,
        events: Any,
        queue: Callable[[], Any],
        connector_for: Callable[..., Any],
        clock: Clock = utc_now,
        linker: VariantLinker | None = None,
        files: CatalogueFiles | None = None,
    ) -> None:
        self.accounts = accounts
        self.imports = imports
        self.catalog = catalog
        self.field_mappings = field_mappings
        self.reports = reports
        self.activity = activity
        self.events = events
        self.queue = queue
        self.connector_for = connector_for
        self.clock = clock
        self.linker = linker or VariantLinker(catalog, imports, clock)
        self.files = files
        # Connectors are kept across invocations of a warm worker (their caches of option
        # values and tax rates then serve every chunk); ``_deadline`` follows the invocation.
        self._connectors: dict[tuple[str, ...], Any] = {}
        self._connectors_lock = threading.Lock()
        self._local = threading.local()

    # --- API ------------------------------------------------------------------------------------

    def start(self, tenant_id: str, account_id: str, request: ImportRequest, *, actor: str = "api") -> Import:
        """Check the rules, store the run (taking the account's lock) and queue stage 1."""
        account = self.accounts.get(tenant_id, account_id)
        run = self._new_run(account, request, actor)
        self.imports.start(run)
        return self._launch(run, actor)

    def start_from_file(
        self, tenant_id: str, account_id: str, request: ImportRequest, data: bytes, *, actor: str = "api"
    ) -> Import:
        """An import whose catalogue is a file the merchant exported from the shop: the file is
        read now (an unreadable one is a 422 and starts nothing), kept, and its refused lines
        recorded; then the run goes as any other (:mod:`shophub.services.file_import`)."""
        if self.files is None:
            raise ValueError("file imports are not configured")
        account = self.accounts.get(tenant_id, account_id)
        read = self.files.read(account.platform, data)
        run = self._new_run(account, request, actor)
        summary, refusals = file_summary(read, f"imports/{account_id}/{run.id}")
        run = run.model_copy(update={"source": "file", "file": summary, "lines_refused": len(refusals)})
        self.files.keep(summary.key, data)
        self.imports.start(run)
        self.imports.put_refusals(run.id, refusals)
        return self._launch(run, actor)

    def _new_run(self, account: Account, request: ImportRequest, actor: str) -> Import:
        if request.mode == "import" and not account.default_template_id:
            raise ConflictError("no default template", code="no_default_template")
        return Import(
            id=new_id(),
            tenant_id=account.tenant_id,
            account_id=account.id,
            mode=request.mode,
            filters=ImportFilters.model_validate(request.filters.model_dump()),
            unique_identifier=request.unique_identifier,
            with_stock=request.with_stock,
            template_id=account.default_template_id,
            field_mapping=self.field_mappings(account.id, account.platform),
            actor=actor,
            created_at=self.clock(),
        )

    def _launch(self, run: Import, actor: str) -> Import:
        """Queue stage 1 of a stored run and log its start."""
        try:
            self.queue().send(self._message("prepare", run))
        except Exception:
            self._close(run, "failed", "import_not_queued", {})
            raise
        self.activity.append(
            action="imports.started",
            outcome="ok",
            message_key=f"import_started_{run.mode}",
            actor=actor,
            account_id=run.account_id,
            tenant_id=run.tenant_id,
            details={
                "import_id": run.id,
                "source": run.source,
                **({"file_kind": run.file.kind, "file_lines": run.file.lines} if run.file else {}),
                "mode": run.mode,
                "unique_identifier": run.unique_identifier,
                "with_stock": run.with_stock,
                "filters": run.filters.model_dump(mode="json", exclude_none=True),
            },
        )
        return run

    def get(self, tenant_id: str, account_id: str, import_id: str) -> Import:
        self.accounts.get(tenant_id, account_id)
        return self.imports.get(account_id, import_id)

    def refusals(
        self, tenant_id: str, account_id: str, import_id: str, *, limit: int = 50, next_token: str | None = None
    ) -> tuple[list[FileLineRefusal], str | None]:
        """The refused lines of a file import, in file order (none for a webservice import)."""
        self.get(tenant_id, account_id, import_id)
        return self.imports.list_refusals(import_id, limit=limit, next_token=next_token)

    def unlinked(
        self, tenant_id: str, account_id: str, import_id: str, *, limit: int = 50, next_token: str | None = None
    ) -> tuple[list[ImportItem], str | None]:
        """The run's shop variants left without a link, with their reasons (:mod:`.unlinked`)."""
        self.get(tenant_id, account_id, import_id)
        return self.imports.list_unlinked(import_id, limit=limit, next_token=next_token)

    def unlinked_link(self, tenant_id: str, account_id: str, import_id: str, language: str) -> str:
        """A presigned download of the run's unlinked variants as CSV, written now in ``language``
        (kept in the links bucket, which expires objects after 7 days)."""
        run = self.get(tenant_id, account_id, import_id)
        if self.files is None:
            raise ValueError("the links bucket is not configured")
        key = f"imports/{account_id}/{run.id}-unlinked-{language}.csv"
        blobs = self.files.blobs()
        blobs.put(key, unlinked_csv(self.imports.iter_unlinked(run.id), language), content_type="text/csv")
        name = f"unlinked-{run.id}.csv"
        return blobs.download_link(key, filename=name, content_type="text/csv; charset=utf-8")

    def list_runs(
        self, tenant_id: str, account_id: str, *, limit: int = 20, next_token: str | None = None
    ) -> tuple[list[Import], str | None]:
        self.accounts.get(tenant_id, account_id)
        return self.imports.list_runs(account_id, limit=limit, next_token=next_token)

    def items(
        self,
        tenant_id: str,
        account_id: str,
        import_id: str,
        *,
        status: str | None = None,
        limit: int = 50,
        next_token: str | None = None,
    ) -> tuple[list[ImportItem], str | None]:
        self.get(tenant_id, account_id, import_id)
        return self.imports.list_items(import_id, status=status, limit=limit, next_token=next_token)

    def refuse_edit(self, tenant_id: str, account_id: str, import_id: str) -> NoReturn:
        """An import cannot be changed once started (405, after the usual 404 checks)."""
        self.get(tenant_id, account_id, import_id)
        raise MethodNotAllowedError(
            "imports cannot be edited", code="method_not_allowed", message_key="import_not_editable"
        )

    def abort(self, tenant_id: str, account_id: str, import_id: str, *, actor: str = "api") -> Import:
        """Stop a running import: no new chunk starts, the remaining items become ``aborted``."""
        run = self.get(tenant_id, account_id, import_id)
        if not run.running:
            raise ConflictError("import not running", code="import_not_running", params={"status": run.status})
        closed = self._close(run, "aborted", "import_aborted_by_user", {}, actor=actor)
        if closed is None:
            run = self.imports.get(account_id, import_id, consistent=True)
            raise ConflictError("import not running", code="import_not_running", params={"status": run.status})
        return closed

    @staticmethod
    def reason_of(run: Import, language: str) -> str:
        return render_reason(run.reason_key, run.reason_params, language)

    # --- worker ---------------------------------------------------------------------------------

    def handle(self, message: ImportMessage, *, attempt: int = 1, deadline: Deadline | None = None) -> None:
        """One ``ImportQueue`` message. Raises only when the message should come back; on its
        last delivery a message that keeps failing ends its part of the import instead (so the
        import still finishes and releases the account's lock)."""
        self._local.deadline = deadline
        try:
            if message.kind == "prepare":
                self.prepare(message, deadline=deadline, attempt=attempt)
            else:
                self.run_chunk(message, attempt=attempt)
        except Exception:
            if attempt < MAX_DELIVERIES:
                raise
            logger.exception("import message failed on its last delivery", extra={"import_id": message.import_id})
            self._give_up(message)
        finally:
            self._local.deadline = None

    def _give_up(self, message: ImportMessage) -> None:
        """Stage 1: the import fails. A chunk: its products still ``prepared`` fail, counted."""
        run = self.imports.find(message.account_id, message.import_id, consistent=True)
        if run is None or not run.running:
            return
        if message.kind == "prepare":
            self._close(run, "failed", "import_failed_internal", {})
            return
        if self.imports.counted_chunk(run.id, message.chunk) is None:
            stage1 = self.imports.get_items(run.id, [(p, None) for p in message.product_ids])
            pending = [
                p
                for p, item in ((p, stage1.get((p, None))) for p in message.product_ids)
                if item and item.status == "prepared"
            ]
            failures = {p: ("reason_internal_error", "") for p in pending}
            names = {p: stage1[(p, None)].name for p in pending}
            self._settle_chunk(run, message.chunk, pending, [], failures, names, self.clock())
        self._maybe_finish(run, message.chunk)

    # stage 1 ----------------------------------------------------------------------------------------

    def prepare(self, message: ImportMessage, *, deadline: Deadline | None = None, attempt: int = 1) -> None:
        run = self.imports.find(message.account_id, message.import_id, consistent=True)
        if run is None:
            logger.warning("import message for an unknown import dropped", extra={"import_id": message.import_id})
            return
        if run.status == "importing" and not run.chunks_queued:
            self._queue_chunks(run)
            return
        if run.status != "preparing":
            self._recover(run)
            return
        account = self._account(run)
        if account is None:
            return
        if run.source == "file":
            listed = self._list_file_products(run, account)
        else:
            listed = self._list_products(run, account, deadline, attempt)
        if listed is None:
            return
        self._start_importing(listed)

    def _list_products(self, run: Import, account: Account, deadline: Deadline | None, attempt: int) -> Import | None:
        """List the shop's products into ``prepared`` items, page by page from where the run
        stopped; returns the run once all are listed, or None when this invocation stops here
        (the listing goes on in a fresh one, or the run failed or was aborted)."""
        filters = ProductListFilter(
            id_from=run.filters.id_from,
            id_to=run.filters.id_to,
            ids=run.filters.ids,
            date_from=run.filters.date_from,
            only_active=run.filters.only_active,
        )
        after, total, listed_now = run.listed_after_id, run.total, 0
        while True:
            if listed_now and deadline is not None and deadline() < PREPARE_MARGIN:
                self.queue().send(self._message("prepare", run))  # go on in a fresh invocation
                return None
            try:
                page = self._connector(account).list_products(filters, after_id=after, limit=LIST_PAGE)
            except ShopTransientError as error:
                if attempt < MAX_DELIVERIES:
                    raise
                self._close(run, "failed", "import_failed_shop", {"detail": error.shop_message})
                return None
            except ShopError as error:
                self._close(run, "failed", "import_failed_shop", {"detail": error.shop_message})
                return None
            if page:
                self.imports.put_items(
                    [
                        ImportItem(import_id=run.id, account_id=run.account_id, shop_product_id=p.id, name=p.name)
                        for p in page
                    ]
                )
                after, total, listed_now = page[-1].id, total + len(page), listed_now + len(page)
                updated = self.imports.update(
                    run, set_={"total": total, "listed_after_id": after}, when_status=["preparing"]
                )
                if updated is None:  # aborted meanwhile
                    self.imports.abort_prepared(run.id, reason_key="reason_aborted")
                    return None
                run = updated
            if len(page) < LIST_PAGE:
                return run

    def _list_file_products(self, run: Import, account: Account) -> Import | None:
        """Stage 1 of a file import: the file's products become ``prepared`` items (no request)."""
        try:
            read = self._file(account, run)
        except ValidationError:
            self._close(run, "failed", "import_failed_file_gone", {})
            return None
        products = [p for p in listed_products(read) if _in_filters(p[0], run.filters)]
        self.imports.put_items(
            [ImportItem(import_id=run.id, account_id=run.account_id, shop_product_id=p, name=n) for p, n in products]
        )
        updated = self.imports.update(run, set_={"total": len(products)}, when_status=["preparing"])
        if updated is None:  # aborted meanwhile
            self.imports.abort_prepared(run.id, reason_key="reason_aborted")
        return updated

    def _file(self, account: Account, run: Import) -> CatalogueFile:
        if self.files is None:
            raise ValueError("file imports are not configured")
        return self.files.load(account.platform, run)

    def _start_importing(self, run: Import) -> None:
        """Stage 1 done: the run moves to stage 2 and its chunks of listed products are queued (a
        run that listed nothing is finished; one aborted meanwhile has its items aborted)."""
        product_ids = sorted(
            i.shop_product_id
            for i in self.imports.iter_items(run.id, statuses=["prepared"], consistent=True)
            if i.shop_variant_id is None
        )
        chunks = (len(product_ids) + CHUNK_SIZE - 1) // CHUNK_SIZE
        updated = self.imports.update(
            run,
            set_={"status": "importing", "stage": 2, "chunks_total": chunks, "total": len(product_ids)},
            when_status=["preparing"],
        )
        if updated is None:
            self.imports.abort_prepared(run.id, reason_key="reason_aborted")
            return
        if chunks == 0:
            self._close(updated, "finished", "", {})
            return
        self._queue_chunks(updated, product_ids)

    def _queue_chunks(self, run: Import, product_ids: Sequence[int] | None = None) -> None:
        """Write stage 2's plan and queue its first :data:`CHUNKS_IN_FLIGHT` chunks (queueing
        again after a crash reads the plan already written, so chunk numbers never move)."""
        plans = self.imports.chunk_plans(run.id) if product_ids is None else []
        if not plans:
            if product_ids is None:
                product_ids = sorted(
                    i.shop_product_id
                    for i in self.imports.iter_items(run.id, statuses=["prepared"], consistent=True)
                    if i.shop_variant_id is None
                )
            plans = [list(product_ids[start : start + CHUNK_SIZE]) for start in range(0, len(product_ids), CHUNK_SIZE)]
            self.imports.put_chunk_plans(run.id, plans)
        messages = [
            self._message("chunk", run, chunk=n, product_ids=ids) for n, ids in enumerate(plans[:CHUNKS_IN_FLIGHT])
        ]
        self.queue().send_many(messages)
        self.imports.update(run, set_={"chunks_queued": True})

    def _queue_next(self, run: Import, chunk: int) -> None:
        """Chunk ``chunk`` ended: queue the chunk :data:`CHUNKS_IN_FLIGHT` places on (again when
        this chunk's message comes back: a chunk delivered twice counts once)."""
        following = chunk + CHUNKS_IN_FLIGHT
        if run.status != "importing" or following >= run.chunks_total:
            return
        ids = self.imports.chunk_plan(run.id, following)
        if ids is None:
            logger.error("import chunk missing from the plan", extra={"import_id": run.id, "chunk": following})
            return
        self.queue().send(self._message("chunk", run, chunk=following, product_ids=ids))

    # stage 2 ----------------------------------------------------------------------------------------

    def run_chunk(self, message: ImportMessage, *, attempt: int = 1) -> None:
        run = self.imports.find(message.account_id, message.import_id, consistent=True)
        if run is None:
            logger.warning("import chunk for an unknown import dropped", extra={"import_id": message.import_id})
            return
        if run.status != "importing":
            self._recover(run)
            return
        counted = self.imports.counted_chunk(run.id, message.chunk)
        if counted is not None:  # a repeated delivery: finish the bookkeeping, count nothing
            replaced, settled = counted
            self.imports.settle_products(run.id, replaced=replaced, settled=settled)
            self._maybe_finish(run, message.chunk)
            return
        stage1 = self.imports.get_items(run.id, [(p, None) for p in message.product_ids])
        pending = [p for p in message.product_ids if (p, None) in stage1 and stage1[(p, None)].status == "prepared"]
        account = self._account(run) if pending else None
        if pending and account is None:
            return
        read_at = self.clock()  # the offers' link time: the shop's orders from here on move hub stock
        fetched = self._read_chunk(run, account, pending, attempt) if account is not None else ([], {})
        if fetched is None:
            return
        variants, failures = fetched
        refused = 0
        if run.source == "file" and account is not None and variants:
            from_file = self._file_chunk(run, account, variants)
            if from_file is None:
                return
            variants, refused = from_file
        try:
            names = {p: stage1[(p, None)].name for p in pending}
            self._settle_chunk(run, message.chunk, pending, variants, failures, names, read_at, refused)
        except TemplateGone:
            self._close(run, "failed", "import_failed_template", {"template_id": run.template_id or ""})
            return
        self._maybe_finish(run, message.chunk)

    def _read_chunk(
        self, run: Import, account: Account, pending: list[int], attempt: int
    ) -> tuple[list[ShopVariant], dict[int, tuple[str, str]]] | None:
        """The chunk's variants from the shop and the products it could not deliver (with their
        reason); a transient failure is raised for a retry until the last delivery; None (and
        the run failed) when the key lost its rights."""
        if not pending:
            return [], {}
        try:
            if run.file is not None and run.file.variant_rows:
                return self._stock_rows_of_file(run, account, pending)
            with_stock = run.with_stock and not (run.file is not None and run.file.variant_quantities)
            batch = self._connector(account).fetch_variants(pending, with_stock=with_stock)
        except ShopTransientError as error:
            if attempt < MAX_DELIVERIES:
                logger.info("import chunk will be retried", extra={"import_id": run.id, "code": error.code})
                raise
            return [], {p: ("reason_shop_unavailable", error.shop_message) for p in pending}
        except (ShopAuthError, ShopPermissionError) as error:
            self._close(run, "failed", "import_failed_shop", {"detail": error.shop_message})
            return None
        except ShopPermanentError as error:
            return [], {p: ("reason_shop_failure", error.shop_message) for p in pending}
        wanted = set(pending)
        failures = {f.product_id: ("reason_shop_failure", f.reason) for f in batch.failures if f.product_id in wanted}
        return [v for v in batch.variants if v.product_id in wanted], failures

    def _stock_rows_of_file(
        self, run: Import, account: Account, pending: list[int]
    ) -> tuple[list[ShopVariant], dict[int, tuple[str, str]]] | None:
        """A file naming every variant by id: its variants with the shop's stock rows (one
        batched read of stock rows, no catalogue read) and the products whose rows the shop
        could not deliver; None (and the run failed) when the file is gone."""
        try:
            read = self._file(account, run)
        except ValidationError:
            self._close(run, "failed", "import_failed_file_gone", {})
            return None
        batch = self._connector(account).read_stock_rows(pending)
        wanted = set(pending)
        failures = {f.product_id: ("reason_shop_failure", f.reason) for f in batch.failures if f.product_id in wanted}
        return stock_row_variants(run, read, batch.rows), failures

    def _file_chunk(
        self, run: Import, account: Account, variants: list[ShopVariant]
    ) -> tuple[list[ShopVariant], int] | None:
        """A file import's chunk: the variants the file names, with its values; the file's lines
        naming variants the shop lacks are kept as refused (and counted with the chunk). None
        (and the run failed) when the file is gone (the bucket keeps files for 7 days)."""
        try:
            chunk = file_variants(run, self._file(account, run), variants)
        except ValidationError:
            self._close(run, "failed", "import_failed_file_gone", {})
            return None
        self.imports.put_refusals(run.id, chunk.refused)
        return chunk.variants, len(chunk.refused)

    def _settle_chunk(
        self,
        run: Import,
        chunk: int,
        pending: list[int],
        variants: list[ShopVariant],
        failures: dict[int, tuple[str, str]],
        names: dict[int, str],
        read_at: datetime,
        refused_lines: int = 0,
    ) -> None:
        """Link or create the variants, then count the chunk exactly once (its marker and the
        counters in one transaction: a repeated delivery finds the marker and counts nothing;
        a delivery cut short before it counts again from the items it already wrote)."""
        variants = [v for v in variants if v.product_id not in failures]
        outcomes = self.linker.settle(run, variants, linked_at=read_at) if variants else {}
        with_variants = {v.product_id for v in variants}
        counts: Counter[str] = Counter(item.status for item in outcomes.values())
        by_product: Counter[str] = Counter()
        settled: list[ImportItem] = []
        for product_id in pending:
            if product_id in failures:
                key, detail = failures[product_id]
                status, params = "failed", {"detail": detail}
            elif product_id not in with_variants:
                key, status, params = "reason_not_in_shop", "skipped", {}
            else:
                continue
            counts[status] += 1
            by_product[status] += 1
            settled.append(
                ImportItem(
                    import_id=run.id,
                    account_id=run.account_id,
                    shop_product_id=product_id,
                    name=names.get(product_id, ""),
                    status=status,
                    reason_key=key,
                    reason_params=params,
                )
            )
        summary = {
            "processed": len(pending),
            "created": counts["imported"],
            "linked": counts["linked"],
            "skipped": counts["skipped"],
            "failed": counts["failed"],
            "lines_refused": refused_lines,
            "variants_total": len(outcomes),
            "products_skipped": by_product["skipped"],
            "products_failed": by_product["failed"],
        }
        replaced = [p for p in pending if p in with_variants]
        if not self.imports.count_chunk(run, chunk, summary, replaced=replaced, settled=settled):
            logger.info("import chunk already counted", extra={"import_id": run.id, "chunk": chunk})
        self.imports.settle_products(run.id, replaced=replaced, settled=settled)

    def _maybe_finish(self, run: Import, chunk: int | None = None) -> None:
        """After a chunk (``chunk``, queueing the next) or a stage: finish the run when every
        chunk is counted."""
        current = self.imports.find(run.account_id, run.id, consistent=True)
        if current is None:
            return
        if chunk is not None:
            self._queue_next(current, chunk)
        if current.status == "importing" and current.chunks_done >= current.chunks_total:
            self._close(current, "finished", "", {})
        else:
            self._recover(current)

    # --- ending -------------------------------------------------------------------------------------

    def _close(
        self, run: Import, status: str, reason_key: str, reason_params: dict[str, str], *, actor: str = "system"
    ) -> Import | None:
        """End the run (only from a running state): status, report, lock, event, log.
        Returns the ended run, or None when it had already ended."""
        now = self.clock()
        ended = self.imports.update(
            run,
            set_={
                "status": status,
                "finished_at": now,
                "reason_key": reason_key,
                "reason_params": reason_params,
            },
            when_status=RUNNING_STATUSES,
        )
        if ended is None:
            return None
        if status in ("aborted", "failed"):
            self.imports.abort_prepared(run.id, reason_key="reason_aborted")
        self._report_and_release(ended, actor=actor)
        return ended

    def _recover(self, run: Import) -> None:
        """A run that ended without its report or lock release (a crash in between)."""
        if run.status in TERMINAL_STATUSES and not run.reported:
            self._report_and_release(run)

    def _report_and_release(self, run: Import, *, actor: str = "system") -> None:
        """Finish an ended run's bookkeeping, in this order: its report, the account's import
        lock, ``ProductsImported``, the activity entry and the run's ``reported`` flag."""
        entries, more = self._report_entries(run)
        summary = self._report_summary(run, more)
        self._write_report(run, summary, entries)
        self.imports.release_lock(run.account_id, run.id)
        self.events.publish(
            "ProductsImported",
            {
                "tenant_id": run.tenant_id,
                "account_id": run.account_id,
                "import_id": run.id,
                "mode": run.mode,
                "status": run.status,
                **summary,
            },
        )
        self.activity.append(
            action=f"imports.{run.status}",
            outcome="ok" if run.status == "finished" else "error",
            message_key=f"import_{run.status}_log",
            params={
                "created": run.created,
                "linked": run.linked,
                "skipped": run.skipped,
                "failed": run.failed,
                "reason": reason_part(run.reason_key, run.reason_params),
            },
            actor=actor,
            account_id=run.account_id,
            tenant_id=run.tenant_id,
            details={"import_id": run.id, "report_id": run.id, **summary},
        )
        self.imports.update(run, set_={"reported": True})

    def _report_entries(self, run: Import) -> tuple[list[ReportEntry], int]:
        """The report's entries (the run's skipped and failed items, up to
        :data:`REPORT_ENTRIES_MAX`) and how many more were left out."""
        entries: list[ReportEntry] = []
        more = 0
        for item in self.imports.iter_items(run.id, statuses=["skipped", "failed"]):
            if len(entries) >= REPORT_ENTRIES_MAX:
                more += 1
                continue
            entries.append(
                ReportEntry(
                    hub_product_id=item.hub_product_id,
                    shop_product_id=item.shop_product_id,
                    shop_variant_id=item.shop_variant_id,
                    outcome=item.status,
                    message=render_reason(item.reason_key, item.reason_params, "pl"),
                )
            )
        return entries, more

    @staticmethod
    def _report_summary(run: Import, left_out: int) -> dict[str, int]:
        """The run's counters, as the report, the event and the activity entry show them."""
        summary = {
            "total": run.total,
            "processed": run.processed,
            "created": run.created,
            "linked": run.linked,
            "skipped": run.skipped,
            "failed": run.failed,
        }
        if left_out:
            summary["entries_left_out"] = left_out
        return summary

    def _write_report(self, run: Import, summary: dict[str, int], entries: list[ReportEntry]) -> None:
        self.reports.write(
            Report(
                id=run.id,
                type="import",
                account_id=run.account_id,
                tenant_id=run.tenant_id,
                at=run.finished_at or self.clock(),
                ok=run.created + run.linked,
                failed=run.failed,
                summary=summary,
                source_id=run.id,
            ),
            entries,
        )

    # --- helpers ------------------------------------------------------------------------------------

    def _account(self, run: Import) -> Account | None:
        """The run's account, or None (and the run failed) when it was deleted."""
        try:
            account: Account = self.accounts.get(run.tenant_id, run.account_id)
        except NotFoundError:
            self._close(run, "failed", "import_failed_account", {})
            return None
        return account

    def _connector(self, account: Account) -> Any:
        key = (
            account.id,
            account.platform,
            account.shop_url,
            account.secret_ref,
            account.timezone,
            str(account.version),
        )
        with self._connectors_lock:
            connector = self._connectors.get(key)
            if connector is None:
                for stale in [k for k in self._connectors if k[0] == account.id]:
                    with contextlib.suppress(Exception):
                        self._connectors.pop(stale).close()
                connector = self.connector_for(account, deadline=self._remaining)
                self._connectors[key] = connector
        return connector

    def _remaining(self) -> float:
        deadline = getattr(self._local, "deadline", None)
        return float(deadline()) if deadline is not None else 3600.0

    @staticmethod
    def _message(kind: str, run: Import, **extra: Any) -> dict[str, Any]:
        return ImportMessage(
            kind=kind,
            tenant_id=run.tenant_id,
            account_id=run.account_id,
            import_id=run.id,
            **extra,
        ).model_dump()
