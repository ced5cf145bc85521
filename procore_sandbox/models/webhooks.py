"""The sandbox's webhooks state (procore-api.md §8): hooks, triggers, events and deliveries.

A hook's delivery state (failing since, failure count, paused until, lease) lives on the hook
row because Procore pauses a whole endpoint when one delivery fails (§8.2). The lease is how a
dispatcher claims a hook with a conditional UPDATE, so two dispatchers never send to the same
endpoint at once.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from .core import Company, Person, Project

PAYLOAD_VERSIONS = ("v2.0", "v3.0", "v4.0")


class Hook(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active"
        DISABLED = "disabled"

    # Always the owning company; `project` set means the hook is project-scoped.
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="webhook_hooks")
    project = models.ForeignKey(Project, null=True, blank=True, on_delete=models.CASCADE, related_name="webhook_hooks")
    owned_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    namespace = models.CharField(max_length=200)
    payload_version = models.CharField(max_length=8, default="v4.0")
    destination_url = models.CharField(max_length=2000)
    # Stored in full (it is sent on every delivery); every API answer masks it.
    authorization = models.CharField(max_length=2000, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    # Delivery state of the endpoint.
    failing_since = models.DateTimeField(null=True, blank=True)
    failure_count = models.PositiveIntegerField(default=0)
    retry_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    lease_owner = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.namespace} → {self.destination_url}"


class Trigger(models.Model):
    hook = models.ForeignKey(Hook, on_delete=models.CASCADE, related_name="triggers")
    resource_name = models.CharField(max_length=200)
    event_type = models.CharField(max_length=100)
    created_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["hook", "resource_name", "event_type"], name="sandbox_trigger_once"),
        ]


class Event(models.Model):
    """A change announced by `events.emit()`; ids only, as Procore's events carry no body."""

    ulid = models.CharField(max_length=26, unique=True)
    company_id = models.BigIntegerField()
    project_id = models.BigIntegerField(null=True, blank=True)
    user_id = models.BigIntegerField(null=True, blank=True)
    resource_name = models.CharField(max_length=200)
    event_type = models.CharField(max_length=100)
    resource_id = models.CharField(max_length=100)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]


class Delivery(models.Model):
    """One event queued for one hook; its attempts are DeliveryAttempt rows."""

    class Status(models.TextChoices):
        ENQUEUED = "enqueued"
        RETRYING = "retrying"
        DELIVERED = "delivered"
        FAILED = "failed"
        DISCARDED = "discarded"

    hook = models.ForeignKey(Hook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    # The names as the hook's trigger spells them (v4.0 and classic names differ).
    resource_name = models.CharField(max_length=200)
    event_type = models.CharField(max_length=100)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ENQUEUED, db_index=True)
    attempt_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "deliveries"
        indexes = [models.Index(fields=["hook", "status"], name="sandbox_delivery_hook_status")]


class DeliveryAttempt(models.Model):
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveIntegerField()
    success = models.BooleanField(default=False)
    response_status = models.IntegerField(null=True, blank=True)
    response_headers = models.JSONField(default=dict)
    response_body = models.TextField(blank=True)
    response_error = models.TextField(blank=True)
    started_at = models.DateTimeField()
    completed_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["delivery", "number"], name="sandbox_attempt_once")]
