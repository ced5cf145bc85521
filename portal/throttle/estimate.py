"""How long a number of Procore calls takes at a company's current limits.

The limits are what Procore's headers last said for the company (`X-Rate-Limit-*`, folded into
its Budget row), never assumed: the 10-second limit, and the hourly one once Procore reported it
(it does only when it is the nearer one). The interactive and webhook lanes go first, so the
background lane gets the spike allowance less what they have been using lately.

Work ahead shares the budget round-robin (portal.throttle.schedule): until a submission finishes,
every other submission sending at the same time takes as many calls as it does, or all it still
needs if that is fewer. So a batch of `n` calls behind others needing `r1, r2, …` finishes after
`n + Σ min(ri, n)` calls of the background lane. Small work goes first (at most one window's
calls, `first_below`): a small batch shares only with the other small ones, and a bigger one
waits for all of theirs — which `min(ri, n)` already counts, as they are smaller.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings

from . import clock
from .budget import budget_key, people_rate, reserve_share
from .models import Budget
from .schedule import HOUR_SECONDS, SPIKE_SECONDS, allowance_for, reserve_of

MIN_SHARE = 0.1  # the background lane keeps at least this share of the spike rate in any estimate


@dataclass(frozen=True)
class Limits:
    """A company's limits as Procore last reported them (None: not reported yet)."""

    spike_limit: int | None
    hour_limit: int | None = None
    hour_used: int = 0
    hour_reset_at: float | None = None
    people_rate: float = 0.0  # calls/s of the interactive and webhook lanes lately

    @property
    def known(self) -> bool:
        return bool(self.spike_limit)

    @property
    def background_rate(self) -> float:
        """Calls per second the background lane can count on."""
        if not self.spike_limit:
            return 0.0
        full = allowance_for(self.spike_limit) / SPIKE_SECONDS
        return max(full * MIN_SHARE, full - self.people_rate)


def limits_for(company_id: int | str, client_id: str | None = None, now: float | None = None) -> Limits:
    """What the portal's app (or `client_id`'s) knows of `company_id`'s limits."""
    now = clock.now() if now is None else now
    row = Budget.objects.filter(key=budget_key(client_id or settings.PROCORE_CLIENT_ID, str(company_id))).first()
    if row is None:
        return Limits(None)
    spike = row.spike_limit or (row.limit if row.limit and row.window_seconds <= SPIKE_SECONDS else 0)
    hour_current = row.hour_limit and row.hour_reset_at > now
    return Limits(
        spike_limit=spike or None,
        hour_limit=row.hour_limit or None,
        hour_used=row.hour_sent if hour_current else 0,
        hour_reset_at=row.hour_reset_at if hour_current else None,
        people_rate=people_rate(row, now),
    )


def seconds_for(calls: int, limits: Limits, now: float | None = None) -> float | None:
    """Seconds the background lane needs for `calls` calls, or None when the limits are unknown."""
    rate = limits.background_rate
    if rate <= 0:
        return None
    if calls <= 0:
        return 0.0
    if not limits.hour_limit:
        return calls / rate
    now = clock.now() if now is None else now
    hour_allowance = allowance_for(limits.hour_limit)
    # What the lower lanes may use of a whole hour: all but what people use of the reserve.
    per_hour = max(
        1, hour_allowance - min(reserve_of(hour_allowance, reserve_share()), round(limits.people_rate * 3600))
    )
    reset = limits.hour_reset_at or now + HOUR_SECONDS
    left = max(0, per_hour - limits.hour_used)
    elapsed, wanted = 0.0, float(calls)
    for _ in range(24 * 365):  # a year of hours is more than any batch
        capacity = min(left, rate * max(0.0, reset - now - elapsed))
        if wanted <= capacity:
            return elapsed + wanted / rate
        wanted -= capacity
        elapsed = reset - now
        reset += HOUR_SECONDS
        left = per_hour
    return elapsed


def shared_calls(own: int, ahead: Iterable[int], first_below: float = 0.0) -> int:
    """Background calls spent by the time a flow of `own` calls is done, sharing round-robin with
    flows that still need `ahead` calls each; flows of at most `first_below` calls go first."""
    others = [max(0, other) for other in ahead]
    if own <= first_below:  # small: only the other small flows take turns with it
        others = [other for other in others if other <= first_below]
    return own + sum(min(other, own) for other in others)


def first_below(limits: Limits) -> float:
    """Work this small goes first in its lane: one spike window's calls (the budget's credit)."""
    return float(allowance_for(limits.spike_limit)) if limits.spike_limit else 0.0
