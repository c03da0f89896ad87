"""Links files of more than :data:`~shophub.services.linking.SYNC_LINES_MAX` data lines, worked
through by the importer as a job.

``POST /accounts/{id}/links/file`` reads the whole file first (so a file that cannot be read is
refused at once, 422, naming the line), then stores it in the links bucket, writes the job
(``LinkJob``: counters, the uploader's language) and queues one ``links_file`` message on
``ImportQueue``; the answer is 202 with the job's id.

The importer takes the message (``functions/importer``), reads the file again and settles it in
chunks of :data:`CHUNK_LINES` data lines with :meth:`LinkFileService.settle_rows` (shop look-ups
batched). Each chunk is counted once: its marker (with its rejected lines) and the job's
counters in one transaction. Before each chunk after the first of an invocation it checks the
Lambda's deadline; short of :data:`CHUNK_MARGIN` seconds it queues the message again and
stops, and the next invocation goes on from the first uncounted chunk.

A chunk cut short between its links and its count is run again by the next delivery: the
offers it had written are then found linked to the same product and counted ``unchanged``, so
the counters still add up to the lines.

When the last chunk is counted (or the job fails) the report — every rejected line with its
reason, in the uploader's language, CSV in UTF-8 with a BOM so spreadsheets read the Polish
letters — is written to the bucket, the job ends and the uploaded file is deleted. The report
is served as a presigned download (``GET .../report`` answers 303): 100,000 rejected lines make a
report of several MB, more than a Lambda answer may carry (6 MB) and more than an API answer
should (1 MB).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any, Literal

from shophub.clock import Clock, Deadline, utc_now
from shophub.domain.accounts import Account
from shophub.domain.common import Model
from shophub.domain.imports import LinkJob
from shophub.errors import ConflictError, NotFoundError, ShopError, ValidationError
from shophub.i18n import text, translate
from shophub.ids import new_id
from shophub.observability import logger
from shophub.services.linking import LinkFileService
from shophub.services.links_csv import ParsedLinksFile, parse_links_file
from shophub.store.link_jobs import LinkJobRepository

#: Data lines per counted chunk (its rejected lines fit one DynamoDB item with room to spare).
CHUNK_LINES = 1000
#: Seconds a chunk needs at most before the Lambda's deadline; with less the job continues in
#: a new invocation.
CHUNK_MARGIN = 30.0
#: Deliveries of one message before a failure that may pass is settled instead of retried
#: (the queue's ``maxReceiveCount`` is 5).
MAX_DELIVERIES = 5
REPORT_COLUMNS = ("line", "reason")


class LinkJobMessage(Model):
    """A message on ``ImportQueue``: work through a links file job."""

    kind: Literal["links_file"] = "links_file"
    tenant_id: str
    account_id: str
    job_id: str


class LinkJobService:
    def __init__(
        self,
        *,
        accounts: Any,
        jobs: LinkJobRepository,
        links: LinkFileService,
        files: Callable[[], Any],
        queue: Callable[[], Any],
        activity: Any,
        clock: Clock = utc_now,
    ) -> None:
        self.accounts = accounts
        self.jobs = jobs
        self.links = links
        self.files = files
        self.queue = queue
        self.activity = activity
        self.clock = clock

    # --- API ------------------------------------------------------------------------------------

    def start(self, account: Account, body: bytes, parsed: ParsedLinksFile, *, actor: str, language: str) -> LinkJob:
        """Store the file and the job, queue it; the job as started."""
        job_id = new_id()
        job = LinkJob(
            id=job_id,
            tenant_id=account.tenant_id,
            account_id=account.id,
            lines=parsed.lines,
            chunks_total=(parsed.lines + CHUNK_LINES - 1) // CHUNK_LINES,
            language=language,
            actor=actor,
            file_key=self.jobs.upload_object(account.id, job_id),
            created_at=self.clock(),
        )
        self.files().put(job.file_key, body, content_type="text/csv")
        self.jobs.create(job)
        try:
            self.queue().send(self._message(job))
        except Exception:
            self._end(job, "failed", "links_job_not_queued")
            raise
        self.activity.append(
            action="linking.file_started",
            outcome="ok",
            message_key="links_job_started_log",
            params={"lines": job.lines},
            actor=actor,
            account_id=account.id,
            tenant_id=account.tenant_id,
            details={"job_id": job.id, "lines": job.lines},
        )
        return job

    def get(self, tenant_id: str, account_id: str, job_id: str) -> LinkJob:
        self.accounts.get(tenant_id, account_id)
        return self.jobs.get(account_id, job_id)

    def report_link(self, tenant_id: str, account_id: str, job_id: str) -> str:
        """A presigned download of the job's report; 409 ``links_job_running`` before it ends."""
        job = self.get(tenant_id, account_id, job_id)
        if job.status == "running" or not job.report_key:
            raise ConflictError("links job running", code="links_job_running", params={"percent": job.percent})
        return str(
            self.files().download_link(
                job.report_key, filename=f"links-report-{job.id}.csv", content_type="text/csv; charset=utf-8"
            )
        )

    @staticmethod
    def reason_of(job: LinkJob, language: str) -> str:
        return translate(job.reason_key, language, **job.reason_params) if job.reason_key else ""

    # --- worker ---------------------------------------------------------------------------------

    def handle(self, message: LinkJobMessage, *, attempt: int = 1, deadline: Deadline | None = None) -> None:
        """One ``links_file`` message. Raises only when it should come back; on its last
        delivery a job that keeps failing ends as failed (with the report of what it did)."""
        try:
            self._work(message, attempt=attempt, deadline=deadline)
        except Exception:
            if attempt < MAX_DELIVERIES:
                raise
            logger.exception("links job failed on its last delivery", extra={"job_id": message.job_id})
            job = self.jobs.find(message.account_id, message.job_id, consistent=True)
            if job is not None and job.status == "running":
                self._end(job, "failed", "links_job_failed_internal")

    def _work(self, message: LinkJobMessage, *, attempt: int, deadline: Deadline | None) -> None:
        job = self.jobs.find(message.account_id, message.job_id, consistent=True)
        if job is None or job.status != "running":
            logger.info("links job message dropped: no running job", extra={"job_id": message.job_id})
            return
        try:
            account: Account = self.accounts.get(job.tenant_id, job.account_id)
        except NotFoundError:
            self._end(job, "failed", "links_job_failed_account")
            return
        body = self.files().get(job.file_key)
        try:
            rows = parse_links_file(body).rows if body is not None else None
        except ValidationError:
            rows = None
        if rows is None:
            self._end(job, "failed", "links_job_failed_file")
            return

        def on_shop_error(error: ShopError) -> None:
            if error.retryable and attempt < MAX_DELIVERIES:
                raise error  # the message comes back; counted chunks stay counted

        first = chunk = job.chunks_done
        while chunk < job.chunks_total:
            if chunk > first and deadline is not None and deadline() < CHUNK_MARGIN:
                self.queue().send(self._message(job))  # go on in a fresh invocation
                return
            part = rows[chunk * CHUNK_LINES : (chunk + 1) * CHUNK_LINES]
            try:
                outcome = self.links.settle_rows(account, part, deadline=deadline, on_shop_error=on_shop_error)
            except ConflictError:  # the account's default template was deleted meanwhile
                self._end(job, "failed", "links_job_failed_template")
                return
            rejections = [(r.line, r.key, dict(r.params)) for r in outcome.rejections]
            self.jobs.count_chunk(job, chunk, outcome.counts(), rejections)
            chunk += 1
        self._end(job, "finished")

    # --- ending -------------------------------------------------------------------------------------

    def _end(self, job: LinkJob, status: str, reason_key: str = "") -> None:
        """Write the report, end the job (once), delete the uploaded file, log."""
        report = self._report(job)
        report_key = self.jobs.report_object(job.account_id, job.id)
        self.files().put(report_key, report, content_type="text/csv; charset=utf-8")
        ended = self.jobs.end(
            job,
            {
                "status": status,
                "finished_at": self.clock(),
                "report_key": report_key,
                "report_bytes": len(report),
                "reason_key": reason_key,
            },
        )
        if ended is None:
            return
        try:
            self.files().delete(job.file_key)
        except Exception:  # the bucket's lifecycle removes it within days anyway
            logger.warning("links job: uploaded file not deleted", extra={"job_id": job.id})
        counts = {
            "lines": ended.lines,
            "processed": ended.processed,
            "linked": ended.linked,
            "unchanged": ended.unchanged,
            "skipped": ended.skipped,
            "rejected": ended.rejected,
        }
        self.activity.append(
            action="linking.file",
            outcome="ok" if status == "finished" and not ended.rejected else "error",
            message_key=f"links_job_{status}_log",
            params={"reason": text(ended.reason_key, **ended.reason_params) if ended.reason_key else "", **counts},
            actor=job.actor,
            account_id=job.account_id,
            tenant_id=job.tenant_id,
            details={"job_id": job.id, **counts},
        )

    def _report(self, job: LinkJob) -> bytes:
        """Every rejected line of the counted chunks with its reason, in the job's language."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(REPORT_COLUMNS)
        for line, key, params in self.jobs.rejections(job.id):
            writer.writerow([line, translate(key, job.language, **params)])
        return ("\ufeff" + out.getvalue()).encode("utf-8")

    @staticmethod
    def _message(job: LinkJob) -> dict[str, Any]:
        return LinkJobMessage(tenant_id=job.tenant_id, account_id=job.account_id, job_id=job.id).model_dump()
