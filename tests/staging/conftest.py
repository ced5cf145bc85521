"""Fixtures of the staging tests: a mirrored project and people signed in to the portal."""

from __future__ import annotations

import pytest
from django.test import Client

from portal.accounts.models import User
from portal.mirror.models import Project, SyncRun
from portal.mirror.sync import run_sync, start_sync, sync_memberships
from procore_sandbox.testing import ELI
from tests.flows import portal_user

RIVERSIDE = 2305


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def riverside(sandbox, media) -> Project:
    """Riverside Medical Center mirrored from the sandbox (fields, rules, people), synced as Eli."""
    user = portal_user(sandbox, ELI)
    sync_memberships(user)
    run = run_sync(start_sync(Project.objects.get(pk=RIVERSIDE), user, full=True).pk)
    assert run.state == SyncRun.State.DONE, run.error
    return Project.objects.get(pk=RIVERSIDE)


@pytest.fixture
def signed_in(sandbox, riverside):
    """`signed_in(LOGIN)`: a test client signed in as that sandbox person (its `.user` is theirs)."""

    def make(login: str) -> Client:
        user = User.objects.filter(username=login).first() or portal_user(sandbox, login)
        sync_memberships(user)
        client = Client()
        client.force_login(user)
        client.user = user
        return client

    return make
