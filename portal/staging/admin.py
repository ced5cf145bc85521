"""Django admin for staging: every batch (whoever owns it), staged documents, submissions, history."""

from __future__ import annotations

from django.contrib import admin

from .models import AuditEntry, Batch, BatchShare, MetadataTemplate, Notification, StagedDocument, Submission


class BatchShareInline(admin.TabularInline):
    model = BatchShare
    extra = 0
    fields = ["name", "procore_user_id", "shared_by", "created_at"]
    readonly_fields = ["created_at"]


class SubmissionInline(admin.TabularInline):
    model = Submission
    extra = 0
    fields = ("state", "submitted_by", "documents", "landed", "failed", "created_at", "finished_at")
    readonly_fields = fields
    show_change_link = True


@admin.register(Batch)
class BatchAdmin(admin.ModelAdmin):
    """Administrators see every batch, shared or not."""

    list_display = ["name", "project", "created_by", "state", "target", "shared_with_project", "created_at"]
    list_filter = ["state", "target", "shared_with_project", "project"]
    search_fields = ["name", "project__name", "created_by__username", "created_by__first_name", "created_by__last_name"]
    list_select_related = ["project", "created_by"]
    readonly_fields = ["created_at", "updated_at"]
    raw_id_fields = ["created_by"]
    inlines = [BatchShareInline, SubmissionInline]
    date_hierarchy = "created_at"


@admin.register(StagedDocument)
class StagedDocumentAdmin(admin.ModelAdmin):
    list_display = ["file_name", "batch", "state", "step", "metadata_version", "size", "updated_at"]
    list_filter = ["state", "step"]
    search_fields = ["file_name", "sha256", "revision_id", "batch__name"]
    list_select_related = ["batch"]
    raw_id_fields = ["batch"]
    readonly_fields = [
        "sha256",
        "size",
        "mime_type",
        "metadata_version",
        "field_stamps",
        "problems",
        "rule_id",
        "pdm_upload_id",
        "file_upload_id",
        "latest_event_id",
        "revision_id",
        "container_id",
        "version",
        "landed_at",
        "created_at",
        "updated_at",
    ]


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "batch", "state", "submitted_by", "documents", "landed", "failed", "created_at"]
    list_filter = ["state"]
    search_fields = ["batch__name", "worker", "error"]
    list_select_related = ["batch", "submitted_by"]
    readonly_fields = ["created_at", "started_at", "finished_at", "lease_until", "worker"]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["at", "batch", "user", "action", "detail"]
    list_filter = ["action"]
    search_fields = ["batch__name", "detail", "user__username"]
    list_select_related = ["batch", "user"]
    readonly_fields = ["batch", "user", "action", "detail", "at"]


@admin.register(MetadataTemplate)
class MetadataTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "project", "created_by", "created_at"]
    search_fields = ["name", "project__name"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "user", "level", "text", "read_at"]
    list_filter = ["level"]
    search_fields = ["text", "user__username"]


from .issue_control import admin as issue_control_admin  # noqa: E402,F401  (the ledger, compares, transmittals)
