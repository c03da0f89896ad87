"""User-facing messages in Polish (default) and English.

Messages are looked up by key; ``{name}`` placeholders are filled from the error's params.
The language comes from the request's ``Accept-Language`` header (:func:`pick_language`).

The catalogues here are platform-neutral. A message that must say where to click in the shop's
own administration is worded by the platform: when the params name a ``platform``, its
connector profile's :attr:`~shophub.connectors.base.ConnectorProfile.texts` come first (texts
stored without a platform read as the default platform's).
"""

from __future__ import annotations

from typing import Any

from shophub.i18n import (
    messages,
    messages_accounts,
    messages_admin,
    messages_catalog,
    messages_config,
    messages_files,
    messages_orders,
    messages_stock,
)

#: Every catalogue merged; each area keeps its own module so keys are easy to find.
MESSAGES: dict[str, dict[str, str]] = {
    **messages.MESSAGES,
    **messages_accounts.MESSAGES,
    **messages_config.MESSAGES,
    **messages_catalog.MESSAGES,
    **messages_stock.MESSAGES,
    **messages_orders.MESSAGES,
    **messages_files.MESSAGES,
    **messages_admin.MESSAGES,
}

LANGUAGES = ("pl", "en")
DEFAULT_LANGUAGE = "pl"


def pick_language(accept_language: str | None) -> str:
    """Return ``"en"`` or ``"pl"`` from an ``Accept-Language`` header (quality values honoured)."""
    if not accept_language:
        return DEFAULT_LANGUAGE
    best: tuple[float, str] | None = None
    for part in accept_language.split(","):
        piece = part.strip()
        if not piece:
            continue
        tag, _, params = piece.partition(";")
        quality = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                quality = float(params[2:])
            except ValueError:
                quality = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary in LANGUAGES and (best is None or quality > best[0]):
            best = (quality, primary)
    return best[1] if best else DEFAULT_LANGUAGE


class _SafeParams(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def platform_entry(key: str, platform: Any = None) -> dict[str, str] | None:
    """The wording of ``key`` declared by ``platform``'s profile (the default platform's when
    None); a key only a platform declares (e.g. its credential messages) is found in any."""
    from shophub.connectors import known_platforms, profile_for

    try:
        entry = profile_for(platform if isinstance(platform, str) else None).texts.get(key)
    except ValueError:
        entry = None
    if entry is None and key not in MESSAGES:
        entry = next((t[key] for t in (profile_for(p).texts for p in known_platforms()) if key in t), None)
    return dict(entry) if entry else None


def translate(key: str, language: str = DEFAULT_LANGUAGE, **params: Any) -> str:
    """The message ``key`` in ``language`` with ``params`` filled in; unknown keys fall back."""
    entry = platform_entry(key, params.get("platform")) or MESSAGES.get(key) or MESSAGES["internal_error"]
    template = entry.get(language) or entry[DEFAULT_LANGUAGE]
    return template.format_map(_SafeParams(params))


# --- stored messages: a key and JSON-safe parameters, rendered per reader ---------------------------

_KEY = "$key"
_LIST = "$list"


def text(key: str, **params: Any) -> dict[str, Any]:
    """A localized part of a stored message (e.g. a reason inside a sentence): rendered in the
    reader's language by :func:`render`, JSON-safe so it can be stored."""
    return {_KEY: key, "params": params}


def text_list(items: list[Any], separator: str = ", ") -> dict[str, Any]:
    """A list of parts (texts or plain values) joined with ``separator`` when rendered."""
    return {_LIST: items, "separator": separator}


def render(key: str, language: str = DEFAULT_LANGUAGE, params: dict[str, Any] | None = None) -> str:
    """The stored message ``key`` in ``language``, nested :func:`text` / :func:`text_list` parts
    rendered in the same language."""
    return translate(key, language, **{name: render_part(value, language) for name, value in (params or {}).items()})


def render_part(value: Any, language: str) -> Any:
    """A stored parameter in ``language``: a :func:`text` or :func:`text_list` rendered, a list
    joined with commas, anything else as it is."""
    if isinstance(value, dict) and _KEY in value:
        return render(str(value[_KEY]), language, value.get("params") or {})
    if isinstance(value, dict) and _LIST in value:
        return str(value.get("separator", ", ")).join(str(render_part(v, language)) for v in value[_LIST])
    if isinstance(value, list):
        return ", ".join(str(render_part(v, language)) for v in value)
    return value
