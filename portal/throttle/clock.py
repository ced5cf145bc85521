"""The budget's clock: real time, or a simulated one for tests.

Procore's windows are Unix seconds (`X-Rate-Limit-Reset`), so the budget reads wall-clock time
and waits by sleeping; the Procore client's own pauses (Retry-After, backoff between retries)
sleep here too. Both go through this module so that a test can put the budget on a
`SimulatedClock` whose `sleep()` moves time forward at once: hours of rate-limit windows then
take milliseconds, and a test states the exact moment a call is made.

    with clock.simulated(start=1_800_000_000.0) as sim:
        ...            # budget code called here sees sim.now() and sleeps in simulated time
        sim.advance(9.5)

The simulated clock is process-wide (threads included) while it is installed; other processes
keep real time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float:
        """Unix time in seconds."""

    def sleep(self, seconds: float) -> None:
        """Wait that long (or pretend to)."""

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back, for measuring waits."""


class SystemClock:
    def now(self) -> float:
        return time.time()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)

    def monotonic(self) -> float:
        return time.monotonic()


class SimulatedClock:
    """Time that moves only when someone sleeps or calls `advance()`."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self._now = float(start)
        self._lock = threading.Lock()
        self.slept = 0.0  # total simulated sleep, for assertions

    def now(self) -> float:
        with self._lock:
            return self._now

    def monotonic(self) -> float:
        return self.now()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self.advance(seconds)
            with self._lock:
                self.slept += seconds

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += seconds

    def set(self, when: float) -> None:
        with self._lock:
            self._now = float(when)


_clock: Clock = SystemClock()


def now() -> float:
    return _clock.now()


def sleep(seconds: float) -> None:
    _clock.sleep(seconds)


def monotonic() -> float:
    return _clock.monotonic()


def install(replacement: Clock) -> Clock:
    """Put the budget on another clock; returns the one it replaced."""
    global _clock
    previous, _clock = _clock, replacement
    return previous


@contextmanager
def simulated(start: float = 1_800_000_000.0) -> Iterator[SimulatedClock]:
    sim = SimulatedClock(start)
    previous = install(sim)
    try:
        yield sim
    finally:
        install(previous)
