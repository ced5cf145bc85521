from django.contrib import admin

from .models import AccessToken, App, AuthorizationCode, Company, CompanyMembership, Person, Project, ProjectMembership


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
