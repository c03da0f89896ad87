"""Imports and linking: an import run, its items, the API's request and response shapes.

An import runs in two stages. Stage 1 lists the matching shop products (id and name only) and
writes one item per product (``prepared``). Stage 2 reads full product data in chunks and turns
every shop variant into an outcome: ``imported`` (a new hub product), ``linked`` (an existing hub
product with the same identifier), ``skipped`` (already linked, no match in link mode) or
``failed``. Once processed, a product's stage-1 item is replaced by its variants' items.

Counters: ``total`` and ``processed`` count shop *products* (so ``percent`` moves evenly),
``created`` / ``linked`` / ``skipped`` / ``failed`` count shop *variants* (a product the shop
could not deliver counts as one failed variant, one it no longer has as one skipped variant).
Those fields stay as they were; the response also gives each unit on its own:
``products_total``, ``products_processed``, ``products_skipped``, ``products_failed`` and
``variants_total``, ``variants_created``, ``variants_linked``, ``variants_skipped``,
``variants_failed`` (``variants_total`` is the sum of the four; runs from before these counters
answer 0 for ``variants_total`` and the product counts).
"""

from datetime import date, datetime
from typing import Annotated, Literal, Self

from pydantic import Field, model_validator

from shophub.domain.common import HubModel, Model, RequestModel
from shophub.domain.config import FieldMapping

ImportMode = Literal["import", "link"]
ImportStatus = Literal["preparing", "importing", "finished", "aborted", "failed"]
UniqueIdentifier = Literal["ean", "symbol", "catalog_number"]
ItemStatus = Literal["prepared", "imported", "linked", "skipped", "failed", "aborted"]
#: ``shop``: the catalogue is read through the shop's API; ``file``: from a catalogue file the
#: merchant exported from the shop's administration (the shop is read only for ids the file lacks)
ImportSource = Literal["shop", "file"]

RUNNING_STATUSES: frozenset[str] = frozenset({"preparing", "importing"})
TERMINAL_STATUSES: frozenset[str] = frozenset({"finished", "aborted", "failed"})
ITEM_STATUSES: tuple[str, ...] = ("prepared", "imported", "linked", "skipped", "failed", "aborted")

#: unique identifier → the identifier index kind of :func:`shophub.store.keys.ident_pk`
IDENTIFIER_KINDS: dict[str, str] = {"ean": "EAN", "symbol": "SYMBOL", "catalog_number": "CATNO"}

MAX_EXPLICIT_IDS = 1000
#: The largest id a shop can have (e.g. PrestaShop: ``INT(10) UNSIGNED``). Also keeps ids within what
#: DynamoDB stores as a number (38 digits): a larger one would fail the write, not the request.
MAX_SHOP_ID = 4_294_967_295
ShopId = Annotated[int, Field(ge=1, le=MAX_SHOP_ID)]


class FileLineRefusal(HubModel):
    """``PK=IMPORT#<id>, SK=REFUSAL#<line>``: a line of an import's catalogue file that was not
    used (refused when the file was read, or naming a variant the shop does not have): a message
    key and its parameters, rendered in the reader's language."""

    line: int
    reason_key: str
    reason_params: dict[str, str] = Field(default_factory=dict)


class ImportFile(Model):
    """What an import from a file read. Every data line is accounted for: ``lines`` = the
    run's ``lines_refused`` + ``blank`` + the lines used."""

    #: the layout the platform's reader recognised (e.g. ``stock`` for a stock export)
    kind: str
    #: where the uploaded file is kept while the import runs
    key: str
    lines: int
    blank: int = 0
    #: every row is a variant with its quantity (a stock export): the shop's stock rows are not read
    variant_quantities: bool = False
    #: every row names its product and variant by id: stage 2 reads only the stock rows, not
    #: the catalogue
    variant_rows: bool = False


class ImportFileResponse(Model):
    kind: str = Field(description="The layout recognised, e.g. stock (the back office's stock export)")
    lines: int = Field(description="Data lines after the header")
    blank: int


