"""Hypothesis strategies for fuzzing the HTTP API through :class:`tests.support.api.ApiClient`.

Requests are built per route of ``template.yaml``: path parameters (known ids and junk), query
strings (the route's documented parameters with odd values, and raw junk) and bodies, as JSON
*text* so that what Python cannot produce itself is in reach: integers of thousands of digits,
arrays nested 100,000 deep, ``NaN``, unpaired surrogate escapes, NUL characters. Bodies are
shaped by the route's request schema in ``docs/openapi.json`` (right field names with wrong or
edge values go deeper than random keys), or random JSON, or not JSON at all; they travel as text
or base64 (as API Gateway sends binary bodies) under various content types.

:func:`check_answer` is the property: never a 5xx, and every 4xx in the API's error shape.
"""

from __future__ import annotations

import base64
import json
import re
import socket
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from urllib.parse import urlencode

from hypothesis import strategies as st

from local.openapi import OPENAPI_PATH
from local.stack.template import HttpRoute, load_stack
from tests.support.api import ApiAnswer, ApiClient

#: Every HTTP route of template.yaml, in template order.
ROUTES: list[HttpRoute] = load_stack("test").routes

_PARAM = re.compile(r"\{(\w+)\+?\}")
_SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")
_UNFILLED = re.compile(r"\{[a-z_]+\}")


def route_id(route: HttpRoute) -> str:
    return f"{route.method} {route.path}"


def weighted(*choices: tuple[int, st.SearchStrategy[Any]]) -> st.SearchStrategy[Any]:
    """One of the strategies, each chosen in proportion to its weight (first ones first when
    shrinking)."""
    pool = [strategy for weight, strategy in choices for _ in range(weight)]
    return st.integers(min_value=0, max_value=len(pool) - 1).flatmap(lambda index: pool[index])


@cache
def _document() -> dict[str, Any]:
    return json.loads(OPENAPI_PATH.read_text(encoding="utf-8"))


def _resolve(schema: Mapping[str, Any]) -> Mapping[str, Any]:
    while "$ref" in schema:
        node: Any = _document()
        for part in schema["$ref"].split("/")[1:]:
            node = node[part]
        schema = node
    return schema


def operation(route: HttpRoute) -> Mapping[str, Any]:
    return _document()["paths"].get(route.path, {}).get(route.method.lower(), {})


def body_schema(route: HttpRoute) -> Mapping[str, Any] | None:
    content = operation(route).get("requestBody", {}).get("content", {}).get("application/json")
    return _resolve(content["schema"]) if content else None


def query_names(route: HttpRoute) -> list[str]:
    return [p["name"] for p in operation(route).get("parameters", []) if p.get("in") == "query"]


# --- JSON text --------------------------------------------------------------------------------

#: Strings that mean something somewhere (ids, enum-like words, URLs that fail fast, dates).
STRING_SAMPLES = (
    "",
    " ",
    "x",
    "Sklep ąęłńóśźż",
    "ps_checkpayment",
    "ean13",
    "reference",
    "import",
    "link",
    "ean",
    "symbol",
    "catalog_number",
    "nowe",
    "http://127.0.0.1:9",
    "https://127.0.0.1:9/",
    "ftp://x",
    "SHOPHUBSIMULATORKEY0000000000001",
    "2026-01-01",
    "2026-11-01T00:00:00Z",
    "2026-13-45T99:99:99",
    "FV/1/2026",
    "\u0000",
    "a\u0000b",
    "\u202eevil",
    "\u200b",
    "😀",
    "x" * 300,
    "9" * 5000,
)
#: Literal texts Python's json module would never write.
SCALAR_TEXTS = (
    "null",
    "true",
    "false",
    "0",
    "-0",
    "1",
    "-1",
    "0.5",
    "1e2",
    "1E400",
    "-1e999",
    "1e-999",
    "2147483647",
    "2147483648",
    "9007199254740993",
    "99999999999999999999999999999999999999999",
    "NaN",
    "Infinity",
    "-Infinity",
    '"\\ud800"',
    '"\\udc00x"',
    '"\\ud83d\\ude00"',
    '"\\u0000"',
    '"tab\\there"',
)


def _string_text() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(STRING_SAMPLES),
        st.text(max_size=40),
        st.text(st.characters(codec="utf-8"), max_size=10),
    ).map(lambda text: json.dumps(text, ensure_ascii=False))


