"""The SQS door of every queue worker, written once.

:func:`work_jobs` answers an SQS batch of jobs: each record's body is read as the worker's job
model and handed, with its delivery attempt and the invocation's deadline, to the worker's
function; a record whose function raises is reported in ``batchItemFailures`` (SQS delivers it
again, after 5 receives it lands in the DLQ), also when every record of the batch failed. A
message that is not a valid job will never become one, so it is logged
(``malformed <what> message dropped``) and dropped (the record succeeds) instead of coming back
five times and ending in the DLQ.

:func:`work_batch` is the same door for a worker that handles the whole batch at once (the stock
pusher coalesces it) and then names the records that must come back.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError

from shophub.clock import Deadline, lambda_deadline
from shophub.observability import logger


def read_job[Job: BaseModel](record: SQSRecord, model: type[Job], what: str) -> Job | None:
    """The record's body as ``model`` (the record's id becomes the log's correlation id), or
    None after logging ``malformed <what> message dropped``."""
    logger.set_correlation_id(record.message_id)
    try:
        return model.model_validate_json(record.body)
    except PydanticValidationError:
        logger.error(f"malformed {what} message dropped", extra={"message_id": record.message_id})
        return None


def attempt_of(record: SQSRecord) -> int:
    """1 on the first delivery, 5 on the last before the DLQ (``maxReceiveCount``)."""
    return int(record.attributes.approximate_receive_count or 1)


class RecordNotDone(Exception):
    """The record's work is not finished: SQS delivers it again."""


def work_jobs[Job: BaseModel](
    event: dict[str, Any],
    context: Any,
    *,
    model: type[Job],
    what: str,
    work: Callable[[Job, int, Deadline | None], None],
    deadline_margin: float,
) -> PartialItemFailureResponse:
    """The partial-batch answer for an SQS ``event``: ``work(job, attempt, deadline)`` for each
    record whose body is a ``model`` (``deadline``: the invocation's remaining seconds less
    ``deadline_margin``); a record fails when ``work`` raises, a malformed one is dropped."""
    deadline = lambda_deadline(context, deadline_margin)

    def record_handler(record: SQSRecord) -> None:
        job = read_job(record, model, what)
        if job is not None:
            work(job, attempt_of(record), deadline)

    return _answer(event, context, record_handler)


def work_batch(
    event: dict[str, Any],
    context: Any,
    *,
    work: Callable[[Sequence[SQSRecord], Deadline | None], Collection[str]],
    deadline_margin: float,
) -> PartialItemFailureResponse:
    """The partial-batch answer for an SQS ``event`` handled at once: ``work(records, deadline)``
    returns the message ids that must come back; an exception it raises fails the invocation
    (every record comes back)."""
    records = [SQSRecord(raw) for raw in event.get("Records") or []]
    failed = work(records, lambda_deadline(context, deadline_margin))

    def record_handler(record: SQSRecord) -> None:
        if record.message_id in failed:
            raise RecordNotDone(record.message_id)

    return _answer(event, context, record_handler)


def _answer(
    event: dict[str, Any], context: Any, record_handler: Callable[[SQSRecord], None]
) -> PartialItemFailureResponse:
    # one processor per invocation: it keeps the batch's outcomes while it runs
    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
