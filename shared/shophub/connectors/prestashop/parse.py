"""Reading PrestaShop webservice answers and writing its request bodies.

Every quirk seen on a real PrestaShop 8.1.2 shop (``shared/fixtures/prestashop-8.1.2``) is
handled here:

* an empty JSON list is a bare ``[]``, an empty XML list ``<orders>\\n</orders>``;
* a list is ``{"orders": [...]}``; a single record ``{"order": {...}}``; a single id asked with
  ``display=[...]`` comes back in list form;
* ids are ints in GET answers and strings in POST/PATCH answers; flags are ``"0"``/``"1"`` (or
  ints, or ``""`` for false); money is a 6-decimal string;
* multi-language fields are ``[{"id": 1, "value": ...}]`` (ids int or string) or a plain string
  when ``language=N`` was asked; XML uses ``<language id="N">`` children;
* "no date" is ``0000-00-00 00:00:00`` (or ``0000-00-00``); dates are shop-local without offset;
* errors are ``{"errors": [{"code": ..., "message": ...}]}`` or ``<errors><error>`` in XML, and a
  404 has an empty body.

XML is parsed with :mod:`defusedxml` with DTDs, entities and external references forbidden.
Request bodies are always XML (PrestaShop 8 cannot read JSON input: 500 code 127).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from xml.etree.ElementTree import Element, ParseError, SubElement, tostring
from zoneinfo import ZoneInfo

import defusedxml
from defusedxml.ElementTree import fromstring as safe_fromstring

from shophub.errors import ShopResponseError

XLINK_NS = "http://www.w3.org/1999/xlink"
_ZERO_DATES = ("0000-00-00 00:00:00", "0000-00-00", "")
METHODS = ("GET", "PUT", "POST", "PATCH", "DELETE", "HEAD")


class RecordError(ValueError):
    """A record could not be translated (missing or malformed field)."""


# --- documents -----------------------------------------------------------------------------------


def looks_like_html(body: bytes, content_type: str = "") -> bool:
    """True for an HTML page (a WAF block, a maintenance or login page, a PHP error page)."""
    head = body[:512].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<br", b"<b>")):
        return True
    return "text/html" in content_type.lower() and not head.startswith((b"{", b"[", b"<?xml", b"<prestashop"))


def load_json(body: bytes) -> Any:
    """Decode a JSON answer; truncated or non-JSON bodies raise :class:`ShopResponseError`."""
    if not body.strip():
        raise ShopResponseError("the shop sent an empty answer where JSON was expected")
    if looks_like_html(body):
        raise ShopResponseError(
            "the shop sent an HTML page instead of a webservice answer "
            "(a firewall, a maintenance page or a wrong address?)"
        )
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise ShopResponseError(
            "the shop's JSON answer is truncated or invalid"
            + (" (it looks cut off)" if not body.rstrip().endswith((b"}", b"]")) else "")
        ) from None


def load_xml(body: bytes) -> Element:
    """Parse an XML answer safely (no DTD, no entities, no external references)."""
    if not body.strip():
        raise ShopResponseError("the shop sent an empty answer where XML was expected")
    if looks_like_html(body):
        raise ShopResponseError(
            "the shop sent an HTML page instead of a webservice answer "
            "(a firewall, a maintenance page or a wrong address?)"
        )
    try:
        root: Element = safe_fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except defusedxml.DefusedXmlException as exc:
        raise ShopResponseError(
            f"the shop's XML answer was refused: it declares a DTD or entities ({type(exc).__name__})"
        ) from None
    except (ParseError, ValueError, RecursionError):
        raise ShopResponseError("the shop's XML answer is truncated or not well-formed") from None
    return root


def _strip_ns(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


# --- errors ----------------------------------------------------------------------------------------


def error_entries(body: bytes, content_type: str = "") -> list[tuple[int | None, str]] | None:
    """The PrestaShop ``errors`` list of an error answer, or None when it is not one."""
    text = body.strip()
    if not text:
        return None
    if text.startswith((b"{", b"[")):
        try:
            payload = json.loads(text)
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
            return None
        if not isinstance(payload, dict) or not isinstance(payload.get("errors"), list):
            return None
        out: list[tuple[int | None, str]] = []
        for entry in payload["errors"]:
            if isinstance(entry, dict):
                out.append((_opt_code(entry.get("code")), str(entry.get("message") or "")))
        return out or None
    if text.startswith(b"<"):
        try:
            root = load_xml(text)
        except ShopResponseError:
            return None
        errors = root if _strip_ns(root.tag) == "errors" else root.find("errors")
        if errors is None:
            return None
        out = []
        for node in errors:
            if _strip_ns(node.tag) != "error":
                continue
            code = node.findtext("code")
            message = node.findtext("message") or ""
            out.append((_opt_code(code), message.strip()))
        return out or None
    return None


def _opt_code(value: Any) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


# --- record lists ----------------------------------------------------------------------------------


def records_from_json(payload: Any, plural: str, singular: str | None = None) -> list[dict[str, Any]]:
    """The records of a JSON answer in every shape PrestaShop uses."""
    if isinstance(payload, list):
        if payload:
            raise ShopResponseError(f"unexpected JSON list in the {plural} answer")
        return []
    if not isinstance(payload, dict):
        raise ShopResponseError(f"unexpected JSON answer for {plural}")
    if plural in payload:
        value = payload[plural]
        if isinstance(value, list):
            return [r for r in value if isinstance(r, dict)]
        if isinstance(value, dict):
            return [value]
        if value in ("", None):
            return []
        raise ShopResponseError(f"unexpected {plural} value in the answer")
    if singular and singular in payload and isinstance(payload[singular], dict):
        return [payload[singular]]
    if not payload:
        return []
    raise ShopResponseError(f"the answer does not contain {plural}")


def xml_to_value(node: Element) -> Any:
    """Convert an XML record element to the same shape as its JSON form."""
    children = list(node)
    if not children:
        return node.text or ""
    if all(_strip_ns(c.tag) == "language" for c in children):
        return [{"id": c.get("id"), "value": c.text or ""} for c in children]
    record: dict[str, Any] = {}
    for child in children:
        tag = _strip_ns(child.tag)
        if tag == "associations":
            record["associations"] = {_strip_ns(assoc.tag): [xml_to_value(item) for item in assoc] for assoc in child}
        else:
            record[tag] = xml_to_value(child)
    return record


def records_from_xml(root: Element, plural: str, singular: str) -> list[dict[str, Any]]:
    """The records of an XML answer (``<prestashop><orders><order>…`` or a single record)."""
    container = root.find(plural)
    if container is not None:
        out = []
        for item in container:
            value = xml_to_value(item)
            if isinstance(value, dict):
                out.append(value)
            elif item.get("id"):
                out.append({"id": item.get("id")})
        return out
    single = root.find(singular)
    if single is not None:
        value = xml_to_value(single)
        return [value] if isinstance(value, dict) else []
    raise ShopResponseError(f"the XML answer does not contain {plural}")


def parse_api_root(root: Element) -> tuple[str | None, dict[str, frozenset[str]]]:
    """Shop name and per-resource permissions from ``GET /api/`` (XML)."""
    api = root.find("api")
    if api is None:
        if _strip_ns(root.tag) == "api":
            api = root
        else:
            raise ShopResponseError("the webservice root answer has no <api> element")
    permissions: dict[str, frozenset[str]] = {}
    for resource in api:
        name = _strip_ns(resource.tag)
        granted = frozenset(m for m in METHODS if (resource.get(m.lower()) or "").lower() == "true")
        if granted:
            permissions[name] = granted
    return api.get("shopName") or api.get("shopname"), permissions


# --- field coercion -----------------------------------------------------------------------------


def as_int(value: Any, field: str = "value") -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    try:
        text = str(value).strip()
        if text == "":
            raise ValueError
        return int(text)
    except (TypeError, ValueError):
        raise RecordError(f"{field}: expected an integer, got {value!r}") from None


def as_opt_int(value: Any, field: str = "value", *, zero_is_none: bool = False) -> int | None:
    if value is None or (isinstance(value, str) and value.strip() == ""):
        return None
    number = as_int(value, field)
    return None if zero_is_none and number == 0 else number


def as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    if isinstance(value, int):
        return value != 0
    return str(value).strip().lower() in ("1", "true", "yes")


def as_decimal(value: Any, field: str = "value") -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise RecordError(f"{field}: expected a number, got {value!r}")
    if isinstance(value, int):
        return Decimal(value)
    try:
        text = str(value).strip()
        if text == "":
            return Decimal(0)
        number = Decimal(text)
    except (InvalidOperation, TypeError, ValueError):
        raise RecordError(f"{field}: expected a number, got {value!r}") from None
    if not number.is_finite():
        raise RecordError(f"{field}: expected a finite number, got {value!r}")
    return number


def as_str(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return lang_value(value)
    return str(value)


def lang_value(value: Any, language_id: int = 1) -> str:
    """Pick one language from a multi-language field (the wanted id, else the first)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        first: str | None = None
        for entry in value:
            if not isinstance(entry, dict):
                continue
            text = "" if entry.get("value") is None else str(entry.get("value"))
            if first is None:
                first = text
            try:
                if int(entry.get("id")) == language_id:  # type: ignore[arg-type]
                    return text
            except (TypeError, ValueError):
                continue
        return first or ""
    return str(value)


