"""A request's JSON body, read within limits before it is parsed.

Every route that takes a JSON body reads it here (through the resolver's validation middleware,
:mod:`shophub.http`), so no route can be made to fail with a 500 by its body. The checks run in
this order, each answering in the API's error shape:

1. the content type: ``application/json`` (or ``application/<x>+json``), UTF-8 → else 415;
2. the size, in bytes after any base64 decoding, before decoding → 413 over :data:`MAX_BODY_BYTES`;
3. base64 (a body API Gateway sent encoded) and UTF-8 → 400 when they are broken;
4. a scan of the text that costs a few regular-expression passes and parses nothing: nesting
   deeper than :data:`MAX_DEPTH` or a number literal longer than :data:`MAX_NUMBER_CHARS`
   characters → 400. These are what made ``json.loads`` itself fail (``RecursionError`` for
   100,000 nested arrays, ``ValueError`` for an integer of more than 4,300 digits);
5. ``json.loads`` of what passed, strict: ``NaN``, ``Infinity``, a number too large for a float
   and an unpaired surrogate escape (``"\\ud800"``, which cannot be written as UTF-8 and would
   fail later, in DynamoDB or in the answer) are malformed JSON → 400.

Whether the value must be an object is the route's business (its body model); see
:func:`shophub.http.build_resolver`.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from itertools import accumulate
from typing import Any

from shophub.errors import BadRequestError, PayloadTooLargeError, UnsupportedMediaTypeError

#: Largest JSON body, in bytes. The largest legitimate one, ``PUT /stock`` with its 1,000 items,
#: is about 50 KB (80 KB pretty-printed); 256 KiB leaves room and keeps the scan, the parse and
#: the model validation of the worst accepted body within a few milliseconds.
MAX_BODY_BYTES = 256 * 1024
#: Deepest nesting of arrays and objects. Request models nest three levels
#: (``{"items": [{...}]}``); 32 is generous and far below Python's recursion limit.
MAX_DEPTH = 32
#: Longest number literal, in characters. An id or quantity has at most 12 digits, a double
#: printed in full 24 characters; Python refuses integers of more than 4,300 digits.
MAX_NUMBER_CHARS = 100

#: Content types a JSON route accepts (parameters aside): ``application/json`` and ``+json`` types.
_JSON_TYPE = re.compile(r"^application/(?:[\w.!#$&^-]+\+)?json$", re.IGNORECASE)
#: A JSON string, also an unterminated one at the end of the text (the parser refuses it later).
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*(?:"|\\?\Z)', re.DOTALL)
#: A run of number characters longer than the limit, matched only from the run's start.
_LONG_NUMBER = re.compile(rf"(?<![-+.0-9eE])[-0-9][-+.0-9eE]{{{MAX_NUMBER_CHARS},}}")
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_DEPTH_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}
#: Where an unpaired surrogate may hide: a ``\\uD800``-``\\uDFFF`` escape.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def malformed_json() -> BadRequestError:
    return BadRequestError("malformed json", code="malformed_json")


def check_content_type(content_type: str | None) -> None:
    """415 unless the body is JSON in UTF-8 (no content type at all counts as JSON)."""
    media_type, *parameters = (content_type or "").split(";")
    media_type = media_type.strip()
    if not media_type:
        return
    charsets = [value for name, _, value in (p.strip().partition("=") for p in parameters) if name.lower() == "charset"]
    if _JSON_TYPE.match(media_type) and all(c.strip().strip('"').lower() in ("utf-8", "utf8") for c in charsets):
        return
    raise UnsupportedMediaTypeError(
        f"content type {media_type!r}", params={"content_type": (content_type or "").strip()[:100]}
    )


def body_text(body: str, *, base64_encoded: bool) -> str:
    """The body as text: its size checked first (413), base64 and UTF-8 checked (400)."""
    if base64_encoded:
        # four base64 characters carry three bytes: refuse before decoding anything larger
        if len(body) > (MAX_BODY_BYTES + 2) // 3 * 4 + 4:
            raise _too_large()
        try:
            raw = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            raise BadRequestError("body is not base64", code="body_not_base64") from None
    else:
        if len(body) > MAX_BODY_BYTES:  # a character is at least one byte
            raise _too_large()
        try:
            raw = body.encode("utf-8")
        except UnicodeEncodeError:  # unpaired surrogates: no UTF-8 request carries them
            raise BadRequestError("body is not utf-8", code="body_not_utf8") from None
    if len(raw) > MAX_BODY_BYTES:
        raise _too_large()
    if not base64_encoded:
        return body
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequestError("body is not utf-8", code="body_not_utf8") from None


def check_json_limits(text: str) -> None:
    """400 when the text nests deeper than :data:`MAX_DEPTH` or holds a number literal longer
    than :data:`MAX_NUMBER_CHARS`. Parses nothing: strings are blanked out first (their
    contents may hold anything), then brackets are counted and number runs measured."""
    skeleton = _STRING.sub('""', text)
    if _LONG_NUMBER.search(skeleton):
        raise BadRequestError("number too long", code="json_number_too_long", params={"max_chars": MAX_NUMBER_CHARS})
    brackets = _NOT_BRACKET.sub("", skeleton)
    # The parser never goes deeper than the most brackets open at once in the text it accepts.
    if len(brackets) > MAX_DEPTH and max(accumulate(map(_DEPTH_STEP.__getitem__, brackets))) > MAX_DEPTH:
        raise BadRequestError("nested too deep", code="json_too_deep", params={"max_depth": MAX_DEPTH})


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text} does not fit a float")
    return value


def parse_json(text: str) -> Any:
    """``json.loads`` of a text that passed :func:`check_json_limits`, strict (400 if malformed)."""
    try:
        value = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
    except ValueError:  # JSONDecodeError included
        raise malformed_json() from None
    if _SURROGATE_ESCAPE.search(text):
        try:
            json.dumps(value, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise malformed_json() from None
    return value


def read_json_body(body: str | None, *, base64_encoded: bool, content_type: str | None) -> Any:
    """The parsed JSON body of a request, or ``None`` when it has none; every check of this
    module's docstring applies, each failing with its own error (413, 415 or 400)."""
    if not body:
        return None
    check_content_type(content_type)
    text = body_text(body, base64_encoded=base64_encoded)
    check_json_limits(text)
    return parse_json(text)


def _too_large() -> PayloadTooLargeError:
    return PayloadTooLargeError("body too large", params={"limit_kb": MAX_BODY_BYTES // 1024})
