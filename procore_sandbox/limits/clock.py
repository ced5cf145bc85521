"""The sandbox clock: what time the sandbox thinks it is.

Two ways to move it, for two kinds of test:

- A shift every process sees: the legacy upload rules (one hour to reach storage, one week to be
  attached) read `now()`, real time plus an offset kept in a database row (`SandboxClock`, id=1),
  so moving it reaches every process serving the sandbox at once: `advance_clock(timedelta(hours=2))`,
  `reset_clock()`.
- Simulated time in this process: the rate limiter's windows read `timestamp()`. A test whose
  live server runs in its own process puts the sandbox on a `SimulatedTime` (the `sandbox_clock`
  fixture of procore_sandbox.pytest_plugin) and moves it with `advance()`/`set()` instead of
  sleeping until a 10-second or hourly window turns. Any callable returning Unix seconds will do,
  so a suite can drive the sandbox and its own client from one simulated clock.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from procore_sandbox.models import SandboxClock

_source: Callable[[], float] = time.time


def timestamp() -> float:
    """Unix seconds on the sandbox's clock (real time unless a test simulates it)."""
    return _source()


def use(source: Callable[[], float] | None) -> None:
    """Read time from `source` in this process from now on (None: real time again)."""
    global _source
    _source = source or time.time


class SimulatedTime:
    """Time that stands still until a test moves it."""

    def __init__(self, start: float) -> None:
        self._now = float(start)
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += seconds

    def set(self, when: float) -> None:
        with self._lock:
            self._now = float(when)


def now() -> datetime:
    offset = SandboxClock.objects.filter(id=1).values_list("offset_seconds", flat=True).first() or 0
    return datetime.fromtimestamp(timestamp(), UTC) + timedelta(seconds=offset)


def advance_clock(delta: timedelta) -> None:
    clock, _ = SandboxClock.objects.get_or_create(id=1)
    clock.offset_seconds += int(delta.total_seconds())
    clock.save(update_fields=["offset_seconds"])


def reset_clock() -> None:
    SandboxClock.objects.filter(id=1).delete()
