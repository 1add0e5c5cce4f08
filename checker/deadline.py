"""The time limit as a timer, so that it ends a search on time even inside a slow action.

Why a timer: the search reads the clock once per chunk of 1,024 states, which with 5 ms
actions is five seconds, and a single 30-second action would overrun any limit. SIGALRM
interrupts whatever runs at the limit — the spec's own code too — so no further action
starts. It raises TimeLimitReached, a KeyboardInterrupt, so that the paths that already end
a search cleanly on Ctrl-C end it, and a spec's `except Exception` does not swallow it. Only
the main thread receives signals: elsewhere the per-chunk clock reading is all there is.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from typing import Any, Iterator


class TimeLimitReached(KeyboardInterrupt):
    """The timer fired during the search."""


class Deadline:
    """`with Deadline(seconds):` arms the timer (if there is a limit and this is the main
    thread); leaving disarms it and gives back a handler and timer that someone else (say,
    pytest-timeout) had armed before, with what is left of its delay."""

    def __init__(self, seconds: float | None):
        self.seconds = seconds
        self.active = False
        self.saved: tuple | None = None

    def __enter__(self) -> "Deadline":
        self.active = True
        if self.seconds is not None and threading.current_thread() is threading.main_thread():
            previous = signal.signal(signal.SIGALRM, self._expire)
            before = signal.setitimer(signal.ITIMER_REAL, self.seconds)
            self.saved = (previous, before, time.monotonic())
        return self

    def _expire(self, signum: int, frame: Any) -> None:
        if self.active:
            raise TimeLimitReached

    def __exit__(self, *exc: Any) -> None:
        self.active = False
        if self.saved is not None:
            handler, (delay, interval), armed_at = self.saved
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, handler)
            if delay > 0:
                signal.setitimer(signal.ITIMER_REAL, max(delay - (time.monotonic() - armed_at), 1e-3), interval)
            self.saved = None


@contextlib.contextmanager
def timer_held() -> Iterator[None]:
    """Hold the timer's signal while the block runs (a message half-written to another
    process would corrupt the stream); it is delivered, and the time limit met, right after."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held_before = signal.SIGALRM in signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
    try:
        yield
    finally:
        if not held_before:  # nested: the outermost block lets it go
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGALRM})
