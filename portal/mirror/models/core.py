"""The local mirror of what people may see in Procore.

v1 objects (companies, projects, folders, files) are keyed by Procore's 64-bit integer ids.
Document Management objects carry Procore's ULID strings in `procore_id`, unique per project
(Procore may reuse a field's ULID across the projects of a company).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Company(models.Model):
    id = models.BigIntegerField(primary_key=True)
    name = models.CharField(max_length=255)
    is_active = models.BooleanField(default=True)
    synced_at = models.DateTimeField(auto_now=True)
    # When the company's own Documents tool was last mirrored.
    documents_synced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "companies"

    def __str__(self) -> str:
        return self.name


class Project(models.Model):
    id = models.BigIntegerField(primary_key=True)
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="projects")
    name = models.CharField(max_length=255)
    display_name = models.CharField(max_length=300, blank=True)
    project_number = models.CharField(max_length=100, blank=True)
    city = models.CharField(max_length=100, blank=True)
    state_code = models.CharField(max_length=20, blank=True)
    stage = models.CharField(max_length=100, blank=True)
    active = models.BooleanField(default=True)
    procore_updated_at = models.DateTimeField(null=True, blank=True)

    # Sync state: cursors are the newest `updated_at` Procore has shown us.
    documents_cursor = models.DateTimeField(null=True, blank=True)
    revisions_cursor = models.DateTimeField(null=True, blank=True)
    config_synced_at = models.DateTimeField(null=True, blank=True)
    last_synced_at = models.DateTimeField(null=True, blank=True)
    # None until known; False when Procore refuses Document Management for this project.
    pdm_enabled = models.BooleanField(null=True, blank=True)
    # When the project's people (its Directory) were last read, and why the list is short when
    # Procore refused it (the Directory tool off, no permission); empty when it was listed.
    people_synced_at = models.DateTimeField(null=True, blank=True)
    people_note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A portal user may see this project in Procore (as of `seen_at`)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memberships")
    seen_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "project"], name="mirror_membership_once")]


class Folder(models.Model):
    id = models.BigIntegerField(primary_key=True)
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="folders")
    # Null for a company's own Documents tool.
    project = models.ForeignKey(Project, null=True, blank=True, on_delete=models.CASCADE, related_name="folders")
    # Plain ids: a page of Procore's index may name a parent that arrives on a later page.
    parent_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    name = models.CharField(max_length=255)
    name_with_path = models.TextField(blank=True)
    private = models.BooleanField(default=False)
    procore_updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["project", "parent_id", "name"])]

    def __str__(self) -> str:
        return self.name_with_path or self.name


class File(models.Model):
    id = models.BigIntegerField(primary_key=True)
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="files")
    project = models.ForeignKey(Project, null=True, blank=True, on_delete=models.CASCADE, related_name="files")
    folder_id = models.BigIntegerField(null=True, blank=True)
    name = models.CharField(max_length=255)
    name_with_path = models.TextField(blank=True)
    size = models.BigIntegerField(null=True, blank=True)
    file_type = models.CharField(max_length=50, blank=True)
    latest_version_id = models.BigIntegerField(null=True, blank=True)
    latest_version_number = models.IntegerField(null=True, blank=True)
    latest_version_url = models.TextField(blank=True)
    procore_created_at = models.DateTimeField(null=True, blank=True)
    procore_updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        indexes = [
            models.Index(fields=["project", "folder_id", "name"]),
            models.Index(fields=["project", "name"]),
            models.Index(fields=["project", "procore_updated_at"]),
        ]

    def __str__(self) -> str:
        return self.name_with_path or self.name


class SyncRun(models.Model):
    """One sync of a project; its row is its progress, so a page can show it and a worker resume it."""

    class Kind(models.TextChoices):
        FULL = "full", "Full"
        INCREMENTAL = "incremental", "Incremental"

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    # A project's sync, or (project empty) a company's own Documents tool.
    project = models.ForeignKey(Project, null=True, blank=True, on_delete=models.CASCADE, related_name="sync_runs")
    company = models.ForeignKey(Company, null=True, blank=True, on_delete=models.CASCADE, related_name="sync_runs")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    state = models.CharField(max_length=20, choices=State.choices, default=State.QUEUED)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    step = models.CharField(max_length=100, blank=True)
    api_calls = models.IntegerField(default=0)
    items_seen = models.IntegerField(default=0)
    items_removed = models.IntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["project", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} sync of {self.project or self.company} ({self.state})"

    @property
    def finished(self) -> bool:
        return self.state in {self.State.DONE, self.State.FAILED}
