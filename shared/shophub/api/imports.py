"""Imports and linking (``functions/importer``): start, follow, list and abort imports; the
links file (download the hub catalogue with the shop's variants, upload pairs; a large file
becomes a job with progress and a report). Every route is tenant-scoped: another tenant's
account, import or job is a 404."""

import base64
import binascii
from typing import Annotated, Any, cast

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from shophub.api.context import ctx
from shophub.clock import Deadline, lambda_deadline
from shophub.domain.common import Model
from shophub.domain.imports import (
    Import,
    ImportItem,
    ImportListResponse,
    ImportMode,
    ImportRequest,
    ImportResponse,
    ImportStarted,
    ItemStatus,
    LinkFileResult,
    LinkJob,
    LinkJobResponse,
    LinkJobStarted,
    UniqueIdentifier,
)
from shophub.errors import BadRequestError, ValidationError
from shophub.http import json_response, require_id
from shophub.i18n import translate
from shophub.services.file_import import MAX_CATALOGUE_FILE_BYTES
from shophub.services.imports import ImportService
from shophub.services.linking import render_reason
from shophub.services.links_csv import MAX_LINKS_FILE_BYTES
from shophub.wiring import container

router = APIGatewayHttpRouter()

TAGS = ["imports"]
#: Seconds kept free before the Lambda's own timeout when a route talks to the shop.
_DEADLINE_MARGIN = 2.0
LINK_TAGS = ["linking"]


class ImportItemResponse(Model):
    shop_product_id: int
    shop_combination_id: int | None
    name: str
    status: ItemStatus
    hub_product_id: int | None
    reason: str


class ImportItemListResponse(Model):
    items: list[ImportItemResponse]
    next: str | None


def _http() -> APIGatewayHttpResolver:
    return cast(APIGatewayHttpResolver, router)


def _deadline() -> Deadline | None:
    """Seconds left for shop requests in this invocation (a margin kept before the timeout)."""
    return lambda_deadline(router.lambda_context, _DEADLINE_MARGIN)


def _import_response(run: Import) -> ImportResponse:
    return ImportResponse.of(run, ImportService.reason_of(run, ctx().language))


_ERROR_CONTENT: dict[str, Any] = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}


def _raw_body(limit: int, too_large: str, params: dict[str, Any]) -> bytes:
    """The request's body as bytes (API Gateway sends binary bodies base64-encoded); a body
    larger than ``limit`` is refused before it is decoded."""
    event = _http().current_event
    raw = event.body or ""
    if not event.is_base64_encoded:
        return raw.encode("utf-8", errors="replace")
    if len(raw) > (limit * 4) // 3 + 8:
        raise ValidationError("file too large", code=too_large, params=params)
    try:
        return base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        raise BadRequestError("body is not base64", code="bad_request") from None


class RefusalResponse(Model):
    line: int
    reason: str


class RefusalListResponse(Model):
    items: list[RefusalResponse]
    next: str | None


def _item_response(item: ImportItem, language: str) -> ImportItemResponse:
    return ImportItemResponse(
        shop_product_id=item.shop_product_id,
        shop_combination_id=item.shop_variant_id,
        name=item.name,
        status=item.status,
        hub_product_id=item.hub_product_id,
        reason=render_reason(item.reason_key, item.reason_params, language),
    )


# --- imports ------------------------------------------------------------------------------------


@router.post(
    "/accounts/<id>/imports",
    summary="Start an import or an automatic linking run (asynchronous)",
    tags=TAGS,
    status_code=202,
)
def start_import(id: str, body: ImportRequest) -> Response[ImportStarted]:
    run = container().import_service.start(ctx().tenant_id, require_id(id), body, actor=ctx().actor)
    return json_response(202, ImportStarted(id=run.id, status=run.status).model_dump())


@router.post(
    "/accounts/<id>/imports/file",
    summary="Start an import or linking run from a catalogue file exported from the shop's back office "
    "(its product list, SQL manager or stock export, or a file in the columns of the platform's own CSV "
    "import of products or variants; the README lists them; up to 10 MB, sent as application/octet-stream)",
    tags=TAGS,
    status_code=202,
    responses={
        202: {
            "description": "The file was read (every data line is used, refused with its reason, or blank; "
            "the run's `file` and `lines_refused` say how many) and the run started; follow "
            "`GET /accounts/{id}/imports/{iid}`, refused lines at `.../refusals`",
            "content": {"application/json": {"model": ImportStarted}},
        },
        422: {
            "description": "The file as a whole cannot be read: `catalogue_file_too_large`, "
            "`catalogue_file_too_many_lines`, `catalogue_file_empty`, `catalogue_file_not_text`, "
            "`catalogue_file_spreadsheet`, `catalogue_file_encoding`, `catalogue_file_unknown_header`, "
            "`catalogue_file_malformed`, or `file_import_not_supported` (the account's platform has none)",
            "content": _ERROR_CONTENT,
        },
    },
)
def start_file_import(
    id: str,
    mode: Annotated[ImportMode, Query()] = "import",
    unique_identifier: Annotated[UniqueIdentifier, Query()] = "ean",
    with_stock: Annotated[bool, Query()] = False,
) -> Response[ImportStarted]:
    data = _raw_body(MAX_CATALOGUE_FILE_BYTES, "catalogue_file_too_large", {"limit_mb": 10})
    request = ImportRequest(mode=mode, unique_identifier=unique_identifier, with_stock=with_stock)
    run = container().import_service.start_from_file(ctx().tenant_id, require_id(id), request, data, actor=ctx().actor)
    return json_response(202, ImportStarted(id=run.id, status=run.status).model_dump())


