"""The queue pump: what Lambda's SQS event source mapping does, for the local stack and tests.

For every SQS event of the template (``StackModel.functions[*].sqs``) the pump receives from the
queue — up to ``BatchSize`` messages, gathering several receives within
``MaximumBatchingWindowInSeconds`` — invokes the function with a real batch event, and settles:

- with ``ReportBatchItemFailures``: every message is deleted except those named in
  ``batchItemFailures`` (absent, ``null`` or ``[]`` = all succeeded); an answer that is not an
  object, or an ``itemIdentifier`` that is empty or not in the batch, fails the whole batch;
- without it: any answer deletes the batch;
- an exception fails the whole batch.

Failed messages are made visible again after ``retry_seconds`` (``SHOPHUB_RETRY_SECONDS``,
default 2) instead of the queue's visibility timeout, so local retries are quick. The DLQ
redrive is SQS's own: moto applies the queue's ``RedrivePolicy`` on receive (a message already
received ``maxReceiveCount`` times moves to the DLQ instead of being delivered again), as AWS
does, so the pump never moves messages itself.

``ScalingConfig.MaximumConcurrency`` is the number of concurrent invocations (worker threads)
per source; sources without it get ``default_concurrency``.

Two ways to run it: :meth:`QueuePump.start` polls every source in background threads until
:meth:`QueuePump.stop` (``make run``); :meth:`QueuePump.drain` runs one queue's batches until
the queue is empty and returns what happened (tests, benchmarks). Both work against the moto
server and against moto's in-process mock: the pump only uses the SQS client it is given (by
default ``boto3.client("sqs")``, which follows ``AWS_ENDPOINT_URL``).
"""

from __future__ import annotations

import os
import sys
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

from local.stack.events import sqs_event
from local.stack.runtime import FunctionUnavailable, Invoker
from local.stack.template import ProvisionedStack, SqsSource

SQS_MAX_RECEIVE = 10
SQS_MAX_DELETE = 10


@dataclass(frozen=True)
class BatchOutcome:
    """One invocation of a queue's function and how its messages were settled."""

    function: str
    queue: str
    message_ids: tuple[str, ...]
    receive_counts: tuple[int, ...]
    failed_ids: tuple[str, ...]
    error: str | None  # the exception, or why the answer was unusable; None when it was fine
    started: float  # time.time()
    duration: float  # seconds, invocation only

    @property
    def size(self) -> int:
        return len(self.message_ids)

    @property
    def deleted_ids(self) -> tuple[str, ...]:
        failed = set(self.failed_ids)
        return tuple(m for m in self.message_ids if m not in failed)


@dataclass
class DrainResult:
    queue: str
    batches: list[BatchOutcome] = field(default_factory=list)
    dead_lettered: int = 0  # messages the queue's redrive moved to its DLQ meanwhile
    elapsed: float = 0.0

    @property
    def invocations(self) -> int:
        return len(self.batches)

    @property
    def batch_sizes(self) -> list[int]:
        return [b.size for b in self.batches]

    @property
    def messages(self) -> int:
        """Deliveries (a retried message counts once per delivery)."""
        return sum(b.size for b in self.batches)

    @property
    def failures(self) -> int:
        """Failed deliveries."""
        return sum(len(b.failed_ids) for b in self.batches)

    @property
    def deleted(self) -> int:
        return sum(len(b.deleted_ids) for b in self.batches)

    @property
    def errors(self) -> list[str]:
        return [b.error for b in self.batches if b.error]

    def deliveries(self, message_id: str) -> int:
        return sum(message_id in b.message_ids for b in self.batches)


class DrainTimeout(TimeoutError):
    def __init__(self, message: str, result: DrainResult) -> None:
        super().__init__(message)
        self.result = result


def failed_message_ids(response: Any, message_ids: list[str], report_failures: bool) -> tuple[list[str], str | None]:
    """Which messages of the batch failed, from the function's answer (and why all did, if so)."""
    if not report_failures:
        return [], None
    if response is None:
        return [], None
    if not isinstance(response, dict):
        return list(message_ids), f"answer is {type(response).__name__}, not an object"
    items = response.get("batchItemFailures")
    if items is None or items == []:
        return [], None
    if not isinstance(items, list):
        return list(message_ids), "batchItemFailures is not a list"
    known = set(message_ids)
    failed: list[str] = []
    for item in items:
        identifier = item.get("itemIdentifier") if isinstance(item, dict) else None
        if not isinstance(identifier, str) or not identifier or identifier not in known:
            return list(message_ids), f"invalid batchItemFailures entry {item!r}"
        if identifier not in failed:
            failed.append(identifier)
    return failed, None


