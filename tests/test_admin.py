"""Every model in Django admin has a working list page (administrators use admin for everything stored)."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_every_admin_list_page_renders(django_user_model, settings):
    from procore_sandbox.seed import seed

    settings.SANDBOX_SEED_LARGE = False  # every table gets rows without Metro Line's 10,000 files
    seed()
    staff = django_user_model.objects.create_superuser("admin", "admin@example.com", "pw")
    client = Client()
    client.force_login(staff)
    for model in admin.site._registry:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        assert client.get(url).status_code == 200, url


def test_admin_shows_every_batch_whoever_owns_it(django_user_model):
    from portal.mirror.models import Company, Project
    from portal.staging.models import Batch

    company = Company.objects.create(id=8089, name="Northwind Builders")
    project = Project.objects.create(id=2305, company=company, name="Riverside Medical Center")
    owner = django_user_model.objects.create_user("eli", "eli@example.com")
    Batch.objects.create(project=project, name="Private drawings", created_by=owner)
    Batch.objects.create(project=project, name="Team drawings", created_by=owner, shared_with_project=True)
    staff = django_user_model.objects.create_superuser("admin", "admin@example.com", "pw")
    client = Client()
    client.force_login(staff)
    page = client.get(reverse("admin:staging_batch_changelist")).content.decode()
    assert "Private drawings" in page and "Team drawings" in page


def test_admin_sections_and_names_read_well(django_user_model):
    staff = django_user_model.objects.create_superuser("admin", "admin@example.com", "pw")
    client = Client()
    client.force_login(staff)
    page = client.get(reverse("admin:index")).content.decode()
    import re

    sections = re.findall(r"<caption>\s*<a [^>]*>([^<]+)</a>", page)
    assert len(sections) == len(set(s.casefold() for s in sections)), sections
    for section in ("Staging", "Procore mirror"):
        assert section in sections
    assert "switchs" not in page and "refreshs" not in page
    assert "Batches" in page and "Staged documents" in page and "Submissions" in page and "Project people" in page
