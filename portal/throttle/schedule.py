"""Who may send the next Procore call: lanes, a reserve, pacing and fair shares (pure functions).

The budget (portal.throttle.budget) knows each window Procore reports — how many calls we allow
ourselves in it (`allowance`), how many we sent, when it resets — and which flows are waiting.
`decide()` answers one waiting flow: send now, or look again in so many seconds.

The rules, for each window (the 10-second spike window, and the hour once Procore told us its
hourly limit):

- **Reserve.** The webhook and background lanes may not use the last `reserve` calls of a window
  (`THROTTLE_INTERACTIVE_RESERVE` of it, 10% by default): those are kept for calls a person is
  waiting for, who therefore never queue behind background work. The reserve is released
  gradually near the window's end (over a tenth of it, ending a twentieth before the reset), so
  what nobody needed is not wasted.
- **Pacing.** In a spike window the lower lanes may have used at most `elapsed/length + 0.1` of
  it: background calls are spread over the window instead of all leaving at its start, so work
  that asks later in the window (a small batch's next step) finds a slot within a fraction of a
  second instead of waiting for the next window. Pacing never lowers what a window delivers.
- **Priority.** Interactive calls take any room there is. Webhook calls go before background
  calls. A lower lane waits while a higher one has callers waiting.
- **Fair shares.** Within a lane, slots go round-robin by stride scheduling: each flow has a
  `pass`; the waiting flow with the lowest pass goes next and its pass grows by its stride. A
  person's flows share one share (each flow's stride is the number of that person's waiting
  flows), so starting five batches does not buy five shares. A new flow joins `credit` (one spike
  window's allowance) before the pass last served, and a returning one no further back than
  that: a newcomer may go ahead of the others by up to one window's calls, so a small batch
  started behind a big one finishes at nearly its own speed, and a flow is held back by at most
  that much per newcomer. Callers in a lane never wait for a flow ahead of them that is slow to come: once the
  window has room for everyone ahead and for them, they go.
- **Small work first.** A flow that says how many calls it has left (a submission does), and
  whose whole remaining work fits in one window's calls (`first_below`, the credit), goes ahead
  of the lane's bigger flows; small ones take turns among themselves. A 5-document batch then
  meets the budget's full pace instead of a share of it, and each small flow holds the others
  back by at most one window's calls — the bound a newcomer's credit already has. The biggest
  flow finishes no later for it: the ceiling is used all the same.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .lanes import Lane

GUARD = 0.25  # seconds after a reported reset before we count on the new window
SPIKE_SECONDS = 10.0  # Procore's spike window
HOUR_SECONDS = 3600.0  # Procore's hourly window
PACE_LEAD = 0.1  # share of a spike window the lower lanes may take at its very start
RELEASE = 0.1  # share of a window over which the reserve is released to the lower lanes ...
TAIL = 0.05  # ... ending this share of the window before its reset, so the last calls still fit in it
MIN_WAIT = 0.01
MAX_WAIT = 1.0  # a waiting caller looks again at least this often (it is its flow's heartbeat)
EPS = 1e-9


def margin(limit: int) -> int:
    """Calls kept back from each window for calls in flight when it turns, and clock skew."""
    return max(2, limit // 50)


def allowance_for(limit: int) -> int:
    return max(1, limit - margin(limit))


def reserve_of(allowance: int, share: float) -> int:
    """Calls of a window kept for the interactive lane."""
    return max(0, math.floor(allowance * share))


@dataclass(frozen=True)
class Window:
    allowance: int
    sent: int
    reset_at: float
    seconds: float
    paced: bool = False


@dataclass(frozen=True)
class Demand:
    """A flow with callers waiting for the budget."""

    flow: str
    lane: Lane
    party: str
    pass_value: float
    want: int = 1  # callers of this flow waiting now
    since: float = 0.0
    left: int | None = None  # calls the flow still expects to make (None: it did not say)


@dataclass(frozen=True)
class Decision:
    grant: bool
    wait: float = 0.0


def cap(window: Window, lane: Lane, now: float, share: float) -> float:
    """How many calls of the window `lane` may have been sent by `now` (a real number)."""
    if lane == Lane.INTERACTIVE:
        return float(window.allowance)
    left = max(0.0, window.reset_at - now)
    held = reserve_of(window.allowance, share) * _held_share(window, left)
    limit = window.allowance - held
    if window.paced:
        elapsed = max(0.0, window.seconds - left)
        limit = min(limit, window.allowance * min(1.0, elapsed / window.seconds + PACE_LEAD))
    return limit


def _held_share(window: Window, left: float) -> float:
    """Share of the reserve still held `left` seconds before the window's reset."""
    release = RELEASE * window.seconds
    return min(1.0, max(0.0, (left - TAIL * window.seconds) / release))


