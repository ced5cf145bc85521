"""The shared budget in the database: take a call from it, fold Procore's answers back into it.

Procore limits each app per company, an hourly and a 10-second spike window, and reports the
nearer limit on every response (`X-Rate-Limit-Limit`, `-Remaining`, `-Reset`; procore-api.md
§3.5). Every web process and worker, on any host, draws on the same Budget row.

- `acquire()` waits until the caller's flow may send one call: a short transaction locks the
  budget row, reads the flows waiting on it, asks portal.throttle.schedule whose turn it is, and
  counts the call or says how long to wait. No transaction is open during the HTTP call (on
  SQLite the embedded sandbox shares the database). Within one process, one caller per flow asks
  the database at a time; the flow's other callers queue in memory, so a submission's six sending
  threads cost one poll, not six.
- We allow ourselves `limit - margin` calls a window and wait for the reset: nobody sends into a
  window we know is full, so 429s should not happen at all.
- `observe()` reads every response's headers: a later `Reset` starts a new window, the server's
  count raises ours if it is higher, a 429's `Retry-After` stops every process until it passes.
  Each answer is counted per hour, lane and outcome (HourlyUsage: calls, failed 4xx, 429s).
- Until a response from a new window arrives, the window is *provisional*: opened on our clock
  GUARD seconds after the last reset, allowing the last known limit but at most
  PROVISIONAL_BURST calls (one probe when no limit is known) until the server's first answer.
- The hourly limit is reported only when it is the nearer one. Once seen it is remembered and
  the hour is counted here, so a share of every hour, not only of every 10 seconds, stays free
  for people.

Clocks: `Reset` is compared with this host's clock (portal.throttle.clock, which tests replace
with simulated time); the guard and margin absorb a small skew.
"""

from __future__ import annotations

import logging
import math
import random
import threading
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q

from . import clock, lanes
from .lanes import Lane, Ticket
from .models import Budget, Flow, HourlyUsage
from .schedule import (
    GUARD,
    HOUR_SECONDS,
    MAX_WAIT,
    MIN_WAIT,
    SPIKE_SECONDS,
    Demand,
    Window,
    allowance_for,
    decide,
    joining_pass,
    strides,
)

log = logging.getLogger("portal.procore")

PROVISIONAL_SECONDS = SPIKE_SECONDS
PROVISIONAL_BURST = 10  # calls a provisional window allows before the server's first answer
POLL = 0.2  # how often a waiter looks again while a provisional window waits for its first answer
UNLIMITED = 1_000_000_000
STALE = 3.0  # a waiting flow not heard from for this long is no longer waiting (a dead process)
PEOPLE_RATE_SECONDS = 300.0  # time constant of the interactive + webhook call rate average


def reserve_share() -> float:
    """Share of each window kept for the interactive lane (THROTTLE_INTERACTIVE_RESERVE)."""
    return min(0.5, max(0.0, settings.THROTTLE_INTERACTIVE_RESERVE))


def budget_key(client_id: str, company_id: str | None) -> str:
    return f"{client_id}|{company_id or ''}"


@dataclass(frozen=True)
class Seen:
    """What one response's rate-limit headers said."""

    limit: int
    remaining: int
    reset: float


class BudgetExhausted(Exception):
    """Waiting for the budget would take longer than the caller allows."""

    def __init__(self, wait: float) -> None:
        super().__init__(f"Procore's rate limit allows the next request in {wait:.0f} s.")
        self.wait = wait


def _locked(key: str) -> Budget:
    """The budget row under a row lock; call inside transaction.atomic()."""
    try:
        return Budget.objects.select_for_update().get(key=key)
    except Budget.DoesNotExist:
        client_id, _, company_id = key.partition("|")
        try:
            with transaction.atomic():
                return Budget.objects.create(key=key, client_id=client_id, company_id=company_id)
        except IntegrityError:  # another process created it first
            return Budget.objects.select_for_update().get(key=key)


def _flows(row: Budget, ticket: Ticket, now: float) -> tuple[Flow, list[Flow]]:
    """The caller's flow (created on its first call) and the other flows waiting now, in one query."""
    rows = list(Flow.objects.filter(Q(wanting_until__gt=now) | Q(key=ticket.flow), budget=row).order_by())
    mine = next((f for f in rows if f.key == ticket.flow), None) or _flow(row, ticket)
    return mine, [f for f in rows if f.key != ticket.flow]


