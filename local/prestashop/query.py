"""``display``, ``filter[...]``, ``sort``, ``limit``, ``language`` and ``date``: parsing and selection.

Semantics follow PrestaShop 8.1 (``WebserviceRequest::manageFilters`` / ``SQLUtils``):
``[a|b]`` is an OR list, ``[a,b]`` an inclusive BETWEEN (digits, ``.:-`` and spaces only),
``>[x]`` / ``<[x]`` strict comparisons, ``![a|b]`` not-equal, ``[x]%`` / ``%[x]`` / ``%[x]%`` LIKE;
string comparisons ignore case like MySQL's default collation. Filtering or sorting on
``date_add`` / ``date_upd`` needs ``date=1``; without it 8.1.2 answers 500 with error 32 plus PHP
warnings (fixture 24b).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from local.prestashop.data import LANGUAGE_IDS, Record, Table
from local.prestashop.errors import WebserviceError, php_warning
from local.prestashop.resources import INT, INTN, LANG, NUMERIC_KINDS, Field, Resource

DATE_FIELDS = ("date_add", "date_upd")
_RANGE_VALUE = re.compile(r"^[\d.:\- ]+$")
_FILTER_PARAM = re.compile(r"^filter\[([^\]]*)\]$")


@dataclass
class Display:
    """What a list shows: ids only, every field, or the chosen fields and associations."""

    mode: str  # "ids", "full" or "fields"
    fields: tuple[str, ...] = ()
    associations: dict[str, tuple[str, ...] | None] = field(default_factory=dict)


@dataclass(frozen=True)
class Filter:
    spec: Field
    op: str  # eq, in, between, gt, lt, not, starts, ends, contains
    values: tuple[str, ...]


@dataclass
class ListQuery:
    display: Display
    filters: list[Filter]
    sort: list[tuple[Field, bool]]  # (field, descending)
    offset: int = 0
    limit: int | None = None
    languages: tuple[int, ...] | None = None


def levenshtein(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def did_you_mean(value: str, candidates: Iterable[str]) -> str:
    """PrestaShop's ``getClosest``: the smallest Levenshtein distance, the last one on ties."""
    closest, shortest = "", -1
    for word in candidates:
        distance = levenshtein(value, word)
        if distance == 0:
            return word
        if shortest < 0 or distance <= shortest:
            closest, shortest = word, distance
    return closest


def did_you_mean_message(label: str, value: str, candidates: list[str]) -> str:
    full = ' The full list is: "' + '", "'.join(candidates) + '"' if len(candidates) > 1 else ""
    return f'{label}. Did you mean: "{did_you_mean(value, candidates)}"?{full}'


def split_top(text: str) -> list[str]:
    """Split on commas that are not inside brackets: ``a,b[c,d],e`` -> ``a``, ``b[c,d]``, ``e``."""
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    for char in text:
        if char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
        if char == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return [p.strip() for p in parts if p.strip()]


def _unbracket(value: str) -> str:
    value = value.strip()
    return value[1:-1] if value.startswith("[") and value.endswith("]") else value


def parse_display(raw: str | None, resource: Resource) -> Display:
    if raw is None:
        return Display("ids")
    if raw.strip() == "full":
        return Display("full")
    names, associations = [], {}
    available = [f.name for f in resource.fields] + [a.name for a in resource.associations]
    for item in split_top(_unbracket(raw)):
        match = re.fullmatch(r"([A-Za-z0-9_]+)(?:\[(.*)\])?", item)
        name = match.group(1) if match else item
        assoc = resource.association(name)
        if assoc is not None:
            sub = tuple(split_top(match.group(2))) if match and match.group(2) is not None else None
            known = [f.name for f in assoc.fields]
            for sub_name in sub or ():
                if sub_name not in known:
                    raise _display_error(sub_name, known)
            associations[name] = sub
        elif name in resource.fields_by_name:
            names.append(name)
        else:
            raise _display_error(name, available)
    ordered = tuple(f.name for f in resource.fields if f.name in names or f.name == "id")
    return Display("fields", ordered, associations)


def _display_error(name: str, available: list[str]) -> WebserviceError:
    listed = ", ".join(f'"{a}"' for a in available)
    return WebserviceError(
        400, [(35, f'Unable to display this field "{name}". However, these are available: {listed}')]
    )


def parse_languages(raw: str | None) -> tuple[int, ...] | None:
    if raw is None or raw.strip() == "":
        return None
    inner = _unbracket(raw)
    try:
        if "|" in inner:
            wanted = {int(v) for v in inner.split("|") if v.strip()}
        elif "," in inner:
            low, high = (int(v) for v in inner.split(",", 1))
            wanted = set(range(low, high + 1))
        else:
            wanted = {int(inner)}
    except ValueError:
        raise WebserviceError(400, [(53, f'Language "{raw}" is not valid')]) from None
    return tuple(lang for lang in LANGUAGE_IDS if lang in wanted)


