from __future__ import annotations

from django.contrib import admin

from .models import Budget


@admin.register(Budget)
class BudgetAdmin(admin.ModelAdmin):
    list_display = ["key", "limit", "allowance", "sent", "reset_at", "provisional", "blocked_until", "updated_at"]
    search_fields = ["key"]