def _flow(row: Budget, ticket: Ticket) -> Flow:
    try:
        with transaction.atomic():
            flow = Flow.objects.create(
                budget=row,
                key=ticket.flow,
                lane=ticket.lane.name.lower(),
                label=ticket.label[:200],
                person=ticket.person[:200],
                party=ticket.party[:100],
                size=ticket.size,
            )
    except IntegrityError:
        flow = Flow.objects.get(budget=row, key=ticket.flow)
    return flow


def windows_of(row: Budget, now: float) -> list[Window]:
    """The windows a call must fit in: the reported one and, once known, the hour."""
    windows = [
        Window(
            row.allowance,
            row.sent,
            row.reset_at,
            row.window_seconds,
            # A provisional window is a placeholder until the server's first answer: not paced.
            paced=row.limit > 0 and row.window_seconds <= SPIKE_SECONDS * 6 and not row.provisional,
        )
    ]
    if row.hour_limit and row.window_seconds < HOUR_SECONDS and row.hour_reset_at > now:
        windows.append(Window(allowance_for(row.hour_limit), row.hour_sent, row.hour_reset_at, HOUR_SECONDS))
    return windows


def credit(row: Budget) -> float:
    """How far a newly waiting flow may go ahead of the others: one spike window's allowance."""
    if row.spike_limit:
        return float(allowance_for(row.spike_limit))
    return float(min(row.allowance, PROVISIONAL_BURST * 5))


def _roll_hour(row: Budget, now: float) -> None:
    if row.hour_limit and row.hour_reset_at and now >= row.hour_reset_at:
        hours = math.floor((now - row.hour_reset_at) / HOUR_SECONDS) + 1
        row.hour_reset_at += hours * HOUR_SECONDS
        row.hour_sent = 0


def _open_provisional(row: Budget, now: float) -> None:
    """The window has turned (or was never known): open a provisional one on our clock."""
    row.previous_reset_at = row.reset_at
    row.reset_at = now + PROVISIONAL_SECONDS
    row.window_seconds = PROVISIONAL_SECONDS
    row.provisional = True
    row.sent = 0
    if row.limit:
        # The last window's limit, but no big burst before the server confirms it: the reported
        # limit may switch (from hourly back to spike when the hour turns).
        row.allowance = min(allowance_for(row.limit), PROVISIONAL_BURST)
    else:
        row.allowance = UNLIMITED if row.allowance == UNLIMITED else 1


def _left(flow: Flow) -> int | None:
    return None if flow.size is None else max(0, flow.size - flow.calls)


def _demand(flow: Flow) -> Demand:
    return Demand(
        flow.key, Lane.named(flow.lane), flow.party, flow.pass_value, flow.want, flow.wanting_since, _left(flow)
    )


WINDOW = [
    "limit",
    "allowance",
    "sent",
    "reset_at",
    "previous_reset_at",
    "window_seconds",
    "provisional",
    "hour_reset_at",
    "hour_sent",
    "updated_at",
]
FLOW_STATE = ["lane", "label", "person", "party", "size", "pass_value", "want", "wanting_since", "wanting_until"]
FLOW_CALL = [*FLOW_STATE, "calls", "window_calls", "window_reset_at", "waited_seconds", "last_call_at"]


def _describe(flow: Flow, ticket: Ticket) -> None:
    """The same flow may change lane (a sync someone asked for is interactive) or label."""
    flow.lane, flow.party = ticket.lane.name.lower(), ticket.party[:100]
    flow.label = ticket.label[:200] or flow.label
    flow.person = ticket.person[:200] or flow.person
    flow.size = ticket.size if ticket.size is not None else flow.size


def _keep_waiting(flow: Flow, want: int, now: float) -> None:
    if flow.wanting_until <= now:
        flow.wanting_since = now
    flow.want = want
    flow.wanting_until = now + STALE
    flow.save(update_fields=FLOW_STATE)


