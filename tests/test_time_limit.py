"""A time limit ends the search on time even when the spec's actions are slow: the clock is
not only read between chunks of 1,024 states, a timer interrupts the action running at the
limit, so no further action starts."""

from __future__ import annotations

import time

import attrs

from checker import Spec, action, check


@attrs.frozen
class Slow(Spec):
    """A counter whose every step sleeps: 5 ms by default, far more in `long_step`."""

    pause: float = 0.005

    def init(self):
        yield 0

    @action
    def step(self, s):
        time.sleep(self.pause)
        return s + 1 if s < 100_000 else None


def test_slow_actions_stop_within_a_fraction_of_a_second_of_the_limit():
    t0 = time.monotonic()
    r = check(Slow(), time_limit=1.0, deadlock=False)
    elapsed = time.monotonic() - t0
    assert r.status == "incomplete" and r.reason == "reached time_limit=1.0s"
    assert 1.0 <= elapsed < 1.5
    assert 10 < r.distinct_states <= 200  # at most 200 steps of 5 ms fit (sleeps oversleep on a busy machine)
    assert r.depth == r.distinct_states == r.generated_states  # a chain: the counts are where the search stopped


def test_an_action_running_past_the_limit_is_cut_short():
    t0 = time.monotonic()
    r = check(Slow(pause=30.0), time_limit=0.5, deadlock=False)
    assert time.monotonic() - t0 < 1.5
    assert r.status == "incomplete" and r.distinct_states == 1


def test_the_timer_is_disarmed_after_the_search():
    r = check(Slow(pause=0.0), time_limit=0.3, max_states=50, deadlock=False)
    assert r.status == "incomplete" and r.reason == "reached max_states=50"
    time.sleep(0.5)  # an armed timer would raise here


def test_a_timer_armed_before_the_search_is_re_armed_after_it():
    import signal

    fired = []
    previous = signal.signal(signal.SIGALRM, lambda *_: fired.append(True))
    try:
        signal.setitimer(signal.ITIMER_REAL, 2.0)
        r = check(Slow(pause=0.0), time_limit=0.3, max_states=20, deadlock=False)
        assert r.status == "incomplete" and not fired
        left, _ = signal.getitimer(signal.ITIMER_REAL)
        assert 1.0 < left <= 2.0  # what was left of the other timer, re-armed
        time.sleep(left + 0.2)
        assert fired == [True]
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@attrs.frozen
class WideAndSlow(Spec):
    """5,000 initial states, each step sleeping 5 ms: a level takes 25 s, and a worker reads
    the clock only every 1,024 expansions (5 s); the timer must end it at the limit."""

    def init(self):
        yield from range(5000)

    @action
    def step(self, s):
        time.sleep(0.005)
        return s + 5000 if s < 100_000 else None


def test_parallel_workers_stop_at_the_limit_inside_a_level_of_slow_actions():
    t0 = time.monotonic()
    r = check(WideAndSlow(), time_limit=1.0, deadlock=False, workers=2)
    elapsed = time.monotonic() - t0
    assert r.status == "incomplete" and r.reason == "reached time_limit=1.0s"
    assert 1.0 <= elapsed < 2.0  # was 5.4 s
    assert r.distinct_states >= 5000 and r.generated_states - 5000 == r.coverage["step"].fired
