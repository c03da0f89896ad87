"""Keys and tokens never reach a log line."""

from __future__ import annotations

import json
import logging

from shophub.observability import RedactingFormatter, redact, redact_text

KEY = "ABCDEFGHIJKLMNOPQRSTUVWXYZ123456"


def test_redacts_keys_tokens_and_secret_fields():
    record = {
        "message": f"calling shop with {KEY}",
        "headers": {"Authorization": "Bearer shk_secret", "Accept": "application/json"},
        "api_key": KEY,
        "nested": [{"url": f"https://shop.example/api/?ws_key={KEY}"}],
    }

    cleaned = json.dumps(redact(record))

    assert KEY not in cleaned
    assert "shk_secret" not in cleaned
    assert "application/json" in cleaned


def test_bearer_and_basic_credentials_are_masked_in_text():
    assert "shk_abc" not in redact_text("Authorization: Bearer shk_abc")
    assert "QUJD" not in redact_text("Authorization: Basic QUJDOg==")


def test_formatter_redacts_what_the_logger_writes():
    formatter = RedactingFormatter()
    record = logging.LogRecord("shophub", logging.INFO, __file__, 1, f"key {KEY}", None, None)

    line = formatter.format(record)

    assert KEY not in line
    assert "***" in line
