"""The people of each project: whom person fields (Authored By, Placeholder Assignee, …) may name."""

from __future__ import annotations

from django.db import models

from .core import Project


class ProjectPerson(models.Model):
    """Someone person fields may name in a project, keyed by their Procore user id.

    Procore's values endpoint lists no one for person fields (procore-api.md §7.5); the project's
    Directory does (§4). A person stays known after the Directory stops listing them (the tool
    switched off, a narrower permission), so a stored value can still be shown by name.
    """

    class Source(models.TextChoices):
        DIRECTORY = "directory", "Project directory"
        REVISION = "revision", "Named on a document revision"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="people")
    procore_user_id = models.BigIntegerField()
    name = models.CharField(max_length=255)
    email = models.CharField(max_length=254, blank=True)
    job_title = models.CharField(max_length=255, blank=True)
    company = models.CharField(max_length=255, blank=True)
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.DIRECTORY)
    # Listed by the project's Directory the last time it was read.
    in_directory = models.BooleanField(default=True)
    seen_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "procore_user_id"]
        verbose_name_plural = "project people"
        constraints = [models.UniqueConstraint(fields=["project", "procore_user_id"], name="mirror_person_once")]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>" if self.email else self.name
