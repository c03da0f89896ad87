"""``GET /openapi.json`` and ``GET /docs`` (``functions/api``): the API's description, no token.

The document is ``docs/openapi.json``, generated from the routes by ``make openapi``
(``local/openapi.py``), which writes the same text into this package as ``openapi.json``: the
layer ships ``shared/shophub`` whole (``shared/Makefile``), so the file is at hand in the Lambda
without reading anything outside the layer at run time. A test keeps both copies identical.

``/docs`` is a small self-contained page (``docs.html``, no CDN): it reads ``./openapi.json``,
lists every operation with its parameters, body and answers, and can send a request with a
token typed into the page. Its inline script and style are allowed by hash in its
Content-Security-Policy, nothing else is.
"""

import base64
import hashlib
import re
from functools import cache
from importlib import resources

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

router = APIGatewayHttpRouter()
TAGS = ["docs"]

#: The packaged copy of ``docs/openapi.json`` (``local/openapi.py`` writes both).
DOCUMENT_FILE = "openapi.json"
PAGE_FILE = "docs.html"


def _read(name: str) -> str:
    return resources.files(__package__ or "shophub.api").joinpath(name).read_text(encoding="utf-8")


@cache
def document_text() -> str:
    """The OpenAPI document as served (read once per container)."""
    return _read(DOCUMENT_FILE)


def _sha256_sources(page: str, tag: str) -> str:
    blocks = re.findall(rf"<{tag}>(.*?)</{tag}>", page, flags=re.DOTALL)
    return " ".join(f"'sha256-{base64.b64encode(hashlib.sha256(b.encode()).digest()).decode()}'" for b in blocks)


@cache
def _page() -> tuple[str, str]:
    page = _read(PAGE_FILE)
    policy = (
        f"default-src 'none'; script-src {_sha256_sources(page, 'script')}; "
        f"style-src {_sha256_sources(page, 'style')}; connect-src 'self'; img-src 'self' data:; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )
    return page, policy


@router.get(
    "/openapi.json",
    summary="This API's OpenAPI 3.1 document (no token)",
    tags=TAGS,
    responses={200: {"description": "The OpenAPI document", "content": {"application/json": {}}}},
)
def openapi_document() -> Response[str]:
    return Response(
        status_code=200,
        content_type="application/json; charset=utf-8",
        body=document_text(),
        headers={"Cache-Control": "public, max-age=300", "X-Content-Type-Options": "nosniff"},
    )


@router.get(
    "/docs",
    summary="Interactive API documentation (HTML, no token)",
    tags=TAGS,
    responses={200: {"description": "An HTML page reading ./openapi.json", "content": {"text/html": {}}}},
)
def docs_page() -> Response[str]:
    page, policy = _page()
    return Response(
        status_code=200,
        content_type="text/html; charset=utf-8",
        body=page,
        headers={
            "Content-Security-Policy": policy,
            "Cache-Control": "public, max-age=300",
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
        },
    )
