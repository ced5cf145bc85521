from __future__ import annotations

from django.contrib import admin

from .models import DeferredTask


@admin.register(DeferredTask)
class DeferredTaskAdmin(admin.ModelAdmin):
    """Tasks waiting for the broker; the wake-up hands them over, admin only shows them."""

    list_display = ["task_name", "func", "deferred_at", "attempts", "error"]
    readonly_fields = ["task_name", "func", "args", "kwargs", "deferred_at", "claimed_until", "attempts", "error"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
