"""Fixtures of the staging tests: a mirrored project and people signed in to the portal."""

from __future__ import annotations

import pytest
from django.test import Client

from portal.accounts.models import User
from portal.mirror.models import Project
from portal.mirror.sync import sync_memberships
from procore_sandbox.testing import ELI
from tests.flows import portal_user

RIVERSIDE = 2305


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def riverside(synced_project, media) -> Project:
    """Riverside Medical Center mirrored from the sandbox (fields, rules, people), synced as Eli."""
    return synced_project(ELI, RIVERSIDE).project


@pytest.fixture
def signed_in(sandbox, riverside):
    """`signed_in(LOGIN)`: a test client signed in as that sandbox person (its `.user` is theirs)."""

    def make(login: str) -> Client:
        user = User.objects.filter(username=login).first() or portal_user(sandbox, login)
        sync_memberships(user)
        client = Client()
        client.force_login(user)
        client.user = user  # type: ignore[attr-defined]  # the person the client is signed in as
        return client

    return make
