from __future__ import annotations

from django.apps import AppConfig


class TaskingConfig(AppConfig):
    name = "portal.tasking"
    label = "tasking"
    verbose_name = "Task queue hand-over"
    default_auto_field = "django.db.models.BigAutoField"
