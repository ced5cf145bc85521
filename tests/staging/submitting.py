"""Steps the submit tests share: a batch of ready documents, pressing Submit, and running the real
django-q2 task function. (The mirrored project comes from the `synced_project` fixture.)"""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from portal.staging import services
from portal.staging.models import Batch, StagedDocument, Submission
from portal.staging.schema import load_schema
from portal.staging.validation import parse_input


def fast_pipeline(monkeypatch) -> None:
    """ML settles at once in the sandbox; the pipeline polls it without §7.12's long pauses."""
    from portal.staging.pipeline import recover, settle
    from procore_sandbox.pdm import switches as pdm_switches

    pdm_switches.set_switch("ml_delay", {"seconds": 0.5})
    monkeypatch.setattr(settle, "FIRST_READ", 0.6)
    monkeypatch.setattr(settle, "POLL", 0.5)
    monkeypatch.setattr(recover, "PAUSE", 0.2)


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
