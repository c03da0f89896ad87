"""Messages of the catalog area: key → {"pl": ..., "en": ...}."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {}
