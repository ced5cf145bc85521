"""What the submit tests share (no tests here): a mirrored project, a batch of ready documents,
and running the real django-q2 task function."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from portal.mirror.models import Project, SyncRun
from portal.mirror.sync import run_sync, start_sync, sync_memberships
from portal.staging import services
from portal.staging.models import Batch, StagedDocument, Submission
from portal.staging.schema import load_schema
from portal.staging.validation import parse_input
from procore_sandbox.testing import ELI
from tests.flows import portal_user

RIVERSIDE = 2305


def fast_pipeline(monkeypatch) -> None:
    """ML settles at once in the sandbox; the pipeline polls it without §7.12's long pauses."""
    from portal.staging.pipeline import recover, settle
    from procore_sandbox.pdm import switches as pdm_switches

    pdm_switches.set_switch("ml_delay", {"seconds": 0.5})
    monkeypatch.setattr(settle, "FIRST_READ", 0.6)
    monkeypatch.setattr(settle, "POLL", 0.5)
    monkeypatch.setattr(recover, "PAUSE", 0.2)


def mirrored(sandbox, login: str = ELI, project_id: int = RIVERSIDE):
    user = portal_user(sandbox, login)
    sync_memberships(user)
    project = Project.objects.get(pk=project_id)
    run = run_sync(start_sync(project, user, full=True).pk)
    assert run.state == SyncRun.State.DONE, run.error
    return user, project


def metadata_from(schema, **values: str) -> dict[str, list[str]]:
    """`{field id: [stored values]}` from what a person types (codes, labels, dates)."""
    return {
        schema.fields_by_name[name].id: parse_input(schema.fields_by_name[name], text, schema)
        for name, text in values.items()
    }


def drawing(number: int, revision: str = "A", discipline: str = "A", **extra: str) -> tuple[str, dict]:
    name = f"Plan {number}"
    return (
        f"{discipline}-DRW-{number}_{name}_Rev {revision}.pdf",
        {
            "name": name,
            "type": "DRW",
            "status": "OPN",
            "revision": revision,
            "discipline": discipline,
            "number": str(number),
            "date_authored": "2026-01-05",
            **extra,
        },
    )


def specification(number: int, revision: str = "0") -> tuple[str, dict]:
    name = f"Section {number}"
    return (
        f"A-SPC-{number:03d}_{name}_Rev {revision}.pdf",
        {
            "name": name,
            "type": "SPC",
            "status": "OPN",
            "revision": revision,
            "discipline": "A",
            "number": f"{number:03d}",
            "originator": "ACME",
        },
    )


def make_batch(user, project, documents: list[tuple[str, dict]], *, content: bytes | None = None) -> Batch:
    schema = load_schema(project)
    batch = services.create_batch(project, user, name="Submit test")
    for index, (file_name, values) in enumerate(documents):
        data = content if content is not None else f"%PDF-1.4\n% {file_name} {index}\n".encode()
        document, _ = services.add_document(batch, user, SimpleUploadedFile(file_name, data, "application/pdf"), schema)
        services.set_document_fields(batch, user, document, metadata_from(schema, **values), schema)
        document.refresh_from_db()
        assert document.state == StagedDocument.State.READY, (file_name, document.problems)
    return batch


def submit(batch: Batch, user) -> Submission:
    """Press Submit (the real view's service) with django-q2 queueing captured, not run."""
    from portal.staging.pipeline import control

    queued: list[Submission] = []
    original = control._queue
    control._queue = queued.append  # type: ignore[assignment]
    try:
        submission = control.start(batch, user)
    finally:
        control._queue = original
    assert queued == [submission]
    return submission


def run_task(submission: Submission) -> Submission:
    """The real django-q2 task function, as a worker calls it."""
    from portal.staging.tasks import submit_batch

    submit_batch(submission.pk)
    submission.refresh_from_db()
    return submission


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path