def _bound(value: float | None) -> int | None:
    """A bound from the document as an integer (pydantic writes large ones as ``4294967295.0``)."""
    return None if value is None else int(value)


def _integer_text(low: float | None = None, high: float | None = None) -> st.SearchStrategy[str]:
    low, high = _bound(low), _bound(high)
    edges = [v for v in (low, high) if v is not None]
    edges += [v + d for v in edges for d in (-1, 1)]
    return weighted(
        # past what DynamoDB keeps (38 digits), past what int() converts (4,300 digits)
        (3, st.integers(min_value=10, max_value=120).map(lambda n: "9" * n)),
        (2, st.sampled_from(edges or [0]).map(str)),
        (1, st.integers(min_value=low, max_value=high).map(str)),
        (1, st.integers().map(str)),
        (1, st.integers(min_value=4000, max_value=6000).map(lambda n: "9" * n)),
    )


def scalar_text() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(SCALAR_TEXTS),
        _integer_text(),
        st.floats(allow_nan=False, allow_infinity=False).map(json.dumps),
        _string_text(),
    )


def json_text(keys: Sequence[str] = ()) -> st.SearchStrategy[str]:
    """Any JSON value as text, with object keys drawn from ``keys`` and random text."""
    key = st.one_of(st.sampled_from(list(keys)), st.text(max_size=8)) if keys else st.text(max_size=8)
    return st.recursive(
        scalar_text(),
        lambda children: st.one_of(
            st.lists(children, max_size=4).map(lambda items: "[" + ",".join(items) + "]"),
            st.lists(st.tuples(key, children), max_size=5).map(
                lambda pairs: "{" + ",".join(f"{json.dumps(k, ensure_ascii=False)}:{v}" for k, v in pairs) + "}"
            ),
        ),
        max_leaves=12,
    )


#: Dates and times at the edges of what Python, UTC and ISO 8601 can hold.
DATE_EDGES = (
    "9999-12-31T23:59:59-23:59",
    "0001-01-01T00:00:00+23:59",
    "9999-12-31",
    "0001-01-01",
    "2026-02-30T00:00:00Z",
    "2026-01-01T00:00:00",
    "2026-01-01T24:00:00Z",
    "1970-01-01T00:00:00Z",
    "20260101T000000Z",
    "2026-01-01T00:00:00.123456789+01:00",
)
#: Valid moments as far from now as ISO 8601 and Python go, with the offsets that push them out
#: of what UTC can hold.
FAR_MOMENTS = ("9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59", "9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z")
#: Object keys the API knows somewhere (bodies typed loosely in the document get them too).
VOCABULARY = (
    "items",
    "module",
    "hub_id",
    "id_reference",
    "shop_state_id",
    "product_id",
    "quantity",
    "name",
    "status",
    "mode",
    "filters",
    "ids",
    "id_from",
    "id_to",
)
_VALID_STRINGS = ("x", "Sklep", "ps_checkpayment", "nowe", "kurier", "FV/1/2026", "ABC-123", "ąę ÓŁ")


def _object_text(pairs: Sequence[tuple[str, str]]) -> str:
    return "{" + ",".join(f"{json.dumps(k, ensure_ascii=False)}:{v}" for k, v in pairs) + "}"


