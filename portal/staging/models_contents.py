"""What the worker read from a staged document's contents: its pictures, its title block (per
page), and where a set being split or a zip file being expanded stands.

The worker only ever writes this row, never the document's metadata: what the title block says
stays a proposal beside the metadata until a person accepts it (portal.staging.contents.review),
so a reading that finishes while someone edits the document cannot overwrite their work.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class DocumentContents(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", "Waiting to be read"
        READING = "reading", "Being read"
        DONE = "done", "Read"
        FAILED = "failed", "Could not be read"
        REFUSED = "refused", "Refused"  # a zip file that was not expanded

    class Kind(models.TextChoices):
        PDF = "pdf", "PDF"
        IMAGE = "image", "Image"
        ZIP = "zip", "Zip file"
        OTHER = "other", "Other"

    class Split(models.TextChoices):
        NONE = "", "Not split"
        QUEUED = "queued", "Being split"
        AWAITING = "awaiting", "Split, waiting for confirmation"
        FAILED = "failed", "Split failed"

    document = models.OneToOneField("staging.StagedDocument", on_delete=models.CASCADE, related_name="contents")
    state = models.CharField(max_length=20, choices=State.choices, default=State.PENDING)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.OTHER)
    pages = models.IntegerField(default=0)
    scanned_pages = models.IntegerField(default=0)
    # Names in default_storage (never local paths): PNG pictures of page 1.
    thumbnail = models.CharField(max_length=300, blank=True)
    preview = models.CharField(max_length=300, blank=True)
    title_block_image = models.CharField(max_length=300, blank=True)
    # Page 1's title block as printed: {"number": "A-101", "name": ..., "revision": "C",
    # "date_authored": "2026-03-14"} (None for what could not be read), and where each came from.
    fields = models.JSONField(default=dict, blank=True)
    sources = models.JSONField(default=dict, blank=True)
    # The same in the project's terms, for the fields it has: {"<field id>": {"values": [...],
    # "text": "<as printed>"}} — the title block's proposal, beside the document's metadata.
    proposed = models.JSONField(default=dict, blank=True)
    # Conflicts a person decided to keep their own value for: {"<field id>": [<proposed values>]}.
    kept = models.JSONField(default=dict, blank=True)
    # Every page of a set: [{"page": 2, "number": ..., "name": ..., "revision": ..., "date_authored": ...}].
    sheets = models.JSONField(default=list, blank=True)
    notes = models.JSONField(default=list, blank=True)
    message = models.TextField(blank=True)  # why it could not be read, or why a zip was refused
    attempts = models.IntegerField(default=0)
    lease_until = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # A set split into sheets: the sheets point at it until the person confirms the split.
    split = models.CharField(max_length=20, choices=Split.choices, default=Split.NONE, blank=True)
    split_from = models.ForeignKey(
        "staging.StagedDocument", null=True, blank=True, on_delete=models.SET_NULL, related_name="split_sheets"
    )
    # Who staged the file (a zip's documents are added in their name) or asked for the split.
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    split_page = models.IntegerField(null=True, blank=True)  # which page of the set this sheet is
    # Where a document came from inside a zip file ("Drawings/Arch/A-101.pdf").
    zip_path = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "document contents"
        indexes = [models.Index(fields=["state", "lease_until"])]

    def __str__(self) -> str:
        return f"Contents of document {self.document_id}: {self.get_state_display()}"

    @property
    def finished(self) -> bool:
        return self.state in {self.State.DONE, self.State.FAILED, self.State.REFUSED}