def shop_local(value: Any) -> datetime | None:
    """A shop date string as a naive shop-local datetime (None for ``0000-00-00...``)."""
    if value is None:
        return None
    text = str(value).strip()
    if text in _ZERO_DATES or text.startswith("0000-00-00"):
        return None
    try:
        if len(text) == 10:
            parsed = date.fromisoformat(text)
            return datetime(parsed.year, parsed.month, parsed.day)  # noqa: DTZ001
        return datetime.strptime(text, "%Y-%m-%d %H:%M:%S")  # noqa: DTZ007
    except ValueError:
        raise RecordError(f"unexpected date {text!r}") from None


def local_to_utc(local: datetime, tz: ZoneInfo) -> datetime:
    """Shop-local wall time → aware UTC (an ambiguous time takes its first occurrence)."""
    return local.replace(tzinfo=tz, fold=0).astimezone(UTC)


def utc_to_local(moment: datetime, tz: ZoneInfo) -> datetime:
    """Aware moment → naive shop-local wall time, to the second."""
    if moment.tzinfo is None:
        raise ValueError("expected an aware datetime")
    return moment.astimezone(tz).replace(tzinfo=None, microsecond=0)


def as_utc(value: Any, tz: ZoneInfo) -> datetime | None:
    local = shop_local(value)
    return None if local is None else local_to_utc(local, tz)


