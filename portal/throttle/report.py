"""What the admin's budget page shows: per company, the windows' state, each lane's and each
flow's use, who is waiting, and calls per hour over the last days (also as CSV).

Plain functions over the budget's rows; portal.throttle.admin renders them.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings

from . import clock
from .budget import hour_start, people_rate, reserve_share
from .lanes import Lane
from .models import Budget, Flow, HourlyUsage
from .schedule import HOUR_SECONDS, SPIKE_SECONDS, allowance_for, reserve_of

CHART_DAYS = 30


@dataclass(frozen=True)
class WindowState:
    name: str
    limit: int
    allowance: int
    used: int
    reserve: int
    resets_in: float
    provisional: bool = False

    @property
    def share_used(self) -> float:
        return self.used / self.limit if self.limit else 0.0


@dataclass(frozen=True)
class FlowState:
    label: str
    key: str
    lane: str
    person: str
    window_calls: int
    calls: int
    waiting: bool
    want: int
    waiting_for: float
    waited_seconds: float
    last_call_ago: float | None
    left: int | None = None  # calls it still expects (submissions say their size); None: unknown


@dataclass(frozen=True)
class LaneState:
    name: str
    window_calls: int
    hour_calls: int
    waiting: int


@dataclass
class BudgetState:
    budget: Budget
    windows: list[WindowState]
    lanes: list[LaneState]
    flows: list[FlowState]
    blocked_for: float
    people_rate: float
    hour_limit_known: bool
    waiting: list[FlowState] = field(default_factory=list)

    @property
    def app(self) -> str:
        return "the portal's app" if self.budget.client_id == settings.PROCORE_CLIENT_ID else self.budget.client_id


@dataclass(frozen=True)
class HourPoint:
    hour: datetime
    calls: int
    failed: int
    rate_limited: int
    interactive: int
    webhooks: int
    background: int
    hour_limit: int


def _windows(budget: Budget, now: float) -> list[WindowState]:
    share = reserve_share()
    windows = []
    if budget.limit:
        hourly = budget.window_seconds >= HOUR_SECONDS
        windows.append(
            WindowState(
                "Hour (reported)" if hourly else "10 seconds",
                budget.limit,
                budget.allowance,
                budget.sent if budget.reset_at > now else 0,
                reserve_of(budget.allowance, share),
                max(0.0, budget.reset_at - now),
                budget.provisional,
            )
        )
    if budget.hour_limit and budget.window_seconds < HOUR_SECONDS:
        allowance = allowance_for(budget.hour_limit)
        current = budget.hour_reset_at > now
        windows.append(
            WindowState(
                "Hour",
                budget.hour_limit,
                allowance,
                budget.hour_sent if current else 0,
                reserve_of(allowance, share),
                max(0.0, budget.hour_reset_at - now) if current else 0.0,
            )
        )
    return windows


def budget_state(budget: Budget, now: float | None = None) -> BudgetState:
    now = clock.now() if now is None else now
    current_window = budget.reset_at > now
    flows = []
    for flow in Flow.objects.filter(budget=budget).order_by("-last_call_at")[:200]:
        waiting = flow.wanting_until > now
        if not waiting and now - flow.last_call_at > HOUR_SECONDS:
            continue  # idle for an hour: not part of the picture any more
        flows.append(
            FlowState(
                label=flow.label or flow.key,
                key=flow.key,
                lane=Lane.named(flow.lane).label,
                person=flow.person,
                window_calls=flow.window_calls if current_window and flow.window_reset_at == budget.reset_at else 0,
                calls=flow.calls,
                waiting=waiting,
                want=flow.want if waiting else 0,
                waiting_for=now - flow.wanting_since if waiting and flow.wanting_since else 0.0,
                waited_seconds=flow.waited_seconds,
                last_call_ago=now - flow.last_call_at if flow.last_call_at else None,
                left=None if flow.size is None else max(0, flow.size - flow.calls),
            )
        )
    hour = HourlyUsage.objects.filter(budget=budget, hour=hour_start(now)).first()
    lanes = [
        LaneState(
            lane.label,
            sum(f.window_calls for f in flows if f.lane == lane.label),
            getattr(hour, lane.name.lower(), 0) if hour else 0,
            sum(1 for f in flows if f.lane == lane.label and f.waiting),
        )
        for lane in Lane
    ]
    return BudgetState(
        budget=budget,
        windows=_windows(budget, now),
        lanes=lanes,
        flows=flows,
        blocked_for=max(0.0, budget.blocked_until - now),
        people_rate=people_rate(budget, now),
        hour_limit_known=bool(budget.hour_limit),
        waiting=sorted((f for f in flows if f.waiting), key=lambda f: -f.waiting_for),
    )


def company_budgets(company_id: str, now: float | None = None) -> list[BudgetState]:
    return [budget_state(b, now) for b in Budget.objects.filter(company_id=company_id).order_by("client_id")]


def hourly_series(company_id: str, days: int = CHART_DAYS, now: float | None = None) -> list[HourPoint]:
    """Calls per hour of a company (all its apps' budgets together), every hour of the last
    `days` days, empty hours included."""
    now = clock.now() if now is None else now
    last = hour_start(now)
    first = last - timedelta(hours=days * 24 - 1)
    counted: dict[datetime, dict[str, int]] = {}
    for row in HourlyUsage.objects.filter(budget__company_id=company_id, hour__gte=first, hour__lte=last):
        entry = counted.setdefault(row.hour, dict.fromkeys(FIGURES, 0))
        for name in FIGURES:
            entry[name] = max(entry[name], row.hour_limit) if name == "hour_limit" else entry[name] + getattr(row, name)
    points = []
    for index in range(days * 24):
        hour = first + timedelta(hours=index)
        entry = counted.get(hour, dict.fromkeys(FIGURES, 0))
        points.append(HourPoint(hour, **entry))
    return points


FIGURES = ["calls", "failed", "rate_limited", "interactive", "webhooks", "background", "hour_limit"]


def usage_csv(points: list[HourPoint]) -> str:
    """The chart's figures as CSV, one row an hour (UTC), for a rate-limit increase request."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "hour_utc",
            "calls",
            "failed_4xx",
            "rate_limited_429",
            "interactive",
            "webhooks",
            "background",
            "hourly_limit",
        ]
    )
    for p in points:
        writer.writerow(
            [
                p.hour.strftime("%Y-%m-%dT%H:00Z"),
                p.calls,
                p.failed,
                p.rate_limited,
                p.interactive,
                p.webhooks,
                p.background,
                p.hour_limit or "",
            ]
        )
    return out.getvalue()


def spike_ceiling_per_hour(budget: Budget) -> int | None:
    """What the 10-second limit alone would allow in an hour (for context when the hourly limit
    has not been reported)."""
    return int(budget.spike_limit * HOUR_SECONDS / SPIKE_SECONDS) if budget.spike_limit else None
