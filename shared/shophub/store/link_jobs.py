"""Links file jobs and their counted chunks.

Items:

* job ``PK=ACCOUNT#<a>, SK=LINKJOB#<id>`` — :class:`LinkJob`; counters change with atomic ``ADD``.
* chunk ``PK=LINKJOB#<id>, SK=CHUNK#<n>`` — written once (``attribute_not_exists``) in the same
  transaction that adds the chunk's counts to the job, so a chunk run twice counts once. It keeps
  the chunk's rejected lines (message keys and parameters, JSON) for the job's report.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from shophub.domain.imports import LinkJob
from shophub.errors import NotFoundError
from shophub.store import keys
from shophub.store.dynamo import ConditionFailed, Expr, HubTable, TransactionConflict

#: One rejected line as stored: ``(line, message key, parameters)``.
StoredRejection = tuple[int, str, dict[str, Any]]


def link_job_not_found() -> NotFoundError:
    return NotFoundError("links job", code="links_job_not_found", message_key="links_job_not_found")


class LinkJobRepository:
    def __init__(self, table: HubTable) -> None:
        self.table = table

    @staticmethod
    def upload_object(account_id: str, job_id: str) -> str:
        """Where the job's uploaded file lives in the links bucket."""
        return keys.links_upload_object(account_id, job_id)

    @staticmethod
    def report_object(account_id: str, job_id: str) -> str:
        """Where the job's report (every rejected line with its reason) lives in the links bucket."""
        return keys.links_report_object(account_id, job_id)

    def create(self, job: LinkJob) -> None:
        self.table.put(
            {"PK": keys.account_pk(job.account_id), "SK": keys.link_job_sk(job.id), **job.model_dump(mode="json")},
            condition="attribute_not_exists(PK)",
        )

    def find(self, account_id: str, job_id: str, *, consistent: bool = False) -> LinkJob | None:
        item = self.table.get(keys.account_pk(account_id), keys.link_job_sk(job_id), consistent=consistent)
        return LinkJob.model_validate(item) if item else None

    def get(self, account_id: str, job_id: str) -> LinkJob:
        job = self.find(account_id, job_id)
        if job is None:
            raise link_job_not_found()
        return job

    def end(self, job: LinkJob, set_: Mapping[str, Any]) -> LinkJob | None:
        """Change a running job (its end); None when it is no longer running."""
        expr = Expr()
        values = {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in set_.items()}
        try:
            item = self.table.update(
                keys.account_pk(job.account_id),
                keys.link_job_sk(job.id),
                set_=values,
                condition=f"{expr.name('status')} = {expr.value('running')}",
                expr=expr,
            )
        except ConditionFailed:
            return None
        return LinkJob.model_validate(item) if item else None

    def count_chunk(
        self, job: LinkJob, chunk: int, counts: Mapping[str, int], rejections: Sequence[StoredRejection]
    ) -> bool:
        """Count chunk ``chunk`` once (marker and counters in one transaction). False when it
        had already been counted."""
        marker = {
            "PK": keys.link_job_pk(job.id),
            "SK": keys.link_job_chunk_sk(chunk),
            "counts": dict(counts),
            "rejections": json.dumps([list(r) for r in rejections], separators=(",", ":"), ensure_ascii=False),
        }
        added = {k: v for k, v in {**counts, "chunks_done": 1}.items() if v}
        try:
            self.table.transact_write(
                [
                    self.table.tx_put(marker, condition="attribute_not_exists(PK)"),
                    self.table.tx_update(
                        keys.account_pk(job.account_id),
                        keys.link_job_sk(job.id),
                        add=added,
                        condition="attribute_exists(PK)",
                    ),
                ]
            )
        except TransactionConflict as conflict:
            if conflict.reasons and conflict.reasons[0] == "ConditionalCheckFailed":
                return False
            raise
        return True

    def rejections(self, job_id: str) -> Iterator[StoredRejection]:
        """Every rejected line of the job's counted chunks, in chunk (= line) order."""
        for item in self.table.query(keys.link_job_pk(job_id), sk_prefix="CHUNK#", consistent=True):
            for line, key, params in json.loads(str(item.get("rejections") or "[]")):
                yield int(line), str(key), dict(params)
