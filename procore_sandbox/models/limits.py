"""The sandbox's rate-limit counters, run-time limits and injected faults (procore-api.md §3.5).

Stored in the database so several server threads or processes count exactly, and so another
process (a test, a benchmark) can change the limits or switch faults on.
"""

from __future__ import annotations

from django.db import models


class RateLimitSettings(models.Model):
    """Run-time override of settings.SANDBOX_RATE_LIMIT_HOURLY / _SPIKE (one row, pk=1)."""

    hourly = models.PositiveIntegerField()
    spike = models.PositiveIntegerField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "rate limit settings"


class RateWindow(models.Model):
    """Requests counted in one fixed window of one (app, company) budget.

    `accepted` counts requests let through, `rejected` the 429s answered; a rejected request
    does not spend the budget.
    """

    HOUR = "hour"
    SPIKE = "spike"

    app_key = models.CharField(max_length=100)  # the token's app client_id, "" when unknown
    company_key = models.CharField(max_length=40, blank=True)  # Procore-Company-Id header, "" when absent
    kind = models.CharField(max_length=5, choices=[(HOUR, "hourly"), (SPIKE, "spike")])
    start = models.BigIntegerField(help_text="Unix time the window opened")
    seconds = models.PositiveIntegerField()
    accepted = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["kind", "start"]
        constraints = [
            models.UniqueConstraint(
                fields=["app_key", "company_key", "kind", "start"], name="sandbox_rate_window_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.app_key}/{self.company_key or '-'} {self.kind}@{self.start}: {self.accepted}"


class Fault(models.Model):
    """A failure the sandbox answers with for requests matching `method` and `path_regex`."""

    RATE_LIMITED = "429"
    UNAVAILABLE = "503"
    SERVER_ERROR = "500"
    SLOW = "slow"
    DROP = "drop"
    EXPIRED_TOKEN = "expired_token"
    KINDS = [
        (RATE_LIMITED, "429 Too Many Requests with Retry-After"),
        (UNAVAILABLE, "503 Service Unavailable with Retry-After"),
        (SERVER_ERROR, "500 Internal Server Error"),
        (SLOW, "answer after a delay"),
        (DROP, "close the connection without an answer"),
        (EXPIRED_TOKEN, "401 as for an expired token (and expire it)"),
    ]

    kind = models.CharField(max_length=20, choices=KINDS)
    method = models.CharField(max_length=10, blank=True, help_text="Empty matches every method")
    path_regex = models.CharField(max_length=300, blank=True, help_text="re.search on the path after /sandbox")
    remaining = models.IntegerField(null=True, blank=True, help_text="Answers left; empty means unlimited")
    probability = models.FloatField(default=1.0)
    retry_after = models.PositiveIntegerField(default=1)
    delay = models.FloatField(default=0.0, help_text="Seconds, for slow answers")
    hits = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.method or '*'} {self.path_regex or '.*'}"
