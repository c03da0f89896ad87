"""Reading a JSON body within limits, before parsing it (shophub/api/request_body.py)."""

from __future__ import annotations

import base64
import contextlib
import time

import pytest

from shophub.api.request_body import (
    MAX_BODY_BYTES,
    MAX_DEPTH,
    MAX_NUMBER_CHARS,
    read_json_body,
)
from shophub.errors import BadRequestError, PayloadTooLargeError, UnsupportedMediaTypeError


def read(body: str | None, *, content_type: str | None = "application/json", encoded: bool = False) -> object:
    return read_json_body(body, base64_encoded=encoded, content_type=content_type)


def refusal(body: str, **kw: object) -> tuple[int, str]:
    with pytest.raises((BadRequestError, PayloadTooLargeError, UnsupportedMediaTypeError)) as caught:
        read(body, **kw)  # type: ignore[arg-type]
    return caught.value.status, caught.value.code


def test_a_body_within_the_limits_is_parsed() -> None:
    nested = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    assert read('{"quantity": 5, "name": "Żółw"}') == {"quantity": 5, "name": "Żółw"}
    assert read(nested) is not None
    assert read("[" + "9" * MAX_NUMBER_CHARS + "]") == [int("9" * MAX_NUMBER_CHARS)]
    assert read("[-1.7976931348623157e+308, 5e-324]") == [-1.7976931348623157e308, 5e-324]
    assert read(None) is None and read("") is None


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ("[" + "9" * 5001 + "]", 400, "json_number_too_long"),
        ("[" + "1" * (MAX_NUMBER_CHARS + 1) + "]", 400, "json_number_too_long"),
        ('{"a": -0.' + "0" * 200 + "1}", 400, "json_number_too_long"),
        ("[" * 100_000 + "]" * 100_000, 400, "json_too_deep"),
        ("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), 400, "json_too_deep"),
        ('{"a":' * (MAX_DEPTH + 1) + "1" + "}" * (MAX_DEPTH + 1), 400, "json_too_deep"),
        ("[" * 200_000, 400, "json_too_deep"),
        ("x" * (MAX_BODY_BYTES + 1), 413, "body_too_large"),
        ('"' + "ą" * (MAX_BODY_BYTES // 2) + '"', 413, "body_too_large"),  # bytes count, not characters
        ("{", 400, "malformed_json"),
        ("[NaN]", 400, "malformed_json"),
        ("[-Infinity]", 400, "malformed_json"),
        ("[1e400]", 400, "malformed_json"),
        ('["\\ud800"]', 400, "malformed_json"),
        ('["\\udc00\\ud800"]', 400, "malformed_json"),
        ("\ufeff{}", 400, "malformed_json"),
        ('{"a": "\x00"}', 400, "malformed_json"),
        ('["\ud800"]', 400, "body_not_utf8"),  # a raw unpaired surrogate in the event's text
    ],
)
def test_refusals(body: str, status: int, code: str) -> None:
    assert refusal(body) == (status, code)


def test_brackets_and_digits_inside_strings_do_not_count() -> None:
    inside = '{"name": "' + "[{" * 5000 + "9" * 5000 + '\\"]]"}'

    assert read(inside) == {"name": "[{" * 5000 + "9" * 5000 + '"]]'}


def test_an_unterminated_string_hides_nothing() -> None:
    # the scan treats the open string as a string to the end; the parser refuses it
    assert refusal('["' + "[" * 1000) == (400, "malformed_json")
    assert refusal("[" * (MAX_DEPTH + 1) + '"') == (400, "json_too_deep")


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "Application/JSON; charset=UTF-8",
        'application/json; charset="utf-8"',
        "application/problem+json",
        None,
        "",
    ],
)
def test_json_content_types_are_accepted(content_type: str | None) -> None:
    assert read("{}", content_type=content_type) == {}


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/json; charset=latin-1",
        "application/jsonx",
    ],
)
def test_other_content_types_are_415_naming_the_type(content_type: str) -> None:
    with pytest.raises(UnsupportedMediaTypeError) as caught:
        read("{}", content_type=content_type)

    assert caught.value.status == 415
    assert caught.value.params["content_type"] == content_type


def test_base64_bodies_are_decoded_and_checked() -> None:
    def encoded(raw: bytes) -> str:
        return base64.b64encode(raw).decode()

    assert read(encoded('{"name": "Żółw"}'.encode()), encoded=True) == {"name": "Żółw"}
    assert refusal(encoded(b'{"name": "\xff"}'), encoded=True) == (400, "body_not_utf8")
    assert refusal("not base64!", encoded=True) == (400, "body_not_base64")
    assert refusal(encoded(b"[" + b"1," * MAX_BODY_BYTES + b"1]"), encoded=True) == (413, "body_too_large")
    assert refusal(encoded(b"[" * 1000), encoded=True) == (400, "json_too_deep")


def test_the_largest_hostile_bodies_are_scanned_quickly() -> None:
    bodies = [
        "[" * (MAX_BODY_BYTES - 1),
        "[" + "1," * (MAX_BODY_BYTES // 2 - 1) + "]",
        '"' + '\\"' * (MAX_BODY_BYTES // 2 - 1) + '"',
        ("[" + "9" * MAX_NUMBER_CHARS + "]") * (MAX_BODY_BYTES // (MAX_NUMBER_CHARS + 2)),
    ]
    started = time.perf_counter()
    for body in bodies:
        with contextlib.suppress(BadRequestError):
            read(body)

    assert time.perf_counter() - started < 2.0  # each well under 100 ms on a laptop
