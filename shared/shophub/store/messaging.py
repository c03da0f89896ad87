"""Outgoing messages: SQS queues and the ``HubEvents`` EventBridge bus."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

SQS_BATCH_MAX = 10
SQS_BODY_MAX = 250_000
EVENTS_BATCH_MAX = 10


class QueuePublisher:
    """JSON messages to one queue, sent in batches of 10; failed entries raise."""

    def __init__(self, sqs: Any, queue_url: str) -> None:
        if not queue_url:
            raise ValueError("queue URL is not configured")
        self.sqs = sqs
        self.queue_url = queue_url
        self.request_count = 0

    def send(self, body: dict[str, Any], *, delay_seconds: int = 0) -> None:
        self.send_many([body], delay_seconds=delay_seconds)

    def send_many(self, bodies: Sequence[dict[str, Any]], *, delay_seconds: int = 0) -> None:
        texts = [json.dumps(b, separators=(",", ":"), default=str) for b in bodies]
        for text in texts:
            if len(text.encode()) > SQS_BODY_MAX:
                raise ValueError("message too large for SQS")
        for start in range(0, len(texts), SQS_BATCH_MAX):
            chunk = texts[start : start + SQS_BATCH_MAX]
            entries = [
                {"Id": str(i), "MessageBody": text, **({"DelaySeconds": delay_seconds} if delay_seconds else {})}
                for i, text in enumerate(chunk)
            ]
            self.request_count += 1
            answer = self.sqs.send_message_batch(QueueUrl=self.queue_url, Entries=entries)
            failed = answer.get("Failed") or []
            if failed:
                raise RuntimeError(f"{len(failed)} messages were not queued: {failed[0].get('Code')}")


class EventPublisher:
    """Hub events (``OrderImported``, ``OrderUpdated``, ``ProductsImported``,
    ``StockSyncReported``) on the ``HubEvents`` bus, source ``shophub``."""

    SOURCE = "shophub"

    def __init__(self, events: Any, bus_name: str) -> None:
        self.events = events
        self.bus_name = bus_name

    def publish(self, detail_type: str, detail: dict[str, Any]) -> None:
        self.publish_many(detail_type, [detail])

    def publish_many(self, detail_type: str, details: Sequence[dict[str, Any]]) -> None:
        entries = [
            {
                "Source": self.SOURCE,
                "DetailType": detail_type,
                "Detail": json.dumps(d, separators=(",", ":"), default=str),
                "EventBusName": self.bus_name,
            }
            for d in details
        ]
        for start in range(0, len(entries), EVENTS_BATCH_MAX):
            answer = self.events.put_events(Entries=entries[start : start + EVENTS_BATCH_MAX])
            if answer.get("FailedEntryCount"):
                raise RuntimeError(f"{answer['FailedEntryCount']} hub events were not published")
