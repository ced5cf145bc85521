"""The Procore rate-limit budget shared by every process of the portal.

One row per (app client id, company), as Procore keys its limits. The logic that reads and
writes it is portal.procore.ratelimit; this app only holds the table and its admin.
"""

from __future__ import annotations

from django.db import models


class Budget(models.Model):
    """What the portal knows about one Procore rate-limit window and how much of it it spent.

    Times are Unix seconds (floats), compared with the time of the process that reads them.
    """

    key = models.CharField(max_length=200, unique=True, help_text="client id | company id")
    limit = models.PositiveIntegerField(default=0, help_text="X-Rate-Limit-Limit last reported; 0 = unknown")
    allowance = models.PositiveIntegerField(default=1, help_text="Requests we allow ourselves in the window")
    sent = models.PositiveIntegerField(default=0, help_text="Requests started in the current window")
    reset_at = models.FloatField(default=0.0, help_text="X-Rate-Limit-Reset of the current window")
    previous_reset_at = models.FloatField(default=0.0)
    provisional = models.BooleanField(
        default=False, help_text="Window opened on our clock; no response from it has been seen yet"
    )
    blocked_until = models.FloatField(default=0.0, help_text="Retry-After of a 429: nobody sends before this")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return self.key