def try_acquire(
    key: str, ticket: Ticket | None = None, *, want: int = 1, waited: float = 0.0, now: float | None = None
) -> float:
    """Count one call for `ticket`'s flow if the budget allows it now: 0.0, or the seconds to wait.

    `want` is how many callers of the flow are waiting in this process (this one included).
    """
    ticket = ticket or lanes.current()
    now = clock.now() if now is None else now
    with transaction.atomic():
        row = _locked(key)
        flow, waiting = _flows(row, ticket, now)
        _describe(flow, ticket)
        if row.blocked_until > now:
            _keep_waiting(flow, want, now)
            return row.blocked_until - now
        turned = False
        if row.reset_at <= now:
            if now < row.reset_at + GUARD:
                _keep_waiting(flow, want, now)
                return row.reset_at + GUARD - now
            _open_provisional(row, now)
            turned = True
        if row.hour_limit and row.hour_reset_at and now >= row.hour_reset_at:
            _roll_hour(row, now)
            turned = True
        if flow.wanting_until <= now:  # starting to wait: at most `credit` ahead of the others
            flow.pass_value = joining_pass(flow.pass_value if flow.calls else None, row.virtual_pass, credit(row))
            flow.wanting_since = now
        me = Demand(ticket.flow, ticket.lane, ticket.party, flow.pass_value, want, flow.wanting_since, _left(flow))
        demands = [_demand(f) for f in waiting]
        decision = decide(windows_of(row, now), demands, me, now, reserve_share(), credit(row))
        if not decision.grant:
            if turned:
                row.save(update_fields=WINDOW)
            _keep_waiting(flow, want, now)
            if row.provisional:
                # The server's first answer, due any moment, will say how big the window really is.
                return min(max(decision.wait, MIN_WAIT), POLL)
            return max(decision.wait, MIN_WAIT)
        row.sent += 1
        if row.hour_limit and row.hour_reset_at > now:
            row.hour_sent += 1
        if ticket.lane != Lane.BACKGROUND:
            _count_people_call(row, now)
        if ticket.lane != Lane.INTERACTIVE:
            row.virtual_pass = max(row.virtual_pass, flow.pass_value)
        row.save(update_fields=[*WINDOW, "people_rate", "people_rate_at", "virtual_pass"])
        flow.pass_value += strides([*demands, me]).get(me.flow, 1)
        flow.calls += 1
        if flow.window_reset_at != row.reset_at:
            flow.window_calls, flow.window_reset_at = 0, row.reset_at
        flow.window_calls += 1
        flow.waited_seconds += waited
        flow.last_call_at = now
        flow.want = max(0, want - 1)
        if flow.want:
            flow.wanting_until = now + STALE
        else:
            flow.wanting_until = flow.wanting_since = 0.0
        flow.save(update_fields=FLOW_CALL)
        return 0.0


def _count_people_call(row: Budget, now: float) -> None:
    decay = math.exp(-(now - row.people_rate_at) / PEOPLE_RATE_SECONDS) if row.people_rate_at else 0.0
    row.people_rate = row.people_rate * decay + 1.0 / PEOPLE_RATE_SECONDS
    row.people_rate_at = now


def people_rate(row: Budget, now: float | None = None) -> float:
    """Calls per second the interactive and webhook lanes have been using lately."""
    now = clock.now() if now is None else now
    if not row.people_rate_at:
        return 0.0
    return row.people_rate * math.exp(-max(0.0, now - row.people_rate_at) / PEOPLE_RATE_SECONDS)


class _Gate:
    """One flow's callers in this process: one asks the database, the rest queue here."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.waiting = 0


_gates: dict[tuple[str, str], _Gate] = {}
_gates_lock = threading.Lock()


def _gate(key: str, flow: str) -> _Gate:
    with _gates_lock:
        return _gates.setdefault((key, flow), _Gate())


def acquire(key: str, ticket: Ticket | None = None, *, max_wait: float = 3600.0) -> float:
    """Block until the shared budget lets `ticket`'s flow send one call; return the seconds waited."""
    ticket = ticket or lanes.current()
    gate = _gate(key, ticket.flow)
    started = clock.monotonic()
    with _gates_lock:
        gate.waiting += 1
    try:
        while not gate.lock.acquire(timeout=MAX_WAIT):
            if clock.monotonic() - started > max_wait:
                raise BudgetExhausted(MAX_WAIT)
        try:
            while True:
                waited = clock.monotonic() - started
                wait = try_acquire(key, ticket, want=gate.waiting, waited=waited)
                if wait <= 0:
                    break
                if waited + wait > max_wait:
                    raise BudgetExhausted(wait)
                # Look again at least every MAX_WAIT (the flow's heartbeat: others then know it
                # still waits), with jitter so processes do not all wake in the same millisecond.
                clock.sleep(min(wait, MAX_WAIT) + random.uniform(0, 0.02))
        finally:
            gate.lock.release()
    finally:
        with _gates_lock:
            gate.waiting -= 1
    waited = clock.monotonic() - started
    record = lanes.tally()
    if record is not None:
        record.add(waited)
    return waited


def release(key: str, *, never_sent: bool) -> None:
    """A call got no answer: give its place back if the server cannot have counted it, or if it
    was the probe of a window whose limit we do not know (so others may try)."""
    with transaction.atomic():
        row = _locked(key)
        if row.sent > 0 and (never_sent or (row.provisional and row.limit == 0)):
            row.sent -= 1
            if never_sent and row.hour_sent > 0:
                row.hour_sent -= 1
            row.save(update_fields=["sent", "hour_sent", "updated_at"])


