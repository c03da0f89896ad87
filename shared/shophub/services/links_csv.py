"""Reading an uploaded links file: bytes → text → one outcome per data line, no AWS, no shop.

Decoding: UTF-8 (with or without BOM), UTF-16 (LE/BE, with a BOM; without one when the NUL
bytes give it away) and, when the bytes are not valid UTF-8, Windows-1250 (what Polish Excel
saves as "CSV"). Line endings: CRLF, LF, CR alone (old Excel for Mac) and any mix; a line break
inside a quoted cell stays in the cell. The delimiter is ``;`` or ``,`` (whichever the header line
holds more of; an Excel ``sep=`` first line is honoured).

Every row after the header (a "data line"; a row whose quoted cell holds a line break counts
once, on the line it starts) becomes exactly one :class:`ParsedRow`: a :class:`Pair`, a
:class:`Skip` (no pair given: an empty row, a hub-only or shop-only row) or a
:class:`Rejection` (a message key and its parameters, rendered in the reader's language later).
A file that cannot be read as a whole (too large, not decodable, empty, no header, a quotation
mark that is never closed) raises :class:`~shophub.errors.ValidationError` (422) naming why,
and the line when there is one. The csv module's own error texts never reach the user.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from shophub.contract import VARIANT_FIELD
from shophub.csv_text import TrackedLines, parse_id
from shophub.errors import ValidationError

#: The links file: size cap and the header of the download.
MAX_LINKS_FILE_BYTES = 5 * 1024 * 1024
LINKS_FILE_COLUMNS = (
    "hub_product_id",
    "hub_name",
    "ean",
    "symbol",
    "catalog_number",
    "shop_product_id",
    VARIANT_FIELD,
    "shop_name",
)
REQUIRED_COLUMNS = ("hub_product_id", "shop_product_id", VARIANT_FIELD)


@dataclass(frozen=True)
class Pair:
    """A data line pairing a shop variant with a hub product."""

    line: int
    hub_product_id: int
    shop_product_id: int
    shop_variant_id: int


@dataclass(frozen=True)
class Skip:
    """A data line that pairs nothing (empty, hub-only or shop-only)."""

    line: int


@dataclass(frozen=True)
class Rejection:
    """A refused data line: a message key of ``shophub.i18n`` and its parameters."""

    line: int
    key: str
    params: dict[str, str | int] = field(default_factory=dict)


ParsedRow = Pair | Skip | Rejection


@dataclass(frozen=True)
class ParsedLinksFile:
    """One outcome per data line, in file order."""

    rows: list[ParsedRow]

    @property
    def lines(self) -> int:
        return len(self.rows)


def decode_links_file(body: bytes) -> str:
    """The file's text; 422 ``links_file_too_large`` / ``links_file_encoding``."""
    if len(body) > MAX_LINKS_FILE_BYTES:
        raise ValidationError(
            "links file too large",
            code="links_file_too_large",
            params={"limit_mb": MAX_LINKS_FILE_BYTES // (1024 * 1024)},
        )
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if body.startswith(bom):
            return _decode(body[len(bom) :], encoding)
    sample = body[:4096]
    if len(body) % 2 == 0 and sample.count(0) * 4 >= len(sample):  # UTF-16 without a BOM
        return _decode(body, "utf-16-le" if sample[1::2].count(0) > sample[::2].count(0) else "utf-16-be")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return _decode(body, "cp1250")


def _decode(body: bytes, encoding: str) -> str:
    try:
        return body.decode(encoding)
    except UnicodeDecodeError:
        raise ValidationError("links file encoding", code="links_file_encoding") from None


def parse_links_file(body: bytes) -> ParsedLinksFile:
    """Decode and read the file (see the module's docstring)."""
    text = decode_links_file(body)
    delimiter, skip_first = _dialect(text)
    source = TrackedLines(iter(io.StringIO(text, newline="")))
    reader = csv.reader(source, delimiter=delimiter, strict=True)
    header = _header(reader, source, skip_sep=skip_first)
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise ValidationError(
            "links file header",
            code="links_file_header",
            params={"columns": ", ".join(missing), "header": ",".join(LINKS_FILE_COLUMNS)},
        )
    columns = {name: header.index(name) for name in REQUIRED_COLUMNS}
    return ParsedLinksFile(list(_RowReader(columns).rows(reader, source)))


def _dialect(text: str) -> tuple[str, bool]:
    """The delimiter, and whether the first line is Excel's ``sep=`` hint."""
    for line in io.StringIO(text, newline=""):
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.lower().startswith("sep=") and len(stripped) == 5 and stripped[4] in ",;":
            return stripped[4], True
        return (";" if stripped.count(";") > stripped.count(",") else ","), False
    raise ValidationError("links file empty", code="links_file_empty")


def _header(reader: Iterator[list[str]], source: TrackedLines, *, skip_sep: bool) -> list[str]:
    """The first row with any content (after Excel's ``sep=`` hint), column names normalized."""
    while True:
        line = getattr(reader, "line_num", 0) + 1
        source.taken.clear()
        try:
            row = next(reader)
        except StopIteration:
            raise ValidationError("links file empty", code="links_file_empty") from None
        except csv.Error:
            raise _malformed(line) from None
        if skip_sep and any(cell.strip() for cell in row):
            skip_sep = False
            continue
        if any(cell.strip() for cell in row):
            return [cell.strip().strip("\ufeff").strip().lower() for cell in row]


def _malformed(line: int) -> ValidationError:
    return ValidationError(
        "links file malformed", code="links_file_malformed", params={"line": line}, details=[{"line": line}]
    )


class _RowReader:
    def __init__(self, columns: dict[str, int]) -> None:
        self.columns = columns
        self.width = max(columns.values()) + 1
        self.first_seen: dict[tuple[int, int], int] = {}

    def rows(self, reader: Iterator[list[str]], source: TrackedLines) -> Iterator[ParsedRow]:
        while True:
            line = getattr(reader, "line_num", 0) + 1
            source.taken.clear()
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error:
                # A quotation mark left open swallows the lines after it (up to the end of the file
                # or the next quotation mark): the file as a whole cannot be read. Text after a
                # closing quotation mark within one line spoils that line only.
                if len(source.taken) > 1 or "".join(source.taken).count('"') % 2 == 1:
                    raise _malformed(line) from None
                yield Rejection(line, "link_bad_quotes")
                continue
            yield self.row(line, row)

    def row(self, line: int, row: Sequence[str]) -> ParsedRow:
        if not any(cell.strip() for cell in row):
            return Skip(line)
        if len(row) < self.width:
            return Rejection(
                line, "link_short_row", {"found": len(row), "expected": self.width, "column": REQUIRED_COLUMNS[-1]}
            )
        hub_text, product_text, variant_text = (row[self.columns[name]].strip() for name in REQUIRED_COLUMNS)
        if not hub_text or not (product_text or variant_text):
            return Skip(line)  # one side only: not a pair
        hub_id = parse_id(hub_text)
        product_id = parse_id(product_text)
        variant_id = parse_id(variant_text or "0", allow_zero=True)
        if hub_id is None or product_id is None or variant_id is None:
            values = zip(REQUIRED_COLUMNS, (hub_id, product_id, variant_id), strict=True)
            return Rejection(line, "link_bad_ids", {"columns": ", ".join(n for n, v in values if v is None)})
        key = (product_id, variant_id)
        if key in self.first_seen:
            return Rejection(
                line,
                "link_duplicate_row",
                {
                    "shop_product_id": product_id,
                    "shop_variant_id": variant_id,
                    "first_line": self.first_seen[key],
                },
            )
        self.first_seen[key] = line
        return Pair(line, hub_id, product_id, variant_id)
