"""Document Management (PDM) state of the sandbox: per-project configuration (fields, values,
upload requirements, naming standard), document uploads, containers and revisions
(procore-api.md §7). Ids are ULID strings, as in Procore's v2 API.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from ulid import ULID


def new_ulid() -> str:
    return str(ULID())


class PdmProject(models.Model):
    """A project with the Document Management tool enabled, and its project-wide settings."""

    project = models.OneToOneField("sandbox.Project", on_delete=models.CASCADE, primary_key=True, related_name="pdm")
    allow_duplicate_revisions = models.BooleanField(default=True)
    # Fields every rule requires (Procore: always name, type, status, revision).
    required_fields = models.JSONField(default=list)
    # Naming standard: exposed by the API as id, name, fields[], updated_at only. `separator`
    # joins the codes at the start of a file name, e.g. "A-DRW-101_Floor Plan_Rev B.pdf".
    naming_standard_id = models.CharField(max_length=26, blank=True)
    naming_standard_name = models.CharField(max_length=200, blank=True)
    naming_standard_fields = models.JSONField(default=list, blank=True)
    naming_separator = models.CharField(max_length=5, default="-")
    naming_standard_updated_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"PDM of {self.project_id}"

    @property
    def has_naming_standard(self) -> bool:
        return bool(self.naming_standard_id)


class PdmField(models.Model):
    id = models.CharField(max_length=26, primary_key=True, default=new_ulid)
    project = models.ForeignKey("sandbox.Project", on_delete=models.CASCADE, related_name="pdm_fields")
    name = models.CharField(max_length=100)
    label = models.CharField(max_length=200)
    description = models.CharField(max_length=500, blank=True)
    position = models.CharField(max_length=20)
    active = models.BooleanField(default=True)
    visible = models.BooleanField(default=True)
    readonly = models.BooleanField(default=False)
    can_affect_permissions = models.BooleanField(default=False)
    type = models.CharField(max_length=20)
    variant = models.CharField(max_length=60, blank=True)
    custom_field_definition_id = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["project_id", "position"]
        constraints = [models.UniqueConstraint(fields=["project", "name"], name="sandbox_pdm_field_name_once")]

    def __str__(self) -> str:
        return f"{self.project_id}:{self.name}"


class PdmValue(models.Model):
    """One entry of a field's value list (LOV entries and non-user references)."""

    id = models.CharField(max_length=26, primary_key=True, default=new_ulid)
    field = models.ForeignKey(PdmField, on_delete=models.CASCADE, related_name="pdm_values")
    code = models.CharField(max_length=50, blank=True)
    label = models.CharField(max_length=200)
    active = models.BooleanField(default=True)
    tags = models.JSONField(default=list, blank=True)
    position = models.IntegerField(default=0)

    class Meta:
        ordering = ["field_id", "position", "label"]

    def __str__(self) -> str:
        return f"{self.code} {self.label}"


class UploadRequirement(models.Model):
    """One upload-requirement rule: the default one has no qualifiers.

    `qualifiers` is ``[{"field": "<field name>", "values": ["<value id>", ...]}]``.
    """

    id = models.CharField(max_length=26, primary_key=True, default=new_ulid)
    project = models.ForeignKey("sandbox.Project", on_delete=models.CASCADE, related_name="pdm_requirements")
    position = models.IntegerField(default=0)
    additional_required_fields = models.JSONField(default=list, blank=True)
    qualifiers = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["project_id", "position", "id"]


class DocumentContainer(models.Model):
    id = models.CharField(max_length=26, primary_key=True, default=new_ulid)
    project = models.ForeignKey("sandbox.Project", on_delete=models.CASCADE, related_name="pdm_containers")
    match_criteria = models.CharField(max_length=500)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "match_criteria"], name="sandbox_pdm_container_once")]


class DocumentRevision(models.Model):
    """A submitted revision. `metadata` has the shape of DocumentUpload.metadata."""

    id = models.CharField(max_length=26, primary_key=True, default=new_ulid)
    project = models.ForeignKey("sandbox.Project", on_delete=models.CASCADE, related_name="pdm_revisions")
    container = models.ForeignKey(DocumentContainer, on_delete=models.CASCADE, related_name="revisions")
    version = models.IntegerField()
    position_within_container = models.CharField(max_length=40)
    metadata = models.JSONField(default=dict)
    upload_id = models.CharField(max_length=26, blank=True)
    original_filename = models.CharField(max_length=300)
    mime_type = models.CharField(max_length=100)
    file_size = models.BigIntegerField(default=0)
    # The unified upload holding the bytes; empty for seeded revisions (bytes generated).
    file_upload_id = models.CharField(max_length=26, blank=True)
    file_locked = models.BooleanField(default=False)
    uploaded_by = models.BigIntegerField(null=True, blank=True)
    latest_event_id = models.CharField(max_length=26, default=new_ulid)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now, db_index=True)
    recycled_at = models.DateTimeField(null=True, blank=True)
    recycled_by = models.BigIntegerField(null=True, blank=True)
    recycled_reason = models.CharField(max_length=200, blank=True)
    # An active workflow on this revision ({"instance_id", "assigned_workflow", "current_step",
    # "status"}) or empty; terminated workflows keep "terminated": true.
    workflow = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["project_id", "created_at", "id"]


class DocumentUpload(models.Model):
    """A PDM document upload (staging record). `metadata` maps field names to
    ``{"values": [value ids or literals, as a PATCH writes them], "label_source": "MANUAL", ...}``."""

    INCOMPLETE = "INCOMPLETE"
    COMPLETED = "COMPLETED"
    PLACEHOLDER = "PLACEHOLDER"

    id = models.CharField(max_length=26, primary_key=True, default=new_ulid)
    project = models.ForeignKey("sandbox.Project", on_delete=models.CASCADE, related_name="pdm_uploads")
    created_by = models.BigIntegerField()
    file_name = models.CharField(max_length=300)
    mime_type = models.CharField(max_length=100)
    file_locked = models.BooleanField(default=False)
    expected_container_id = models.CharField(max_length=26, blank=True)
    upload_status = models.CharField(max_length=20, default=INCOMPLETE)
    file_upload_id = models.CharField(max_length=26, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    latest_event_id = models.CharField(max_length=26, default=new_ulid)
    upload_requested_at = models.DateTimeField(default=timezone.now)
    upload_completed_at = models.DateTimeField(null=True, blank=True)
    # ML / filename scraping run "asynchronously": statuses are computed on read from this time.
    integrations_started_at = models.DateTimeField(null=True, blank=True)
    integrations_applied = models.BooleanField(default=False)
    updated_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    revision_id = models.CharField(max_length=26, blank=True)

    class Meta:
        ordering = ["project_id", "upload_requested_at", "id"]


class PdmSwitch(models.Model):
    """A failure switch a test or benchmark sets (see pdm_switches). Stored in the database so
    another process can set it."""

    name = models.CharField(max_length=100, primary_key=True)
    value = models.JSONField(default=dict)

    class Meta:
        verbose_name = "PDM switch"
        verbose_name_plural = "PDM switches"
