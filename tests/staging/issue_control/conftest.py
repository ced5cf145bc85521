"""Fixtures of the issue control tests: a mirrored Riverside project with a signed-in person,
staging files with chosen bytes, submitting a batch through the real pipeline, drawings."""

from __future__ import annotations

import pytest

from procore_sandbox.testing import ELI
from tests.staging.test_submit_support import fast_pipeline, mirrored

from . import helpers


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path


@pytest.fixture
def riverside(sandbox, media, monkeypatch):
    """(user, project): Eli, signed in, with Riverside Medical Center mirrored; a fast pipeline."""
    fast_pipeline(monkeypatch)
    return mirrored(sandbox, ELI)


@pytest.fixture
def stage():
    """stage(batch, file name, {field: typed value}, content) → a staged document (metadata set)."""
    return helpers.stage


@pytest.fixture
def issue():
    """issue(batch) → submits the batch through the real pipeline task; every document lands."""
    return helpers.issue


@pytest.fixture
def issue_failed():
    """issue_failed(batch) → submits through the real task; some documents are refused."""
    return lambda batch: helpers.issue(batch, expect="failed")


@pytest.fixture
def drawing_pdf():
    """drawing_pdf(changes=[(x, y, w, h) in points], pages=1, size=A1 landscape) → a drawing's bytes."""
    return helpers.drawing_pdf


@pytest.fixture
def client_for(sandbox):
    """client_for(user) → a Django test client signed in as user (None: someone who cannot see the
    project — a member of another project only)."""
    from django.test import Client

    from portal.mirror.sync import sync_memberships
    from procore_sandbox.testing import SAM
    from tests.flows import portal_user

    def make(user):
        if user is None:
            user = portal_user(sandbox, SAM)
            sync_memberships(user)
        client = Client()
        client.force_login(user)
        return client

    return make
