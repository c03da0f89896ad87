"""Links file helpers: uploads as API Gateway delivers them (binary bodies base64-encoded) and
the arithmetic every answer must satisfy."""

from __future__ import annotations

import importlib
import json
from typing import Any

from local.stack.events import LambdaContext, http_api_event
from shophub.services.links_csv import LINKS_FILE_COLUMNS
from tests.support.api import ApiAnswer

HEADER = ",".join(LINKS_FILE_COLUMNS)


def post_links_file(
    account_id: str, body: bytes, *, tenant: str = "tenant-a", language: str = "en", content_type: str = "text/csv"
) -> ApiAnswer:
    """``POST /accounts/{id}/links/file`` straight into the importer handler (the authorizer's
    context given). ``content_type=application/octet-stream`` makes the body base64, as API
    Gateway sends a binary upload."""
    event = http_api_event(
        "POST",
        f"/accounts/{account_id}/links/file",
        headers={"content-type": content_type, "accept-language": language},
        body=body,
        route_key="POST /accounts/{id}/links/file",
        path_parameters={"id": account_id},
        authorizer_context={"tenant_id": tenant, "token_name": "test"},
    )
    handler = importlib.import_module("functions.importer.handler").handler
    answer = dict(handler(event, LambdaContext("ImporterFunction", 120)))
    return ApiAnswer(int(answer["statusCode"]), dict(answer.get("headers") or {}), answer.get("body") or "")


def assert_every_line_counted(result: dict[str, Any]) -> None:
    """``linked + unchanged + skipped + rejected == lines`` (an answer or a finished job)."""
    rejected = result["rejected_total"] if "rejected_total" in result else result["rejected"]
    assert result["linked"] + result["unchanged"] + result["skipped"] + rejected == result["lines"], result


def answer_size(answer: ApiAnswer) -> int:
    """Bytes of the answer's body as sent."""
    return len(answer.text.encode("utf-8"))


def json_of(answer: ApiAnswer) -> Any:
    return json.loads(answer.text) if answer.text else None
