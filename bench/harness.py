"""The stack every benchmark runs on: the real handlers, invoked the way the local stack does.

:class:`BenchStack` starts moto in-process (``mock_aws``) with the table, queues and bus of
``template.yaml`` (:func:`local.stack.template.provision`, as ``tests/support/aws.py`` does),
an :class:`~local.stack.runtime.Invoker` for the functions, the local
:class:`~local.stack.gateway.Gateway` (route matching, the authorizer, payload 2.0 events —
called in-process, without its HTTP server) and a :class:`~local.stack.pump.QueuePump` whose
``drain`` plays the SQS event source mappings (batch sizes, batching windows, concurrency and
``batchItemFailures`` from the template).

Adjustments to moto, all about moto and none about ShopHub, so the figures measure the product
rather than the mock (the time spent inside moto is still reported: :class:`MotoClock`):

* every call into moto holds one lock: moto's in-process backends are not thread-safe and the
  pump runs a queue's workers in parallel threads (the real services are);
* a cancelled ``TransactWriteItems`` restores only the items it touched instead of moto's deep
  copy of the whole table per operation (O(operations x table size), minutes per chunk once a
  table holds tens of thousands of items). All-or-nothing semantics are unchanged;
* moto's update-expression validator keeps its tree walkers' dispatch tables instead of
  rebuilding them at every node (same checks, same results).
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
import tracemalloc
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import boto3
from moto import mock_aws

from local.demo import Answer, MerchantFlow
from local.stack.aws import BASE_ENV
from local.stack.gateway import Gateway
from local.stack.moto_patches import item_level_transaction_rollback
from local.stack.pump import DrainResult, QueuePump
from local.stack.runtime import Invoker, ensure_import_paths
from local.stack.template import ProvisionedStack, load_stack, provision

STAGE = "bench"
TENANT = "bench"


# --- moto adjustments ------------------------------------------------------------------------------


@dataclass
class MotoClock:
    """Time spent inside moto (the stand-in for DynamoDB, SQS, SSM and EventBridge)."""

    seconds: float = 0.0
    calls: int = 0

    def reset(self) -> None:
        self.seconds, self.calls = 0.0, 0


@contextmanager
def serialised_moto(clock: MotoClock) -> Iterator[None]:
    """One moto request at a time, whatever the number of threads calling AWS; timed."""
    from moto.core.botocore_stubber import BotocoreStubber

    lock = threading.RLock()
    original = BotocoreStubber.process_request

    def process_request(self: Any, request: Any) -> Any:
        with lock:
            started = time.perf_counter()
            try:
                return original(self, request)
            finally:
                clock.seconds += time.perf_counter() - started
                clock.calls += 1

    setattr(BotocoreStubber, "process_request", process_request)  # noqa: B010
    try:
        yield
    finally:
        setattr(BotocoreStubber, "process_request", original)  # noqa: B010


@contextmanager
def cached_update_expression_traversal() -> Iterator[None]:
    """moto validates every update expression with ten tree walks that rebuild their dispatch
    table at every node, and re-counts the SET/ADD/REMOVE clauses at every nested node
    (quadratic in the number of actions). This caches each walker's table and counts the
    clauses once, at the root (a nested expression never has more clauses than the root)."""
    from moto.dynamodb.parsing import ast_nodes, validators

    traverser: Any = getattr(ast_nodes, "DepthFirstTraverser")  # noqa: B009
    update_expression: Any = getattr(ast_nodes, "UpdateExpression")  # noqa: B009
    counter: Any = validators.ActionCountValidator
    saved = (traverser.nodes_to_be_processed, traverser.process, counter.traverse)

    def table(self: Any) -> dict[Any, Any]:
        cached: dict[Any, Any] | None = self.__dict__.get("_bench_processing_map")
        if cached is None:
            cached = self._processing_map()
            self.__dict__["_bench_processing_map"] = cached
        return cached

    def nodes_to_be_processed(self: Any) -> tuple[Any, ...]:
        types: tuple[Any, ...] | None = self.__dict__.get("_bench_node_types")
        if types is None:
            types = tuple(table(self))
            self.__dict__["_bench_node_types"] = types
        return types

    def process(self: Any, node: Any) -> Any:
        for class_key, processor in table(self).items():
            if isinstance(node, class_key):
                return processor(node)
        return None

    def count_actions_once(self: Any, node: Any) -> Any:
        if isinstance(node, update_expression):
            return self.verify_action_counts(node)
        return saved[2](self, node)

    traverser.nodes_to_be_processed = nodes_to_be_processed
    traverser.process = process
    counter.traverse = count_actions_once
    try:
        yield
    finally:
        traverser.nodes_to_be_processed, traverser.process, counter.traverse = saved


# --- the API, as API Gateway calls it ----------------------------------------------------------------


class BenchApi:
    """Requests through the local gateway's request path (routing, authorizer, v2 event, handler)."""

    def __init__(self, gateway: Gateway, token: str, language: str = "en") -> None:
        self.gateway = gateway
        self.token = token
        self.language = language
        self.calls = 0

    def call(self, method: str, path: str, body: Any = None, *, query: str = "") -> Answer:
        headers = [
            ("authorization", f"Bearer {self.token}"),
            ("accept-language", self.language),
            ("content-type", "application/json"),
        ]
        payload = json.dumps(body).encode() if body is not None else b""
        self.calls += 1
        answer = self.gateway.handle(method, path + (f"?{query}" if query else ""), headers, payload)
        text = answer.body.decode() if answer.body else ""
        return Answer(answer.status, json.loads(text) if text else None)

    def get(self, path: str, *, query: str = "") -> Answer:
        return self.call("GET", path, query=query)

    def post(self, path: str, body: Any = None) -> Answer:
        return self.call("POST", path, body)

    def put(self, path: str, body: Any = None) -> Answer:
        return self.call("PUT", path, body)


