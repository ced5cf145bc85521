"""A batch whose worker dies: the progress page says it is waiting for a worker (no estimate) once no
lease renewal came for longer than the heartbeat interval, and another worker resumes it within a
minute — real qcluster processes, a worker process killed with SIGKILL, the default lease."""

from __future__ import annotations

import os
import signal
import time

import pytest
from django.test import Client
from django.utils import timezone

from portal.staging.models import StagedDocument, Submission
from portal.staging.pipeline.state import COMPLETED
from procore_sandbox.models import DocumentRevision, DocumentUpload
from procore_sandbox.pdm import switches as pdm_switches
from tests.staging.submitting import drawing, make_batch

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.25)
    pytest.fail(f"timed out waiting for {what}")


def test_a_killed_worker_shows_as_waiting_and_the_batch_resumes_within_a_minute(
    sandbox, qcluster, settings, synced_project
):
    assert (settings.STAGING_SUBMIT_HEARTBEAT, settings.STAGING_SUBMIT_LEASE) == (10, 30)  # the defaults
    synced = synced_project()
    user, project = synced.user, synced.project
    batch = make_batch(user, project, [drawing(560 + n) for n in range(4)])
    # Procore's processing after upload takes a while: the worker waits for it, and dies there.
    pdm_switches.set_switch("ml_delay", {"seconds": 25})
    qcluster()
    from portal.staging.pipeline import control

    submission = control.start(batch, user)  # queued through the ORM broker to the cluster
    client = Client()
    client.force_login(user)
    wait_for(
        lambda: set(batch.documents.values_list("step", flat=True)) == {COMPLETED},
        120,
        "the worker to send every file and wait for Procore's processing",
    )
    first = Submission.objects.get(pk=submission.pk)
    assert client.get(f"/batches/{batch.pk}/progress.json").json()["waiting"] == ""
    pid = int(first.worker.split(":")[1])
    os.kill(pid, signal.SIGKILL)  # one worker process of the cluster; django-q2 starts another
    killed_at = timezone.now()

    # No renewal for longer than the heartbeat interval: the page says so, and the estimate stops.
    report = wait_for(
        lambda: (r := client.get(f"/batches/{batch.pk}/progress.json").json())["waiting"] and r,
        40,
        "the progress page to say the batch waits for a worker",
    )
    assert report["waiting"].startswith("Waiting for a worker") and report["estimate_seconds"] is None
    assert Submission.objects.get(pk=submission.pk).worker == first.worker  # not resumed yet
    page = client.get(f"/batches/{batch.pk}/progress/").content.decode()
    assert "Waiting for a worker" in page and "data-estimate" not in page

    # Another worker takes the batch over within a minute of the death, and finishes it once.
    resumed = wait_for(
        lambda: (s := Submission.objects.get(pk=submission.pk)).worker != first.worker and s,
        60 - (timezone.now() - killed_at).total_seconds(),
        "another worker to resume the batch",
    )
    taken_over_after = (resumed.heartbeat_at - killed_at).total_seconds()
    print(f"\nbatch resumed by another worker {taken_over_after:.1f} s after its worker was killed")
    assert taken_over_after < 60
    done = wait_for(
        lambda: (s := Submission.objects.get(pk=submission.pk)).is_finished and s, 180, "the batch to finish"
    )
    assert done.state == Submission.State.DONE
    assert client.get(f"/batches/{batch.pk}/progress.json").json()["waiting"] == ""
    names = list(batch.documents.values_list("file_name", flat=True))
    assert set(batch.documents.values_list("state", flat=True)) == {StagedDocument.State.SUBMITTED}
    assert DocumentUpload.objects.filter(file_name__in=names).count() == 4
    assert DocumentRevision.objects.filter(original_filename__in=names).count() == 4
