"""Roles the portal grants itself, beside what Procore says about a person."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from .core import Project


class ProjectRole(models.Model):
    """A role in one project granted in Django admin, for a person whose Procore permissions do not
    show it (e.g. the portal's own administrator). See portal.mirror.administration."""

    class Role(models.TextChoices):
        ADMINISTRATOR = "administrator", "Administers the project in the portal (webhooks)"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="project_roles")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(max_length=40, choices=Role.choices, default=Role.ADMINISTRATOR)
    granted_at = models.DateTimeField(auto_now_add=True)
    note = models.CharField(max_length=200, blank=True, help_text="Why the role was granted.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "project", "role"], name="mirror_project_role_once")]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} — {self.project}"