# --- memory of one function's invocations ------------------------------------------------------------


@dataclass
class MemoryProbe:
    """tracemalloc peak of sampled SQS invocations of one function (max over the samples).

    ``sample(event)`` decides which invocations are measured (e.g. one import chunk).
    tracemalloc sees every thread of the process, so a measured invocation runs alone: it waits
    for the function's other invocations in flight to end and holds new ones back until it is
    done. The shop runs in its own process. moto runs in this one, so the items it stores for
    the invocation are part of the peak; ``moto_retained`` says how much of what the invocation
    left allocated was allocated by moto (its in-memory table), to tell the worker's own share.
    """

    function: str
    sample: Callable[[dict[str, Any]], bool] = lambda event: True
    peaks: list[int] = field(default_factory=list)
    moto_retained: list[int] = field(default_factory=list)

    @property
    def peak_bytes(self) -> int:
        return max(self.peaks, default=0)

    @property
    def worker_peak_bytes(self) -> int:
        """The peak without moto's share (an estimate of the function's own peak)."""
        return max((p - m for p, m in zip(self.peaks, self.moto_retained, strict=True)), default=0)


class _Gate:
    """Many shared holders or one exclusive holder (a small readers-writer lock)."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._shared = 0
        self._exclusive = False

    @contextmanager
    def shared(self) -> Iterator[None]:
        with self._condition:
            while self._exclusive:
                self._condition.wait()
            self._shared += 1
        try:
            yield
        finally:
            with self._condition:
                self._shared -= 1
                self._condition.notify_all()

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        with self._condition:
            while self._exclusive:
                self._condition.wait()
            self._exclusive = True
            while self._shared:
                self._condition.wait()
        try:
            yield
        finally:
            with self._condition:
                self._exclusive = False
                self._condition.notify_all()


class ProbedInvoker(Invoker):
    """An :class:`Invoker` that measures sampled SQS invocations of one function."""

    def __init__(self, *args: Any, probe: MemoryProbe | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.probe: MemoryProbe | None = probe
        self._gate = _Gate()

    def invoke(self, function: str, event: Any, context: Any = None) -> Any:
        probe = self.probe
        if probe is None or function != probe.function or not isinstance(event, dict) or "Records" not in event:
            return super().invoke(function, event, context)
        if not probe.sample(event):
            with self._gate.shared():
                return super().invoke(function, event, context)
        with self._gate.exclusive():
            tracemalloc.start()
            try:
                return super().invoke(function, event, context)
            finally:
                _, peak = tracemalloc.get_traced_memory()
                snapshot = tracemalloc.take_snapshot()
                tracemalloc.stop()
                probe.peaks.append(peak)
                probe.moto_retained.append(
                    sum(
                        s.size
                        for s in snapshot.statistics("filename")
                        if f"{os.sep}moto{os.sep}" in s.traceback[0].filename
                    )
                )


def rss_bytes() -> int:
    """The process's peak resident set size (Linux ``ru_maxrss`` is in KiB)."""
    import resource

    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * 1024


def current_rss_bytes() -> int:
    try:
        with open("/proc/self/statm", encoding="ascii") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


# --- the stack -----------------------------------------------------------------------------------------