def parse_filter_value(spec: Field, raw: str) -> Filter:
    value = raw
    for pattern, op in (
        (r"^%\[(.*)\]%$", "contains"),
        (r"^\[(.*)\]%$", "starts"),
        (r"^%\[(.*)\]$", "ends"),
        (r"^>\[(.*)\]$", "gt"),
        (r"^<\[(.*)\]$", "lt"),
        (r"^!\[(.*)\]$", "not"),
    ):
        match = re.match(pattern, value, re.DOTALL)
        if match:
            inner = match.group(1)
            values = tuple(inner.split("|")) if op == "not" else (inner,)
            return Filter(spec, op, values)
    match = re.match(r"^\[(.*)\]$", value, re.DOTALL)
    if match:
        inner = match.group(1)
        if "|" in inner:
            return Filter(spec, "in", tuple(inner.split("|")))
        if "," in inner:
            low, high = inner.split(",", 1)
            if _RANGE_VALUE.match(low) and _RANGE_VALUE.match(high):
                return Filter(spec, "between", (low.strip(), high.strip()))
        return Filter(spec, "eq", (inner,))
    return Filter(spec, "eq", (value,))


def _date_rule_error(label: str, name: str, candidates: list[str]) -> WebserviceError:
    warnings = [php_warning("Trying to access array offset on value of type bool", line) for line in range(1333, 1337)]
    return WebserviceError(500, [(32, did_you_mean_message(label, name, candidates)), *warnings])


def parse_list_query(params: dict[str, str], resource: Resource) -> ListQuery:
    date_enabled = params.get("date", "") not in ("", "0")
    filterable = [f.name for f in resource.fields if date_enabled or f.name not in DATE_FIELDS]
    filters = []
    for key, value in params.items():
        match = _FILTER_PARAM.match(key)
        if not match:
            continue
        name = match.group(1)
        if name not in filterable:
            raise _date_rule_error("This filter does not exist", name, filterable)
        filters.append(parse_filter_value(resource.fields_by_name[name], value))
    sort = []
    if params.get("sort"):
        for item in split_top(_unbracket(params["sort"])):
            name, _, direction = item.rpartition("_")
            if direction.upper() not in ("ASC", "DESC") or not name:
                raise WebserviceError(
                    400,
                    [
                        (
                            37,
                            'The "sort" value has to be formed as this example: "field_ASC" or '
                            '"[field_1_DESC,field_2_ASC,field_3_ASC,...]" ("field" has to be an available field)',
                        )
                    ],
                )
            if name not in filterable:
                raise _date_rule_error("This filter does not exist", name, filterable)
            sort.append((resource.fields_by_name[name], direction.upper() == "DESC"))
    offset, limit = 0, None
    if params.get("limit"):
        try:
            parts = [int(p) for p in params["limit"].split(",")]
        except ValueError:
            parts = []
        if len(parts) == 1 and parts[0] >= 0:
            limit = parts[0]
        elif len(parts) == 2 and min(parts) >= 0:
            offset, limit = parts
        else:
            raise WebserviceError(400, [(33, 'The "limit" value has to be formed as this example: "5,25" or "10"')])
    return ListQuery(
        display=parse_display(params.get("display"), resource),
        filters=filters,
        sort=sort,
        offset=offset,
        limit=limit,
        languages=parse_languages(params.get("language")),
    )


