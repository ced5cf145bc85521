"""Issue control while the task queue's broker (Redis, a server of the test's own) is down: asking
for a compare or closing a batch answers normally, says the work starts when the queue is back, and
the work runs when Redis returns (the real views and task functions)."""

from __future__ import annotations

import pytest
from django_q.brokers import get_broker

from portal.mirror.models import Revision
from portal.staging import services
from portal.staging.models import Batch, SheetCompare, Transmittal
from portal.tasking.handoff import hand_over_deferred
from portal.tasking.models import DeferredTask
from procore_sandbox.pdm import switches as pdm_switches
from tests.staging.conftest import run_queued
from tests.staging.submitting import drawing

pytestmark = pytest.mark.django_db(transaction=True)

BANNER = "The task queue cannot be reached right now."
CHANGES = [(300, 300, 200, 120)]


def test_a_compare_asked_for_while_redis_is_down_runs_when_it_returns(
    eli_at_riverside, stage, issue, drawing_pdf, client_for, redis_queue
):
    user, project = eli_at_riverside
    first = services.create_batch(project, user, name="Issue A")
    stage(first, *drawing(680), drawing_pdf(title="A-DRW-680"))
    issue(first)
    batch = services.create_batch(project, user, name="Issue B")
    changed = stage(batch, *drawing(680, revision="B"), drawing_pdf(CHANGES, title="A-DRW-680"))
    client = client_for(user)
    get_broker().purge_queue()  # what issuing the first batch queued (its transmittal)
    redis_queue.stop()

    answer = client.post(f"/batches/{batch.pk}/compare/", follow=True)
    assert answer.status_code == 200
    page = answer.content.decode()
    assert "Compare of 1 document(s) recorded. It starts when the task queue is back." in page
    assert BANNER in page and "Comparing 1 document(s)" not in page
    assert DeferredTask.objects.filter(task_name=f"compare-batch-{batch.pk}").exists()

    redis_queue.start()
    assert hand_over_deferred() == 1
    assert run_queued() == [f"batch {batch.pk}: 1 document(s) compared"]
    row = SheetCompare.objects.get(document=changed)
    assert (row.state, row.outcome) == (SheetCompare.State.DONE, SheetCompare.Outcome.CHANGED)
    assert BANNER not in client.get(f"/batches/{batch.pk}/issue-check/").content.decode()


def test_closing_a_batch_while_redis_is_down_issues_its_transmittal_when_it_returns(
    eli_at_riverside, stage, issue_failed, client_for, redis_queue
):
    user, project = eli_at_riverside
    existing = Revision.objects.get(project=project, name="Floor Plan", revision="Rev B")
    pdm_switches.force_workflow_conflict(existing.container_id)
    batch = services.create_batch(project, user, name="Partly landed")
    stage(batch, *drawing(101, revision="C"), b"%PDF-1.4 floor plan C")
    stage(batch, *drawing(656), b"%PDF-1.4 656")
    issue_failed(batch)
    client = client_for(user)
    get_broker().purge_queue()
    redis_queue.stop()

    answer = client.post(f"/batches/{batch.pk}/close/", follow=True)
    assert answer.status_code == 200
    page = answer.content.decode()
    assert "is prepared when the task queue is back" in page and BANNER in page
    assert Batch.objects.get(pk=batch.pk).state == Batch.State.CLOSED
    assert not Transmittal.objects.filter(batch=batch).exists()

    redis_queue.start()
    assert hand_over_deferred() == 1
    (done,) = run_queued()
    assert done.startswith(f"batch {batch.pk}: transmittal ")
    assert Transmittal.objects.get(batch=batch).documents == 1
