"""Retries with exponential backoff, written once.

A :class:`Backoff` is a policy: the wait before each retry (``base`` growing by ``factor`` up to
``cap``, then scaled by a random factor from ``jitter``) and when to give up (``attempts`` in all,
a time ``budget``). It is used in one of two ways:

* :func:`retry` calls a function until it returns; an error of the given types (for which the
  optional predicate holds) is tried again after the policy's wait, and the last one is raised
  when the policy allows no more attempts;
* :meth:`Backoff.start` gives a :class:`Retries` for loops whose retry decision is not an
  exception (unprocessed batch items, transactions cancelled by concurrent ones): iterate over it
  (``for attempt in policy.start(): ...; break`` on success), or call :meth:`Retries.pause`
  before each new attempt (``False``: give up).

Sleep, clock and random numbers are injected (by default ``time.sleep``, ``time.monotonic`` and
``random.random``), so tests run without waiting and with known waits. There is never a wait after
the last attempt.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from shophub.clock import Deadline

Sleep = Callable[[float], None]
Monotonic = Callable[[], float]
Random = Callable[[], float]
ErrorTypes = type[BaseException] | tuple[type[BaseException], ...]

#: The computed wait exactly.
NO_JITTER = (1.0, 1.0)
#: Anywhere between nothing and the computed wait (spreads concurrent writers best).
FULL_JITTER = (0.0, 1.0)
#: Half the computed wait fixed, the other half random.
EQUAL_JITTER = (0.5, 1.0)


@dataclass(frozen=True)
class Backoff:
    """How long to wait before each retry and when to give up.

    The wait before retry ``n`` (1: after the first attempt) is ``min(cap, base * factor**(n-1))``
    times a random factor in ``[jitter[0], jitter[1])``. ``attempts`` counts the first attempt
    (``None``: no limit); ``budget`` (seconds, ``None``: no limit) refuses a wait that would end
    later than that after the first attempt started.
    """

    base: float
    cap: float
    factor: float = 2.0
    jitter: tuple[float, float] = NO_JITTER
    attempts: int | None = None
    budget: float | None = None

    def __post_init__(self) -> None:
        low, high = self.jitter
        if self.base < 0 or self.cap < 0 or self.factor < 1:
            raise ValueError("base and cap must not be negative and factor must be at least 1")
        if not 0 <= low <= high:
            raise ValueError("jitter must be a range 0 <= low <= high")
        if self.attempts is not None and self.attempts < 1:
            raise ValueError("attempts must be at least 1")
        if self.attempts is None and self.budget is None:
            raise ValueError("a backoff needs attempts or a budget to end")

    def ceiling(self, retry: int) -> float:
        """The wait before retry ``retry`` without jitter."""
        try:
            grown = self.base * self.factor ** max(0, retry - 1)
        except OverflowError:
            return self.cap
        return min(self.cap, grown) if math.isfinite(grown) else self.cap

    def delay(self, retry: int, rnd: float) -> float:
        """The wait before retry ``retry`` for a random number ``rnd`` in ``[0, 1)``."""
        low, high = self.jitter
        return self.ceiling(retry) * (low + (high - low) * rnd)

    def start(
        self,
        *,
        sleep: Sleep | None = None,
        clock: Monotonic | None = None,
        rng: Random | None = None,
        deadline: Deadline | None = None,
        reserve: float = 0.0,
    ) -> Retries:
        """A run of this policy whose first attempt starts now (see :class:`Retries`)."""
        return Retries(self, sleep=sleep, clock=clock, rng=rng, deadline=deadline, reserve=reserve)


class Retries:
    """One run of a :class:`Backoff`: the attempt under way and the waits between attempts.

    ``deadline`` (seconds left, e.g. before the Lambda's timeout) refuses a wait that would leave
    less than ``reserve`` seconds for the next attempt. Time spent counts on ``clock`` and never
    less than the waits slept, so a sleep that does not move the clock still uses the budget.
    """

    def __init__(
        self,
        policy: Backoff,
        *,
        sleep: Sleep | None = None,
        clock: Monotonic | None = None,
        rng: Random | None = None,
        deadline: Deadline | None = None,
        reserve: float = 0.0,
    ) -> None:
        self.policy = policy
        self._sleep = sleep or time.sleep
        self._clock = clock or time.monotonic
        self._rng = rng or random.random
        self._deadline = deadline
        self._reserve = reserve
        self._started = self._clock()
        #: the attempt under way, 1 for the first
        self.attempt = 1
        #: seconds slept so far
        self.waited = 0.0

    def spent(self) -> float:
        """Seconds since the first attempt started."""
        return max(self._clock() - self._started, self.waited)

    def next_delay(self) -> float | None:
        """The wait before the next attempt, or ``None`` when the policy allows no more."""
        policy = self.policy
        if policy.attempts is not None and self.attempt >= policy.attempts:
            return None
        delay = policy.delay(self.attempt, self._rng())
        if policy.budget is not None and self.spent() + delay > policy.budget:
            return None
        if self._deadline is not None and self._deadline() - delay < self._reserve:
            return None
        return delay

    def pause(self) -> bool:
        """Wait before the next attempt and return ``True``; ``False`` (and no wait) when the
        policy allows no more attempts."""
        delay = self.next_delay()
        if delay is None:
            return False
        self._sleep(delay)
        self.waited += delay
        self.attempt += 1
        return True

    def __iter__(self) -> Iterator[int]:
        """The attempt numbers, with the policy's wait before each but the first; the loop ends
        (without a wait) when the policy allows no more attempts."""
        yield self.attempt
        while self.pause():
            yield self.attempt


def retry[T](
    call: Callable[[], T],
    policy: Backoff,
    *,
    on: ErrorTypes,
    when: Callable[[BaseException], bool] | None = None,
    sleep: Sleep | None = None,
    clock: Monotonic | None = None,
    rng: Random | None = None,
    deadline: Deadline | None = None,
    reserve: float = 0.0,
) -> T:
    """``call()``'s result, calling it again after the policy's wait while it raises one of
    ``on`` (and ``when(error)`` holds, if given). Other errors propagate at once; the last
    retried error is raised when the policy allows no more attempts."""
    retries = policy.start(sleep=sleep, clock=clock, rng=rng, deadline=deadline, reserve=reserve)
    while True:
        try:
            return call()
        except on as error:
            if when is not None and not when(error):
                raise
            if not retries.pause():
                raise
