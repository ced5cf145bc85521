"""Procore's rate limits for the sandbox's REST API (procore-api.md §3.5).

Two limits apply at once to each (app, company) budget: an hourly one and a 10-second "spike"
one. The app is the bearer token's OAuth app; the company is the `Procore-Company-Id` header
(requests without it share a budget of their own, as Procore gives each company header a
separate bucket).

Choices where the docs are silent (procore-api.md §11 marks the numbers a gap):

- Defaults 3,600/hour and 25 per 10 s (`SANDBOX_RATE_LIMIT_HOURLY` / `_SPIKE`); a row in
  RateLimitSettings (set by `configure()` or `PUT /sandbox/_control/rate_limits`) overrides them
  at run time, so another process can change them.
- Windows are fixed and aligned on Unix time (10-s windows start at multiples of 10), read from
  the sandbox clock (procore_sandbox.limits.clock.timestamp), which a test can simulate. Each
  window is a RateWindow row, so a test can read how many requests were accepted in it.
- A request is accepted only if both windows have room; both counters move in one short
  transaction with conditional UPDATEs, so threads and processes count exactly. A refused
  request (429) spends nothing.
- The headers report the limit with fewer requests left (the spike one until the hourly one is
  nearly spent); `X-Rate-Limit-Reset` is that window's end.
- 429 carries both `Retry-After` (seconds to the end of the exhausted window) and the
  `X-Rate-Limit-*` headers [conflict resolved as §3.5 suggests], and the documented text as a
  plain-text body (the gateway answers before any v1/v2 view).
- Requests with an unknown token are counted under app "" (the gateway cannot name the app);
  /oauth is not rate-limited.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest

from procore_sandbox.limits import clock
from procore_sandbox.models import AccessToken, RateLimitSettings, RateWindow

SPIKE_SECONDS = 10
HOUR_SECONDS = 3600
KEEP_SECONDS = 3 * HOUR_SECONDS  # counters older than this are pruned now and then
PRUNE_CHANCE = 0.01
EXCEEDED_MESSAGE = "You have surpassed the max number of requests for an hour. Please wait until your limit resets."


@dataclass(frozen=True)
class Limits:
    hourly: int
    spike: int


@dataclass(frozen=True)
class Decision:
    accepted: bool
    limit: int
    remaining: int
    reset: int
    retry_after: int = 0

    def headers(self) -> dict[str, str]:
        headers = {
            "X-Rate-Limit-Limit": str(self.limit),
            "X-Rate-Limit-Remaining": str(self.remaining),
            "X-Rate-Limit-Reset": str(self.reset),
        }
        if not self.accepted:
            headers["Retry-After"] = str(self.retry_after)
        return headers


def current_limits() -> Limits:
    row = RateLimitSettings.objects.filter(pk=1).first()
    if row is not None:
        return Limits(row.hourly, row.spike)
    return Limits(
        settings.SANDBOX_RATE_LIMIT_HOURLY,
        settings.SANDBOX_RATE_LIMIT_SPIKE,
    )


def configure(*, hourly: int | None = None, spike: int | None = None, reset_counters: bool = True) -> Limits:
    """Change the limits at run time for every server process; by default start counting afresh."""
    limits = current_limits()
    limits = Limits(hourly if hourly is not None else limits.hourly, spike if spike is not None else limits.spike)
    RateLimitSettings.objects.update_or_create(pk=1, defaults={"hourly": limits.hourly, "spike": limits.spike})
    if reset_counters:
        RateWindow.objects.all().delete()
    return limits


def restore_defaults() -> None:
    RateLimitSettings.objects.filter(pk=1).delete()
    RateWindow.objects.all().delete()


def budget_key(request: HttpRequest) -> tuple[str, str]:
    """(app client id, company header) of a request."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    app_key = ""
    if scheme.lower() == "bearer" and value.strip():
        app_key = (
            AccessToken.objects.filter(access_token=value.strip()).values_list("app__client_id", flat=True).first()
        ) or ""
    company = request.headers.get("Procore-Company-Id", "").strip()
    return app_key, company if company.isdigit() else ""


def _window_start(now: float, seconds: int) -> int:
    return int(now // seconds) * seconds


def admit(app_key: str, company_key: str, now: float | None = None) -> Decision:
    """Count one request against both windows of its budget, or refuse it."""
    now = clock.timestamp() if now is None else now
    limits = current_limits()
    windows = [(RateWindow.SPIKE, SPIKE_SECONDS, limits.spike), (RateWindow.HOUR, HOUR_SECONDS, limits.hourly)]
    starts = {kind: _window_start(now, seconds) for kind, seconds, _ in windows}
    RateWindow.objects.bulk_create(
        [
            RateWindow(app_key=app_key, company_key=company_key, kind=kind, start=starts[kind], seconds=seconds)
            for kind, seconds, _ in windows
        ],
        ignore_conflicts=True,
    )
    if random.random() < PRUNE_CHANCE:
        RateWindow.objects.filter(start__lt=now - KEEP_SECONDS).delete()
    exhausted: list[tuple[str, int, int]] = []
    with transaction.atomic():
        for kind, seconds, limit in windows:
            moved = RateWindow.objects.filter(
                app_key=app_key,
                company_key=company_key,
                kind=kind,
                start=starts[kind],
                accepted__lt=limit,
            ).update(accepted=F("accepted") + 1)
            if not moved:
                exhausted.append((kind, seconds, limit))
        if exhausted:
            transaction.set_rollback(True)
    if exhausted:
        kind, seconds, limit = max(exhausted, key=lambda w: starts[w[0]] + w[1])
        RateWindow.objects.filter(app_key=app_key, company_key=company_key, kind=kind, start=starts[kind]).update(
            rejected=F("rejected") + 1
        )
        reset = starts[kind] + seconds
        return Decision(False, limit, 0, reset, retry_after=max(1, math.ceil(reset - now)))
    counts = dict(
        RateWindow.objects.filter(
            app_key=app_key,
            company_key=company_key,
            start__in=starts.values(),
        ).values_list("kind", "accepted")
    )
    reports = []
    for kind, seconds, limit in windows:
        # Read back after the commit: other threads may have counted since; never report more
        # room than there is.
        remaining = max(0, limit - counts.get(kind, limit))
        reports.append((remaining, kind == RateWindow.SPIKE, limit, starts[kind] + seconds))
    remaining, _, limit, reset = min(reports)
    return Decision(True, limit, remaining, reset)


def accepted_per_window(
    kind: str = RateWindow.SPIKE, app_key: str | None = None, company_key: str | None = None
) -> dict[int, int]:
    """{window start: accepted} summed over the matching budgets, oldest first."""
    rows = RateWindow.objects.filter(kind=kind)
    if app_key is not None:
        rows = rows.filter(app_key=app_key)
    if company_key is not None:
        rows = rows.filter(company_key=company_key)
    totals: dict[int, int] = {}
    for start, accepted in rows.values_list("start", "accepted").order_by("start"):
        totals[start] = totals.get(start, 0) + accepted
    return totals