def _stderr(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


class QueuePump:
    def __init__(
        self,
        stack: ProvisionedStack | Any,
        invoker: Invoker,
        *,
        sqs: Any = None,
        retry_seconds: int | None = None,
        batching_window: float | None = None,
        default_concurrency: int = 1,
        poll_seconds: int = 1,
        log: Callable[[str], None] | None = None,
        verbose: bool = False,
    ) -> None:
        """``stack``: a :class:`ProvisionedStack` or ``tests.support.aws.TestStack``.

        ``batching_window`` overrides every source's ``MaximumBatchingWindowInSeconds`` (e.g. 0
        in a benchmark); ``poll_seconds`` is the long-poll wait of :meth:`start`'s workers.
        """
        if not isinstance(stack, ProvisionedStack) and hasattr(stack, "stack"):
            stack = stack.stack
        self.stack: ProvisionedStack = stack
        self.invoker = invoker
        if sqs is None:
            import boto3

            sqs = boto3.client("sqs")
        self.sqs = sqs
        if retry_seconds is None:
            retry_seconds = int(os.environ.get("SHOPHUB_RETRY_SECONDS", "2"))
        self.retry_seconds = max(0, int(retry_seconds))
        self.batching_window = batching_window
        self.default_concurrency = max(1, default_concurrency)
        self.poll_seconds = max(0, min(20, int(poll_seconds)))
        self.log = log or _stderr
        self.verbose = verbose
        self.outcomes: deque[BatchOutcome] = deque(maxlen=10_000)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    # --- sources --------------------------------------------------------------------------------

    @property
    def sources(self) -> list[SqsSource]:
        return [s for fn in self.stack.model.functions.values() for s in fn.sqs]

    def sources_of(self, queue: str) -> list[SqsSource]:
        found = [s for s in self.sources if s.queue == queue]
        if not found:
            raise KeyError(f"no function reads queue {queue!r} in the template")
        return found

    def concurrency(self, source: SqsSource) -> int:
        return max(1, int(source.max_concurrency or self.default_concurrency))

    # --- one batch ------------------------------------------------------------------------------

    def poll(self, source: SqsSource, *, wait_seconds: int = 0) -> BatchOutcome | None:
        """Receive one batch for ``source``, invoke its function and settle; ``None`` if no message."""
        url = self.stack.queue_urls[source.queue]
        messages = self._receive(url, min(SQS_MAX_RECEIVE, source.batch_size), wait_seconds)
        if not messages:
            return None
        window = source.batching_window if self.batching_window is None else self.batching_window
        if window > 0 or source.batch_size > SQS_MAX_RECEIVE:
            # Gather up to BatchSize: keep receiving while messages come, and wait for more
            # until the batching window closes.
            deadline = time.monotonic() + window
            while len(messages) < source.batch_size and not self._stop.is_set():
                got = self._receive(url, min(SQS_MAX_RECEIVE, source.batch_size - len(messages)), 0)
                if got:
                    messages.extend(got)
                    continue
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                time.sleep(min(0.05, left))
        return self._invoke(source, url, messages)

    def _receive(self, url: str, count: int, wait_seconds: int) -> list[dict[str, Any]]:
        answer = self.sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=count,
            WaitTimeSeconds=wait_seconds,
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        return list(answer.get("Messages") or [])

    def _invoke(self, source: SqsSource, url: str, messages: list[dict[str, Any]]) -> BatchOutcome:
        ids = [m["MessageId"] for m in messages]
        event = sqs_event(messages, self.stack.queue_arn(source.queue))
        started, clock = time.time(), time.perf_counter()
        error: str | None = None
        try:
            response = self.invoker.invoke(source.function, event)
        except Exception as exc:
            duration = time.perf_counter() - clock
            failed, error = list(ids), f"{type(exc).__name__}: {exc}"
            if not isinstance(exc, FunctionUnavailable):
                self.log(
                    f"[pump] {source.function} raised on {source.queue}:\n"
                    + "".join(traceback.format_exception(exc)).rstrip()
                )
        else:
            duration = time.perf_counter() - clock
            failed, error = failed_message_ids(response, ids, source.report_failures)
        by_id = {m["MessageId"]: m for m in messages}
        failed_set = set(failed)
        self._delete(url, [by_id[i]["ReceiptHandle"] for i in ids if i not in failed_set])
        self._retry_later(url, [by_id[i]["ReceiptHandle"] for i in failed])
        outcome = BatchOutcome(
            function=source.function,
            queue=source.queue,
            message_ids=tuple(ids),
            receive_counts=tuple(int(m.get("Attributes", {}).get("ApproximateReceiveCount", 1)) for m in messages),
            failed_ids=tuple(failed),
            error=error,
            started=started,
            duration=duration,
        )
        self.outcomes.append(outcome)
        if failed or self.verbose:
            note = f" ({error})" if error else ""
            self.log(f"[pump] {source.queue} → {source.function}: {len(ids)} message(s), {len(failed)} failed{note}")
        return outcome

    def _delete(self, url: str, handles: list[str]) -> None:
        for start in range(0, len(handles), SQS_MAX_DELETE):
            chunk = handles[start : start + SQS_MAX_DELETE]
            answer = self.sqs.delete_message_batch(
                QueueUrl=url, Entries=[{"Id": str(i), "ReceiptHandle": h} for i, h in enumerate(chunk)]
            )
            for problem in answer.get("Failed") or []:
                self.log(f"[pump] delete failed: {problem}")

    def _retry_later(self, url: str, handles: list[str]) -> None:
        for start in range(0, len(handles), SQS_MAX_DELETE):
            chunk = handles[start : start + SQS_MAX_DELETE]
            self.sqs.change_message_visibility_batch(
                QueueUrl=url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": h, "VisibilityTimeout": self.retry_seconds}
                    for i, h in enumerate(chunk)
                ],
            )

    # --- drain (tests, benchmarks) --------------------------------------------------------------

    def queue_depth(self, queue: str) -> int:
        """Messages in the queue: visible, in flight and delayed."""
        attributes = self.sqs.get_queue_attributes(
            QueueUrl=self.stack.queue_urls[queue],
            AttributeNames=[
                "ApproximateNumberOfMessages",
                "ApproximateNumberOfMessagesNotVisible",
                "ApproximateNumberOfMessagesDelayed",
            ],
        )["Attributes"]
        return sum(int(v) for v in attributes.values())

    def settled_empty(self, queue: str) -> bool:
        """The queue reads empty twice, 50 ms apart. One reading sums counts taken one after
        another, so a message turning visible between them (a retry's delay ending) is counted by
        neither; it cannot do that twice."""
        if self.queue_depth(queue):
            return False
        time.sleep(0.05)
        return self.queue_depth(queue) == 0

    def drain(self, queue: str, *, timeout: float = 60.0, concurrency: int | None = None) -> DrainResult:
        """Run ``queue``'s batches until it is empty (retries and redrive included).

        ``queue`` is the logical id (``StockQueue``). Workers per source: ``concurrency`` or the
        source's ``MaximumConcurrency``. Raises :class:`DrainTimeout` (with the partial result)
        when the queue still holds messages after ``timeout`` seconds.
        """
        sources = self.sources_of(queue)
        dlq = self.stack.dead_letter_queue(queue)
        dead_before = self.queue_depth(dlq) if dlq else 0
        result = DrainResult(queue)
        lock = threading.Lock()
        done = threading.Event()
        failures: list[BaseException] = []
        began = time.monotonic()
        deadline = began + timeout

        def work(source: SqsSource) -> None:
            try:
                while not done.is_set() and time.monotonic() < deadline:
                    outcome = self.poll(source, wait_seconds=0)
                    if outcome is not None:
                        with lock:
                            result.batches.append(outcome)
                    elif self.settled_empty(queue):
                        done.set()
                    else:
                        time.sleep(0.02)
            except BaseException as exc:
                failures.append(exc)
                done.set()

        workers = [
            threading.Thread(target=work, args=(source,), name=f"drain-{queue}-{n}", daemon=True)
            for source in sources
            for n in range(concurrency or self.concurrency(source))
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        result.batches.sort(key=lambda b: b.started)
        result.elapsed = time.monotonic() - began
        if dlq:
            result.dead_lettered = self.queue_depth(dlq) - dead_before
        if failures:
            raise failures[0]
        if not done.is_set():
            raise DrainTimeout(f"{queue} still holds {self.queue_depth(queue)} message(s) after {timeout} s", result)
        return result

    # --- background polling (make run) ----------------------------------------------------------

    def start(self, *, functions: Collection[str] | None = None, skip_unavailable: bool = True) -> list[SqsSource]:
        """Poll every source (of ``functions``, if given) in background threads.

        Returns the sources being polled; those whose function is not written yet are skipped.
        """
        self._stop.clear()
        started: list[SqsSource] = []
        for source in self.sources:
            if functions is not None and source.function not in functions:
                continue
            if skip_unavailable and not self.invoker.available(source.function):
                continue
            for n in range(self.concurrency(source)):
                thread = threading.Thread(
                    target=self._run, args=(source,), name=f"pump-{source.queue}-{n}", daemon=True
                )
                thread.start()
                self._threads.append(thread)
            started.append(source)
        return started

    def _run(self, source: SqsSource) -> None:
        while not self._stop.is_set():
            try:
                self.poll(source, wait_seconds=self.poll_seconds)
            except Exception as exc:
                if self._stop.is_set():
                    return
                self.log(f"[pump] {source.queue}: {type(exc).__name__}: {exc}")
                self._stop.wait(1.0)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop polling; batches being processed finish first (up to ``timeout``)."""
        self._stop.set()
        end = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(timeout=max(0.0, end - time.monotonic()))
        self._threads.clear()
