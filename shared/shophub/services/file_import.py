"""Imports from a catalogue file: the merchant exports the catalogue from the shop's own
administration (for PrestaShop: the product list, the SQL manager or the stock export, or a file
in the layout of PrestaShop's CSV import) and uploads it.

The run is an ordinary import (:mod:`shophub.services.imports`) with ``source="file"``:

* at the upload the platform's reader reads the file whole (a file it cannot read is a 422 and
  no run starts); every data line is a row, a refused line (kept with its reason on the run) or
  a blank line, and the raw file is kept in the links bucket while the run goes;
* stage 1 lists the file's products instead of the shop's (no listing request);
* stage 2, for a file naming every variant by id (a stock export), builds the variants from the
  file and reads only their stock row ids (``read_stock_rows``: one batched read per chunk, no
  catalogue read); for a file without variant ids (a product list) it reads the chunk's products
  from the shop as a webservice import does. Either way it keeps only the variants the file
  names and takes their identifiers, names and quantities from the file. A product-level row
  stands for all of the product's variants, which then keep the shop's identifiers; its quantity
  is used only for a product without variants (for one with variants it is the sum over them).

The unique identifier and field mapping rules are the same as for a webservice import.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from shophub.domain.catalogue_file import CatalogueFile, CatalogueFileRow
from shophub.domain.imports import FileLineRefusal, Import, ImportFile
from shophub.domain.shop import UNIVERSAL_VARIANT_NAME, ShopStockRow, ShopVariant
from shophub.errors import ValidationError

#: The largest catalogue file an import takes (the reader refuses more, too).
MAX_CATALOGUE_FILE_BYTES = 10 * 1024 * 1024


class FileBlobs(Protocol):
    """Where uploaded files wait (the links bucket's :class:`~shophub.store.files.FileStore`)."""

    def put(self, key: str, body: bytes, *, content_type: str = ...) -> None: ...
    def get(self, key: str) -> bytes | None: ...
    def delete(self, key: str) -> None: ...
    def download_link(self, key: str, *, filename: str, content_type: str) -> str: ...


@dataclass
class CatalogueFiles:
    """The files of file imports: read at the upload, kept while the run goes, read again by
    each stage (and cached per warm worker, keyed by the object's key)."""

    blobs: Callable[[], FileBlobs]
    #: the platform's reader: ``(platform, data) -> CatalogueFile``; ValidationError when unreadable
    reader: Callable[[str, bytes], CatalogueFile]
    _cache: dict[str, CatalogueFile] | None = None

    def read(self, platform: str, data: bytes) -> CatalogueFile:
        return self.reader(platform, data)

    def keep(self, key: str, data: bytes) -> None:
        self.blobs().put(key, data, content_type="text/csv")

    def load(self, platform: str, run: Import) -> CatalogueFile:
        """The run's file, read again (the upload checked it); ValidationError when it expired."""
        if run.file is None:
            raise ValueError("not a file import")
        cache = self._cache if self._cache is not None else {}
        self._cache = cache
        if run.file.key not in cache:
            data = self.blobs().get(run.file.key)
            if data is None:
                raise ValidationError("the import's file is gone", code="import_file_gone")
            cache.clear()  # one file at a time per worker
            cache[run.file.key] = self.reader(platform, data)
        return cache[run.file.key]

    def drop(self, run: Import) -> None:
        if run.file is not None:
            self.blobs().delete(run.file.key)
            if self._cache is not None:
                self._cache.pop(run.file.key, None)


def file_summary(read: CatalogueFile, key: str) -> tuple[ImportFile, list[FileLineRefusal]]:
    """What the run keeps of its file, and its refused lines: those the reader refused, and rows
    without a product id (the file does not say which shop product they are)."""
    refusals = [FileLineRefusal(line=r.line, reason_key=r.key, reason_params=_texts(r.params)) for r in read.refusals]
    refusals += [
        FileLineRefusal(line=row.line, reason_key="file_row_without_product_id")
        for row in read.rows
        if row.shop_product_id is None
    ]
    refusals.sort(key=lambda r: r.line)
    variant_quantities = read.has_quantity and all(
        row.level == "variant" and row.quantity is not None for row in read.rows
    )
    usable = [row for row in read.rows if row.shop_product_id is not None]
    variant_rows = bool(usable) and all(row.level == "variant" and row.shop_variant_id is not None for row in usable)
    summary = ImportFile(
        kind=read.kind,
        key=key,
        lines=read.data_lines,
        blank=read.blank_lines,
        variant_quantities=variant_quantities,
        variant_rows=variant_rows,
    )
    return summary, refusals


def listed_products(read: CatalogueFile) -> list[tuple[int, str]]:
    """``(shop product id, name)`` of every product the file names, by id."""
    names: dict[int, str] = {}
    for row in read.rows:
        if row.shop_product_id is not None:
            names.setdefault(row.shop_product_id, row.product_name)
    return sorted(names.items())


@dataclass(frozen=True)
class FileChunk:
    """A chunk's variants as the file has them, and the file's lines naming variants the shop
    does not have."""

    variants: list[ShopVariant]
    refused: list[FileLineRefusal]


def file_variants(run: Import, read: CatalogueFile, shop_variants: Iterable[ShopVariant]) -> FileChunk:
    """The shop's variants of the chunk that the file names, with the file's identifiers, names
    and quantities; the file's variant rows the shop does not have are refused lines."""
    rows = _rows_by_product(read.rows)
    by_product: dict[int, list[ShopVariant]] = defaultdict(list)
    for variant in shop_variants:
        by_product[variant.product_id].append(variant)
    kept: list[ShopVariant] = []
    missing: list[FileLineRefusal] = []
    for product_id, variants in by_product.items():
        matched, unmatched = _match_rows(run, variants, rows.get(product_id, []))
        kept += _product_variants(run, variants, matched, rows.get(product_id, []))
        missing += [_missing(row) for row in unmatched]
    return FileChunk(kept, missing)


def stock_row_variants(run: Import, read: CatalogueFile, stock_rows: Iterable[ShopStockRow]) -> list[ShopVariant]:
    """The variants of a file whose rows name every variant by id, built from the file (names,
    identifiers, quantities) and the shop's stock rows (their ids): no catalogue read. A row the
    shop has no stock row for is left out (and refused by :func:`file_variants`)."""
    rows = {(r.shop_product_id, r.shop_variant_id): r for r in read.rows if r.level == "variant"}
    variants = []
    for stock in stock_rows:
        row = rows.get((stock.product_id, stock.variant_id))
        if row is None:
            continue  # a variant the file does not name
        quantity = (row.quantity if row.quantity is not None else stock.quantity) if run.with_stock else None
        variants.append(
            ShopVariant(
                product_id=stock.product_id,
                variant_id=stock.variant_id,
                name=f"{row.product_name} - {row.variant_name}" if row.variant_name else row.product_name,
                product_name=row.product_name,
                variant_name=row.variant_name or UNIVERSAL_VARIANT_NAME,
                identifiers=dict(row.identifiers),
                price_net=Decimal(0),  # not read by an import
                stock_id=stock.stock_id,
                quantity=quantity,
            )
        )
    return variants


def _match_rows(
    run: Import, variants: list[ShopVariant], rows: list[CatalogueFileRow]
) -> tuple[dict[int, CatalogueFileRow], list[CatalogueFileRow]]:
    """``(shop variant id → its row, rows that name no variant of the shop)``: a variant row by
    its variant id, or, without one (a file of PrestaShop's combination import layout names
    options), by the run's unique identifier when exactly one of the product's variants has it."""
    known = {v.variant_id for v in variants}
    field = getattr(run.field_mapping, run.unique_identifier)
    matched: dict[int, CatalogueFileRow] = {}
    unmatched: list[CatalogueFileRow] = []
    for row in (r for r in rows if r.level == "variant"):
        variant_id = row.shop_variant_id
        if variant_id is None and row.identifier(field):
            same = [v.variant_id for v in variants if v.identifier(field) == row.identifier(field)]
            variant_id = same[0] if len(same) == 1 else None
        if variant_id in known and variant_id not in matched:
            matched[variant_id] = row
        else:
            unmatched.append(row)
    return matched, unmatched


def _product_variants(
    run: Import, variants: list[ShopVariant], matched: dict[int, CatalogueFileRow], rows: list[CatalogueFileRow]
) -> list[ShopVariant]:
    """The variants the file names: matched ones with their row's values; with a product-level
    row, all of them (its values only for a product without variants)."""
    whole = next((r for r in rows if r.level == "product"), None)
    single = [v.variant_id for v in variants] == [0]
    kept: list[ShopVariant] = []
    for variant in variants:
        row = matched.get(variant.variant_id)
        if row is not None:
            kept.append(_with_row(run, variant, row))
        elif whole is not None:
            kept.append(_with_row(run, variant, whole) if single else variant)
    return kept


def _with_row(run: Import, variant: ShopVariant, row: CatalogueFileRow) -> ShopVariant:
    quantity = row.quantity if run.with_stock and row.quantity is not None else variant.quantity
    product_name = row.product_name or variant.product_name
    return variant.model_copy(
        update={
            "identifiers": {**variant.identifiers, **row.identifiers},
            "product_name": product_name,
            "quantity": quantity,
        }
    )


def _missing(row: CatalogueFileRow) -> FileLineRefusal:
    variant = row.variant_name or str(row.shop_variant_id)
    return FileLineRefusal(
        line=row.line,
        reason_key="file_variant_not_in_shop",
        reason_params={"product": str(row.shop_product_id), "variant": variant},
    )


def _rows_by_product(rows: Iterable[CatalogueFileRow]) -> dict[int, list[CatalogueFileRow]]:
    grouped: dict[int, list[CatalogueFileRow]] = defaultdict(list)
    for row in rows:
        if row.shop_product_id is not None:
            grouped[row.shop_product_id].append(row)
    return grouped


def _texts(params: object) -> dict[str, str]:
    return {str(k): str(v) for k, v in dict(params).items()}  # type: ignore[call-overload]