def room(window: Window, lane: Lane, now: float, share: float) -> int:
    return math.floor(cap(window, lane, now, share) - window.sent + EPS)


def when_room(window: Window, lane: Lane, needed: int, now: float, share: float) -> float:
    """The earliest moment (not before `now`) at which `lane` has `needed` calls of room in this
    window; past the window's end that is the next window's opening."""
    target = window.sent + needed
    allowance = window.allowance
    if target > allowance + EPS:
        return max(now, window.reset_at + GUARD)
    if lane == Lane.INTERACTIVE:
        return now
    at = now
    reserve = reserve_of(allowance, share)
    if reserve and allowance - reserve < target - EPS:
        # Once enough of the reserve is released: reserve · held share ≤ allowance − target.
        left = TAIL * window.seconds + RELEASE * window.seconds * (allowance - target) / reserve
        at = max(at, window.reset_at - left)
    if window.paced:
        elapsed = window.seconds * (target / allowance - PACE_LEAD)
        at = max(at, window.reset_at - window.seconds + elapsed)
    return at


def strides(demands: Iterable[Demand]) -> dict[str, int]:
    """Each waiting flow's stride: how many waiting flows its party has in the same lane."""
    demands = list(demands)
    per_party: dict[tuple[Lane, str], int] = {}
    for d in demands:
        per_party[(d.lane, d.party)] = per_party.get((d.lane, d.party), 0) + 1
    return {d.flow: per_party[(d.lane, d.party)] for d in demands}


def joining_pass(own: float | None, served: float, credit: float) -> float:
    """The pass of a flow that starts waiting: `credit` before the pass last served. A new flow
    (`own` None) starts there; a returning one keeps its own pass if that is later, so no flow
    banks turns while it is away."""
    return served - credit if own is None else max(own, served - credit)


def is_small(demand: Demand, first_below: float) -> bool:
    """The flow's remaining work fits in `first_below` calls (one window's): it goes first."""
    return demand.left is not None and demand.left <= first_below


def slots_ahead(me: Demand, lane_demands: Sequence[Demand], first_below: float = 0.0) -> int:
    """How many slots go to other flows of the lane before `me` gets one: small flows first, then
    in stride order."""
    step = strides(lane_demands)
    queue = {
        d.flow: [not is_small(d, first_below), d.pass_value, max(1, d.want), d.since, step[d.flow]]
        for d in lane_demands
    }
    if me.flow not in queue:
        queue[me.flow] = [not is_small(me, first_below), me.pass_value, max(1, me.want), me.since, 1]
    ahead = 0
    while True:
        flow = min(queue, key=lambda f: (queue[f][0], queue[f][1], queue[f][3], f))
        if flow == me.flow:
            return ahead
        ahead += 1
        entry = queue[flow]
        entry[1] += entry[4]
        entry[2] -= 1
        if entry[2] <= 0:
            del queue[flow]


def decide(
    windows: Sequence[Window],
    demands: Sequence[Demand],
    me: Demand,
    now: float,
    share: float,
    first_below: float = 0.0,
) -> Decision:
    """May `me` send one call now? `demands` are the waiting flows (with or without `me`);
    flows with at most `first_below` calls left go first in their lane."""
    others = [d for d in demands if d.flow != me.flow and d.want > 0]
    waiting = [*others, me]
    if me.lane == Lane.INTERACTIVE:
        # Interactive calls are few and short: they take any room, first come first served.
        needed = 1
    else:
        higher = sum(d.want for d in others if d.lane < me.lane)
        ahead = slots_ahead(me, [d for d in waiting if d.lane == me.lane], first_below)
        needed = higher + ahead + 1
    if all(room(w, me.lane, now, share) >= needed for w in windows):
        return Decision(True)
    at = max(when_room(w, me.lane, needed, now, share) for w in windows)
    return Decision(False, max(MIN_WAIT, at - now))
