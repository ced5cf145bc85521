"""Fixtures for documents' contents: the generated drawing set (built once per run) and a signed-in
member of Riverside Medical Center with the project mirrored, for the staging flows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.test import Client

from bench.support.drawings import PageTruth, build_set

RIVERSIDE = 2305


@pytest.fixture(scope="session")
def drawing_set(tmp_path_factory) -> tuple[Path, list[PageTruth]]:
    """The development set: six layouts, sets, non-drawings, pages without a title block, a scan."""
    directory = tmp_path_factory.mktemp("drawings")
    truth = build_set(directory, seed=2026, singles=3, set_size=4, others=2)
    assert json.loads((directory / "truth.json").read_text())  # the truth is written beside the sheets
    return directory, truth


@pytest.fixture
def riverside_eli(synced_project, media):
    from procore_sandbox.testing import ELI

    return synced_project(ELI, RIVERSIDE)


@pytest.fixture
def riverside_member(riverside_eli):
    return riverside_eli.user


@pytest.fixture
def member_client(riverside_eli) -> Client:
    return riverside_eli.client


@pytest.fixture
def drawings_batch(member_client):
    from portal.staging.models import Batch

    member_client.post(f"/projects/{RIVERSIDE}/batches/", {"name": "Drawings from the architect"})
    return Batch.objects.get(name="Drawings from the architect")