def progress_percent(status: str, processed: int, total: int) -> int:
    """How far a run got: 100 once finished, else the share processed (0 without a total)."""
    if status == "finished":
        return 100
    if total <= 0:
        return 0
    return min(100, processed * 100 // total)


class ImportFilters(Model):
    """Which shop products an import reads (all given filters apply together)."""

    id_from: int | None = Field(default=None, ge=1)
    id_to: int | None = Field(default=None, ge=1)
    ids: list[int] | None = Field(default=None, max_length=MAX_EXPLICIT_IDS)
    #: products changed on or after this day (shop-local midnight)
    date_from: date | None = None
    only_active: bool = False


class Import(HubModel):
    """``PK=ACCOUNT#<a>, SK=IMPORT#<id>``; counters change with atomic ``ADD``."""

    id: str
    tenant_id: str
    account_id: str
    mode: ImportMode
    status: ImportStatus = "preparing"
    stage: int = 1
    source: ImportSource = "shop"
    #: the catalogue file of a ``file`` import
    file: ImportFile | None = None
    #: lines of the file not used (see :class:`FileLineRefusal`)
    lines_refused: int = 0
    filters: ImportFilters = Field(default_factory=ImportFilters)
    unique_identifier: UniqueIdentifier = "ean"
    with_stock: bool = False
    #: the account's default template when the import started (every new offer gets it)
    template_id: str | None = None
    #: the account's field mapping when the import started
    field_mapping: FieldMapping = Field(default_factory=FieldMapping)
    total: int = 0
    processed: int = 0
    created: int = 0
    linked: int = 0
    skipped: int = 0
    failed: int = 0
    #: of ``skipped`` / ``failed``: whole products (not in the shop / not delivered by it)
    products_skipped: int = 0
    products_failed: int = 0
    #: shop variants read (each has one outcome: created, linked, skipped or failed)
    variants_total: int = 0
    chunks_total: int = 0
    chunks_done: int = 0
    #: stage 1 resumes after this shop product id when it had to continue in a new invocation
    listed_after_id: int = 0
    chunks_queued: bool = False
    reported: bool = False
    #: why the import failed or stopped: a message key and its parameters
    reason_key: str = ""
    reason_params: dict[str, str] = Field(default_factory=dict)
    actor: str = "api"
    created_at: datetime
    finished_at: datetime | None = None

    @property
    def percent(self) -> int:
        return progress_percent(self.status, self.processed, self.total)

    @property
    def running(self) -> bool:
        return self.status in RUNNING_STATUSES


class ImportItem(HubModel):
    """``PK=IMPORT#<id>, SK=ITEM#<p>`` (a listed product, stage 1) or ``ITEM#<p>#<c>`` (the
    outcome of one shop variant, stage 2). Variant items keep what the links file needs."""

    import_id: str
    account_id: str
    shop_product_id: int
    shop_variant_id: int | None = None
    name: str = ""
    status: ItemStatus = "prepared"
    hub_product_id: int | None = None
    #: why (skipped, failed, aborted): a message key and its parameters, rendered in the
    #: reader's language
    reason_key: str = ""
    reason_params: dict[str, str] = Field(default_factory=dict)
    stock_ref: int | None = None
    ean: str = ""
    symbol: str = ""
    catalog_number: str = ""


# --- API shapes ----------------------------------------------------------------------------------


class ImportFiltersRequest(RequestModel):
    id_from: ShopId | None = None
    id_to: ShopId | None = None
    ids: list[ShopId] | None = Field(default=None, min_length=1, max_length=MAX_EXPLICIT_IDS)
    date_from: date | None = None
    only_active: bool = False

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.id_from is not None and self.id_to is not None and self.id_from > self.id_to:
            raise ValueError("id_from must not be greater than id_to")
        if self.ids is not None and any(i < 1 for i in self.ids):
            raise ValueError("ids must be positive")
        return self


class ImportRequest(RequestModel):
    mode: ImportMode = "import"
    filters: ImportFiltersRequest = Field(default_factory=ImportFiltersRequest)
    unique_identifier: UniqueIdentifier = "ean"
    with_stock: bool = False


class ImportStarted(Model):
    id: str
    status: ImportStatus


class ImportResponse(Model):
    id: str
    mode: ImportMode
    status: ImportStatus
    stage: int
    total: int
    processed: int
    created: int
    linked: int
    skipped: int
    failed: int
    percent: int
    unique_identifier: UniqueIdentifier
    with_stock: bool
    source: ImportSource = Field(description="shop: read through the shop's API; file: from an uploaded export")
    file: "ImportFileResponse | None" = Field(
        default=None,
        description="A file import's file: the layout recognised, its data lines and blank lines "
        "(every line is used, blank, or one of lines_refused)",
    )
    lines_refused: int = Field(default=0, description="Lines of the file not used (GET .../refusals lists them)")
    products_total: int = Field(description="Shop products the run read (stage 1): same as total")
    products_processed: int = Field(description="Of them, processed by stage 2: same as processed")
    products_skipped: int = Field(description="Products the shop no longer has (their variants are not counted)")
    products_failed: int = Field(description="Products the shop could not deliver (their variants are not counted)")
    variants_total: int = Field(description="Shop variants read: variants_created + linked + skipped + failed")
    variants_created: int = Field(description="New hub products (one per variant): same as created")
    variants_linked: int = Field(description="Variants linked to an existing hub product: same as linked")
    variants_skipped: int = Field(description="Variants skipped (already linked, or no match in link mode)")
    variants_failed: int = Field(description="Variants that could not be settled")
    filters: ImportFilters
    template_id: str | None
    reason: str
    created_at: datetime
    finished_at: datetime | None

    @classmethod
    def of(cls, run: Import, reason: str = "") -> Self:
        return cls(
            id=run.id,
            mode=run.mode,
            status=run.status,
            stage=run.stage,
            total=run.total,
            processed=run.processed,
            created=run.created,
            linked=run.linked,
            skipped=run.skipped,
            failed=run.failed,
            percent=run.percent,
            unique_identifier=run.unique_identifier,
            with_stock=run.with_stock,
            products_total=run.total,
            products_processed=run.processed,
            products_skipped=run.products_skipped,
            products_failed=run.products_failed,
            variants_total=run.variants_total,
            variants_created=run.created,
            variants_linked=run.linked,
            variants_skipped=max(0, run.skipped - run.products_skipped),
            variants_failed=max(0, run.failed - run.products_failed),
            source=run.source,
            file=ImportFileResponse(kind=run.file.kind, lines=run.file.lines, blank=run.file.blank)
            if run.file
            else None,
            lines_refused=run.lines_refused,
            filters=run.filters,
            template_id=run.template_id,
            reason=reason,
            created_at=run.created_at,
            finished_at=run.finished_at,
        )


class ImportListResponse(Model):
    items: list[ImportResponse]
    next: str | None


# --- the links file ------------------------------------------------------------------------------

#: Rejected lines listed in an answer at most (``rejected_total`` counts them all).
REJECTIONS_LISTED_MAX = 1000

LinkJobStatus = Literal["running", "finished", "failed"]


class LinkRejection(Model):
    line: int
    reason: str


class LinkFileResult(Model):
    """A links file of up to 1,000 data lines, settled at once. Every data line counts once:
    ``linked + unchanged + skipped + rejected_total == lines``."""

    #: data lines (rows after the header; a row whose quoted cell holds a line break counts once)
    lines: int = 0
    linked: int
    #: already linked to the same hub product
    unchanged: int = 0
    #: no pair given: empty, hub-only or shop-only rows
    skipped: int = 0
    #: refused lines with their reasons, in line order (the first 1,000)
    rejected: list[LinkRejection] = Field(default_factory=list)
    rejected_total: int = 0


class LinkJob(HubModel):
    """``PK=ACCOUNT#<a>, SK=LINKJOB#<id>``: a links file of more than 1,000 data lines, worked
    through by the importer in chunks; counters change with atomic ``ADD`` (each chunk once)."""

    id: str
    tenant_id: str
    account_id: str
    status: LinkJobStatus = "running"
    lines: int
    chunks_total: int
    chunks_done: int = 0
    processed: int = 0
    linked: int = 0
    unchanged: int = 0
    skipped: int = 0
    rejected: int = 0
    #: the uploader's language: the report is written in it
    language: str = "pl"
    actor: str = "api"
    #: the uploaded file (S3 key; deleted when the job ends) and the report (S3 key, size)
    file_key: str
    report_key: str = ""
    report_bytes: int = 0
    reason_key: str = ""
    reason_params: dict[str, str] = Field(default_factory=dict)
    created_at: datetime
    finished_at: datetime | None = None

    @property
    def percent(self) -> int:
        return progress_percent(self.status, self.processed, self.lines)


class LinkJobStarted(Model):
    """202: the file is stored and will be worked through by the importer."""

    id: str
    status: LinkJobStatus
    lines: int


class LinkJobResponse(Model):
    id: str
    status: LinkJobStatus
    lines: int
    processed: int
    linked: int
    unchanged: int
    skipped: int
    rejected: int
    percent: int
    #: why the job failed, in the reader's language
    reason: str
    #: ``GET /accounts/{id}/links/jobs/{job_id}/report`` once the job has finished
    report_ready: bool
    created_at: datetime
    finished_at: datetime | None
