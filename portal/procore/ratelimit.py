"""The portal's share of Procore's rate limit, shared by every process (procore-api.md §3.5).

Procore limits each app per company (hourly and 10-second spike windows) and reports the nearer
limit on every response: `X-Rate-Limit-Limit`, `-Remaining`, `-Reset` (Unix seconds). The web
processes and every worker, on any host, spend the same budget, so the budget is a database row
(portal.throttle.Budget) keyed by (app client id, company id).

How it works:

- `acquire()` takes one request from the current window before a request is sent: a short
  transaction locks the row, counts the request if the window has room, and commits. No
  transaction is open during the HTTP call (on SQLite the embedded sandbox shares the database).
- We allow ourselves `limit - margin` requests a window (margin: requests in flight when a window
  turns, and clock skew), then wait for the reset. That is "slowing down before the budget is
  spent": nobody sends into a window we know is full, so 429s should not happen at all.
- `observe()` reads the headers of every response: a later `Reset` starts a new window, the
  server's own count (`limit - remaining`) raises ours if someone else spent more.
- Until a response from a new window arrives, the window is *provisional*: opened on our clock
  `GUARD` seconds after the last reset, allowing the last known limit but at most
  `PROVISIONAL_BURST` requests (or a single probe when no limit is known) until the server's
  first answer, and lasting at most `PROVISIONAL_SECONDS` (the spike window's length).
- A 429's `Retry-After` blocks the whole budget (every process) until it passes, with jitter
  added by the caller.

Clocks: `Reset` is compared with this host's clock; the guard and margin absorb a small skew.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from portal.throttle.models import Budget

log = logging.getLogger("portal.procore")

GUARD = 0.25  # seconds after a reported reset before we count on the new window
PROVISIONAL_SECONDS = 10.0  # Procore's spike window
PROVISIONAL_BURST = 10  # requests a provisional window allows before the server's first answer
POLL = 0.2  # how often a waiter looks again while a probe is in flight
UNLIMITED = 1_000_000_000


def margin(limit: int) -> int:
    """Requests kept back from each window for requests in flight when it turns."""
    return max(2, limit // 50)


def allowance_for(limit: int) -> int:
    return max(1, limit - margin(limit))


@dataclass(frozen=True)
class RateHeaders:
    limit: int
    remaining: int
    reset: float

    @classmethod
    def parse(cls, headers: Mapping[str, str]) -> RateHeaders | None:
        try:
            return cls(
                int(headers["X-Rate-Limit-Limit"]),
                int(headers["X-Rate-Limit-Remaining"]),
                float(headers["X-Rate-Limit-Reset"]),
            )
        except (KeyError, TypeError, ValueError):
            return None


def budget_key(client_id: str, company_id: str | None) -> str:
    return f"{client_id}|{company_id or ''}"


def _locked(key: str) -> Budget:
    """The budget row under a row lock; call inside transaction.atomic()."""
    row = Budget.objects.select_for_update().filter(key=key).first()
    if row is None:
        try:
            with transaction.atomic():
                row = Budget.objects.create(key=key)
        except IntegrityError:  # another process created it first
            row = Budget.objects.select_for_update().get(key=key)
    return row


def try_acquire(key: str, now: float | None = None) -> float:
    """Count one request if the budget allows it now: 0.0, or the seconds to wait first."""
    now = time.time() if now is None else now
    with transaction.atomic():
        row = _locked(key)
        if row.blocked_until > now:
            return row.blocked_until - now
        if row.reset_at > now:
            if row.sent < row.allowance:
                row.sent += 1
                row.save(update_fields=["sent", "updated_at"])
                return 0.0
            # Full: wait for the reset, or look again soon while the provisional window waits
            # for the server's first answer.
            if row.provisional:
                return POLL
            return row.reset_at + GUARD - now
        if now < row.reset_at + GUARD:
            return row.reset_at + GUARD - now
        # The window has turned (or was never known): open a provisional one on our clock.
        row.previous_reset_at = row.reset_at
        row.reset_at = now + PROVISIONAL_SECONDS
        row.provisional = True
        if row.limit:
            # The last window's limit, but no big burst before the server confirms it: the
            # reported limit may switch (from hourly back to spike when the hour turns).
            row.allowance = min(allowance_for(row.limit), PROVISIONAL_BURST)
        else:
            row.allowance = UNLIMITED if row.allowance == UNLIMITED else 1
        row.sent = 1
        row.save()
        return 0.0


def acquire(key: str, *, max_wait: float = 3600.0) -> float:
    """Block until the shared budget allows one more request; return the seconds waited."""
    started = time.monotonic()
    while True:
        wait = try_acquire(key)
        if wait <= 0:
            return time.monotonic() - started
        if time.monotonic() - started + wait > max_wait:
            raise BudgetExhausted(wait)
        # Jitter so waiting processes do not all wake in the same millisecond.
        time.sleep(min(wait, 5.0) + random.uniform(0, 0.05))


def release(key: str, *, never_sent: bool) -> None:
    """A request got no answer: give its place back if the server cannot have counted it, or
    if it was the probe of a window whose limit we do not know (so others may try)."""
    with transaction.atomic():
        row = _locked(key)
        if row.sent > 0 and (never_sent or (row.provisional and row.limit == 0)):
            row.sent -= 1
            row.save(update_fields=["sent", "updated_at"])


class BudgetExhausted(Exception):
    """Waiting for the budget would take longer than the caller allows."""

    def __init__(self, wait: float) -> None:
        super().__init__(f"Procore's rate limit allows the next request in {wait:.0f} s.")
        self.wait = wait


def observe(
    key: str, headers: Mapping[str, str], *, status: int, retry_after: float | None = None, now: float | None = None
) -> None:
    """Fold one response's rate-limit headers (and a 429's Retry-After) into the shared budget."""
    now = time.time() if now is None else now
    seen = RateHeaders.parse(headers)
    with transaction.atomic():
        row = _locked(key)
        if status == 429 and retry_after is not None and seen is not None:
            # Retry-After says how long to pause; Remaining 0 would say "until the reset".
            seen = RateHeaders(seen.limit, seen.limit, seen.reset)
        if seen is None:
            if row.limit == 0 and row.provisional:
                row.allowance = UNLIMITED  # the server sends no limits: do not serialise on probes
                row.save(update_fields=["allowance", "updated_at"])
        else:
            _fold(row, seen, now)
            row.save()
        if status == 429:
            wait = retry_after if retry_after is not None else max(1.0, (seen.reset - now) if seen else 1.0)
            Budget.objects.filter(pk=row.pk, blocked_until__lt=now + wait).update(blocked_until=now + wait)


def _fold(row: Budget, seen: RateHeaders, now: float) -> None:
    used = max(0, seen.limit - seen.remaining)
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