def _variants(schema: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    options = schema.get("anyOf") or schema.get("oneOf") or []
    return [v for v in options if _resolve(v).get("type") != "null"]


def valid_text(schema: Mapping[str, Any], depth: int = 0, *, extreme: bool = False) -> st.SearchStrategy[str]:
    """A value the schema accepts (as far as the document tells), as JSON text.

    ``extreme``: every optional field present and every value at the far end of what is
    accepted (unbounded integers past DynamoDB's 38 digits, dates at year 1 and 9999 with odd
    offsets, the longest strings in multi-byte characters, the most items): what validation
    lets through but storage or arithmetic further down may not take."""
    schema = _resolve(schema)
    if depth > 5:
        return st.just("null")
    if _variants(schema):
        return st.one_of(*(valid_text(v, depth + 1, extreme=extreme) for v in _variants(schema)))
    if "enum" in schema:
        return st.sampled_from(schema["enum"]).map(json.dumps)
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        properties: Mapping[str, Any] = schema.get("properties", {})
        required = set(schema.get("required", []))
        fields = [
            st.tuples(st.just(name), valid_text(prop, depth + 1, extreme=extreme)).map(lambda pair: [pair])
            if name in required or extreme
            else st.one_of(st.just([]), st.tuples(st.just(name), valid_text(prop, depth + 1)).map(lambda pair: [pair]))
            for name, prop in properties.items()
        ]
        return st.tuples(*fields).map(lambda drawn: _object_text([pair for chosen in drawn for pair in chosen]))
    if kind == "array":
        low = int(schema.get("minItems", 0))
        items = valid_text(schema.get("items", {}), depth + 1, extreme=extreme)
        if extreme:
            most = min(int(schema.get("maxItems", 3)), 1000)
            return items.map(lambda item: "[" + ",".join([item] * max(most, 1)) + "]")
        return st.lists(items, min_size=low, max_size=max(low, 3)).map(lambda xs: "[" + ",".join(xs) + "]")
    if kind == "integer":
        low, high = _bound(schema.get("minimum", 1)) or 0, _bound(schema.get("maximum"))
        if extreme:
            far = [str(high)] if high is not None else ["9" * 39, "1" + "0" * 60, str(2**63), str(2**64)]
            return st.sampled_from(far)
        return st.integers(min_value=low, max_value=max(low, min(high or 1000, 10**6))).map(str)
    if kind == "number":
        return st.floats(min_value=0, max_value=1e308 if extreme else 1000).map(json.dumps)
    if kind == "boolean":
        return st.sampled_from(["true", "false"])
    if kind == "string":
        if schema.get("format") == "date-time":
            moments = FAR_MOMENTS if extreme else ("2026-11-01T00:00:00Z", "2026-01-31T12:00:00+01:00")
            return st.sampled_from(moments).map(json.dumps)
        if schema.get("format") == "date":
            return st.sampled_from(("0001-01-01", "9999-12-31") if extreme else ("2026-01-01",)).map(json.dumps)
        low, high = int(schema.get("minLength", 0)), int(schema.get("maxLength", 10**6))
        if extreme:
            longest = min(high, 5000)
            return st.sampled_from(["ą" * longest, "😀" * longest, "x" * longest]).map(json.dumps)
        return st.sampled_from([s for s in _VALID_STRINGS if low <= len(s) <= high] or ["x" * low]).map(json.dumps)
    # typed loosely (``Any``): an object with keys the API uses, or a scalar
    return st.one_of(
        st.lists(st.tuples(st.sampled_from(VOCABULARY), scalar_text()), max_size=3).map(_object_text),
        scalar_text(),
    )


def edge_text(schema: Mapping[str, Any]) -> st.SearchStrategy[str]:
    """A value at or past the edge of what the schema accepts, or of another type."""
    schema = _resolve(schema)
    for variant in _variants(schema):
        schema = _resolve(variant)  # the non-null type is where edges are
        break
    kind = schema.get("type")
    edges: list[st.SearchStrategy[str]] = []  # the type's own edges first: they go deepest
    if schema.get("format") in ("date-time", "date"):
        edges += [st.sampled_from(DATE_EDGES).map(json.dumps)] * 2
    if kind == "integer":
        edges.append(_integer_text(schema.get("minimum"), schema.get("maximum")))
    if kind == "string":
        high = int(schema.get("maxLength", 100))
        edges.append(
            st.sampled_from(["", " ", "x" * (high + 1), "x" * high, "\x00", "a\u202eb", "9" * 60]).map(json.dumps)
        )
    if kind == "array":
        items = valid_text(schema.get("items", {}))
        too_many = int(schema.get("maxItems", 1000)) + 1
        edges.append(items.map(lambda item: "[" + ",".join([item] * too_many) + "]"))
        edges.append(
            st.lists(mutant_text(schema.get("items", {})), min_size=1, max_size=2).map(
                lambda xs: "[" + ",".join(xs) + "]"
            )
        )
    if kind is None:  # typed loosely (``Any``): objects with the API's keys and odd values
        edges.append(st.lists(st.tuples(st.sampled_from(VOCABULARY), scalar_text()), max_size=3).map(_object_text))
    wrong_type = st.one_of(
        st.sampled_from(["null", "true", "[]", "{}", '"5"', "5", "-1", "0", "1.5", "1e308"]), scalar_text()
    )
    return weighted(*((2, edge) for edge in edges), (1, wrong_type))


def mutant_text(schema: Mapping[str, Any], depth: int = 0, *, extreme: bool = False) -> st.SearchStrategy[str]:
    """A valid value with exactly one place (deep inside, if the schema nests) changed: to an
    edge or another type (the request gets past everything but that one field), or with
    ``extreme`` to the far end of what is accepted (it gets past validation altogether)."""
    schema = _resolve(schema)
    properties: Mapping[str, Any] = schema.get("properties", {})
    leaf = (lambda s: valid_text(s, extreme=True)) if extreme else edge_text
    if not properties or depth > 4:
        return leaf(schema)

    def with_one_mutation(name: str) -> st.SearchStrategy[str]:
        others = [
            st.one_of(st.just([]), st.tuples(st.just(other), valid_text(prop, depth + 1)).map(lambda pair: [pair]))
            if other not in schema.get("required", [])
            else st.tuples(st.just(other), valid_text(prop, depth + 1)).map(lambda pair: [pair])
            for other, prop in properties.items()
            if other != name
        ]
        inner = properties[name]
        nested = _resolve((_variants(_resolve(inner)) or [inner])[0])
        mutated = mutant_text(nested, depth + 1, extreme=extreme) if nested.get("properties") else leaf(inner)
        return st.tuples(mutated, st.tuples(*others)).map(
            lambda drawn: _object_text([(name, drawn[0]), *(pair for chosen in drawn[1] for pair in chosen)])
        )

    return st.one_of(*(with_one_mutation(name) for name in properties))


def hostile_text() -> st.SearchStrategy[str]:
    """Bodies aimed at the parser rather than the route."""
    depth = st.integers(min_value=1, max_value=100_000)
    return st.one_of(
        depth.map(lambda n: "[" * n + "]" * n),
        depth.map(lambda n: '{"a":' * n + "1" + "}" * n),
        depth.map(lambda n: '{"items":' + "[" * n + "]" * n + "}"),
        depth.map(lambda n: "[" * n),
        st.integers(min_value=4000, max_value=6000).map(lambda n: '{"quantity": ' + "9" * n + "}"),
        st.integers(min_value=4000, max_value=6000).map(
            lambda n: '{"items": [{"product_id": 1, "quantity": 1' + "0" * n + "}]}"
        ),
        st.sampled_from(
            ['"\\ud800"', "[]", "[1,2]", '"x"', "1", "null", "true", '{"a": NaN}', "{", '{"a":"', "\ufeff{}"]
        ),
        st.integers(min_value=300_000, max_value=400_000).map(lambda n: '{"name": "' + "x" * n + '"}'),
        st.text(),  # not JSON at all, usually
    )


# --- a request ------------------------------------------------------------------------------

#: Content types sent with a body (most requests: JSON).
CONTENT_TYPES = (
    "application/json; charset=utf-8",
    "application/json; charset=latin-1",
    "application/vnd.api+json",
    "text/plain",
    "text/csv",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "application/xml",
    "",
)


@dataclass
class FuzzRequest:
    method: str
    path: str
    query: str = ""
    content_type: str = "application/json"
    body: str | None = None
    #: the event's body as API Gateway sends a binary one (``isBase64Encoded``): base64 text
    base64_body: str | None = None
    language: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


def path_value(known: Sequence[str]) -> st.SearchStrategy[str]:
    """A path parameter: a known id, a plausible one or junk (never empty and never ``/``)."""
    junk = st.text(st.characters(exclude_characters="/?#"), min_size=1, max_size=80)
    return weighted(
        (12, st.sampled_from(list(known) or ["x"])),
        (1, st.from_regex(r"\A[A-Za-z0-9_-]{1,64}\Z")),
        (1, st.integers(min_value=-5, max_value=10**15).map(str)),
        (1, st.sampled_from(["0", "9" * 5000, "%00", "..", "%2F", "a%20b", "ąę", "😀", "x" * 2000, "{id}", "null"])),
        (1, junk),
    )


def query_text(names: Sequence[str]) -> st.SearchStrategy[str]:
    value = st.one_of(
        st.sampled_from(["", "0", "1", "50", "100", "101", "-1", "abc", "9" * 5000, "stock", "import", "prepared"]),
        st.text(max_size=30),
    )
    pairs = st.lists(st.tuples(st.sampled_from(list(names) or ["x"]) | st.text(max_size=5), value), max_size=4)
    return st.one_of(pairs.map(urlencode), st.text(max_size=60))


def requests(route: HttpRoute, known: Mapping[str, Sequence[str]]) -> st.SearchStrategy[FuzzRequest]:
    """Requests for ``route``; ``known`` maps path parameter names to existing ids."""
    names = _PARAM.findall(route.path)
    values = {name: path_value(known.get(name, ())) for name in names}
    schema = body_schema(route)
    query = query_text(query_names(route))
    if schema:
        body = weighted(
            (7, mutant_text(schema)),
            (4, mutant_text(schema, extreme=True)),
            (1, valid_text(schema, extreme=True)),
            (2, valid_text(schema)),
            (1, json_text([*schema.get("properties", {}), *VOCABULARY])),
            (1, hostile_text()),
        )
    else:  # a route that reads no JSON: its body is ignored or read as it is (the links file)
        body = weighted((2, st.none()), (1, json_text(VOCABULARY)), (1, hostile_text()), (1, st.text()))
    language = st.sampled_from([None, "pl", "en", "en-US,en;q=0.9", "de"])
    content_type = weighted((8, st.just("application/json")), (2, st.sampled_from(CONTENT_TYPES)))
    encoding = weighted((8, st.just("text")), (1, st.just("base64")), (1, st.just("bytes")))

    @st.composite
    def build(draw: st.DrawFn) -> FuzzRequest:
        drawn = {name: draw(strategy) for name, strategy in values.items()}
        path = _PARAM.sub(lambda m: drawn[m.group(1)], route.path)
        request = FuzzRequest(route.method, path, query=draw(query))
        request.language = draw(language)
        text = draw(body)
        request.content_type = draw(content_type)
        how = draw(encoding)
        if text is not None and how == "base64":
            request.base64_body = base64.b64encode(text.encode("utf-8", errors="surrogatepass")).decode()
        elif how == "bytes":
            request.base64_body = base64.b64encode(draw(st.binary(max_size=64))).decode()
        else:
            request.body = text
        return request

    return build()


# --- calling and checking ---------------------------------------------------------------------


def loopback_only_lookups(monkeypatch: Any) -> None:
    """Name lookups other than loopback fail at once, so a generated shop URL never leaves the
    machine (and never waits for a resolver)."""
    real = socket.getaddrinfo

    def lookup(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host in ("127.0.0.1", "localhost", "::1", b"127.0.0.1", b"localhost"):
            return real(host, *args, **kwargs)
        raise socket.gaierror(socket.EAI_NONAME, "name lookups are off while fuzzing")

    monkeypatch.setattr(socket, "getaddrinfo", lookup)


class FuzzClient(ApiClient):
    """:class:`ApiClient` that can also send a body base64-encoded, as API Gateway passes
    binary bodies (``isBase64Encoded``), and sends exactly the content type it is given."""

    _base64_body: str | None = None

    def send(self, request: FuzzRequest) -> ApiAnswer:
        headers = {"content-type": request.content_type, **request.headers}
        if request.language is not None:
            headers["accept-language"] = request.language
        self._base64_body = request.base64_body
        try:
            raw = "placeholder" if request.base64_body is not None else request.body
            return self.call(request.method, request.path, query=request.query, headers=headers, raw_body=raw)
        finally:
            self._base64_body = None

    def _invoke(self, function: str, event: dict[str, Any]) -> Any:
        if self._base64_body is not None and function != self.model.authorizer:
            event = {**event, "body": self._base64_body, "isBase64Encoded": True}
        return super()._invoke(function, event)


def check_answer(answer: ApiAnswer, request: FuzzRequest | None = None) -> None:
    """Never a 5xx; a 4xx is ``{"error": {"code", "message", "details"}}`` with a snake_case
    code and a message with every placeholder filled in."""
    where = f"{request.method} {request.path}?{request.query}" if request else ""
    assert answer.status < 500, f"{where} → {answer.status}: {answer.text[:500]}"
    if answer.status < 400:
        return
    assert answer.headers.get("content-type", "").startswith("application/json"), (where, answer.headers)
    body = answer.json
    assert isinstance(body, dict) and list(body) == ["error"], (where, answer.text[:500])
    error = body["error"]
    assert set(error) == {"code", "message", "details"}, (where, error)
    assert isinstance(error["code"], str) and _SNAKE.match(error["code"]), (where, error)
    assert isinstance(error["message"], str) and error["message"].strip(), (where, error)
    assert not _UNFILLED.search(error["message"]), (where, error)
    assert isinstance(error["details"], list), (where, error)
