"""Opaque, validated paging tokens.

A token is ``base64url(json({"s": scope, "k": last_key, "c": checksum}))``. ``scope`` names the
partition the token was issued for (e.g. ``TENANT#t1``), so a token from one listing (or one
tenant) is refused by another; a checksum catches edits. Anything that does not decode, does not
match its checksum, carries another scope or holds anything but the table's string key attributes
is a :class:`~shophub.errors.BadRequestError` (``invalid_paging_token``): a 400, never a 500.
The checksum is not a signature (anyone can compute it), so :meth:`HubTable.query_page` also
refuses a start key outside the partition it queries.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from typing import Any

from shophub.errors import BadRequestError

_SALT = b"shophub-paging-v1"
#: A last key only ever holds the table's and GSI1's key attributes, all strings (template.yaml).
_KEY_ATTRIBUTES = frozenset({"PK", "SK", "GSI1PK", "GSI1SK"})
_MAX_KEY_VALUE = 1024


def _checksum(scope: str, last_key: dict[str, Any]) -> str:
    payload = json.dumps([scope, last_key], sort_keys=True, separators=(",", ":"), default=str).encode()
    return hashlib.sha256(_SALT + payload).hexdigest()[:16]


def encode_token(last_key: dict[str, Any] | None, scope: str) -> str | None:
    """The token for the page after ``last_key`` (``None`` when there is no next page)."""
    if not last_key:
        return None
    plain = {k: (int(v) if isinstance(v, int) else str(v)) for k, v in last_key.items()}
    body = json.dumps({"s": scope, "k": plain, "c": _checksum(scope, plain)}, separators=(",", ":"))
    return base64.urlsafe_b64encode(body.encode()).decode().rstrip("=")


def decode_token(token: str | None, scope: str) -> dict[str, Any] | None:
    """The last key inside ``token``; ``None`` for no token; 400 for anything tampered."""
    if token is None or token == "":
        return None
    invalid = BadRequestError("invalid paging token", code="invalid_paging_token")
    if len(token) > 2048:
        raise invalid
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        body = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise invalid from None
    if not isinstance(body, dict) or set(body) != {"s", "k", "c"}:
        raise invalid
    last_key = body["k"]
    if body["s"] != scope or not isinstance(last_key, dict) or not last_key:
        raise invalid
    if not set(last_key) <= _KEY_ATTRIBUTES:
        raise invalid
    if not all(isinstance(v, str) and 0 < len(v) <= _MAX_KEY_VALUE for v in last_key.values()):
        raise invalid
    if body["c"] != _checksum(scope, last_key):
        raise invalid
    return last_key
