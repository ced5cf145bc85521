"""The sandbox's own state: a small Procore world (companies, projects, people, OAuth apps).

The portal never imports these models; it reaches the sandbox over HTTP only.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.contrib.auth.hashers import check_password, make_password
from django.db import models
from django.utils import timezone


class Company(models.Model):
    id = models.BigIntegerField(primary_key=True)
    name = models.CharField(max_length=200)
    is_active = models.BooleanField(default=True)
    logo_url = models.URLField(blank=True)
    # A company served from another Procore region: without the Procore-Company-Id header,
    # v1 requests that name it answer 404, as Multiple Procore Regions does.
    other_region = models.BooleanField(default=False)

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "companies"

    def __str__(self) -> str:
        return self.name


class Project(models.Model):
    id = models.BigIntegerField(primary_key=True)
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="projects")
    name = models.CharField(max_length=200)
    project_number = models.CharField(max_length=50, blank=True)
    address = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    state_code = models.CharField(max_length=10, blank=True)
    country_code = models.CharField(max_length=2, default="US")
    zip = models.CharField(max_length=20, blank=True)
    stage = models.CharField(max_length=100, default="Course of Construction")
    phone = models.CharField(max_length=50, blank=True)
    active = models.BooleanField(default=True)
    # The project's Directory tool: when it is off, /projects/{id}/users answers 403.
    directory_enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        return f"{self.project_number} - {self.name}" if self.project_number else self.name


class Person(models.Model):
    """A Procore user: a person who signs in, or a Developer Managed Service Account."""

    id = models.BigIntegerField(primary_key=True)
    login = models.CharField(max_length=200, unique=True)
    name = models.CharField(max_length=200)
    # Blank for people who are only in project directories: they cannot sign in.
    password = models.CharField(max_length=200, blank=True)
    is_service_account = models.BooleanField(default=False)
    job_title = models.CharField(max_length=200, blank=True)
    # The person's company in the project directory (Procore's `vendor`).
    vendor_name = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.login

    def set_password(self, raw: str) -> None:
        self.password = make_password(raw)

    def check_password(self, raw: str) -> bool:
        return bool(self.password) and check_password(raw, self.password)


class SeedSecret(models.Model):
    """A secret the seed generated for this database (the seeded people's password), kept in clear so
    the demo banner can print it again. The sandbox is a demo: it never holds a real secret."""

    name = models.CharField(max_length=50, primary_key=True)
    value = models.CharField(max_length=200)

    def __str__(self) -> str:
        return self.name


class CompanyMembership(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="company_memberships")
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="memberships")
    # A full company admin sees every project of the company.
    is_admin = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person", "company"], name="sandbox_company_member_once")]


class ProjectMembership(models.Model):
    """A person in a project's directory, with the permission template that sets their access
    level per tool (procore_sandbox.core.permissions) and their Directory permission."""

    class Template(models.TextChoices):
        PROJECT_ADMIN = "project_admin", "Project Admin"
        STANDARD = "standard", "Standard"
        SUBCONTRACTOR = "subcontractor", "Subcontractor"

    class Directory(models.TextChoices):
        """The person's permission on the project's Directory tool (Procore's four levels)."""

        NONE = "none", "None"
        READ_ONLY = "read_only", "Read-only"
        STANDARD = "standard", "Standard"
        ADMIN = "admin", "Admin"

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="project_memberships")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memberships")
    directory = models.CharField(max_length=20, choices=Directory.choices, default=Directory.STANDARD)
    permission_template = models.CharField(max_length=40, choices=Template.choices, default=Template.STANDARD)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person", "project"], name="sandbox_project_member_once")]


class App(models.Model):
    """A registered OAuth application (Procore's Developer Portal app)."""

    name = models.CharField(max_length=200)
    client_id = models.CharField(max_length=100, unique=True)
    client_secret = models.CharField(max_length=200)
    redirect_uris = models.TextField(blank=True, help_text="One URI per line; matched exactly.")
    # The DMSA created when the app was installed; client_credentials acts as this person.
    service_account = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL)

    def __str__(self) -> str:
        return self.name

    def redirect_uri_list(self) -> list[str]:
        return [line.strip() for line in self.redirect_uris.splitlines() if line.strip()]

    def allows_redirect(self, uri: str) -> bool:
        return uri in self.redirect_uri_list()

    def add_redirect_uri(self, uri: str) -> None:
        if not self.allows_redirect(uri):
            self.redirect_uris = "\n".join([*self.redirect_uri_list(), uri])
            self.save(update_fields=["redirect_uris"])


CODE_LIFETIME = timedelta(minutes=10)


def _new_code() -> str:
    return secrets.token_urlsafe(32)


class AuthorizationCode(models.Model):
    code = models.CharField(max_length=100, unique=True, default=_new_code)
    app = models.ForeignKey(App, on_delete=models.CASCADE)
    person = models.ForeignKey(Person, on_delete=models.CASCADE)
    redirect_uri = models.CharField(max_length=500)
    created_at = models.DateTimeField(default=timezone.now)
    used_at = models.DateTimeField(null=True, blank=True)

    @property
    def expired(self) -> bool:
        return timezone.now() >= self.created_at + CODE_LIFETIME


def _new_token() -> str:
    return secrets.token_hex(32)


class AccessToken(models.Model):
    """An access token and, for user grants, its single-use refresh token."""

    access_token = models.CharField(max_length=100, unique=True, default=_new_token)
    refresh_token = models.CharField(max_length=100, unique=True, null=True, blank=True)
    app = models.ForeignKey(App, on_delete=models.CASCADE)
    person = models.ForeignKey(Person, on_delete=models.CASCADE)
    authorization_code = models.ForeignKey(AuthorizationCode, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    refresh_used_at = models.DateTimeField(null=True, blank=True)

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and timezone.now() < self.expires_at

    @property
    def is_client_credentials(self) -> bool:
        return self.person.is_service_account
