"""Base classes for hub models.

Every ShopHub model derives from :class:`Model`, which builds its validator and serializer on
first use instead of at import (pydantic's ``defer_build``). A function declares many more
models than one invocation touches (the API function alone holds ~90: every route's request
and response, every stored item, every shop record), so a cold start pays only for the models
its first request or message actually uses.

Modules that declare models (``domain/``, ``api/``) do not use ``from __future__ import
annotations``: with it every field annotation is a string that pydantic parses again at class
creation, which made importing them about a third slower.
"""

import unicodedata
from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field


class Model(BaseModel):
    """Base of every ShopHub model: validators built on first use."""

    model_config = ConfigDict(defer_build=True)


class HubModel(Model):
    """A stored hub model: attribute names are the DynamoDB item's attribute names."""

    model_config = ConfigDict(extra="ignore")


class RequestModel(Model):
    """An API request body: unknown fields are refused (400), values validated (422)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# --- names a merchant types ---------------------------------------------------------------------

#: Characters that reorder the text around them (bidi embeddings, overrides, isolates and marks):
#: a name holding one displays as something else than it is (``U+202E`` turns "exe.txt" around).
_BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069",
)
#: Characters that show nothing (besides whitespace): a name made only of them looks empty.
_INVISIBLE = frozenset(
    "\u00ad\u034f\u115f\u1160\u180e\u200b\u200c\u200d\u2060\u2061\u2062\u2063\u2064\u3164\ufeff\uffa0",
)
DISPLAY_NAME_MAX = 100


def _is_blank(ch: str) -> bool:
    return ch.isspace() or ch in _INVISIBLE


def refuse_hidden_controls(value: object) -> object:
    """Refuse a name holding control characters (NUL, tab, newline, ... anywhere, also at the
    edges, before any trimming) or bidi controls; other values go on to the type check."""
    if isinstance(value, str):
        if any(unicodedata.category(ch) in ("Cc", "Cs") for ch in value):
            raise ValueError("The name must not contain control characters.")
        if any(ch in _BIDI_CONTROLS for ch in value):
            raise ValueError("The name must not contain text direction (bidi) control characters.")
    return value


def normalize_display_name(value: str) -> str:
    """A name as the hub keeps it: trimmed of whitespace and invisible characters, inner
    whitespace runs collapsed to one space; ``ValueError`` when nothing visible is left."""
    start, end = 0, len(value)
    while start < end and _is_blank(value[start]):
        start += 1
    while end > start and _is_blank(value[end - 1]):
        end -= 1
    if start == end:
        raise ValueError("The name must contain visible characters.")
    return " ".join(value[start:end].split())


#: Every display name a merchant types (accounts, templates, hub dictionary entries, ...): one
#: validation, one normalization, refused with a 422 naming the field. Control and bidi
#: characters are refused wherever they are; lengths count the name as sent, edges trimmed.
DisplayName = Annotated[
    str,
    Field(min_length=1, max_length=DISPLAY_NAME_MAX),  # first: pydantic's own string length errors
    BeforeValidator(refuse_hidden_controls),
    AfterValidator(normalize_display_name),
]
