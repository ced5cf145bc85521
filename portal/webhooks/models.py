"""Webhooks on the portal side: the hooks registered in Procore, every delivery received, and the
per-project mirror refresh that deliveries ask for.

Secrets are encrypted at rest (portal.accounts.crypto). A delivery row is written before the
receiver answers; its `state` is the processing state a worker claims with a conditional UPDATE.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

from portal.accounts.crypto import decrypt, encrypt
from portal.mirror.models import Project


class Hook(models.Model):
    """One hook the portal registered (procore-api.md §8.4), with its shared secret: in one project
    (project scope), or, with `project` empty, in one company (company scope). Deliveries are bound
    to this scope, never to the ids in their bodies (portal.webhooks.payload).

    The secret is sent by Procore as the `Authorization` header of every delivery. After a
    rotation the previous secret is still accepted until `previous_valid_until`, so deliveries
    already queued (or retried) with the old value are not refused.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Not registered yet"
        ACTIVE = "active", "Registered"
        ERROR = "error", "Registration failed"

    project = models.ForeignKey(
        Project,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="webhook_hooks",
        help_text="Empty for a company-scope hook.",
    )
    company_id = models.BigIntegerField()
    payload_version = models.CharField(max_length=10, default="v4.0")
    namespace = models.CharField(max_length=100)
    procore_hook_id = models.CharField(max_length=40, blank=True)
    destination_url = models.URLField(max_length=500, blank=True)
    # (resource_name, event_type) pairs this hook subscribes to: [["Document Revision", "created"], ...]
    wanted_triggers = models.JSONField(default=list, blank=True)
    # What Procore listed at the last registration: [{"id", "resource_name", "event_type"}].
    triggers = models.JSONField(default=list, blank=True)
    secret_encrypted = models.TextField(blank=True)
    previous_secret_encrypted = models.TextField(blank=True)
    previous_valid_until = models.DateTimeField(null=True, blank=True)
    secret_rotated_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    last_error = models.TextField(blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    registered_at = models.DateTimeField(null=True, blank=True)
    repaired = models.JSONField(default=list, blank=True)  # what the last registration had to fix
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["project", "payload_version"], name="webhooks_one_hook_per_project_and_version"
            ),
            models.UniqueConstraint(
                fields=["company_id", "payload_version"],
                condition=models.Q(project__isnull=True),
                name="webhooks_one_company_hook_per_version",
            ),
        ]

    def __str__(self) -> str:
        scope = f"project {self.project_id}" if self.project_id else f"company {self.company_id}"
        return f"{self.payload_version} hook of {scope} ({self.procore_hook_id or 'unregistered'})"

    @property
    def secret(self) -> str:
        return decrypt(self.secret_encrypted) if self.secret_encrypted else ""

    def accepted_secrets(self) -> list[str]:
        values = [self.secret] if self.secret_encrypted else []
        if self.previous_secret_encrypted and self.previous_valid_until and self.previous_valid_until > timezone.now():
            values.append(decrypt(self.previous_secret_encrypted))
        return values

    def set_secret(self, value: str, *, keep_previous_for: timedelta | None = None) -> None:
        if keep_previous_for and self.secret_encrypted:
            self.previous_secret_encrypted = self.secret_encrypted
            self.previous_valid_until = timezone.now() + keep_previous_for
        self.secret_encrypted = encrypt(value)
        self.secret_rotated_at = timezone.now()


class Delivery(models.Model):
    """One POST Procore made to the receiver, stored before the answer.

    `event_id` is the event's `id` (v4.0) or `ulid` (v2.0/v3.0): unique, so a second delivery of
    the same event is not stored again; it only bumps `duplicates`. Bodies the receiver refused
    (malformed JSON, too large) are kept too, with `event_id` empty and state `rejected`.
    """

    class State(models.TextChoices):
        RECEIVED = "received", "Received"
        PROCESSING = "processing", "Processing"
        PROCESSED = "processed", "Processed"
        FAILED = "failed", "Failed"
        REJECTED = "rejected", "Rejected (not processable)"

    hook = models.ForeignKey(Hook, null=True, blank=True, on_delete=models.SET_NULL, related_name="deliveries")
    event_id = models.CharField(max_length=64, null=True, blank=True, unique=True)
    received_at = models.DateTimeField(default=timezone.now)
    # The raw body as received (for refused oversized bodies, its beginning); the fields below are
    # read from it once, on receipt, so processing never parses it again.
    body = models.TextField(blank=True)
    body_size = models.IntegerField(default=0)
    body_sha256 = models.CharField(max_length=64, blank=True)
    project_id = models.BigIntegerField(null=True, blank=True)
    resource_type = models.CharField(max_length=100, blank=True)
    resource_id = models.CharField(max_length=64, blank=True)
    reason = models.CharField(max_length=40, blank=True)
    state = models.CharField(max_length=20, choices=State.choices, default=State.RECEIVED)
    duplicates = models.IntegerField(default=0)  # further deliveries of the same event, dropped
    attempts = models.IntegerField(default=0)
    times_processed = models.IntegerField(default=0)  # successful processings: must never exceed 1
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim_token = models.CharField(max_length=32, blank=True)  # which worker's claim this is
    processed_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    # Document Revision created whose staged document had no revision id yet: landed later.
    landing_pending = models.BooleanField(default=False)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name_plural = "deliveries"
        # Partial indexes: each covers the few rows its query looks for, so the receiver's INSERT
        # (the hot path) maintains little beyond the unique event id.
        indexes = [
            models.Index(
                fields=["state", "id"],
                name="webhooks_delivery_open",
                condition=models.Q(state__in=["received", "processing"]),
            ),
            models.Index(
                fields=["resource_id"], name="webhooks_delivery_landing", condition=models.Q(landing_pending=True)
            ),
            models.Index(
                fields=["body_sha256"], name="webhooks_delivery_rejected", condition=models.Q(state="rejected")
            ),
        ]

    def __str__(self) -> str:
        what = f"{self.resource_type} {self.reason} {self.resource_id}".strip() or "unreadable body"
        return f"{what} ({self.state})"


class ProcessingQueue(models.Model):
    """Whether a drain of received deliveries is queued and not yet started (one row, created by the
    migration). The receiver queues a drain only when it flips `queued` from false to true, so a burst
    of deliveries costs one django-q2 task per drain, not one per delivery."""

    name = models.CharField(max_length=40, primary_key=True)
    queued = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{self.name} ({'queued' if self.queued else 'idle'})"


class ProjectRefresh(models.Model):
    """The incremental mirror refresh deliveries of a project ask for, coalesced.

    Many events become one refresh: a delivery sets the `*_wanted` flags and queues a run only when
    none is queued; a run clears the flags it serves before it reads Procore, so an event arriving
    during a run queues the next one. `identity_problem` is what the settings page warns about.
    """

    class State(models.TextChoices):
        IDLE = "idle", "Idle"
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"

    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="webhook_refresh")
    documents_wanted = models.BooleanField(default=False)
    revisions_wanted = models.BooleanField(default=False)
    state = models.CharField(max_length=20, choices=State.choices, default=State.IDLE)
    requested_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    runs = models.IntegerField(default=0)
    error = models.TextField(blank=True)
    identity_problem = models.TextField(blank=True)
    identity_problem_at = models.DateTimeField(null=True, blank=True)
    reconciled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "project refreshes"

    def __str__(self) -> str:
        return f"Webhook refresh of project {self.project_id} ({self.state})"
