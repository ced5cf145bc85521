"""A staged batch becomes Procore revisions, end to end against the live sandbox."""

from __future__ import annotations

import pytest
from django.core import mail

from portal.staging.models import Batch, Notification, StagedDocument
from portal.staging.schema import load_schema
from procore_sandbox.models import DocumentRevision, DocumentUpload, FileUpload
from tests.staging.submitting import drawing, fast_pipeline, make_batch, run_task, specification, submit

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_lands_25_documents_across_two_rules_as_revisions_with_their_metadata(
    sandbox, media, monkeypatch, synced_project
):
    fast_pipeline(monkeypatch)
    user, project = synced_project()
    documents = [drawing(300 + i) for i in range(15)] + [specification(400 + i) for i in range(10)]
    # Two versions of one drawing in the batch: the same container, versions in order.
    documents[1] = drawing(300, revision="B")
    batch = make_batch(user, project, documents)
    submission = run_task(submit(batch, user))

    assert submission.state == "done", list(batch.documents.values_list("file_name", "message"))
    batch.refresh_from_db()
    assert batch.state == Batch.State.SUBMITTED
    staged = list(batch.documents.order_by("id"))
    assert {d.state for d in staged} == {StagedDocument.State.SUBMITTED}
    revisions = {r.id: r for r in DocumentRevision.objects.filter(id__in=[d.revision_id for d in staged])}
    assert len(revisions) == 25
    # Exactly 25 uploads and 25 files were created in Procore: nothing twice.
    assert DocumentUpload.objects.filter(project_id=2305, file_name__in=[d.file_name for d in staged]).count() == 25
    schema = load_schema(project)
    for document in staged:
        revision = revisions[document.revision_id]
        assert revision.upload_id == document.pdm_upload_id and revision.original_filename == document.file_name
        for field_id, values in document.metadata.items():
            name = schema.fields_by_id[field_id].name
            assert revision.metadata[name]["values"] == values, (document.file_name, name)
        assert document.landed_at is not None and document.version == revision.version
        assert document.container_id == revision.container_id
        assert FileUpload.objects.get(id=revision.file_upload_id).sha256 == document.sha256
    first, second = staged[0], staged[1]
    assert first.container_id == second.container_id and (first.version, second.version) == (1, 2)
    assert {revisions[d.revision_id].version for d in staged[2:]} == {1}

    # The submitter hears about it: a notification and an email.
    note = Notification.objects.get(user=user)
    assert "25 document(s) landed" in note.text
    assert (
        len(mail.outbox) == 1
        and mail.outbox[0].to == [user.email]
        and "A-DRW-300_Plan 300_Rev A.pdf" in mail.outbox[0].body
    )


def test_it_waits_for_ml_a_bounded_time_reading_event_ids_in_bulk(sandbox, media, monkeypatch, synced_project):
    from portal.procore.pdm import Pdm
    from portal.staging.pipeline import settle
    from procore_sandbox.pdm import switches as pdm_switches

    fast_pipeline(monkeypatch)
    user, project = synced_project()  # restores the synced world, switches included: set ours after it
    pdm_switches.set_switch("ml_delay", {"seconds": 600})  # ML that never finishes in time
    monkeypatch.setattr(settle, "LIMIT", settle.timedelta(seconds=2))
    reads: list[int] = []
    real = Pdm.selected_uploads
    monkeypatch.setattr(Pdm, "selected_uploads", lambda self, ids: reads.append(len(list(ids))) or real(self, ids))
    batch = make_batch(user, project, [drawing(380 + i) for i in range(3)])
    assert run_task(submit(batch, user)).state == "done"
    # Several bulk reads of all three uploads while ML ran, then the submit went ahead (§7.12).
    assert len(reads) >= 2 and set(reads) == {3}
    assert DocumentRevision.objects.filter(upload_id__in=batch.documents.values("pdm_upload_id")).count() == 3


def test_a_large_batch_goes_in_overlapping_waves_without_duplicates(sandbox, media, monkeypatch, synced_project):
    from portal.staging.pipeline import runner

    fast_pipeline(monkeypatch)
    monkeypatch.setattr(runner, "WAVE", 3)  # 100 in real use
    user, project = synced_project()
    batch = make_batch(user, project, [drawing(390 + i) for i in range(8)])
    assert run_task(submit(batch, user)).state == "done"
    names = list(batch.documents.values_list("file_name", flat=True))
    assert DocumentUpload.objects.filter(file_name__in=names).count() == 8
    assert DocumentRevision.objects.filter(original_filename__in=names).count() == 8
    assert set(batch.documents.values_list("state", flat=True)) == {StagedDocument.State.SUBMITTED}


def test_it_never_logs_a_token_or_a_presigned_urls_signature(sandbox, media, monkeypatch, caplog, synced_project):
    import logging

    from portal.accounts.models import ProcoreCredential

    fast_pipeline(monkeypatch)
    user, project = synced_project()
    batch = make_batch(user, project, [drawing(395)])
    caplog.set_level(logging.DEBUG)
    assert run_task(submit(batch, user)).state == "done"
    logged = caplog.text
    assert "PUT /sandbox/storage/unified/" in logged  # urllib3's request lines are there...
    assert "sig=" not in logged and "expires_at=" not in logged  # ...without their signatures
    assert ProcoreCredential.objects.get(user=user).access_token not in logged
