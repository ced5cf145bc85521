"""Each documented submit failure, forced by a sandbox switch, ends in the documented handling
(procore-api.md §7.6, §7.7, §7.9, §7.14)."""

from __future__ import annotations

import pytest
from django.test import Client

from portal.staging.models import Batch, StagedDocument
from procore_sandbox.models import DocumentRevision, DocumentUpload, PdmValue, UploadRequirement
from procore_sandbox.pdm import switches as pdm_switches
from procore_sandbox.testing import DANA
from tests.staging.submitting import drawing, fast_pipeline, make_batch, run_task, specification, submit

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def fast(monkeypatch):
    fast_pipeline(monkeypatch)


def states(batch: Batch) -> dict[str, tuple[str, str]]:
    return {d.file_name: (d.state, d.failure_code) for d in batch.documents.all()}


def revisions_of(batch: Batch) -> int:
    uploads = [d.pdm_upload_id for d in batch.documents.exclude(pdm_upload_id="")]
    return DocumentRevision.objects.filter(upload_id__in=uploads).count()


def test_it_rereads_and_resubmits_on_concurrency_conflict_and_retries_unknown_failures(
    sandbox, media, fast, synced_project
):
    user, project = synced_project()
    batch = make_batch(user, project, [drawing(310 + i) for i in range(4)])
    pdm_switches.force_concurrency_conflict(next=3)
    pdm_switches.force_unknown_failure(next=2)
    submission = run_task(submit(batch, user))
    assert submission.state == "done"
    assert {s for s, _ in states(batch).values()} == {StagedDocument.State.SUBMITTED}
    assert revisions_of(batch) == 4
    assert pdm_switches.get_switch("concurrency_conflict")["next"] == 0
    assert pdm_switches.get_switch("unknown_failure")["next"] == 0


def test_it_stops_only_the_document_procore_refuses_as_invalid_input_and_retries_it_alone(
    sandbox, media, fast, synced_project
):
    user, project = synced_project()
    batch = make_batch(user, project, [drawing(320), drawing(321), specification(420)])
    # An admin makes Volume required for specifications after the batch was checked.
    spc = PdmValue.objects.get(field__project_id=2305, field__name="type", code="SPC").id
    rule = next(
        r
        for r in UploadRequirement.objects.filter(project_id=2305)
        if r.qualifiers == [{"field": "type", "values": [spc]}]
    )
    rule.additional_required_fields = [*rule.additional_required_fields, "volume"]
    rule.save()
    submission = run_task(submit(batch, user))
    assert submission.state == "failed"
    spec = batch.documents.get(file_name__startswith="A-SPC")
    assert (spec.state, spec.failure_code) == (StagedDocument.State.FAILED, "INVALID_INPUT")
    assert "volume" in spec.message and "Fix the document and retry it" in spec.message
    assert revisions_of(batch) == 2
    batch.refresh_from_db()
    assert batch.state == Batch.State.FAILED and batch.is_editable

    # Fixed (the person sets Volume on the document page), then retried alone from the progress page.
    from django_q.conf import Conf

    from portal.staging.schema import load_schema
    from portal.staging.services import set_document_fields
    from tests.staging.submitting import metadata_from

    schema = load_schema(project)
    set_document_fields(batch, user, spec, metadata_from(schema, volume="V1"), schema)
    client = Client()
    client.force_login(user)
    Conf.SYNC = True
    try:
        answer = client.post(f"/batches/{batch.pk}/retry/", {"document": spec.pk})
    finally:
        Conf.SYNC = False
    assert answer.status_code == 302
    spec.refresh_from_db()
    assert spec.state == StagedDocument.State.SUBMITTED and spec.landed_at is not None
    assert revisions_of(batch) == 3
    # The upload created the first time was used again: one upload per document in Procore.
    assert DocumentUpload.objects.filter(file_name=spec.file_name).count() == 1
    batch.refresh_from_db()
    assert batch.state == Batch.State.SUBMITTED


def test_it_reports_a_duplicate_revision_procore_refuses(sandbox, media, fast, synced_project):
    user, project = synced_project(DANA, 2307)
    values = {
        "name": "Deck Framing Plan",
        "type": "DRW",
        "status": "OPN",
        "revision": "Rev C",
        "discipline": "S",
        "number": "201",
    }
    first = make_batch(user, project, [("S.201_Deck Framing Plan_Rev C.pdf", values)])
    second = make_batch(user, project, [("S.201_Deck Framing Plan_Rev C.pdf", values)], content=b"%PDF other")
    assert run_task(submit(first, user)).state == "done"
    assert run_task(submit(second, user)).state == "failed"
    document = second.documents.get()
    assert document.failure_code == "DUPLICATE_REVISION" and "duplicate revisions" in document.message


