"""Rows of issue control (portal.staging.issue_control): what was issued, what people decided about
warnings, visual compares with the current revision, and transmittals.

Procore exposes no content hash for a Document Management revision or a Documents-tool file
(procore-api.md §5, §7.10, §7.11: `file_key` is an opaque storage key), so the ledger holds the
SHA-256 of every file the portal submitted, and of every current revision the portal downloaded
for a compare (computed then).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class LedgerEntry(models.Model):
    """One file issued into a project's Procore: where it went, by whom, when."""

    class Source(models.TextChoices):
        PORTAL = "portal", "Submitted through the portal"
        PROCORE = "procore", "Read from Procore for a compare"

    class Target(models.TextChoices):
        DOCUMENT_MANAGEMENT = "pdm", "Document Management"
        FOLDER = "folder", "A Documents folder"

    project = models.ForeignKey("mirror.Project", on_delete=models.CASCADE, related_name="ledger")
    sha256 = models.CharField(max_length=64)
    size = models.BigIntegerField(null=True, blank=True)
    file_name = models.CharField(max_length=255, blank=True)
    source = models.CharField(max_length=20, choices=Source.choices)
    target = models.CharField(max_length=20, choices=Target.choices, default=Target.DOCUMENT_MANAGEMENT)
    # As issued: the document's name, number and revision as people read them.
    name = models.CharField(max_length=255, blank=True)
    number = models.CharField(max_length=255, blank=True)
    revision = models.CharField(max_length=100, blank=True)
    # Where it went: a PDM container and revision, or a Documents-tool file (its id) and version.
    container_id = models.CharField(max_length=64, blank=True)
    revision_id = models.CharField(max_length=64, blank=True, db_index=True)
    version = models.IntegerField(null=True, blank=True)
    batch = models.ForeignKey("staging.Batch", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    document = models.OneToOneField(
        "staging.StagedDocument", null=True, blank=True, on_delete=models.SET_NULL, related_name="ledger_entry"
    )
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    issued_by_name = models.CharField(max_length=255, blank=True)
    issued_at = models.DateTimeField(null=True, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-issued_at", "-id"]
        verbose_name = "issued file"
        verbose_name_plural = "ledger of issued files"
        indexes = [models.Index(fields=["project", "sha256"])]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "revision_id"],
                condition=models.Q(source="procore"),
                name="staging_ledger_procore_revision_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.sha256[:12]})"


class IssueDecision(models.Model):
    """What a person decided about one warning on a staged document: keep it (and why)."""

    document = models.ForeignKey("staging.StagedDocument", on_delete=models.CASCADE, related_name="issue_decisions")
    kind = models.CharField(max_length=40)
    # What the warning was about (e.g. "B after D"): a changed warning asks again.
    subject = models.CharField(max_length=300)
    reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["document", "kind", "subject"], name="staging_issue_decision_once")
        ]

    def __str__(self) -> str:
        return f"Kept {self.document_id} despite {self.kind}"


class RevisionFile(models.Model):
    """A current revision's file, downloaded from Procore once and kept for compares."""

    project = models.ForeignKey("mirror.Project", on_delete=models.CASCADE, related_name="+")
    revision_id = models.CharField(max_length=64)
    file = models.FileField(max_length=300)
    sha256 = models.CharField(max_length=64)
    size = models.BigIntegerField()
    fetched_at = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "revision_id"], name="staging_revision_file_once")]

    def __str__(self) -> str:
        return f"Revision {self.revision_id}"


class SheetCompare(models.Model):
    """A staged document compared with the current revision of its container, page by page."""

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Comparing"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    class Outcome(models.TextChoices):
        PENDING = "", "Not compared yet"
        CHANGED = "changed", "Changed"
        UNCHANGED = "unchanged", "Unchanged"
        NEW = "new", "New sheet"
        NOT_COMPARED = "not_compared", "Not compared"

    document = models.OneToOneField("staging.StagedDocument", on_delete=models.CASCADE, related_name="sheet_compare")
    batch = models.ForeignKey("staging.Batch", on_delete=models.CASCADE, related_name="sheet_compares")
    state = models.CharField(max_length=20, choices=State.choices, default=State.QUEUED)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, default=Outcome.PENDING, blank=True)
    # The current revision compared against (empty for a new sheet).
    revision_id = models.CharField(max_length=64, blank=True)
    revision_label = models.CharField(max_length=100, blank=True)
    version = models.IntegerField(null=True, blank=True)
    # The staged file's hash at the time, so a changed file is compared again.
    sha256 = models.CharField(max_length=64, blank=True)
    same_file = models.BooleanField(default=False)
    # [{"page": 1, "status": "changed|unchanged|new|removed", "regions": [[x0, y0, x1, y1], ...]
    #   (fractions of the page), "overlay": "<storage name>", "side": "<storage name>"}]
    pages = models.JSONField(default=list, blank=True)
    message = models.TextField(blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    milliseconds = models.IntegerField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["batch", "state"])]

    def __str__(self) -> str:
        return f"Compare of {self.document_id}: {self.outcome or self.state}"

    @property
    def stale(self) -> bool:
        """The staged file changed since it was compared."""
        return bool(self.sha256) and self.sha256 != self.document.sha256

    @property
    def regions(self) -> int:
        return sum(len(page.get("regions") or []) for page in self.pages)


class Transmittal(models.Model):
    """The issue sheet of a landed batch: a numbered PDF and a CSV register, kept."""

    project = models.ForeignKey("mirror.Project", on_delete=models.CASCADE, related_name="transmittals")
    number = models.PositiveIntegerField()
    batch = models.OneToOneField("staging.Batch", on_delete=models.CASCADE, related_name="transmittal")
    created_at = models.DateTimeField(auto_now_add=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    # False when the batch was closed with only part of it landed.
    complete = models.BooleanField(default=True)
    documents = models.IntegerField(default=0)
    pdf = models.FileField(max_length=300, blank=True)
    csv = models.FileField(max_length=300, blank=True)
    # [{"name": ..., "email": ...}] it was sent to, besides the submitter.
    recipients = models.JSONField(default=list, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["project", "number"], name="staging_transmittal_number_once")]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return f"T-{self.number:04d}"


class Recipient(models.Model):
    """A project person the batch's transmittal goes to, chosen when the batch is submitted."""

    batch = models.ForeignKey("staging.Batch", on_delete=models.CASCADE, related_name="recipients")
    name = models.CharField(max_length=255)
    email = models.EmailField()
    procore_user_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["batch", "email"], name="staging_recipient_once")]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"
