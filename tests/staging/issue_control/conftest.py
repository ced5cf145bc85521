"""Fixtures of the issue control tests: a mirrored Riverside project with a signed-in person,
staging files with chosen bytes, submitting a batch through the real pipeline, drawings."""

from __future__ import annotations

import pytest

from portal.accounts.models import User
from procore_sandbox.testing import ELI, SAM
from tests.staging.submitting import fast_pipeline

from . import helpers


@pytest.fixture
def eli_at_riverside(riverside, monkeypatch):
    """(user, project): Eli, who may see Riverside Medical Center (mirrored); a fast pipeline."""
    fast_pipeline(monkeypatch)
    return User.objects.get(username=ELI), riverside


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
def client_for(signed_in):
    """client_for(user) → a test client signed in as that person; client_for(None) → as someone who
    cannot see Riverside (Sam, of another project only)."""
    return lambda user: signed_in(user.username if user is not None else SAM)
