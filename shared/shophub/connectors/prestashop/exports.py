"""Reading a catalogue file exported from a PrestaShop 8 back office (bytes → CatalogueFile).

The layouts, told apart by their header (names compared trimmed, case-insensitive, without the
``*`` / ``#`` PrestaShop appends to required and reference columns; back office in English):

``product_list``
    Catalog → Products → Export (legacy product list): ``"Product ID";Image;Name;Reference;…;
    Quantity;Status;Position``. Real 8.1.2 files name 10 columns but write 9 fields per row
    (Position only when the list is filtered by a category): a row one field short is read by
    position with Position empty. ``Status`` is an out-of-stock badge, not the active flag, so it
    is not read. No variant ids: every row is a ``"product"`` row.
``stock``
    Catalog → Stock → Export: one row per variant, ``"Combination ID"`` 0 (with ``N/A`` for the
    combination's reference and name) for a product without combinations. The quantity read is
    "Available quantity" (physical minus reserved): it is what ``stock_availables.quantity``
    holds (the figure the webservice reads and the hub writes), not "Physical quantity".
    ``Status`` here is the product's active flag.
``sql_manager``
    Advanced Parameters → SQL Manager → Export (also what the new product page's "Export to SQL
    Manager" produces): raw column names (``id_product``, ``reference``, ``name``, ``active``,
    ``quantity``; a merchant's own query may add ``id_product_attribute``, ``ean13``, ``upc``,
    ``mpn``, ``isbn``, ``supplier_reference``). With ``id_product_attribute`` the rows are
    variants, otherwise ``"product"`` rows. The product page's query has ``LIMIT 20`` baked in.
``product_import`` / ``combination_import``
    The column layout of PrestaShop's own CSV import (what export modules write): products
    (``Product ID``/``ID``, ``Name *``, ``Reference #``, ``Supplier reference #``, ``EAN13``/
    ``EAN-13``, ``UPC``, ``MPN``, ``ISBN``, ``Quantity``, ``Active (0/1)``; ``"product"`` rows)
    and combinations (``Product ID*``, ``Product Reference``, ``Attribute (Name:Type:Position)*``,
    ``Value (Value:Position)*``, ``Supplier reference``, ``Reference``, ``EAN13``, ``UPC``,
    ``MPN``, ``ISBN``, ``Quantity``; no combination id, unless a module adds ``Combination ID``,
    so the variant is named by its options, "Color - Blue, Disk space - 16GB", like the stock
    export names it).

A variant's own empty reference reads as its product's (as the webservice translation does).

Decoding: UTF-8 with or without BOM, UTF-16 (with a BOM, or recognised by its NUL bytes: Excel's
"Unicode text") and, when the bytes are not UTF-8, Windows-1250 (Polish Excel's "CSV"). The
delimiter is whichever of ``;``, ``,`` and tab reads the header as a known layout (an Excel
``sep=`` first line is honoured). Line endings: CRLF, LF, CR alone, any mix.

Every data line is accounted for (see :mod:`shophub.domain.catalogue_file`); a file that cannot be
read as a whole raises :class:`~shophub.errors.ValidationError` (422) with a message key. The csv
module's own error texts never reach the user. Cells are kept as text and never evaluated;
identifier cells must pass PrestaShop's own rules for the field (so ``=HYPERLINK(…)`` is refused
as a reference, and an EAN Excel turned into ``5,90123E+12`` is named as such).
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from shophub.csv_text import TrackedLines, parse_id
from shophub.domain.catalogue_file import CatalogueFile, CatalogueFileRefusal, CatalogueFileRow, RowLevel
from shophub.errors import ValidationError

#: Whole-file limits.
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_LINES = 100_000
#: The csv module's per-cell limit (its default; the setting is process-wide, so it is not raised).
MAX_CELL_CHARS = 131_072
#: Longest cell text quoted back in a refusal.
_QUOTED_CHARS = 40
_DELIMITERS = (";", ",", "\t")
_MISSING = "n/a"
_SPREADSHEET_MAGIC = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")  # xlsx / ods (zip), xls (OLE)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_QUANTITY = re.compile(r"[+-]?[0-9]{1,10}(?:[.,]0+)?")
_SCIENTIFIC = re.compile(r"[0-9]+(?:[.,][0-9]+)?[eE][+-]?[0-9]+")
_IDENTIFIER_FIELDS = ("reference", "ean13", "upc", "mpn", "isbn", "supplier_reference")
#: PrestaShop 8's validation of each identifier field (``Validate::isEan13``, ``isUpc``, ``isIsbn``,
#: ``isReference``, ``isMpn``; sizes from ``Product::$definition``), so a value the shop could not
#: hold is refused. ``isMpn`` checks the length only: here an MPN must not start with ``=`` either.
_RULES: Mapping[str, re.Pattern[str]] = {
    "ean13": re.compile(r"[0-9]{1,13}"),
    "upc": re.compile(r"[0-9]{1,12}"),
    "isbn": re.compile(r"[0-9-]{1,32}"),
    "reference": re.compile(r"[^<>;={}]{1,64}"),
    "supplier_reference": re.compile(r"[^<>;={}]{1,64}"),
    "mpn": re.compile(r"(?!=).{1,40}", re.DOTALL),
}
_DIGIT_FIELDS = ("ean13", "upc", "isbn")


@dataclass(frozen=True)
class _Layout:
    kind: str
    level: RowLevel
    #: normalized header names that must all be present
    signature: frozenset[str]
    #: role → header names that may hold it (the first present wins)
    columns: Mapping[str, tuple[str, ...]]
    #: a last column rows may leave out (the product list's Position)
    optional_last: str = ""
    #: normalized header names of which at least one must be present too (when not empty)
    any_of: frozenset[str] = frozenset()


_IMPORT_IDENTIFIERS: Mapping[str, tuple[str, ...]] = {
    "reference": ("reference",),
    "supplier_reference": ("supplier reference",),
    "ean13": ("ean13", "ean-13"),
    "upc": ("upc",),
    "mpn": ("mpn",),
    "isbn": ("isbn",),
}

LAYOUTS: tuple[_Layout, ...] = (
    _Layout(
        "stock",
        "variant",
        frozenset({"product id", "combination id", "available quantity"}),
        {
            "product_id": ("product id",),
            "variant_id": ("combination id",),
            "product_reference": ("product reference",),
            "reference": ("combination reference",),
            "product_name": ("product name",),
            "variant_name": ("combination name",),
            "quantity": ("available quantity",),
            "active": ("status",),
        },
    ),
    _Layout(
        "combination_import",
        "variant",
        frozenset({"attribute (name:type:position)", "value (value:position)"}),
        {
            "product_id": ("product id",),
            "variant_id": ("combination id",),
            "product_reference": ("product reference",),
            "product_name": ("product name",),
            "attributes": ("attribute (name:type:position)",),
            "values": ("value (value:position)",),
            "quantity": ("quantity",),
            **_IMPORT_IDENTIFIERS,
        },
    ),
    _Layout(
        "product_list",
        "product",
        frozenset({"product id", "image", "name", "reference", "quantity", "status"}),
        {
            "product_id": ("product id",),
            "product_name": ("name",),
            "reference": ("reference",),
            "quantity": ("quantity",),
        },
        optional_last="position",
    ),
    _Layout(
        "sql_manager",
        "product",
        frozenset({"id_product"}),
        {
            "product_id": ("id_product",),
            "variant_id": ("id_product_attribute",),
            "product_name": ("name",),
            "quantity": ("quantity",),
            "active": ("active",),
            **{name: (name,) for name in _IDENTIFIER_FIELDS},
        },
    ),
    _Layout(
        "product_import",
        "product",
        frozenset({"name"}),
        {
            "product_id": ("product id", "id"),
            "product_name": ("name",),
            "active": ("active (0/1)",),
            "quantity": ("quantity",),
            **_IMPORT_IDENTIFIERS,
        },
        # a name alone identifies nothing: an id or an identifier column too
        any_of=frozenset({"product id", "id", *itertools.chain.from_iterable(_IMPORT_IDENTIFIERS.values())}),
    ),
)


def read_catalogue_file(data: bytes) -> CatalogueFile:
    """Read an uploaded back-office export (see the module's docstring).

    Raises :class:`ValidationError` (422) with code ``catalogue_file_too_large``,
    ``catalogue_file_spreadsheet``, ``catalogue_file_encoding``, ``catalogue_file_not_text``,
    ``catalogue_file_empty``, ``catalogue_file_too_many_lines``, ``catalogue_file_unknown_header``
    or ``catalogue_file_malformed`` (a quotation mark never closed; ``params["line"]``).
    """
    text, encoding = _decode(data)
    _check_text(text)
    header = _find_header(text)
    lines = io.StringIO(text, newline="")
    for _ in range(header.line):
        next(lines)
    reader = _RowReader(header)
    rows, refusals, blank, data_lines = reader.read(TrackedLines(lines), header.line)
    layout = header.layout
    return CatalogueFile(
        kind=layout.kind,
        rows=rows,
        refusals=refusals,
        identifier_fields=reader.identifier_fields,
        has_quantity="quantity" in reader.index,
        data_lines=data_lines,
        blank_lines=blank,
        encoding=encoding,
        delimiter=header.delimiter,
    )


# --- the file as a whole -----------------------------------------------------------------------


def _file_error(code: str, **params: str | int) -> ValidationError:
    details = [{"line": params["line"]}] if "line" in params else None
    return ValidationError(code.replace("_", " "), code=code, params=params, details=details)


def _decode(data: bytes) -> tuple[str, str]:
    if len(data) > MAX_FILE_BYTES:
        raise _file_error("catalogue_file_too_large", limit_mb=MAX_FILE_BYTES // (1024 * 1024))
    if data.startswith(_SPREADSHEET_MAGIC):
        raise _file_error("catalogue_file_spreadsheet")
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if data.startswith(bom):
            return _decode_as(data[len(bom) :], encoding), encoding
    sample = data[:4096]
    if len(data) % 2 == 0 and sample and sample.count(0) * 4 >= len(sample):  # UTF-16 without a BOM
        encoding = "utf-16-le" if sample[1::2].count(0) > sample[::2].count(0) else "utf-16-be"
        return _decode_as(data, encoding), encoding
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return _decode_as(data, "cp1250"), "cp1250"


def _decode_as(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        raise _file_error("catalogue_file_encoding") from None


def _check_text(text: str) -> None:
    """Not text (NUL bytes, or more than 1% control characters), empty, or too many lines."""
    if "\x00" in text or len(_CONTROL.findall(text)) * 100 > len(text):
        raise _file_error("catalogue_file_not_text")
    if not text.strip():
        raise _file_error("catalogue_file_empty")
    counted = sum(1 for _ in itertools.islice(io.StringIO(text, newline=""), MAX_LINES + 1))
    if counted > MAX_LINES:
        raise _file_error("catalogue_file_too_many_lines", limit=MAX_LINES)


@dataclass(frozen=True)
class _Header:
    #: the header's physical line (1-based)
    line: int
    delimiter: str
    layout: _Layout
    #: the header's cells as written, and normalized
    raw: list[str]
    names: list[str]


def _normalized(cell: str) -> str:
    name = cell.replace("\ufeff", "").strip().lower().rstrip("*#").strip()
    return " ".join(name.split())


def _find_header(text: str) -> _Header:
    """The first line with content (after an Excel ``sep=`` line), read as a known layout."""
    forced = ""
    for number, line in enumerate(io.StringIO(text, newline=""), start=1):
        stripped = line.strip("\r\n").strip(" \ufeff")
        if not stripped.strip():
            continue
        if not forced and stripped.lower().startswith("sep=") and len(stripped) == 5:
            forced = stripped[4] if stripped[4] in _DELIMITERS else ""
            if forced:
                continue
        return _header_of(number, line, (forced,) if forced else _DELIMITERS)
    raise _file_error("catalogue_file_empty")


def _header_of(number: int, line: str, delimiters: Sequence[str]) -> _Header:
    shown = ""
    for delimiter in sorted(delimiters, key=line.count, reverse=True):
        try:
            raw = next(csv.reader([line.rstrip("\r\n")], delimiter=delimiter, strict=True), [])
        except csv.Error:
            continue
        while raw and not raw[-1].strip():
            raw.pop()  # a trailing delimiter names no column
        names = [_normalized(cell) for cell in raw]
        layout = _layout_for(set(names))
        if layout is not None:
            return _Header(number, delimiter, layout, raw, names)
        shown = shown or "; ".join(cell.strip() for cell in raw[:6])
    raise _file_error("catalogue_file_unknown_header", header=_quoted(shown or line.strip(), 120))


def _layout_for(names: set[str]) -> _Layout | None:
    for layout in LAYOUTS:
        if layout.signature <= names and (not layout.any_of or layout.any_of & names):
            return layout
    return None


def _quoted(text: str, limit: int = _QUOTED_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- one data line -----------------------------------------------------------------------------


class _Refused(Exception):
    def __init__(self, key: str, **params: str | int) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


class _RowReader:
    def __init__(self, header: _Header) -> None:
        self.header = header
        self.layout = header.layout
        self.width = len(header.names)
        self.index: dict[str, int] = {}
        for role, aliases in header.layout.columns.items():
            found = next((header.names.index(a) for a in aliases if a in header.names), None)
            if found is not None:
                self.index[role] = found
        self.level: RowLevel = "variant" if "variant_id" in self.index else header.layout.level
        self.identifier_fields = tuple(name for name in _IDENTIFIER_FIELDS if name in self.index)
        self.first_seen: dict[tuple[object, ...], int] = {}

    def read(
        self, source: TrackedLines, offset: int
    ) -> tuple[list[CatalogueFileRow], list[CatalogueFileRefusal], int, int]:
        rows: list[CatalogueFileRow] = []
        refusals: list[CatalogueFileRefusal] = []
        blank = data_lines = 0
        for line, outcome in self._outcomes(source, offset):
            data_lines += 1
            if outcome is None:
                blank += 1
            elif isinstance(outcome, CatalogueFileRow):
                rows.append(outcome)
            else:
                refusals.append(CatalogueFileRefusal(line, outcome.key, outcome.params))
        return rows, refusals, blank, data_lines

    def _outcomes(self, source: TrackedLines, offset: int) -> Iterator[tuple[int, CatalogueFileRow | _Refused | None]]:
        reader = csv.reader(source, delimiter=self.header.delimiter, strict=True)
        while True:
            line = offset + reader.line_num + 1
            source.taken.clear()
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error:
                yield line, self._csv_error(source.taken, line)
                continue
            yield line, self._outcome(line, cells)

    @staticmethod
    def _csv_error(taken: list[str], line: int) -> _Refused:
        # A quotation mark left open swallows the lines after it: the file as a whole cannot be
        # read. A cell over the csv module's limit, or text after a closing quotation mark,
        # spoils its own line only.
        record = "".join(taken)
        if record.count('"') % 2 == 1:
            raise _file_error("catalogue_file_malformed", line=line)
        if len(record) > MAX_CELL_CHARS:
            return _Refused("catalogue_row_too_long", limit_kb=MAX_CELL_CHARS // 1024)
        if len(taken) > 1:
            raise _file_error("catalogue_file_malformed", line=line)
        return _Refused("catalogue_row_bad_quotes")

    def _outcome(self, line: int, cells: list[str]) -> CatalogueFileRow | _Refused | None:
        if not any(cell.strip() for cell in cells):
            return None
        fitted = self._fit(cells)
        if fitted is None:
            return _Refused("catalogue_row_field_count", found=len(cells), expected=self.width)
        try:
            row = self._row(line, fitted)
            self._check_unique(row)
        except _Refused as refused:
            return refused
        return row

    def _fit(self, cells: list[str]) -> list[str] | None:
        """The cells, one per header column: extra empty cells (a trailing delimiter) dropped,
        the layout's optional last column added empty; None when the count is wrong."""
        if len(cells) > self.width and not any(cell.strip() for cell in cells[self.width :]):
            return cells[: self.width]
        if len(cells) == self.width - 1 and self.layout.optional_last == self.header.names[-1]:
            return [*cells, ""]
        return cells if len(cells) == self.width else None

    def _cell(self, cells: Sequence[str], role: str) -> str:
        index = self.index.get(role)
        if index is None:
            return ""
        value = cells[index].strip()
        return "" if value.lower() == _MISSING else value

    def _column(self, role: str) -> str:
        return self.header.raw[self.index[role]].strip()

    def _row(self, line: int, cells: Sequence[str]) -> CatalogueFileRow:
        product_id = self._id(cells, "product_id", allow_zero=False)
        variant_id = self._id(cells, "variant_id", allow_zero=True) if self.level == "variant" else None
        product_reference = self._identifier(cells, "product_reference", rule="reference")
        identifiers = {name: value for name in self.identifier_fields if (value := self._identifier(cells, name))}
        if self.level == "variant" and product_reference and "reference" not in identifiers:
            identifiers["reference"] = product_reference  # a variant inherits its product's reference
        if product_id is None and not identifiers and not product_reference:
            raise _Refused("catalogue_row_no_identity")
        return CatalogueFileRow(
            line=line,
            level=self.level,
            shop_product_id=product_id,
            shop_variant_id=variant_id,
            product_name=self._cell(cells, "product_name"),
            variant_name=self._variant_name(cells),
            identifiers=identifiers,
            product_reference=product_reference,
            quantity=self._quantity(cells),
            active=_flag(self._cell(cells, "active")),
        )

    def _id(self, cells: Sequence[str], role: str, *, allow_zero: bool) -> int | None:
        text = self._cell(cells, role)
        if not text:
            return None
        value = parse_id(text, allow_zero=allow_zero)
        if value is None:
            raise _Refused("catalogue_row_bad_id", column=self._column(role), value=_quoted(text))
        return value

    def _identifier(self, cells: Sequence[str], role: str, *, rule: str = "") -> str:
        value = self._cell(cells, role)
        if not value or _RULES[rule or role].fullmatch(value):
            return value
        key = "catalogue_row_bad_identifier"
        if (rule or role) in _DIGIT_FIELDS and _SCIENTIFIC.fullmatch(value):
            key = "catalogue_row_identifier_scientific"
        raise _Refused(key, column=self._column(role), value=_quoted(value))

    def _quantity(self, cells: Sequence[str]) -> int | None:
        text = "".join(self._cell(cells, "quantity").split())  # "1 200" (any space, also no-break)
        if not text:
            return None
        if not _QUANTITY.fullmatch(text):
            raise _Refused("catalogue_row_bad_quantity", column=self._column("quantity"), value=_quoted(text))
        return int(re.split(r"[.,]", text, maxsplit=1)[0])

    def _variant_name(self, cells: Sequence[str]) -> str:
        if "values" not in self.index:
            return self._cell(cells, "variant_name")
        return _options(self._cell(cells, "attributes"), self._cell(cells, "values"))

    def _check_unique(self, row: CatalogueFileRow) -> None:
        if row.shop_product_id is None:
            return  # named by identifiers only: the importer's matching settles it
        variant: object = row.shop_variant_id
        if row.level == "variant" and variant is None:
            variant = row.variant_name.casefold()
        key = (row.shop_product_id, variant)
        first = self.first_seen.setdefault(key, row.line)
        if first != row.line:
            raise _Refused("catalogue_row_duplicate", shop_product_id=row.shop_product_id, first_line=first)


def _flag(text: str) -> bool | None:
    return {"1": True, "0": False}.get(text)


def _options(attributes: str, values: str) -> str:
    """``"Color:color:0, Size:select:1"`` and ``"Blue:0, M:1"`` → ``"Color - Blue, Size - M"``
    (the stock export's wording); the values alone when the two lists do not pair up."""
    names = [part.split(":")[0].strip() for part in attributes.split(",") if part.strip()]
    options = [part.split(":")[0].strip() for part in values.split(",") if part.strip()]
    if len(names) != len(options):
        return ", ".join(options)
    return ", ".join(f"{name} - {option}" for name, option in zip(names, options, strict=True))
