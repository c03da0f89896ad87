"""Request log and fault plan of the simulator (both thread-safe)."""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass
from urllib.parse import parse_qsl

FAULT_KINDS = ("500", "503", "429", "timeout", "html", "truncated")


@dataclass(frozen=True)
class RequestRecord:
    """One request as the simulator saw it.

    ``method`` is the HTTP method; ``effective_method`` the one applied (``ps_method`` on a POST).
    ``status`` is 0 when no answer was sent (a ``timeout`` fault). ``fault`` names the injected
    fault kind, if any; ``applied`` is False when a fault kept the request from being processed.
    """

    method: str
    path: str
    query: str
    status: int
    effective_method: str
    resource: str | None
    fault: str | None
    applied: bool
    body: bytes
    started_at: float
    duration_ms: float

    @property
    def params(self) -> dict[str, str]:
        return dict(parse_qsl(self.query, keep_blank_values=True))

    @property
    def target(self) -> str:
        return f"{self.path}?{self.query}" if self.query else self.path


class RequestLog:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: list[RequestRecord] = []

    def append(self, record: RequestRecord) -> None:
        with self._lock:
            self._records.append(record)

    def snapshot(self) -> list[RequestRecord]:
        with self._lock:
            return list(self._records)

    def __len__(self) -> int:
        with self._lock:
            return len(self._records)

    def clear(self) -> None:
        with self._lock:
            self._records.clear()


@dataclass
class FaultRule:
    kind: str
    remaining: int
    method: str | None
    path_prefix: str | None
    apply_first: bool

    def matches(self, methods: tuple[str, ...], path: str) -> bool:
        if self.method is not None and self.method.upper() not in methods:
            return False
        return self.path_prefix is None or path.startswith(self.path_prefix)


@dataclass(frozen=True)
class Fault:
    kind: str
    apply_first: bool = False


def check_kind(kind: str) -> str:
    if kind not in FAULT_KINDS:
        raise ValueError(f"unknown fault kind {kind!r}; expected one of {', '.join(FAULT_KINDS)}")
    return kind


class FaultPlan:
    """Queued faults first (in the order injected), then random faults at ``rate``.

    The random draw is seeded, one draw per request that no queued fault matched, so the same
    sequence of requests meets the same faults.
    """

    def __init__(self, rate: float, kinds: tuple[str, ...], seed: int) -> None:
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self.set_rate(rate, kinds, seed)

    def set_rate(self, rate: float, kinds: tuple[str, ...], seed: int) -> None:
        if not 0.0 <= rate <= 1.0:
            raise ValueError("fault rate must be between 0 and 1")
        with self._lock:
            self.rate = rate
            self.kinds = tuple(check_kind(k) for k in kinds)
            self._rng = random.Random(seed)

    def inject(self, rule: FaultRule) -> None:
        check_kind(rule.kind)
        if rule.remaining < 1:
            raise ValueError("count must be at least 1")
        if rule.path_prefix is not None and not rule.path_prefix.startswith("/"):
            rule.path_prefix = "/api/" + rule.path_prefix
        with self._lock:
            self._rules.append(rule)

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    @property
    def pending(self) -> int:
        with self._lock:
            return sum(rule.remaining for rule in self._rules)

    def pick(self, methods: tuple[str, ...], path: str) -> Fault | None:
        with self._lock:
            for rule in self._rules:
                if rule.remaining > 0 and rule.matches(methods, path):
                    rule.remaining -= 1
                    if rule.remaining == 0:
                        self._rules.remove(rule)
                    return Fault(rule.kind, rule.apply_first)
            if self.rate > 0 and self.kinds and self._rng.random() < self.rate:
                return Fault(self._rng.choice(self.kinds))
        return None
