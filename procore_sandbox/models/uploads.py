"""Unified File Upload API v2.1 state (procore-api.md §6.2): an upload and its parts, whose
bytes live in Django's default storage under ``sandbox/unified/``."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from .pdm import new_ulid


class FileUpload(models.Model):
    READY = "ready"
    RECEIVING = "receiving"
    COMPLETE = "complete"
    AVAILABLE = "available"
    FAILED = "failed"

    id = models.CharField(max_length=26, primary_key=True, default=new_ulid)
    company = models.ForeignKey("sandbox.Company", on_delete=models.CASCADE, related_name="file_uploads")
    project = models.ForeignKey(
        "sandbox.Project", null=True, blank=True, on_delete=models.CASCADE, related_name="file_uploads"
    )
    created_by = models.BigIntegerField()
    file_name = models.CharField(max_length=300)
    file_size = models.BigIntegerField()
    content_type = models.CharField(max_length=100)
    sha256 = models.CharField(max_length=64)
    md5 = models.CharField(max_length=32, blank=True)
    uploader_tool_name = models.CharField(max_length=60, blank=True)
    custom_metadata = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=20, default=READY)
    error = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)
    # The one PDM document upload this file is linked to (each upload_id links once).
    linked_document_upload_id = models.CharField(max_length=26, blank=True)

    def __str__(self) -> str:
        return f"{self.id} {self.file_name}"


class FileUploadPart(models.Model):
    upload = models.ForeignKey(FileUpload, on_delete=models.CASCADE, related_name="parts")
    number = models.IntegerField()
    size = models.BigIntegerField()
    sha256 = models.CharField(max_length=64)
    md5 = models.CharField(max_length=32, blank=True)
    url_expires_at = models.DateTimeField()
    storage_name = models.CharField(max_length=300, blank=True)
    etag = models.CharField(max_length=64, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["upload_id", "number"]
        constraints = [models.UniqueConstraint(fields=["upload", "number"], name="sandbox_upload_part_once")]