def test_permission_refusals_stop_every_document_with_the_reason(sandbox, media, fast, synced_project):
    user, project = synced_project()
    batch = make_batch(user, project, [drawing(330), drawing(331)])
    pdm_switches.set_switch("permission_denied", {"on": True})
    assert run_task(submit(batch, user)).state == "failed"
    assert set(states(batch).values()) == {(StagedDocument.State.FAILED, "PERMISSION_DENIED")}
    assert "Submit New Files" in batch.documents.first().message

    other = make_batch(user, project, [drawing(332)])
    pdm_switches.set_switch("access_denied", {"on": True})
    assert run_task(submit(other, user)).state == "failed"
    document = other.documents.get()
    assert document.failure_code == "ACCESS_DENIED" and "Upload New Files" in document.message
    assert revisions_of(batch) == revisions_of(other) == 0


def test_a_file_storage_cannot_verify_is_sent_again_once(sandbox, media, fast, synced_project):
    user, project = synced_project()
    batch = make_batch(user, project, [drawing(340), drawing(341)])
    pdm_switches.force_storage_failure(next=1)
    assert run_task(submit(batch, user)).state == "done"
    assert revisions_of(batch) == 2


def test_a_workflow_conflict_is_resolved_with_the_documented_termination_fields(sandbox, media, fast, synced_project):
    from django_q.conf import Conf

    user, project = synced_project()
    existing = DocumentRevision.objects.get(project_id=2305, original_filename="A-DRW-101_Floor Plan_Rev B.pdf")
    pdm_switches.force_workflow_conflict(existing.container_id)
    batch = make_batch(user, project, [drawing(101, revision="C", name="Floor Plan"), drawing(350)])
    assert run_task(submit(batch, user)).state == "failed"
    document = batch.documents.get(file_name__startswith="A-DRW-101")
    assert document.failure_code == "WORKFLOW_CONFLICT"
    assert document.workflow_conflict["existing_revisions_with_workflows"][0]["id"] == existing.id
    assert batch.documents.get(file_name__startswith="A-DRW-350").state == StagedDocument.State.SUBMITTED

    client = Client()
    client.force_login(user)
    page = client.get(f"/batches/{batch.pk}/progress/").content.decode()
    assert 'name="termination_reason"' in page and 'name="terminated_revision_status_id"' in page
    superseded = PdmValue.objects.get(field__project_id=2305, field__name="status", code="SUP").id

    pdm_switches.set_switch("workflow_insufficient_permission", {"on": True})
    Conf.SYNC = True
    try:
        client.post(
            f"/batches/{batch.pk}/documents/{document.pk}/end-workflows/",
            {"termination_reason": "Superseded", "terminated_revision_status_id": superseded},
        )
        document.refresh_from_db()
        assert document.failure_code == "WORKFLOW_CONFLICT_INSUFFICIENT_PERMISSION"
        assert "project admin or workflow manager" in document.message

        pdm_switches.clear("workflow_insufficient_permission")
        client.post(
            f"/batches/{batch.pk}/documents/{document.pk}/end-workflows/",
            {"termination_reason": "Superseded", "terminated_revision_status_id": superseded},
        )
    finally:
        Conf.SYNC = False
    document.refresh_from_db()
    assert document.state == StagedDocument.State.SUBMITTED, document.message
    existing.refresh_from_db()
    assert existing.workflow["terminated"] is True and existing.metadata["status"]["values"] == [superseded]
    assert DocumentRevision.objects.get(id=document.revision_id).container_id == existing.container_id


def test_unknown_failures_are_retried_a_bounded_number_of_times(sandbox, media, fast, synced_project):
    user, project = synced_project()
    batch = make_batch(user, project, [drawing(360)])
    pdm_switches.force_unknown_failure(next=10)
    assert run_task(submit(batch, user)).state == "failed"
    document = batch.documents.get()
    assert document.failure_code == "UNKNOWN_FAILURE" and "Retry the document" in document.message
    assert pdm_switches.get_switch("unknown_failure")["next"] == 6  # the first try and three retries
    assert revisions_of(batch) == 0