class BenchStack:
    """moto in-process, provisioned from the template; functions, gateway and pump on top."""

    def __init__(
        self, *, probe: MemoryProbe | None = None, log_level: str = "ERROR", batching_window: float | None = None
    ) -> None:
        """``batching_window`` overrides every SQS source's ``MaximumBatchingWindowInSeconds``
        (None: the template's, as deployed)."""
        self.probe = probe
        self.log_level = log_level
        self.batching_window = batching_window
        self.moto = MotoClock()
        self.provisioned: ProvisionedStack | None = None
        self.invoker: ProbedInvoker | None = None
        self.gateway: Gateway | None = None
        self.pump: QueuePump | None = None
        self._saved_environ: dict[str, str] | None = None
        self._contexts: list[Any] = []

    def __enter__(self) -> BenchStack:
        ensure_import_paths()
        self._saved_environ = dict(os.environ)
        os.environ.update(BASE_ENV)
        os.environ.pop("AWS_ENDPOINT_URL", None)
        try:
            for context in (
                serialised_moto(self.moto),
                item_level_transaction_rollback(),
                cached_update_expression_traversal(),
                mock_aws(),
            ):
                context.__enter__()
                self._contexts.append(context)
            warnings.filterwarnings("ignore", message="No application metrics to publish")
            model = load_stack(STAGE, overrides={"LogLevel": self.log_level})
            self.provisioned = provision(
                model,
                dynamodb=boto3.client("dynamodb"),
                sqs=boto3.client("sqs"),
                events=boto3.client("events"),
                s3=boto3.client("s3"),
            )
            os.environ.update(self.provisioned.union_environment())
            from shophub import wiring

            wiring.reset()
            self.invoker = ProbedInvoker(self.provisioned, probe=self.probe)
            self.gateway = Gateway(model, self.invoker, error_log=_gateway_error_log)
            self.pump = QueuePump(
                self.provisioned,
                self.invoker,
                sqs=boto3.client("sqs"),
                retry_seconds=1,
                batching_window=self.batching_window,
                log=_pump_log,
            )
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        from shophub import wiring

        wiring.reset()
        while self._contexts:
            self._contexts.pop().__exit__(None, None, None)
        if self._saved_environ is not None:
            os.environ.clear()
            os.environ.update(self._saved_environ)
            self._saved_environ = None

    # --- helpers ---------------------------------------------------------------------------------

    @property
    def container(self) -> Any:
        from shophub import wiring

        return wiring.container()

    def token(self, tenant: str = TENANT) -> str:
        return str(self.container.tokens.create(tenant))

    def api(self, tenant: str = TENANT) -> BenchApi:
        assert self.gateway is not None
        return BenchApi(self.gateway, self.token(tenant))

    def drain(self, queue: str, *, timeout: float = 600.0, concurrency: int | None = None) -> DrainResult:
        """Run ``queue``'s batches until it is empty. A failed invocation is retried as SQS
        would (it is counted in the result); a message that ends in the DLQ fails the bench."""
        assert self.pump is not None
        result = self.pump.drain(queue, timeout=timeout, concurrency=concurrency)
        if result.dead_lettered:
            raise RuntimeError(
                f"{queue}: {result.dead_lettered} message(s) ended in the dead-letter queue; last error: "
                + (result.errors[-1].splitlines()[-1] if result.errors else "?")
            )
        return result

    def dynamodb_requests(self) -> int:
        return int(getattr(self.container.table, "request_count", 0))


def _gateway_error_log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _pump_log(text: str) -> None:
    """One line per failed invocation (the pump prints whole tracebacks): its first line and the
    exception it ended with."""
    lines = [line for line in text.strip().splitlines() if line.strip()]
    if len(lines) > 2:
        print(f"{lines[0]} ... {lines[-1].strip()}", file=sys.stderr, flush=True)
    else:
        print(text, file=sys.stderr, flush=True)


# --- setting a shop up through the API -------------------------------------------------------------------


def connect_shop(
    stack: BenchStack,
    api: BenchApi,
    shop_url: str,
    shop_key: str,
    *,
    fetch_enabled: bool = False,
    fetch_from: Any = None,
    out: Any = None,
) -> str:
    """The merchant's set-up through the API (account, check, discovery, mappings of everything
    discovered, order settings with stock updates on, a default template); returns the account id.

    The discovery message is delivered by draining ``DiscoveryQueue`` between two looks at it.
    """
    import io

    def drive(_seconds: float) -> None:
        stack.drain("DiscoveryQueue", timeout=120)

    flow = MerchantFlow(
        api,
        shop_url=shop_url,
        shop_key=shop_key,
        out=out if out is not None else io.StringIO(),
        wait=drive,
        timeout=300,
        account_name="Bench shop",
    )
    return flow.set_up(fetch_from=fetch_from, fetch_enabled=fetch_enabled)