def observe(
    key: str,
    seen: Seen | None,
    *,
    status: int,
    retry_after: float | None = None,
    lane: Lane = Lane.BACKGROUND,
    now: float | None = None,
) -> None:
    """Fold one response's rate-limit headers (and a 429's Retry-After) into the shared budget,
    and count the answer in its hour."""
    now = clock.now() if now is None else now
    with transaction.atomic():
        row = _locked(key)
        if status == 429 and retry_after is not None and seen is not None:
            # Retry-After says how long to pause; Remaining 0 would say "until the reset".
            seen = Seen(seen.limit, seen.limit, seen.reset)
        if seen is None:
            if row.limit == 0 and row.provisional:
                row.allowance = UNLIMITED  # the server sends no limits: do not serialise on probes
                row.save(update_fields=["allowance", "updated_at"])
        else:
            _fold(row, seen, now)
            row.save(update_fields=[*WINDOW, "spike_limit", "hour_limit"])
        if status == 429:
            wait = retry_after if retry_after is not None else max(1.0, (seen.reset - now) if seen else 1.0)
            Budget.objects.filter(pk=row.pk, blocked_until__lt=now + wait).update(blocked_until=now + wait)
        _count_answer(row, status, lane, now)


def _is_hourly(row: Budget, seen: Seen, now: float) -> bool:
    """Which window the headers describe: the spike one resets within 10 seconds."""
    if seen.reset - now > SPIKE_SECONDS + 1:
        return True
    return bool(row.spike_limit) and seen.limit > 2 * row.spike_limit


def _fold(row: Budget, seen: Seen, now: float) -> None:
    hourly = _is_hourly(row, seen, now)
    used = max(0, seen.limit - seen.remaining)
    if hourly:
        if abs(seen.reset - row.hour_reset_at) < 1 and row.hour_limit == seen.limit:
            row.hour_sent = max(row.hour_sent, used)
        else:
            row.hour_sent = used
        row.hour_limit, row.hour_reset_at = seen.limit, seen.reset
    else:
        row.spike_limit = seen.limit
    same_window = abs(seen.reset - row.reset_at) < 0.5 and not row.provisional
    if same_window:
        row.sent = max(row.sent, used)
    elif row.provisional and seen.reset > row.previous_reset_at + 0.5:
        # First answer from the window we opened on our clock: adopt the server's view of it.
        row.sent = max(row.sent, used)
        row.reset_at = seen.reset
        row.provisional = False
    elif seen.reset > row.reset_at + 0.5 or (seen.limit != row.limit and seen.reset > now):
        # A later window, or the server now reports the other limit (hourly nearly spent, or
        # limits changed): count what the server counts, plus ours if our window is still open.
        row.sent = max(row.sent, used) if row.reset_at > now and row.limit == seen.limit else used
        row.previous_reset_at = row.reset_at if row.reset_at < seen.reset else row.previous_reset_at
        row.reset_at = seen.reset
        row.provisional = False
    else:
        return  # an answer from a window that has already turned
    row.limit = seen.limit
    row.allowance = allowance_for(seen.limit)
    row.window_seconds = HOUR_SECONDS if hourly else SPIKE_SECONDS


def hour_start(now: float) -> datetime:
    return datetime.fromtimestamp(now - now % HOUR_SECONDS, tz=UTC)


def _count_answer(row: Budget, status: int, lane: Lane, now: float) -> None:
    counts = {"calls": F("calls") + 1, lane.name.lower(): F(lane.name.lower()) + 1}
    if status == 429:
        counts["rate_limited"] = F("rate_limited") + 1
    elif 400 <= status < 500:
        counts["failed"] = F("failed") + 1
    hour = hour_start(now)
    limits = {"hour_limit": row.hour_limit, "spike_limit": row.spike_limit}
    if HourlyUsage.objects.filter(budget=row, hour=hour).update(**counts, **limits):
        return
    try:
        with transaction.atomic():
            HourlyUsage.objects.create(budget=row, hour=hour, **limits)
    except IntegrityError:
        pass  # another process created it first
    HourlyUsage.objects.filter(budget=row, hour=hour).update(**counts, **limits)


def name_company(company_id: int | str, name: str) -> None:
    """Label a company's budgets for the admin page (the client knows only its id)."""
    Budget.objects.filter(company_id=str(company_id)).exclude(company_name=name).update(company_name=name[:255])