@router.get(
    "/accounts/<id>/imports/<iid>/refusals",
    summary="Lines of a file import's catalogue file that were not used, with their reasons, in file order",
    tags=TAGS,
)
def list_import_refusals(
    id: str,
    iid: str,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    next_token: Annotated[str | None, Query(alias="next", max_length=2048)] = None,
) -> RefusalListResponse:
    language = ctx().language
    refusals, token = container().import_service.refusals(
        ctx().tenant_id, require_id(id), require_id(iid, "import"), limit=limit, next_token=next_token
    )
    items = [
        RefusalResponse(line=r.line, reason=translate(r.reason_key, language, **r.reason_params)) for r in refusals
    ]
    return RefusalListResponse(items=items, next=token)


@router.get(
    "/accounts/<id>/imports/<iid>/unlinked",
    summary="The shop variants the run left without a link, with their reasons (no identifier, no hub "
    "product with it, not in the shop, not delivered); a page may hold fewer than limit, follow next",
    tags=TAGS,
)
def list_unlinked(
    id: str,
    iid: str,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    next_token: Annotated[str | None, Query(alias="next", max_length=2048)] = None,
) -> ImportItemListResponse:
    language = ctx().language
    items, token = container().import_service.unlinked(
        ctx().tenant_id, require_id(id), require_id(iid, "import"), limit=limit, next_token=next_token
    )
    return ImportItemListResponse(items=[_item_response(i, language) for i in items], next=token)


@router.get(
    "/accounts/<id>/imports/<iid>/unlinked.csv",
    summary="The same list as CSV, reasons in the caller's language: 303 to a download link",
    tags=TAGS,
    responses={
        303: {
            "description": "`Location`: a presigned download (valid 10 minutes; the body repeats it as "
            '`{"url": ...}`) of `shop_product_id,shop_combination_id,name,ean,symbol,catalog_number,status,reason`',
            "content": {"application/json": {"schema": {"type": "object", "properties": {"url": {"type": "string"}}}}},
        },
    },
)
def download_unlinked(id: str, iid: str) -> Response[dict[str, str]]:
    url = container().import_service.unlinked_link(
        ctx().tenant_id, require_id(id), require_id(iid, "import"), ctx().language
    )
    return _see_other(url)


@router.get("/accounts/<id>/imports", summary="The account's imports, newest first", tags=TAGS)
def list_imports(
    id: str,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    next_token: Annotated[str | None, Query(alias="next", max_length=2048)] = None,
) -> ImportListResponse:
    runs, token = container().import_service.list_runs(
        ctx().tenant_id, require_id(id), limit=limit, next_token=next_token
    )
    return ImportListResponse(items=[_import_response(r) for r in runs], next=token)


@router.get("/accounts/<id>/imports/<iid>", summary="Progress and counters of one import", tags=TAGS)
def get_import(id: str, iid: str) -> ImportResponse:
    run = container().import_service.get(ctx().tenant_id, require_id(id), require_id(iid, "import"))
    return _import_response(run)


@router.put("/accounts/<id>/imports/<iid>", summary="Refused: an import cannot be edited (405)", tags=TAGS)
def replace_import(id: str, iid: str) -> None:
    container().import_service.refuse_edit(ctx().tenant_id, require_id(id), require_id(iid, "import"))


@router.patch("/accounts/<id>/imports/<iid>", summary="Refused: an import cannot be edited (405)", tags=TAGS)
def change_import(id: str, iid: str) -> None:
    container().import_service.refuse_edit(ctx().tenant_id, require_id(id), require_id(iid, "import"))


