"""The one place PrestaShop webservice query strings are built.

>>> q = Query().display(["id", "name"]).where_in("id", [1, 2]).sort(("id", "ASC")).limit(50)
>>> q.encode()
'display=[id,name]&filter[id]=[1|2]&sort=[id_ASC]&limit=50'

Filters follow ``WebserviceRequest::manageFilters``: ``[x]`` equals, ``[a|b]`` any of, ``[a,b]``
between (inclusive), ``>[x]`` / ``<[x]`` strictly greater / less, ``![a|b]`` none of, ``[x]%`` /
``%[x]`` / ``%[x]%`` starts / ends with / contains. PrestaShop has no escaping inside a filter,
so values that would change the syntax (``[ ] | , %``) are refused instead of being sent.
Filtering or sorting on a date field adds ``date=1`` (without it PrestaShop 8.1.2 answers 500
code 32).

A :class:`Query` is immutable: every method returns a new one, so a base query can be reused for
many chunks.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Literal
from urllib.parse import quote

#: Dates need ``date=1`` to be filtered or sorted on.
DATE_FIELDS = frozenset({"date_add", "date_upd"})
#: Default cap on a whole request URL (the shop's base URL included); many servers and WAFs
#: refuse lines over 8 KB.
MAX_URL_LENGTH = 6000

FilterValue = int | str | Decimal | date | datetime | bool

_FIELD_RE = re.compile(r"^[a-z_][a-z0-9_]*$")
_FORBIDDEN_VALUE_CHARS = frozenset("[]|%")
_RANGE_VALUE_RE = re.compile(r"^[0-9.:\- ]*$")
_SAFE = "[]|,:!-._~"


class Op(StrEnum):
    EQ = "eq"
    IN = "in"
    BETWEEN = "between"
    GT = "gt"
    LT = "lt"
    NOT = "not"
    STARTS = "starts"
    ENDS = "ends"
    CONTAINS = "contains"


def format_value(value: FilterValue) -> str:
    """Render one value the way PrestaShop compares it (dates as ``YYYY-MM-DD HH:MM:SS``)."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            raise ValueError("pass shop-local naive datetimes to the query builder")
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def _checked(value: FilterValue, *, allow_comma: bool = False) -> str:
    text = format_value(value)
    bad = set(_FORBIDDEN_VALUE_CHARS.intersection(text))
    if not allow_comma and "," in text:
        bad.add(",")
    if bad:
        raise ValueError(
            f"filter value {text!r} contains {''.join(sorted(bad))!r}, which PrestaShop filters cannot express"
        )
    if any(ord(ch) < 32 for ch in text):
        raise ValueError("filter values cannot contain control characters")
    return text


def _checked_range(value: FilterValue) -> str:
    text = format_value(value)
    if not text or not _RANGE_VALUE_RE.match(text):
        raise ValueError(f"range bound {text!r} must contain only digits, '.', ':', '-' and spaces")
    return text


def _field(name: str) -> str:
    if not _FIELD_RE.match(name):
        raise ValueError(f"invalid field name {name!r}")
    return name


def is_date_field(name: str) -> bool:
    return name in DATE_FIELDS


@dataclass(frozen=True)
class Filter:
    field: str
    op: Op
    values: tuple[str, ...]

    def render(self) -> str:
        v = self.values
        match self.op:
            case Op.EQ:
                return f"[{v[0]}]"
            case Op.IN:
                return "[" + "|".join(v) + "]"
            case Op.BETWEEN:
                return f"[{v[0]},{v[1]}]"
            case Op.GT:
                return f">[{v[0]}]"
            case Op.LT:
                return f"<[{v[0]}]"
            case Op.NOT:
                return "![" + "|".join(v) + "]"
            case Op.STARTS:
                return f"[{v[0]}]%"
            case Op.ENDS:
                return f"%[{v[0]}]"
            case Op.CONTAINS:
                return f"%[{v[0]}]%"
        raise AssertionError(self.op)  # pragma: no cover


