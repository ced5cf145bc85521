"""The sandbox's Documents tool: project and company folders, files, file versions, and the
legacy direct uploads (v1.0/v1.1) whose bytes become file versions (procore-api.md §5, §6.1).

A folder or file belongs to exactly one project, or to a company's own Documents tool when
`project` is null. `name_with_path` is stored (not computed on read) so the flat index can list
ten thousand files without walking the tree; only renames change it.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from .core import Company, Person, Project


class DocumentFolder(models.Model):
    id = models.BigAutoField(primary_key=True)
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="document_folders")
    project = models.ForeignKey(
        Project, null=True, blank=True, on_delete=models.CASCADE, related_name="document_folders"
    )
    # Null for the root folder of a project's (or company's) Documents tool.
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="children")
    name = models.CharField(max_length=255)
    name_with_path = models.CharField(max_length=2000, blank=True)
    private = models.BooleanField(default=False)
    is_tracked = models.BooleanField(default=False)
    read_only = models.BooleanField(default=False)
    is_deleted = models.BooleanField(default=False)
    created_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["project", "updated_at"]), models.Index(fields=["company", "project"])]

    def __str__(self) -> str:
        return self.name_with_path or self.name


class DocumentFile(models.Model):
    id = models.BigAutoField(primary_key=True)
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="document_files")
    project = models.ForeignKey(Project, null=True, blank=True, on_delete=models.CASCADE, related_name="document_files")
    folder = models.ForeignKey(DocumentFolder, on_delete=models.CASCADE, related_name="files")
    name = models.CharField(max_length=255)
    name_with_path = models.CharField(max_length=2000, blank=True)
    description = models.TextField(blank=True)
    private = models.BooleanField(default=False)
    is_tracked = models.BooleanField(default=False)
    # In the recycle bin: hidden from folder listings, still readable and listed by the index
    # when deleted items are asked for.
    is_deleted = models.BooleanField(default=False)
    legacy_id = models.BigIntegerField(null=True, blank=True)
    checked_out_until = models.DateTimeField(null=True, blank=True)
    checked_out_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["project", "updated_at"]), models.Index(fields=["folder", "name"])]

    def __str__(self) -> str:
        return self.name_with_path or self.name

    @property
    def file_type(self) -> str:
        return self.name.rsplit(".", 1)[-1].lower() if "." in self.name else ""


class DocumentFileVersion(models.Model):
    id = models.BigAutoField(primary_key=True)
    file = models.ForeignKey(DocumentFile, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    notes = models.TextField(blank=True)
    size = models.BigIntegerField(default=0)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=200, default="application/octet-stream")
    # Path in Django's default storage (under sandbox/); empty for seeded versions, whose
    # bytes are generated on download.
    storage_name = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["file", "-number"]
        constraints = [models.UniqueConstraint(fields=["file", "number"], name="sandbox_file_version_number_once")]


class LegacyUpload(models.Model):
    """A v1.0/v1.1 direct upload (procore-api.md §6.1): bytes sent to storage, then referenced by
    `upload_uuid` from a file or file version within a week."""

    uuid = models.CharField(max_length=26, primary_key=True)
    owner = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    project = models.ForeignKey(Project, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    api_version = models.CharField(max_length=4, default="v1.1")
    response_filename = models.CharField(max_length=255, blank=True)
    response_content_type = models.CharField(max_length=200, blank=True)
    attachment_content_disposition = models.BooleanField(default=False)
    declared_size = models.BigIntegerField(null=True, blank=True)
    # [{size, sha256, md5, etag}] for a segmented upload; empty for a non-segmented one.
    segments = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=20, default="ready")  # ready → complete
    storage_name = models.CharField(max_length=500, blank=True)
    size = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)
    attached_at = models.DateTimeField(null=True, blank=True)

    @property
    def segmented(self) -> bool:
        return bool(self.segments)


class SandboxClock(models.Model):
    """A shift applied to "now" by the legacy upload rules (1-hour storage window, one-week
    association window), so a test or an operator can move time forward in every process at
    once. One row, id=1; absent means no shift."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    offset_seconds = models.BigIntegerField(default=0)
