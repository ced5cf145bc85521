from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import ProcoreCredential, ServiceToken, User

# Tokens are never shown, even encrypted.
CREDENTIAL_FIELDS = ("procore_user_id", "login", "expires_at", "refreshed_at", "invalid_since", "updated_at")


class ProcoreCredentialInline(admin.StackedInline):
    model = ProcoreCredential
    can_delete = True
    extra = 0
    fields = CREDENTIAL_FIELDS
    readonly_fields = CREDENTIAL_FIELDS


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "email", "first_name", "last_name", "procore_user_id", "is_staff", "last_login"]
    search_fields = ["username", "email", "first_name", "last_name"]
    fieldsets = [*(BaseUserAdmin.fieldsets or ()), ("Procore", {"fields": ["procore_user_id"]})]
    inlines = [ProcoreCredentialInline]


@admin.register(ProcoreCredential)
class ProcoreCredentialAdmin(admin.ModelAdmin):
    list_display = ["login", "user", "procore_user_id", "expires_at", "refreshed_at", "invalid_since"]
    fields = CREDENTIAL_FIELDS
    readonly_fields = CREDENTIAL_FIELDS
    search_fields = ["login", "user__username"]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(ServiceToken)
class ServiceTokenAdmin(admin.ModelAdmin):
    list_display = ["client_id", "expires_at", "updated_at"]
    exclude = ["access_token_encrypted"]
    readonly_fields = ["client_id", "expires_at"]