@router.get(
    "/accounts/<id>/imports/<iid>/items",
    summary="Items of an import (stage 1: listed products; stage 2: one per shop variant)",
    tags=TAGS,
)
def list_import_items(
    id: str,
    iid: str,
    status: Annotated[ItemStatus | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    next_token: Annotated[str | None, Query(alias="next", max_length=2048)] = None,
) -> ImportItemListResponse:
    language = ctx().language
    items, token = container().import_service.items(
        ctx().tenant_id, require_id(id), require_id(iid, "import"), status=status, limit=limit, next_token=next_token
    )
    return ImportItemListResponse(items=[_item_response(i, language) for i in items], next=token)


@router.post(
    "/accounts/<id>/imports/<iid>/abort",
    summary="Abort a running import (the remaining items become aborted)",
    tags=TAGS,
    status_code=202,
)
def abort_import(id: str, iid: str) -> Response[ImportStarted]:
    run = container().import_service.abort(
        ctx().tenant_id, require_id(id), require_id(iid, "import"), actor=ctx().actor
    )
    return json_response(202, ImportStarted(id=run.id, status=run.status).model_dump())


# --- the links file -----------------------------------------------------------------------------


@router.get(
    "/accounts/<id>/links/file",
    summary="Download the links file (CSV: hub catalogue and the shop's listed variants)",
    tags=LINK_TAGS,
)
def download_links_file(id: str) -> Response[str]:
    account_id = require_id(id)
    text = container().link_file_service.export(ctx().tenant_id, account_id)
    return Response(
        status_code=200,
        content_type="text/csv; charset=utf-8",
        body=text,
        headers={"Content-Disposition": f'attachment; filename="links-{account_id}.csv"'},
    )


_UPLOAD_RESPONSES: dict[int, OpenAPIResponse] = {
    200: {
        "description": "Up to 1,000 data lines, settled at once: every line counted once "
        "(`linked + unchanged + skipped + rejected_total == lines`), the first 1,000 rejected lines listed",
        "content": {"application/json": {"model": LinkFileResult}},
    },
    202: {
        "description": "More than 1,000 data lines: stored and worked through by the importer; follow "
        "`GET /accounts/{id}/links/jobs/{job_id}`",
        "content": {"application/json": {"model": LinkJobStarted}},
    },
    422: {
        "description": "The file as a whole cannot be read: `links_file_too_large` (over 5 MB), "
        "`links_file_encoding` (not UTF-8, UTF-16 or Windows-1250), `links_file_empty`, `links_file_header` "
        "(required columns missing), `links_file_malformed` (a quotation mark never closed; the message and "
        '`details: [{"line": n}]` name the line)',
        "content": _ERROR_CONTENT,
    },
}


@router.post(
    "/accounts/<id>/links/file",
    summary="Upload the links file with pairs filled in (CSV: comma or semicolon; UTF-8, UTF-16 or "
    "Windows-1250, sent as application/octet-stream unless UTF-8; any line ending)",
    tags=LINK_TAGS,
    responses=_UPLOAD_RESPONSES,
)
def upload_links_file(id: str) -> Response[LinkFileResult | LinkJobStarted]:
    body = _raw_body(MAX_LINKS_FILE_BYTES, "links_file_too_large", {"limit_mb": 5})
    outcome = container().link_file_service.link_file(
        ctx().tenant_id,
        require_id(id),
        body,
        actor=ctx().actor,
        language=ctx().language,
        deadline=_deadline(),
    )
    if isinstance(outcome, LinkJob):
        started = LinkJobStarted(id=outcome.id, status=outcome.status, lines=outcome.lines)
        return json_response(202, started.model_dump())
    return json_response(200, outcome.model_dump())


@router.get(
    "/accounts/<id>/links/jobs/<job_id>",
    summary="Progress and counters of a links file job",
    tags=LINK_TAGS,
    responses={
        200: {
            "description": "Status, counters (`linked + unchanged + skipped + rejected == processed`) and percent",
            "content": {"application/json": {"model": LinkJobResponse}},
        },
        404: {"description": "`links_job_not_found` (or the account's 404)", "content": _ERROR_CONTENT},
    },
)
def get_links_job(id: str, job_id: str) -> LinkJobResponse:
    service = container().link_job_service
    job: LinkJob = service.get(ctx().tenant_id, require_id(id), require_id(job_id, "links job"))
    return LinkJobResponse(
        id=job.id,
        status=job.status,
        lines=job.lines,
        processed=job.processed,
        linked=job.linked,
        unchanged=job.unchanged,
        skipped=job.skipped,
        rejected=job.rejected,
        percent=job.percent,
        reason=service.reason_of(job, ctx().language),
        report_ready=bool(job.report_key) and job.status != "running",
        created_at=job.created_at,
        finished_at=job.finished_at,
    )


@router.get(
    "/accounts/<id>/links/jobs/<job_id>/report",
    summary="The job's report (CSV: every rejected line with its reason): 303 to a download link",
    tags=LINK_TAGS,
    responses={
        303: {
            "description": "`Location`: a presigned download of the report (valid 10 minutes; "
            'the body repeats it as `{"url": ...}`). A report of 100,000 rejected lines is several MB',
            "content": {"application/json": {"schema": {"type": "object", "properties": {"url": {"type": "string"}}}}},
        },
        404: {"description": "`links_job_not_found` (or the account's 404)", "content": _ERROR_CONTENT},
        409: {"description": "`links_job_running`: the report is written when the job ends", "content": _ERROR_CONTENT},
    },
)
def get_links_job_report(id: str, job_id: str) -> Response[dict[str, str]]:
    url = container().link_job_service.report_link(ctx().tenant_id, require_id(id), require_id(job_id, "links job"))
    return _see_other(url)


def _see_other(url: str) -> Response[dict[str, str]]:
    """303 to a presigned download, the link repeated in the body."""
    return Response(
        status_code=303,
        content_type="application/json",
        body={"url": url},
        headers={"Location": url, "Cache-Control": "no-store"},
    )
