"""The one retry helper: waits, cap, jitter, when it gives up, what it raises."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from shophub.retry import EQUAL_JITTER, FULL_JITTER, NO_JITTER, Backoff, retry


@dataclass
class FakeTime:
    """A monotonic clock that only sleeping (and ``advance``) moves."""

    now: float = 100.0
    sleeps: list[float] = field(default_factory=list)

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class Flaky:
    """Raises the given errors in turn, then answers ``"done"``."""

    def __init__(self, *errors: BaseException) -> None:
        self.errors = list(errors)
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "done"


class Busy(Exception):
    pass


def test_waits_grow_by_the_factor_up_to_the_cap():
    policy = Backoff(base=0.05, cap=1.0, attempts=9)

    waits = [policy.delay(n, 0.5) for n in range(1, 9)]

    assert waits == pytest.approx([0.05, 0.1, 0.2, 0.4, 0.8, 1.0, 1.0, 1.0])


def test_a_factor_other_than_two():
    policy = Backoff(base=0.2, factor=1.5, cap=2.0, budget=20.0)

    assert [policy.delay(n, 0.0) for n in range(1, 8)] == pytest.approx([0.2, 0.3, 0.45, 0.675, 1.0125, 1.51875, 2.0])


def test_a_very_late_retry_waits_the_cap():
    assert Backoff(base=0.1, cap=3.0, factor=10.0, attempts=5000).delay(4000, 0.0) == 3.0


@pytest.mark.parametrize(
    ("jitter", "low", "high"),
    [(NO_JITTER, 0.4, 0.4), (FULL_JITTER, 0.0, 0.4), (EQUAL_JITTER, 0.2, 0.4), ((0.5, 1.5), 0.2, 0.6)],
)
def test_jitter_scales_the_wait_within_its_range(jitter, low, high):
    policy = Backoff(base=0.1, cap=1.0, jitter=jitter, attempts=5)

    assert policy.delay(3, 0.0) == pytest.approx(low)
    assert policy.delay(3, 0.999999) == pytest.approx(high, abs=1e-5)
    assert low <= policy.delay(3, 0.37) <= high


def test_jitter_draws_from_the_injected_random_numbers():
    time = FakeTime()
    draws = iter([0.0, 0.5, 1.0 - 1e-9])
    calls = Flaky(Busy(), Busy(), Busy())

    retry(
        calls,
        Backoff(base=1.0, cap=8.0, jitter=FULL_JITTER, attempts=4),
        on=Busy,
        sleep=time.sleep,
        clock=time.clock,
        rng=lambda: next(draws),
    )

    assert time.sleeps == pytest.approx([0.0, 1.0, 4.0])


def test_retry_returns_the_first_answer_and_sleeps_between_attempts_only():
    time = FakeTime()
    calls = Flaky(Busy(), Busy())

    answer = retry(calls, Backoff(base=0.1, cap=1.0, attempts=5), on=Busy, sleep=time.sleep, clock=time.clock)

    assert answer == "done"
    assert calls.calls == 3
    assert time.sleeps == pytest.approx([0.1, 0.2])


def test_the_last_error_is_raised_with_no_sleep_after_the_last_attempt():
    time = FakeTime()
    errors = [Busy(f"attempt {n}") for n in range(1, 5)]
    calls = Flaky(*errors, Busy("never reached"))

    with pytest.raises(Busy) as raised:
        retry(calls, Backoff(base=0.1, cap=1.0, attempts=4), on=Busy, sleep=time.sleep, clock=time.clock)

    assert raised.value is errors[-1]
    assert calls.calls == 4
    assert time.sleeps == pytest.approx([0.1, 0.2, 0.4])


def test_other_errors_and_refused_ones_are_not_retried():
    time = FakeTime()
    policy = Backoff(base=0.1, cap=1.0, attempts=5)

    with pytest.raises(KeyError):
        retry(Flaky(KeyError("x")), policy, on=Busy, sleep=time.sleep, clock=time.clock)
    with pytest.raises(Busy, match="permanent"):
        retry(
            Flaky(Busy("permanent")),
            policy,
            on=Busy,
            when=lambda error: "permanent" not in str(error),
            sleep=time.sleep,
            clock=time.clock,
        )
    assert time.sleeps == []


def test_the_budget_stops_before_a_wait_that_would_end_past_it():
    time = FakeTime()
    calls = Flaky(*(Busy() for _ in range(20)))

    with pytest.raises(Busy):
        retry(calls, Backoff(base=0.2, factor=1.5, cap=2.0, budget=1.0), on=Busy, sleep=time.sleep, clock=time.clock)

    assert time.sleeps == pytest.approx([0.2, 0.3, 0.45])  # 0.95 s; the next 0.675 s would end at 1.625
    assert calls.calls == 4


def test_the_budget_counts_the_time_the_attempts_take():
    time = FakeTime()

    def slow() -> str:
        time.now += 0.4
        raise Busy

    with pytest.raises(Busy):
        retry(slow, Backoff(base=0.1, factor=1.0, cap=0.1, budget=0.95), on=Busy, sleep=time.sleep, clock=time.clock)

    assert time.sleeps == pytest.approx([0.1])  # 0.4 + 0.1 + 0.4 = 0.9; one more wait would pass 0.95


def test_a_sleep_that_does_not_move_the_clock_still_uses_the_budget():
    slept: list[float] = []
    calls = Flaky(*(Busy() for _ in range(100)))

    with pytest.raises(Busy):
        retry(calls, Backoff(base=0.5, factor=1.0, cap=0.5, budget=2.0), on=Busy, sleep=slept.append, clock=lambda: 0.0)

    assert slept == [0.5, 0.5, 0.5, 0.5]


def test_the_deadline_stops_a_wait_that_leaves_less_than_the_reserve():
    time = FakeTime()
    ends_at = time.now + 6.0
    calls = Flaky(*(Busy() for _ in range(20)))

    with pytest.raises(Busy):
        retry(
            calls,
            Backoff(base=1.0, cap=4.0, attempts=20),
            on=Busy,
            sleep=time.sleep,
            clock=time.clock,
            deadline=lambda: ends_at - time.now,
            reserve=2.0,
        )

    assert time.sleeps == pytest.approx([1.0, 2.0])  # 3 s left; a 4 s wait would leave -1 < 2
    assert calls.calls == 3


def test_a_loop_over_the_attempts_waits_between_them_and_ends_without_a_last_wait():
    time = FakeTime()
    seen = []

    for attempt in Backoff(base=0.02, cap=0.08, attempts=4).start(sleep=time.sleep, clock=time.clock):
        seen.append(attempt)

    assert seen == [1, 2, 3, 4]
    assert time.sleeps == pytest.approx([0.02, 0.04, 0.08])


def test_pause_counts_attempts_and_says_when_to_give_up():
    time = FakeTime()
    retries = Backoff(base=0.05, cap=1.0, attempts=3).start(sleep=time.sleep, clock=time.clock)

    assert [retries.pause(), retries.pause(), retries.pause()] == [True, True, False]
    assert retries.attempt == 3
    assert retries.waited == pytest.approx(0.15)
    assert time.sleeps == pytest.approx([0.05, 0.1])


def test_one_attempt_never_sleeps():
    time = FakeTime()

    with pytest.raises(Busy):
        retry(Flaky(Busy()), Backoff(base=1.0, cap=1.0, attempts=1), on=Busy, sleep=time.sleep, clock=time.clock)

    assert time.sleeps == []


@pytest.mark.parametrize(
    "options",
    [
        {"base": -1.0, "cap": 1.0, "attempts": 3},
        {"base": 1.0, "cap": 1.0, "factor": 0.5, "attempts": 3},
        {"base": 1.0, "cap": 1.0, "jitter": (0.8, 0.2), "attempts": 3},
        {"base": 1.0, "cap": 1.0, "attempts": 0},
        {"base": 1.0, "cap": 1.0},
    ],
)
def test_a_policy_that_makes_no_sense_is_refused(options):
    with pytest.raises(ValueError):
        Backoff(**options)
