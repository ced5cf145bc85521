from __future__ import annotations

from django.apps import AppConfig


class ThrottleConfig(AppConfig):
    name = "portal.throttle"
    verbose_name = "Procore rate-limit budgets"
    default_auto_field = "django.db.models.BigAutoField"
