"""Django admin for the mirror: what the portal holds of Procore, and each sync's progress."""

from __future__ import annotations

from django.contrib import admin

from .models import (
    Company,
    File,
    Folder,
    Membership,
    NamingStandard,
    PdmField,
    PdmValue,
    Project,
    ProjectPerson,
    ProjectRole,
    Revision,
    SyncRun,
    UploadRule,
)


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ["name", "id", "is_active", "documents_synced_at"]
    search_fields = ["name"]


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["name", "id", "company", "active", "pdm_enabled", "last_synced_at", "people_synced_at"]
    list_filter = ["active", "pdm_enabled", "company"]
    search_fields = ["name", "project_number"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "project", "seen_at"]
    search_fields = ["user__username", "project__name"]
    list_select_related = ["user", "project"]


@admin.register(ProjectPerson)
class ProjectPersonAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "procore_user_id", "project", "source", "in_directory", "seen_at"]
    list_filter = ["source", "in_directory", "project"]
    search_fields = ["name", "email", "procore_user_id"]


@admin.register(SyncRun)
class SyncRunAdmin(admin.ModelAdmin):
    list_display = ["__str__", "project", "company", "kind", "state", "step", "api_calls", "created_at", "finished_at"]
    list_filter = ["state", "kind"]
    readonly_fields = ["created_at", "started_at", "finished_at"]


@admin.register(Folder)
class FolderAdmin(admin.ModelAdmin):
    list_display = ["name_with_path", "project", "company", "private"]
    search_fields = ["name", "name_with_path"]
    list_filter = ["private"]
    show_full_result_count = False


@admin.register(File)
class FileAdmin(admin.ModelAdmin):
    list_display = ["name", "project", "company", "size", "latest_version_number", "procore_updated_at"]
    search_fields = ["name", "name_with_path"]
    show_full_result_count = False


@admin.register(PdmField)
class PdmFieldAdmin(admin.ModelAdmin):
    list_display = ["label", "name", "project", "type", "variant", "active", "visible", "readonly"]
    list_filter = ["type", "active", "project"]
    search_fields = ["label", "name"]


@admin.register(PdmValue)
class PdmValueAdmin(admin.ModelAdmin):
    list_display = ["label", "code", "field", "active"]
    list_filter = ["active"]
    search_fields = ["label", "code"]
    list_select_related = ["field"]


@admin.register(NamingStandard)
class NamingStandardAdmin(admin.ModelAdmin):
    list_display = ["name", "project"]


@admin.register(UploadRule)
class UploadRuleAdmin(admin.ModelAdmin):
    list_display = ["__str__", "project", "position", "allow_duplicate_revisions"]
    list_filter = ["project"]


@admin.register(Revision)
class RevisionAdmin(admin.ModelAdmin):
    list_display = ["name", "number", "revision", "version", "type_label", "status_label", "project"]
    list_filter = ["project"]
    search_fields = ["name", "number", "procore_id"]
    show_full_result_count = False


@admin.register(ProjectRole)
class ProjectRoleAdmin(admin.ModelAdmin):
    """Roles the portal grants in a project beyond what Procore says (portal.mirror.administration)."""

    list_display = ["user", "project", "role", "granted_at", "note"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__email", "project__name"]
    list_select_related = ["user", "project"]
