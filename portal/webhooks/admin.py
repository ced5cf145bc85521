from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from .models import Delivery, Hook, ProjectRefresh


@admin.register(Hook)
class HookAdmin(admin.ModelAdmin):
    list_display = [
        "project",
        "payload_version",
        "procore_hook_id",
        "status",
        "registered_by",
        "registered_at",
        "secret_rotated_at",
    ]
    list_filter = ["status", "payload_version"]
    search_fields = ["procore_hook_id", "project__name"]
    exclude = ["secret_encrypted", "previous_secret_encrypted"]
    readonly_fields = [
        "project",
        "company_id",
        "payload_version",
        "namespace",
        "procore_hook_id",
        "destination_url",
        "wanted_triggers",
        "triggers",
        "previous_valid_until",
        "secret_rotated_at",
        "status",
        "last_error",
        "registered_by",
        "registered_at",
        "repaired",
    ]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "received_at",
        "resource_type",
        "reason",
        "resource_id",
        "project_id",
        "state",
        "duplicates",
        "attempts",
        "error",
    ]
    list_filter = ["state", "resource_type", "reason", "landing_pending"]
    search_fields = ["event_id", "resource_id"]
    date_hierarchy = "received_at"
    actions = ["reprocess"]
    readonly_fields = [f.name for f in Delivery._meta.fields]

    @admin.action(description="Reprocess the selected failed deliveries")
    def reprocess(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        from .processing import wake_processing

        ids = list(queryset.filter(state=Delivery.State.FAILED).values_list("pk", flat=True))
        Delivery.objects.filter(pk__in=ids, state=Delivery.State.FAILED).update(state=Delivery.State.RECEIVED, error="")
        if ids:
            wake_processing()
        skipped = queryset.count() - len(ids)
        self.message_user(
            request,
            f"{len(ids)} deliveries queued again"
            + (f"; {skipped} not failed were left alone" if skipped else "")
            + ".",
            messages.SUCCESS,
        )


@admin.register(ProjectRefresh)
class ProjectRefreshAdmin(admin.ModelAdmin):
    list_display = [
        "project",
        "state",
        "documents_wanted",
        "revisions_wanted",
        "finished_at",
        "runs",
        "error",
        "identity_problem",
    ]
    list_filter = ["state"]