@dataclass(frozen=True)
class Query:
    """Typed builder for ``display``, ``filter``, ``sort``, ``limit``, ``language`` and extras."""

    _display: str | None = None
    _filters: tuple[Filter, ...] = ()
    _sort: tuple[tuple[str, str], ...] = ()
    _limit: tuple[int | None, int] | None = None
    _language: str | None = None
    _extra: tuple[tuple[str, str], ...] = field(default=())

    # --- display / sort / limit / language ------------------------------------------------------

    def display(self, fields: Literal["full"] | Sequence[str]) -> Query:
        if fields == "full":
            return replace(self, _display="full")
        if isinstance(fields, str):
            raise ValueError("display takes 'full' or a list of field names")
        names = [_field(f) for f in fields]
        if not names:
            raise ValueError("display needs at least one field")
        return replace(self, _display="[" + ",".join(names) + "]")

    def sort(self, *keys: tuple[str, str]) -> Query:
        rendered: list[tuple[str, str]] = []
        for name, direction in keys:
            upper = direction.upper()
            if upper not in ("ASC", "DESC"):
                raise ValueError(f"sort direction must be ASC or DESC, not {direction!r}")
            rendered.append((_field(name), upper))
        return replace(self, _sort=tuple(rendered))

    def limit(self, count: int, offset: int | None = None) -> Query:
        if count < 1 or (offset is not None and offset < 0):
            raise ValueError("limit needs count >= 1 and offset >= 0")
        return replace(self, _limit=(offset, count))

    def language(self, language_id: int | Sequence[int]) -> Query:
        if isinstance(language_id, int):
            return replace(self, _language=str(language_id))
        ids = [int(i) for i in language_id]
        return replace(self, _language="[" + "|".join(str(i) for i in ids) + "]")

    def param(self, name: str, value: str | int) -> Query:
        """An extra parameter (``sendemail``, ``ps_method``, ``schema``, ``id_shop``...)."""
        _field(name)
        if name in ("display", "sort", "limit", "language", "date", "ws_key") or name.startswith("filter"):
            raise ValueError(f"use the dedicated method for {name!r}")
        return replace(self, _extra=(*[e for e in self._extra if e[0] != name], (name, str(value))))

    # --- filters ---------------------------------------------------------------------------------

    def _add(self, name: str, op: Op, values: tuple[str, ...]) -> Query:
        name = _field(name)
        kept = tuple(f for f in self._filters if f.field != name)
        return replace(self, _filters=(*kept, Filter(name, op, values)))

    def where(self, name: str, value: FilterValue) -> Query:
        return self._add(name, Op.EQ, (_checked(value),))

    def where_in(self, name: str, values: Iterable[FilterValue]) -> Query:
        rendered = tuple(_checked(v) for v in values)
        if not rendered:
            raise ValueError("an 'in' filter needs at least one value")
        return self._add(name, Op.IN, rendered)

    def where_between(self, name: str, low: FilterValue, high: FilterValue) -> Query:
        return self._add(name, Op.BETWEEN, (_checked_range(low), _checked_range(high)))

    def where_gt(self, name: str, value: FilterValue) -> Query:
        return self._add(name, Op.GT, (_checked(value),))

    def where_lt(self, name: str, value: FilterValue) -> Query:
        return self._add(name, Op.LT, (_checked(value),))

    def where_not(self, name: str, values: Iterable[FilterValue]) -> Query:
        rendered = tuple(_checked(v) for v in values)
        if not rendered:
            raise ValueError("a 'not' filter needs at least one value")
        return self._add(name, Op.NOT, rendered)

    def where_starts(self, name: str, value: str) -> Query:
        return self._add(name, Op.STARTS, (_checked(value, allow_comma=True),))

    def where_ends(self, name: str, value: str) -> Query:
        return self._add(name, Op.ENDS, (_checked(value, allow_comma=True),))

    def where_contains(self, name: str, value: str) -> Query:
        return self._add(name, Op.CONTAINS, (_checked(value, allow_comma=True),))

    # --- output ----------------------------------------------------------------------------------

    @property
    def needs_date(self) -> bool:
        return any(is_date_field(f.field) for f in self._filters) or any(is_date_field(name) for name, _ in self._sort)

    def params(self) -> list[tuple[str, str]]:
        """The parameters in a stable order, unencoded."""
        out: list[tuple[str, str]] = []
        if self._display is not None:
            out.append(("display", self._display))
        if self.needs_date:
            out.append(("date", "1"))
        out.extend((f"filter[{f.field}]", f.render()) for f in self._filters)
        if self._sort:
            out.append(("sort", "[" + ",".join(f"{n}_{d}" for n, d in self._sort) + "]"))
        if self._limit is not None:
            offset, count = self._limit
            out.append(("limit", str(count) if offset is None else f"{offset},{count}"))
        if self._language is not None:
            out.append(("language", self._language))
        out.extend(self._extra)
        return out

    def encode(self) -> str:
        """The query string, percent-encoded except for the filter syntax characters."""
        return "&".join(f"{quote(k, safe='[]_')}={quote(v, safe=_SAFE)}" for k, v in self.params())


def url_length(base_url: str, query: Query) -> int:
    encoded = query.encode()
    return len(base_url) + (1 + len(encoded) if encoded else 0)


def chunk_values(
    values: Sequence[int],
    build: Callable[[Sequence[int]], Query],
    base_url: str,
    *,
    max_url_length: int = MAX_URL_LENGTH,
    max_items: int | None = None,
) -> Iterator[list[int]]:
    """Split ``values`` (ids) into chunks whose request URL stays under ``max_url_length``.

    ``build(chunk)`` must return the full query for a chunk; it is used to measure the fixed part
    once and each value's exact encoded cost. Duplicates are dropped, order is kept.
    """
    unique = list(dict.fromkeys(int(v) for v in values))
    if not unique:
        return
    fixed = url_length(base_url, build(unique[:1])) - len(str(unique[0]))
    if fixed >= max_url_length:
        raise ValueError("the query is too long even for a single value")
    chunk: list[int] = []
    size = fixed
    for value in unique:
        cost = len(str(value)) + (len(quote("|", safe=_SAFE)) if chunk else 0)
        full = max_items is not None and len(chunk) >= max_items
        if chunk and (size + cost > max_url_length or full):
            yield chunk
            chunk, size = [], fixed
            cost = len(str(value))
        chunk.append(value)
        size += cost
    if chunk:
        yield chunk


def chunked(items: Sequence[int], size: int) -> Iterator[list[int]]:
    """Plain fixed-size chunks (for request bodies rather than URLs)."""
    for start in range(0, len(items), size):
        yield list(items[start : start + size])
