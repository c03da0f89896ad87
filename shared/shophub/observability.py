"""Powertools Logger / Metrics / Tracer shared by every function, with secret redaction.

The logger's formatter redacts, in every record and every nested field: PrestaShop webservice
keys (32 upper-case alphanumerics), bearer tokens, ``Authorization`` headers and any field whose
name says it holds a secret (``api_key``, ``token``, ``password``, ``authorization``, ``ws_key``).
"""

from __future__ import annotations

import re
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter
from aws_lambda_powertools.logging.types import LogRecord

REDACTED = "***"
TRACED_MODULES = ("botocore", "httpx")
_SECRET_FIELD = re.compile(r"(api_?key|token|password|secret|authorization|ws_key)", re.IGNORECASE)
_PATTERNS = (
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+"),
    re.compile(r"(?i)(basic\s+)[A-Za-z0-9+/=]+"),
    re.compile(r"(?i)(ws_key=)[^&\s\"']+"),
    re.compile(r"()\b[A-Z0-9]{32}\b"),
)


def redact_text(text: str) -> str:
    """``text`` with keys and tokens replaced by ``***``."""
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + REDACTED, text)
    return text


def redact(value: Any) -> Any:
    """A copy of ``value`` (str, dict, list, ...) with secrets redacted."""
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        return {
            k: (REDACTED if isinstance(k, str) and _SECRET_FIELD.search(k) and v else redact(v))
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [redact(v) for v in value]
    return value


class RedactingFormatter(LambdaPowertoolsFormatter):
    """Powertools JSON formatter that redacts secrets before serialising."""

    def serialize(self, log: LogRecord) -> str:
        return super().serialize(log=redact(log))


logger = Logger(service="shophub", logger_formatter=RedactingFormatter())
metrics = Metrics(namespace="ShopHub", service="shophub")
#: Only the two clients ShopHub uses are patched (AWS calls through botocore, shop calls through
#: httpx): the default would import and patch every library the SDK knows that happens to be
#: installed, at every cold start.
tracer = Tracer(service="shophub", patch_modules=TRACED_MODULES)
