"""Reading uploaded CSV text safely, shared by every reader of a merchant's file (the links
file, catalogue files of any platform): ids as whole numbers, and the physical lines behind each
record, so a csv module error is judged on the record's own text and never shown raw."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

#: Longest id text (e.g. PrestaShop ids are ``INT(10) UNSIGNED``; hub ids have 12 digits at most).
ID_DIGITS = 12


#: Cells starting with these are formulas to a spreadsheet: written with a leading apostrophe.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    """A cell of a CSV the hub writes: a formula-like text is kept as text."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def parse_id(text: str, *, allow_zero: bool = False) -> int | None:
    """A positive whole number (0 too with ``allow_zero``) of at most :data:`ID_DIGITS` ASCII
    digits, else None."""
    text = text.strip()
    if not (text.isascii() and text.isdigit()) or len(text) > ID_DIGITS:
        return None
    value = int(text)
    if value == 0 and not allow_zero:
        return None
    return value


class TrackedLines:
    """Physical lines, remembering those the csv reader took for the current record."""

    def __init__(self, lines: Iterator[str]) -> None:
        self._lines = lines
        self.taken: list[str] = []

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self.taken.append(line)
        return line
