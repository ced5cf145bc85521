"""A discrete-event simulation of Procore's limits and the portal's callers, in simulated time.

The budget code runs for real (portal.throttle.budget against the test database); only time
and the server are simulated: `Server` counts fixed windows as the sandbox does and answers
with the same headers, and each `Caller` is one thread of work (a submission's sending thread,
a page load) that asks the budget for a call, waits as it is told, and "sends" it. Hours of
windows take seconds to run.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field

from portal.throttle import budget
from portal.throttle.lanes import Ticket
from portal.throttle.schedule import MAX_WAIT

KEY = "app|8089"
LATENCY = 0.05  # seconds a call takes at the server


@dataclass
class Server:
    """Procore's two windows per budget, fixed and aligned on Unix time (as the sandbox)."""

    hourly: int
    spike: int
    counts: dict[tuple[str, int], int] = field(default_factory=dict)
    accepted: int = 0
    refused: int = 0

    def call(self, now: float) -> tuple[int, budget.Seen, float | None]:
        windows = [("spike", 10, self.spike), ("hour", 3600, self.hourly)]
        starts = {kind: int(now // seconds) * seconds for kind, seconds, _ in windows}
        full = [w for w in windows if self.counts.get((w[0], starts[w[0]]), 0) >= w[2]]
        if full:
            self.refused += 1
            kind, seconds, limit = max(full, key=lambda w: starts[w[0]] + w[1])
            reset = starts[kind] + seconds
            return 429, budget.Seen(limit, 0, reset), max(1.0, reset - now)
        reports = []
        for kind, seconds, limit in windows:
            used = self.counts.get((kind, starts[kind]), 0) + 1
            self.counts[(kind, starts[kind])] = used
            reports.append((limit - used, kind == "spike", limit, starts[kind] + seconds))
        self.accepted += 1
        remaining, _, limit, reset = min(reports)
        return 200, budget.Seen(limit, remaining, reset), None

    def spike_counts(self) -> list[int]:
        return [n for (kind, _), n in sorted(self.counts.items()) if kind == "spike"]


@dataclass
class Caller:
    """One thread of work: `calls` calls one after another, `pause` seconds apart."""

    ticket: Ticket
    calls: int
    start: float
    pause: float = 0.02
    done: int = 0
    waited: list[float] = field(default_factory=list)
    finished_at: float | None = None
    asked_at: float | None = None


class Simulation:
    def __init__(self, server: Server, start: float) -> None:
        self.server = server
        self.now = start
        self.queue: list[tuple[float, int, Caller]] = []
        self.order = itertools.count()
        # Callers of one flow queue behind one asker, as they do in a process (budget._Gate).
        self.waiting: dict[str, list[Caller]] = {}

    def add(self, caller: Caller) -> Caller:
        heapq.heappush(self.queue, (caller.start, next(self.order), caller))
        return caller

    def _wake(self, at: float, caller: Caller) -> None:
        heapq.heappush(self.queue, (at, next(self.order), caller))

    def run(self, until: float) -> Iterator[float]:
        while self.queue and self.queue[0][0] <= until:
            at, _, caller = heapq.heappop(self.queue)
            self.now = at
            flow = self.waiting.setdefault(caller.ticket.flow, [])
            if caller.asked_at is None:
                caller.asked_at = at
                flow.append(caller)
                if flow[0] is not caller:
                    continue  # the flow's asker will hand over when it is served
            wait = budget.try_acquire(KEY, caller.ticket, want=len(flow), now=at)
            if wait > 0:
                self._wake(at + min(wait, MAX_WAIT), caller)  # as budget.acquire() looks again
                continue
            flow.remove(caller)
            if flow:
                self._wake(at, flow[0])
            status, seen, retry_after = self.server.call(at)
            budget.observe(KEY, seen, status=status, retry_after=retry_after, lane=caller.ticket.lane, now=at + LATENCY)
            caller.waited.append(at - caller.asked_at)
            caller.asked_at = None
            if status == 429:
                self._wake(at + LATENCY, caller)  # asked again, as the client does
                continue
            caller.done += 1
            if caller.done >= caller.calls:
                caller.finished_at = at + LATENCY
                continue
            self._wake(at + LATENCY + caller.pause, caller)
            yield at

    def run_to(self, until: float) -> None:
        """Run every event up to `until`."""
        for _ in self.run(until):
            pass
