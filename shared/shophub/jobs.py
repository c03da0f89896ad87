"""One SQS record of a worker: its job, and how many times SQS has delivered it.

A message that is not a valid job will never become one, so it is logged and dropped (the record
succeeds) instead of coming back five times and ending in the DLQ.
"""

from __future__ import annotations

from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError

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