def association(record: Mapping[str, Any], name: str) -> list[dict[str, Any]]:
    assoc = record.get("associations")
    if not isinstance(assoc, dict):
        return []
    value = assoc.get(name)
    if isinstance(value, list):
        return [v for v in value if isinstance(v, dict)]
    if isinstance(value, dict):
        return [value]
    return []


# --- request bodies ----------------------------------------------------------------------------


def xml_body(node: str, rows: Sequence[Mapping[str, Any]]) -> bytes:
    """``<prestashop><node>…</node>…</prestashop>``; values are escaped, None is empty."""
    root = Element("prestashop", {"xmlns:xlink": XLINK_NS})
    for row in rows:
        item = SubElement(root, node)
        for key, value in row.items():
            child = SubElement(item, key)
            if value is None:
                continue
            if isinstance(value, bool):
                child.text = "1" if value else "0"
            elif isinstance(value, Decimal):
                child.text = format(value, "f")
            elif isinstance(value, list):
                for entry in value:
                    if isinstance(entry, dict) and "id" in entry:
                        lang = SubElement(child, "language", {"id": str(entry["id"])})
                        lang.text = "" if entry.get("value") is None else str(entry.get("value"))
            else:
                child.text = str(value)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + tostring(root, encoding="utf-8", xml_declaration=False)
