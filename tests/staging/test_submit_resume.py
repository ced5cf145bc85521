"""A worker that dies mid-batch is replaced by one that finishes it without a duplicate upload or
revision in Procore, and two workers never run one batch."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from portal.procore.pdm import Pdm
from portal.staging.models import StagedDocument, Submission
from portal.staging.pipeline import runner
from portal.staging.pipeline.state import READY, SUBMIT_REQUESTED, UPLOADED
from procore_sandbox.models import DocumentRevision, DocumentUpload, FileUpload
from tests.staging.submitting import drawing, fast_pipeline, make_batch, run_task, submit

pytestmark = pytest.mark.django_db(transaction=True)


def procore_counts(batch) -> tuple[int, int, int]:
    names = list(batch.documents.values_list("file_name", flat=True))
    return (
        DocumentUpload.objects.filter(file_name__in=names).count(),
        FileUpload.objects.filter(file_name__in=names).count(),
        DocumentRevision.objects.filter(original_filename__in=names).count(),
    )


def worker_died(submission: Submission) -> None:
    """The dead worker's lease runs out."""
    Submission.objects.filter(pk=submission.pk).update(lease_until=timezone.now() - timedelta(seconds=1))


def test_a_worker_killed_after_sending_the_files_is_resumed_without_duplicates(
    sandbox, media, monkeypatch, synced_project
):
    fast_pipeline(monkeypatch)
    user, project = synced_project()
    batch = make_batch(user, project, [drawing(500 + i) for i in range(6)])
    submission = submit(batch, user)
    runner.run_submission(submission.pk, stop_after="send")
    assert set(batch.documents.values_list("step", flat=True)) == {UPLOADED}
    assert procore_counts(batch) == (6, 6, 0)

    # While the first worker's lease lives, nobody else may run the batch.
    assert runner.run_submission(submission.pk) is None
    worker_died(submission)
    assert run_task(submission).state == "done"
    assert procore_counts(batch) == (6, 6, 6)
    assert set(batch.documents.values_list("state", flat=True)) == {StagedDocument.State.SUBMITTED}


def test_a_submit_whose_answer_was_lost_is_recovered_from_procore_without_submitting_twice(
    sandbox, media, monkeypatch, synced_project
):
    fast_pipeline(monkeypatch)
    user, project = synced_project()
    batch = make_batch(user, project, [drawing(510 + i) for i in range(6)])
    submission = submit(batch, user)
    runner.run_submission(submission.pk, stop_after="settle")
    documents = list(batch.documents.order_by("id"))
    assert {d.step for d in documents} == {READY}
    # The dead worker had marked the chunk and sent the submit; Procore applied it for three of
    # the documents; the worker died before it could read the answer.
    StagedDocument.objects.filter(pk__in=[d.pk for d in documents]).update(
        step=SUBMIT_REQUESTED, submit_requested_at=timezone.now()
    )
    from portal.accounts.tokens import UserTokenSource
    from portal.procore.http import ProcoreClient

    pdm = Pdm(ProcoreClient(UserTokenSource.for_user(user), project.company_id), project.company_id, project.id)
    applied = pdm.submit_revisions(
        [{"id": d.pdm_upload_id, "upload_latest_event_id": d.latest_event_id} for d in documents[:3]]
    )
    assert len(applied["ids"]) == 3

    worker_died(submission)
    assert run_task(submission).state == "done"
    assert procore_counts(batch) == (6, 6, 6)
    by_upload = {
        r.upload_id: r.id for r in DocumentRevision.objects.filter(upload_id__in=[d.pdm_upload_id for d in documents])
    }
    for document in batch.documents.all():
        assert document.revision_id == by_upload[document.pdm_upload_id]
    assert set(applied["ids"]) <= set(by_upload.values())


def test_two_presses_of_submit_start_one_run(sandbox, media, monkeypatch, synced_project):
    from portal.staging.pipeline import control

    user, project = synced_project()
    batch = make_batch(user, project, [drawing(520)])
    submit(batch, user)
    with pytest.raises(control.CannotSubmit):
        control.start(batch, user)
    assert batch.submissions.count() == 1


def test_the_schedule_requeues_a_run_whose_worker_died(sandbox, media, monkeypatch, synced_project):
    import importlib

    from django.apps import apps
    from django_q.conf import Conf
    from django_q.models import Schedule

    from portal.staging.tasks import resume_stalled_submissions

    fast_pipeline(monkeypatch)
    # The data migration's schedules (the test database is flushed between tests: create them again).
    importlib.import_module("portal.staging.migrations.0003_submit_schedules").create_schedules(apps, None)
    assert Schedule.objects.filter(func="portal.staging.tasks.resume_stalled_submissions", minutes=1).exists()
    assert Schedule.objects.filter(func="portal.staging.tasks.remove_confirmed_files").exists()
    user, project = synced_project()
    batch = make_batch(user, project, [drawing(540), drawing(541)])
    submission = submit(batch, user)
    runner.run_submission(submission.pk, stop_after="complete")
    monkeypatch.setattr(Conf, "SYNC", True)
    assert resume_stalled_submissions() == 0  # the lease still runs
    worker_died(submission)
    assert resume_stalled_submissions() == 1
    submission.refresh_from_db()
    assert submission.state == "done" and procore_counts(batch) == (2, 2, 2)


def test_retrying_a_document_whose_revision_was_not_found_looks_again_instead_of_resubmitting(
    sandbox, media, monkeypatch, synced_project
):
    from portal.staging.pipeline import control

    fast_pipeline(monkeypatch)
    user, project = synced_project()
    batch = make_batch(user, project, [drawing(550)])
    submission = submit(batch, user)
    runner.run_submission(submission.pk, stop_after="settle")
    document = batch.documents.get()
    from portal.accounts.tokens import UserTokenSource
    from portal.procore.http import ProcoreClient

    pdm = Pdm(ProcoreClient(UserTokenSource.for_user(user), project.company_id), project.company_id, project.id)
    StagedDocument.objects.filter(pk=document.pk).update(step=SUBMIT_REQUESTED, submit_requested_at=timezone.now())
    pdm.submit_revisions([{"id": document.pdm_upload_id, "upload_latest_event_id": document.latest_event_id}])
    # Procore's revision list lags (its search index): the resumed worker cannot find the revision.
    monkeypatch.setattr(Pdm, "revisions_updated", lambda self, since, until: iter(()))
    worker_died(submission)
    assert run_task(submission).state == "failed"
    document.refresh_from_db()
    assert document.failure_code == "UNCONFIRMED" and "Check the project's revisions" in document.message

    monkeypatch.undo()
    fast_pipeline(monkeypatch)
    monkeypatch.setattr(control, "_queue", lambda s: run_task(s))
    control.retry(batch, user, [document])
    document.refresh_from_db()
    assert document.state == StagedDocument.State.SUBMITTED
    assert procore_counts(batch) == (1, 1, 1)
