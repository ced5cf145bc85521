"""A 429 storm and 503s in the middle slow the batch down but lose nothing (sandbox faults,
procore-api.md §3.5). The client's Retry-After pauses and the budget's waits run on simulated
time: the storm's dozen one-second pauses are asserted, not slept."""

from __future__ import annotations

import pytest

from portal.staging.models import StagedDocument
from procore_sandbox.limits import faults
from procore_sandbox.models import DocumentRevision, DocumentUpload, Fault
from procore_sandbox.pytest_plugin import SIMULATED_START
from tests.staging.submitting import drawing, fast_pipeline, make_batch, run_task, submit

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_429_storm_and_503s_slow_the_batch_but_lose_nothing(
    sandbox, media, monkeypatch, synced_project, simulated_time
):
    fast_pipeline(monkeypatch)
    user, project = synced_project()
    batch = make_batch(user, project, [drawing(600 + i) for i in range(8)])
    storm = faults.inject("429", path=r"/(uploads|document_uploads)", count=12, retry_after=1)
    create_503 = faults.inject("503", method="POST", path=r"/document_uploads$", count=1, retry_after=1)
    patch_503 = faults.inject("503", method="PATCH", path=r"/document_uploads$", count=2, retry_after=1)
    submit_503 = faults.inject("503", method="POST", path=r"/document_revisions$", count=1, retry_after=1)
    status_503 = faults.inject("503", method="GET", path=r"/v2\.1/.*/uploads/", count=2, retry_after=1)

    submission = run_task(submit(batch, user))

    assert submission.state == "done", list(batch.documents.values_list("file_name", "message"))
    for fault in (storm, create_503, patch_503, submit_503, status_503):
        assert Fault.objects.get(pk=fault.pk).hits >= 1, fault.path_regex
    names = list(batch.documents.values_list("file_name", flat=True))
    revisions = DocumentRevision.objects.filter(original_filename__in=names)
    assert revisions.count() == 8 and len({r.original_filename for r in revisions}) == 8
    assert set(batch.documents.values_list("state", flat=True)) == {StagedDocument.State.SUBMITTED}
    # The 503 on create was answered before anything was created; the create went again once.
    assert DocumentUpload.objects.filter(file_name__in=names).count() == 8
    # Each answer said Retry-After: 1, and the batch paused for them (in simulated time; its
    # sending threads pause side by side, so the pauses add up to more than the time passed).
    assert simulated_time.now() - SIMULATED_START >= 1.0
