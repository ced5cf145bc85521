"""Batches of documents staged for one project, before and while they go to Procore.

A staged document's metadata is keyed by the project's Document Management field ULIDs:
``{"<field id>": ["<value id or literal>", ...]}`` — the same shape Procore's PATCH takes
(procore-api.md §7.11), so nothing is translated at submit time.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from ulid import ULID

from portal.mirror.models import Project


class Batch(models.Model):
    class Target(models.TextChoices):
        DOCUMENT_MANAGEMENT = "pdm", "Document Management"
        FOLDER = "folder", "A Documents folder"

    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTING = "submitting", "Submitting"
        SUBMITTED = "submitted", "Submitted"
        FAILED = "failed", "Needs attention"
        # Part of it landed and the person closed it: its transmittal lists what landed.
        CLOSED = "closed", "Closed"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="batches")
    name = models.CharField(max_length=200)
    note = models.TextField(blank=True)

    class FolderScope(models.TextChoices):
        PROJECT = "project", "Project documents"
        COMPANY = "company", "Company documents"

    class NameClash(models.TextChoices):
        NEW_VERSION = "version", "Add a new version of the existing file"
        KEEP_BOTH = "keep_both", "Keep both (the new file gets a unique name)"

    target = models.CharField(max_length=20, choices=Target.choices, default=Target.DOCUMENT_MANAGEMENT)
    # A folder target: a folder of the project's Documents tool or of its company's, optionally
    # a new folder (created inside it on submit), and what to do when a name is taken.
    folder_scope = models.CharField(max_length=20, choices=FolderScope.choices, default=FolderScope.PROJECT)
    folder_id = models.BigIntegerField(null=True, blank=True)
    new_folder_name = models.CharField(max_length=255, blank=True)
    on_name_clash = models.CharField(max_length=20, choices=NameClash.choices, default=NameClash.NEW_VERSION)
    state = models.CharField(max_length=20, choices=State.choices, default=State.DRAFT)
    # A batch belongs to its creator and to the people it is shared with (BatchShare), or to the
    # whole project team when `shared_with_project` (portal.staging.access).
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="batches"
    )
    shared_with_project = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "batches"

    def __str__(self) -> str:
        return self.name

    @property
    def is_editable(self) -> bool:
        return self.state in {self.State.DRAFT, self.State.FAILED}


class BatchShare(models.Model):
    """A project member the batch's creator shared it with, by Procore user id: they see and work on
    the batch when they sign in to the portal, even if they never have before."""

    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="shares")
    procore_user_id = models.BigIntegerField()
    name = models.CharField(max_length=255)
    shared_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["batch", "procore_user_id"], name="staging_share_once")]

    def __str__(self) -> str:
        return f"{self.batch} shared with {self.name}"


def staged_file_path(document: StagedDocument, filename: str) -> str:
    """Where a staged file is stored: a new key per file (the bytes arrive before their hash is known)."""
    return staged_key(document.batch)


def staged_key(batch: Batch) -> str:
    return f"staged/{batch.project_id}/{batch.pk}/{ULID()}"


class StagedDocument(models.Model):
    class State(models.TextChoices):
        READY = "ready", "Ready"
        ERRORS = "errors", "Has errors"
        SUBMITTING = "submitting", "Submitting"
        SUBMITTED = "submitted", "Submitted"
        FAILED = "failed", "Failed"

    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="documents")
    file = models.FileField(upload_to=staged_file_path, max_length=300)
    file_name = models.CharField(max_length=255)
    size = models.BigIntegerField()
    sha256 = models.CharField(max_length=64)
    mime_type = models.CharField(max_length=150)

    metadata = models.JSONField(default=dict, blank=True)
    # For a folder target: the file's name and description in the Documents tool.
    title = models.CharField(max_length=255, blank=True)
    description = models.TextField(blank=True)
    # Where each proposed value came from: {"<field id>": {"source": "file name", "text": "A"}}.
    proposals = models.JSONField(default=dict, blank=True)
    # Parts of the file name that matched nothing: ["XYZ", ...].
    unmatched = models.JSONField(default=list, blank=True)
    # Result of the last validation: [{"field": "<field id>", "message": "..."}]; empty = ready.
    problems = models.JSONField(default=list, blank=True)
    rule_id = models.CharField(max_length=64, blank=True)
    # validation.revision_key: equal on two documents that would be the same revision in Procore
    # where the project forbids that ("" otherwise); indexed so a new document's twin is a lookup.
    revision_key = models.CharField(max_length=64, blank=True)
    # Optimistic concurrency (portal.staging.edits): every change of metadata, title or description
    # adds one; `field_stamps` says, per field, at which version it last changed, by whom and when:
    # {"<field id>" | "title" | "description": {"v": 3, "by": <user pk>, "name": "Dana Whitfield",
    #  "at": ISO, "was": [the values before that change]}}.
    metadata_version = models.IntegerField(default=0)
    field_stamps = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=20, choices=State.choices, default=State.ERRORS)
    message = models.TextField(blank=True)
    position = models.IntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Submit pipeline state (portal.staging.pipeline): every step is recorded so a restarted
    # worker resumes without creating anything twice in Procore.
    step = models.CharField(max_length=20, blank=True, default="")
    pdm_upload_id = models.CharField(max_length=64, blank=True)  # PDM document upload (not stable)
    file_upload_id = models.CharField(max_length=64, blank=True)  # unified upload v2.1
    part_etags = models.JSONField(default=list, blank=True)  # received parts, in segment order
    latest_event_id = models.CharField(max_length=64, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)  # upload_status COMPLETED accepted
    submit_requested_at = models.DateTimeField(null=True, blank=True)
    attempts = models.IntegerField(default=0)  # retries of the current step
    failure_code = models.CharField(max_length=60, blank=True)
    # A WORKFLOW_CONFLICT's detail, and the termination fields the person chose to resubmit with.
    workflow_conflict = models.JSONField(default=dict, blank=True)
    termination = models.JSONField(default=dict, blank=True)
    revision_id = models.CharField(max_length=64, blank=True, db_index=True)  # Procore revision ULID
    container_id = models.CharField(max_length=64, blank=True)
    version = models.IntegerField(null=True, blank=True)
    landed_at = models.DateTimeField(null=True, blank=True)  # Procore confirmed the revision
    file_removed_at = models.DateTimeField(null=True, blank=True)  # retention removed the staged file

    class Meta:
        ordering = ["position", "id"]
        indexes = [
            models.Index(fields=["batch", "state"]),
            models.Index(fields=["batch", "sha256"]),
            models.Index(fields=["batch", "revision_key"]),
            models.Index(fields=["batch", "position"]),
            models.Index(fields=["batch", "updated_at"]),  # what changed since a watcher's last look
        ]

    def __str__(self) -> str:
        return self.file_name


class MetadataTemplate(models.Model):
    """Named values for chosen fields, shared by the project's team."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="metadata_templates")
    name = models.CharField(max_length=200)
    values = models.JSONField(default=dict)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["project", "name"], name="staging_template_name_once")]

    def __str__(self) -> str:
        return self.name


