from __future__ import annotations

from django.db import models


class DeferredTask(models.Model):
    """A task the broker refused (Redis down): kept here until the wake-up hands it over.

    One row per task name, so a burst of refusals for the same work (a webhook drain, one project's
    refresh) waits as one task; the latest arguments win."""

    task_name = models.CharField(max_length=200, unique=True)
    func = models.CharField(max_length=200)
    args = models.JSONField(default=list)
    kwargs = models.JSONField(default=dict)
    deferred_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # A wake-up claims the row while it hands it over; a claim whose process died lapses.
    claimed_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["deferred_at", "id"]

    def __str__(self) -> str:
        return self.task_name