# ------------------------------------------------------------------------------ selection
def _number(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None


def _values_of(spec: Field, record: Record, languages: tuple[int, ...] | None) -> list[Any]:
    value = record.get(spec.name)
    if spec.kind == LANG:
        langs = languages or LANGUAGE_IDS
        return [value.get(lang, "") for lang in langs] if isinstance(value, dict) else []
    return [value]


def _normalizer(numeric: bool) -> Callable[[Any], Any]:
    """How a filter compares values: ints as they are, other numbers as Decimal, text casefolded."""

    def norm(value: Any) -> Any:
        if value is None:
            return None
        if type(value) is int:
            return value
        if numeric:
            return _number(value)
        return str(value).casefold()

    return norm


def _equals_any(have: Any, wanted: list[Any]) -> bool:
    return any(w is not None and have == w for w in wanted)


def _differs_from_all(have: Any, wanted: list[Any]) -> bool:
    return all(w is None or have != w for w in wanted)


def _between(have: Any, wanted: list[Any]) -> bool:
    low, high = wanted
    return low is not None and high is not None and low <= have <= high


def _greater(have: Any, wanted: list[Any]) -> bool:
    return wanted[0] is not None and have > wanted[0]


def _less(have: Any, wanted: list[Any]) -> bool:
    return wanted[0] is not None and have < wanted[0]


# operator -> test of a normalised value against the normalised filter values
_COMPARISONS: dict[str, Callable[[Any, list[Any]], bool]] = {
    "eq": _equals_any,
    "in": _equals_any,
    "not": _differs_from_all,
    "between": _between,
    "gt": _greater,
    "lt": _less,
}

# the other operators match the casefolded text against the first filter value (default: contains)
_TEXT_MATCHES: dict[str, Callable[[str, str], bool]] = {
    "starts": str.startswith,
    "ends": str.endswith,
}


def _contains(text: str, needle: str) -> bool:
    return needle in text


def _predicate(flt: Filter, languages: tuple[int, ...] | None) -> Callable[[Record], bool]:
    norm = _normalizer(flt.spec.kind in NUMERIC_KINDS)
    wanted = [norm(v) for v in flt.values]
    compare = _COMPARISONS.get(flt.op)
    match = _TEXT_MATCHES.get(flt.op, _contains)

    def test(value: Any) -> bool:
        have = norm(value)
        if have is None:
            return False
        if compare is not None:
            return compare(have, wanted)
        return match(str(value).casefold(), str(flt.values[0]).casefold())

    def predicate(record: Record) -> bool:
        return any(test(v) for v in _values_of(flt.spec, record, languages))

    return predicate


def _indexed_ids(table: Table, flt: Filter) -> set[int] | None:
    """Candidate ids from the primary key (any comparison) or a secondary index (equality, OR)."""
    if flt.spec.kind not in (INT, INTN):
        return None
    if flt.spec.name == "id" and flt.op in ("between", "gt", "lt"):
        bounds = [b for b in (_number(v) for v in flt.values) if b is not None]
        if len(bounds) != len(flt.values):
            return set()
        if flt.op == "between":
            return {i for i in table.rows if bounds[0] <= i <= bounds[1]}
        if flt.op == "gt":
            return {i for i in table.rows if i > bounds[0]}
        return {i for i in table.rows if i < bounds[0]}
    if flt.op not in ("eq", "in") or (flt.spec.name != "id" and flt.spec.name not in table.index):
        return None
    numbers: set[int] = set()
    for value in flt.values:
        number = _number(value)
        if number is not None and number == number.to_integral_value():
            numbers.add(int(number))
    if flt.spec.name == "id":
        return {n for n in numbers if n in table.rows}
    index = table.index[flt.spec.name]
    found: set[int] = set()
    for wanted in numbers:
        found |= index.get(wanted, set())
    return found


def default_order_key(resource: Resource, filtered: Iterable[str] = ()) -> Callable[[Record], Any]:
    """The order of a list without ``sort``: the index MySQL happens to read, as recorded on 8.1.2.

    Most tables come in primary-key order; ``Resource.list_order`` names the few a secondary index
    orders (addresses by customer, histories by order, ...). Stock rows filtered on ``id_product``
    come grouped by product, product-level row first; unfiltered they come by id.
    """
    fields = resource.list_order
    if resource.name == "stock_availables" and "id_product" in filtered:
        fields = ("id_product", "id_product_attribute")
    if not fields:
        return lambda r: r["id"]
    return lambda r: (*(r[name] for name in fields), r["id"])


def _number_or_lowest(value: Any) -> Decimal:
    number = _number(value) if value is not None else None
    return Decimal(-1) if number is None else number


def _sort_key(spec: Field, languages: tuple[int, ...] | None) -> Callable[[Record], Any]:
    if spec.kind == LANG:
        lang = (languages or LANGUAGE_IDS)[0]
        return lambda r: str(r[spec.name].get(lang, "")).casefold()
    if spec.kind in NUMERIC_KINDS:
        return lambda r: _number_or_lowest(r[spec.name])
    return lambda r: str(r[spec.name]).casefold()


def select(table: Table, query: ListQuery) -> list[Record]:
    candidates: set[int] | None = None
    remaining = []
    for flt in query.filters:
        ids = _indexed_ids(table, flt)
        if ids is None:
            remaining.append(flt)
        else:
            candidates = ids if candidates is None else candidates & ids
    rows = list(table.rows.values()) if candidates is None else [table.rows[i] for i in candidates]
    if remaining:
        predicates = [_predicate(f, query.languages) for f in remaining]
        rows = [r for r in rows if all(p(r) for p in predicates)]
    rows.sort(key=default_order_key(table.resource, [f.spec.name for f in query.filters]))
    for spec, descending in reversed(query.sort):
        rows.sort(key=_sort_key(spec, query.languages), reverse=descending)
    end = None if query.limit is None else query.offset + query.limit
    return rows[query.offset : end]
