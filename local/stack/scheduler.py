"""The template's schedules, run locally at a shortened period.

Each ``Schedule`` event of a function (``rate(5 minutes)`` in the template) becomes a timer that
invokes the function with an EventBridge "Scheduled Event" every ``period`` seconds
(``SHOPHUB_POLL_SECONDS``, default 30). Like EventBridge, the first run comes one period after
start. Ticks are fixed-rate; a tick that falls while the previous invocation still runs is
skipped (locally one invocation per schedule at a time).
"""

from __future__ import annotations

import os
import sys
import threading
import time
import traceback
from collections.abc import Callable, Collection
from dataclasses import dataclass

from local.stack.events import schedule_event
from local.stack.runtime import FunctionUnavailable, Invoker
from local.stack.template import ScheduleSource, StackModel


@dataclass(frozen=True)
class Firing:
    function: str
    rule: str
    at: float  # time.time()
    error: str | None = None


def rule_name(model: StackModel, source: ScheduleSource) -> str:
    """The rule's name as SAM would derive it (``<stack>-<Function><Event>``), for the event."""
    return f"shophub-{model.stage}-{source.function}{source.name}"


def _stderr(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


class Scheduler:
    def __init__(
        self,
        model: StackModel,
        invoker: Invoker,
        *,
        period: float | None = None,
        log: Callable[[str], None] | None = None,
    ) -> None:
        self.model = model
        self.invoker = invoker
        self.period = float(period if period is not None else os.environ.get("SHOPHUB_POLL_SECONDS", "30"))
        if self.period <= 0:
            raise ValueError("the schedule period must be positive")
        self.log = log or _stderr
        self.firings: list[Firing] = []
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    @property
    def sources(self) -> list[ScheduleSource]:
        return [s for fn in self.model.functions.values() for s in fn.schedules]

    def fire(self, source: ScheduleSource) -> Firing:
        """Invoke the source's function once, now."""
        rule = rule_name(self.model, source)
        at = time.time()
        error = None
        try:
            self.invoker.invoke(source.function, schedule_event(rule))
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
            if not isinstance(exc, FunctionUnavailable):
                self.log(f"[schedule] {rule} failed:\n" + "".join(traceback.format_exception(exc)).rstrip())
        firing = Firing(source.function, rule, at, error)
        self.firings.append(firing)
        return firing

    def start(self, *, functions: Collection[str] | None = None, skip_unavailable: bool = True) -> list[ScheduleSource]:
        """Start a timer per schedule (of ``functions``, if given); returns the schedules that run."""
        self._stop.clear()
        started = []
        for source in self.sources:
            if functions is not None and source.function not in functions:
                continue
            if skip_unavailable and not self.invoker.available(source.function):
                continue
            thread = threading.Thread(target=self._run, args=(source,), name=f"schedule-{source.function}", daemon=True)
            thread.start()
            self._threads.append(thread)
            started.append(source)
        return started

    def _run(self, source: ScheduleSource) -> None:
        next_at = time.monotonic() + self.period
        while not self._stop.wait(max(0.0, next_at - time.monotonic())):
            self.fire(source)
            next_at += self.period
            now = time.monotonic()
            if next_at < now:  # the invocation outlasted the period: skip the missed ticks
                next_at += ((now - next_at) // self.period + 1) * self.period

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        end = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(timeout=max(0.0, end - time.monotonic()))
        self._threads.clear()
