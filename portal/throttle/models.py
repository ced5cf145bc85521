"""The Procore rate-limit budget shared by every process of the portal, on any host.

One Budget row per (app client id, company), as Procore keys its limits; one Flow row per piece
of work drawing on it (a submission, a sync, a person's page loads, webhook processing); one
HourlyUsage row per budget and hour for the 30-day picture. The logic is in
portal.throttle.budget (acquire, observe) and portal.throttle.schedule (who goes next).

The budget lives in the database, not in Redis: every layout the portal runs in has the database
(the one-machine demo has no Redis at all), a row lock makes "is there room, whose turn is it,
count it" one atomic step for every process and host, and the admin page, the estimates and the
30-day history read the same rows. Procore allows a few calls a second per company, so the few
small transactions per call cost the database nothing that matters.
"""

from __future__ import annotations

from django.db import models


class Budget(models.Model):
    """What the portal knows about one app's rate limits in one company and what it spent.

    Times are Unix seconds (floats). The *reported* window is the one Procore's headers describe
    (the spike window until the hourly one is nearly spent); the hour is tracked apart once
    Procore has reported its hourly limit, so a share of each hour can be kept for people.
    """

    key = models.CharField(max_length=200, unique=True, help_text="client id | company id")
    client_id = models.CharField(max_length=200, blank=True)
    company_id = models.CharField(max_length=40, blank=True, db_index=True)
    company_name = models.CharField(max_length=255, blank=True)
    limit = models.PositiveIntegerField(default=0, help_text="X-Rate-Limit-Limit last reported; 0 = unknown")
    allowance = models.PositiveIntegerField(default=1, help_text="Requests we allow ourselves in the window")
    sent = models.PositiveIntegerField(default=0, help_text="Requests started in the current window")
    reset_at = models.FloatField(default=0.0, help_text="X-Rate-Limit-Reset of the current window")
    previous_reset_at = models.FloatField(default=0.0)
    window_seconds = models.FloatField(default=10.0, help_text="Length of the reported window: 10 s or an hour")
    provisional = models.BooleanField(
        default=False, help_text="Window opened on our clock; no response from it has been seen yet"
    )
    blocked_until = models.FloatField(default=0.0, help_text="Retry-After of a 429: nobody sends before this")
    spike_limit = models.PositiveIntegerField(default=0, help_text="10-second limit last reported; 0 = unknown")
    hour_limit = models.PositiveIntegerField(default=0, help_text="Hourly limit once reported; 0 = not yet")
    hour_reset_at = models.FloatField(default=0.0)
    hour_sent = models.PositiveIntegerField(default=0, help_text="Requests started in the current hour")
    virtual_pass = models.FloatField(default=0.0, help_text="Round-robin position: the pass last served")
    people_rate = models.FloatField(
        default=0.0, help_text="Recent calls per second of the interactive and webhook lanes (decaying average)"
    )
    people_rate_at = models.FloatField(default=0.0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return self.company_name or self.key


class Flow(models.Model):
    """One piece of work drawing on a budget, with its place in the round-robin."""

    class LaneName(models.TextChoices):
        INTERACTIVE = "interactive", "Interactive"
        WEBHOOKS = "webhooks", "Webhooks"
        BACKGROUND = "background", "Background"

    budget = models.ForeignKey(Budget, on_delete=models.CASCADE, related_name="flows")
    key = models.CharField(max_length=100, help_text="submission:12, sync:40, person:7, webhooks …")
    lane = models.CharField(max_length=20, choices=LaneName.choices)
    label = models.CharField(max_length=200, blank=True)
    person = models.CharField(max_length=200, blank=True)
    party = models.CharField(max_length=100, blank=True, help_text="What fair shares count: a person, or the flow")
    pass_value = models.FloatField(default=0.0, help_text="Stride-scheduling pass: lowest goes next")
    want = models.PositiveIntegerField(default=0, help_text="Callers waiting now")
    wanting_since = models.FloatField(default=0.0)
    wanting_until = models.FloatField(default=0.0, help_text="Heartbeat of the waiting callers")
    calls = models.PositiveIntegerField(default=0)
    size = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Calls the flow will have made when done, when it knows (small work goes first)",
    )
    window_calls = models.PositiveIntegerField(default=0, help_text="Calls in the budget's current window")
    window_reset_at = models.FloatField(default=0.0)
    waited_seconds = models.FloatField(default=0.0, help_text="Total time its callers waited for the budget")
    last_call_at = models.FloatField(default=0.0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["budget", "lane", "key"]
        constraints = [models.UniqueConstraint(fields=["budget", "key"], name="throttle_flow_once_per_budget")]
        indexes = [models.Index(fields=["budget", "wanting_until"])]

    def __str__(self) -> str:
        return self.label or self.key


class HourlyUsage(models.Model):
    """Calls one budget sent in one hour (UTC), for the 30-day chart and its CSV."""

    budget = models.ForeignKey(Budget, on_delete=models.CASCADE, related_name="usage")
    hour = models.DateTimeField(help_text="Start of the hour (UTC)")
    calls = models.PositiveIntegerField(default=0, help_text="Answers received, whatever their status")
    failed = models.PositiveIntegerField(default=0, help_text="4xx answers other than 429")
    rate_limited = models.PositiveIntegerField(default=0, help_text="429 answers")
    interactive = models.PositiveIntegerField(default=0)
    webhooks = models.PositiveIntegerField(default=0)
    background = models.PositiveIntegerField(default=0)
    hour_limit = models.PositiveIntegerField(default=0, help_text="Hourly limit known then; 0 = not reported")
    spike_limit = models.PositiveIntegerField(default=0, help_text="10-second limit known then")

    class Meta:
        ordering = ["budget", "hour"]
        constraints = [models.UniqueConstraint(fields=["budget", "hour"], name="throttle_usage_once_per_hour")]

    def __str__(self) -> str:
        return f"{self.budget} {self.hour:%Y-%m-%d %H:00}"
