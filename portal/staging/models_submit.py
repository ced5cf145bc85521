"""Rows of the submit pipeline: one Submission per run of a batch, and the notifications that
tell the person who pressed Submit how it ended.

A Submission is claimed by a worker with a conditional UPDATE on its lease (see
portal.staging.pipeline.runner): the lease is renewed while the worker lives, so a worker that
dies leaves a lease that runs out and any other worker may resume the run.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Submission(models.Model):
    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Needs attention"

    batch = models.ForeignKey("staging.Batch", on_delete=models.CASCADE, related_name="submissions")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="submissions"
    )
    state = models.CharField(max_length=20, choices=State.choices, default=State.QUEUED)
    step = models.CharField(max_length=200, blank=True)  # what the worker is doing now, for people
    documents = models.IntegerField(default=0)  # documents this run set out to send
    # A retry pressed by hand: its Procore calls go in the interactive lane of the rate-limit budget.
    interactive = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    worker = models.CharField(max_length=100, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    # When the worker last renewed its lease: older than STAGING_SUBMIT_HEARTBEAT means it is gone.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # When the run was last handed to the task queue, and why the last hand-over failed (the broker
    # was down). The row is the truth; the queue is only the wake-up (pipeline/wakeup.py).
    queued_at = models.DateTimeField(null=True, blank=True)
    queue_error = models.CharField(max_length=300, blank=True)
    landed = models.IntegerField(default=0)
    failed = models.IntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "lease_until"])]

    def __str__(self) -> str:
        return f"Submission {self.pk} of batch {self.batch_id}"

    @property
    def is_finished(self) -> bool:
        return self.state in {self.State.DONE, self.State.FAILED}


class Notification(models.Model):
    """A message for one person, shown once on their next page (see staging.notifications)."""

    class Level(models.TextChoices):
        SUCCESS = "success", "Success"
        WARNING = "warning", "Warning"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    batch = models.ForeignKey("staging.Batch", null=True, blank=True, on_delete=models.CASCADE)
    level = models.CharField(max_length=20, choices=Level.choices, default=Level.SUCCESS)
    text = models.TextField()
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return self.text[:80]
