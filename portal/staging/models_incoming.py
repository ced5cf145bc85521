"""A file on its way into a batch: one row per multipart upload, from the browser's first request
to the staged document the worker records (or the sentence saying why it was refused).

Every fact lives here, not in a web process: any web process can sign, list or complete an upload
another one started, and the scheduled sweep finds uploads nobody finished.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class IncomingFile(models.Model):
    class State(models.TextChoices):
        OPEN = "open", "Uploading"  # parts are arriving in storage
        COMPLETING = "completing", "Completing"  # sent whole; the worker joins the parts in storage
        CHECKING = "checking", "Checking"  # stored; the worker hashes and records it
        ADDED = "added", "Added"  # a staged document now
        REFUSED = "refused", "Refused"  # not added; `message` says why; nothing kept
        CANCELLED = "cancelled", "Cancelled"  # the person cancelled it, or it expired

    batch = models.ForeignKey("staging.Batch", on_delete=models.CASCADE, related_name="incoming")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    file_name = models.CharField(max_length=255)  # cleaned: what the document will be called
    declared_type = models.CharField(max_length=150, blank=True)  # the browser's idea of its type
    size = models.BigIntegerField()  # declared when the upload started; checked at completion
    part_size = models.BigIntegerField()
    key = models.CharField(max_length=300, unique=True)  # where the file lives in storage
    upload_id = models.CharField(max_length=300)  # the storage's multipart upload id
    state = models.CharField(max_length=20, choices=State.choices, default=State.OPEN)
    message = models.TextField(blank=True)  # why it was refused, in words for the person
    notes = models.JSONField(default=list, blank=True)  # e.g. "Renamed to …"
    document = models.ForeignKey("staging.StagedDocument", null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["state", "created_at"])]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_state_display()})"

    @property
    def part_count(self) -> int:
        return max(1, -(-self.size // self.part_size))

    def part_length(self, number: int) -> int:
        """The exact size of part `number` (1-based): the signed Content-Length."""
        if number < self.part_count:
            return self.part_size
        return self.size - self.part_size * (self.part_count - 1)
