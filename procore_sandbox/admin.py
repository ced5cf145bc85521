from django.contrib import admin

from procore_sandbox.models import (
    AccessToken,
    App,
    AuthorizationCode,
    Company,
    CompanyMembership,
    Person,
    Project,
    ProjectMembership,
)


class CompanyMembershipInline(admin.TabularInline):
    model = CompanyMembership
    extra = 0


class ProjectMembershipInline(admin.TabularInline):
    model = ProjectMembership
    extra = 0


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "is_active", "other_region"]


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "company", "active", "updated_at"]
    list_filter = ["company", "active"]


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["id", "login", "name", "is_service_account"]
    exclude = ["password"]
    inlines = [CompanyMembershipInline, ProjectMembershipInline]


@admin.register(App)
class AppAdmin(admin.ModelAdmin):
    list_display = ["name", "client_id", "service_account"]


@admin.register(AccessToken)
class AccessTokenAdmin(admin.ModelAdmin):
    list_display = ["id", "person", "app", "created_at", "expires_at", "revoked_at", "refresh_used_at"]
    exclude = ["access_token", "refresh_token"]
    list_filter = ["app"]


@admin.register(AuthorizationCode)
class AuthorizationCodeAdmin(admin.ModelAdmin):
    list_display = ["id", "person", "app", "created_at", "used_at"]
    exclude = ["code"]


# --- The other areas: browse the sandbox's state while trying things out --------------------

from procore_sandbox.models import (  # noqa: E402
    Delivery,
    DocumentFile,
    DocumentFolder,
    DocumentRevision,
    DocumentUpload,
    Event,
    Fault,
    FileUpload,
    Hook,
    LegacyUpload,
    PdmField,
    PdmSwitch,
    PdmValue,
    RateLimitSettings,
    RateWindow,
    Trigger,
    UploadRequirement,
)


@admin.register(DocumentFolder)
class DocumentFolderAdmin(admin.ModelAdmin):
    list_display = ["id", "name_with_path", "project", "company", "is_deleted", "updated_at"]
    list_filter = ["company", "is_deleted"]
    search_fields = ["name", "name_with_path"]
    raw_id_fields = ["parent", "created_by"]


@admin.register(DocumentFile)
class DocumentFileAdmin(admin.ModelAdmin):
    list_display = ["id", "name_with_path", "project", "company", "is_deleted", "updated_at"]
    list_filter = ["company", "is_deleted"]
    search_fields = ["name", "name_with_path"]
    raw_id_fields = ["folder", "created_by", "checked_out_by"]


@admin.register(LegacyUpload)
class LegacyUploadAdmin(admin.ModelAdmin):
    list_display = ["uuid", "owner", "project", "api_version", "status"]


@admin.register(PdmField)
class PdmFieldAdmin(admin.ModelAdmin):
    list_display = ["name", "label", "project", "type", "variant", "active", "readonly"]
    list_filter = ["project", "type", "active"]


@admin.register(PdmValue)
class PdmValueAdmin(admin.ModelAdmin):
    list_display = ["code", "label", "field", "active"]
    list_filter = ["field__project", "active"]
    search_fields = ["code", "label"]


@admin.register(UploadRequirement)
class UploadRequirementAdmin(admin.ModelAdmin):
    list_display = ["id", "project", "position", "updated_at"]


@admin.register(DocumentUpload)
class DocumentUploadAdmin(admin.ModelAdmin):
    list_display = ["id", "project", "file_name", "upload_status", "created_by"]
    list_filter = ["project", "upload_status"]


@admin.register(DocumentRevision)
class DocumentRevisionAdmin(admin.ModelAdmin):
    list_display = ["id", "project", "original_filename", "version", "container"]
    list_filter = ["project"]
    search_fields = ["original_filename", "id"]


@admin.register(FileUpload)
class FileUploadAdmin(admin.ModelAdmin):
    list_display = ["id", "project", "file_name", "file_size", "status", "created_by"]


@admin.register(PdmSwitch)
class PdmSwitchAdmin(admin.ModelAdmin):
    list_display = ["name", "value"]


@admin.register(RateLimitSettings)
class RateLimitSettingsAdmin(admin.ModelAdmin):
    list_display = ["id", "hourly", "spike", "updated_at"]


@admin.register(RateWindow)
class RateWindowAdmin(admin.ModelAdmin):
    list_display = ["app_key", "company_key", "kind", "start", "accepted", "rejected"]
    list_filter = ["kind"]


@admin.register(Fault)
class FaultAdmin(admin.ModelAdmin):
    list_display = ["kind", "method", "path_regex", "remaining", "probability", "hits", "created_at"]


class TriggerInline(admin.TabularInline):
    model = Trigger
    extra = 0


@admin.register(Hook)
class HookAdmin(admin.ModelAdmin):
    list_display = ["id", "namespace", "company", "project", "payload_version", "destination_url", "status"]
    exclude = ["authorization"]
    inlines = [TriggerInline]


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["id", "resource_name", "event_type", "resource_id", "company_id", "project_id", "created_at"]
    list_filter = ["resource_name", "event_type"]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["id", "hook", "resource_name", "event_type", "status", "attempt_count", "created_at"]
    list_filter = ["status"]
