"""Messages of the accounts area: key → {"pl": ..., "en": ...}."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {}