class GridLayout(models.Model):
    """The grid columns a person chose for a project's batches, in their order.

    ``columns`` is ``[{"id": "<column id>", "shown": true, "width": 180}, ...]``; columns missing
    from it (a field added in Procore since) are shown as the grid would show them by default.
    Batches going to a folder have other columns than Document Management batches, so each
    target has its own layout.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="grid_layouts")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="grid_layouts")
    target = models.CharField(max_length=20, choices=Batch.Target.choices, default=Batch.Target.DOCUMENT_MANAGEMENT)
    columns = models.JSONField(default=list)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "project", "target"], name="staging_grid_layout_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.project} · {self.get_target_display()}"


class AuditEntry(models.Model):
    """Who changed what in a batch, and when."""

    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="audit")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    action = models.CharField(max_length=100)
    detail = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.action} by {self.user} at {self.at:%Y-%m-%d %H:%M}"


from .models_contents import DocumentContents  # noqa: E402,F401  (what the worker read from each document)
from .models_incoming import IncomingFile  # noqa: E402,F401  (files arriving in parts)
from .models_issue import (  # noqa: E402,F401  (issue control models)
    IssueDecision,
    LedgerEntry,
    Recipient,
    RevisionFile,
    SheetCompare,
    Transmittal,
)
from .models_submit import Notification, Submission  # noqa: E402,F401  (submit pipeline models)
