"""A real worker process killed in the middle of sending files (SIGKILL: no clean-up at all) is
replaced by another worker that finishes the batch without a duplicate upload or revision."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from portal.staging.models import StagedDocument, Submission
from portal.staging.pipeline.state import CREATED, UPLOADED
from procore_sandbox.limits import faults
from procore_sandbox.models import DocumentRevision, DocumentUpload, FileUpload
from tests.staging.submitting import drawing, fast_pipeline, make_batch, run_task, submit

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]

WORKER = """
import os, sys
sys.path.insert(0, sys.argv[1])
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
from django.conf import settings
settings.DATABASES["default"]["NAME"] = sys.argv[2]
settings.PROCORE_API_URL = settings.PROCORE_LOGIN_URL = sys.argv[3]
settings.MEDIA_ROOT = sys.argv[4]
settings.STAGING_SUBMIT_THREADS = 2
import django
django.setup()
from portal.staging.pipeline.runner import run_submission
run_submission(int(sys.argv[5]))
"""


def test_a_worker_killed_while_sending_is_replaced_without_duplicates(
    sandbox, media, settings, monkeypatch, synced_project
):
    fast_pipeline(monkeypatch)
    user, project = synced_project()
    batch = make_batch(user, project, [drawing(530 + i) for i in range(6)])
    submission = submit(batch, user)
    # Each file's status read takes a second, so the kill lands while files are in flight.
    faults.inject("slow", method="GET", path=r"/rest/v2\.1/.*/uploads/", delay=1.0)
    database = django_settings.DATABASES["default"]["NAME"]
    worker = subprocess.Popen(
        [
            sys.executable,
            "-c",
            WORKER,
            str(ROOT),
            str(database),
            sandbox.base_url,
            str(settings.MEDIA_ROOT),
            str(submission.pk),
        ],
        cwd=ROOT,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            steps = list(batch.documents.values_list("step", flat=True))
            if UPLOADED in steps and CREATED in steps:
                break
            assert worker.poll() is None, "the worker ended before it could be killed"
            time.sleep(0.05)
        else:
            pytest.fail(f"the worker never reached the middle of sending files: {steps}")
        os.kill(worker.pid, signal.SIGKILL)
    finally:
        worker.wait(10)
    faults.clear()
    assert Submission.objects.get(pk=submission.pk).state == Submission.State.RUNNING

    # Its lease runs out (as time passes); the next worker resumes from the rows.
    Submission.objects.filter(pk=submission.pk).update(lease_until=timezone.now() - timedelta(seconds=1))
    assert run_task(submission).state == "done"
    names = list(batch.documents.values_list("file_name", flat=True))
    assert DocumentUpload.objects.filter(file_name__in=names).count() == 6
    assert DocumentRevision.objects.filter(original_filename__in=names).count() == 6
    assert set(batch.documents.values_list("state", flat=True)) == {StagedDocument.State.SUBMITTED}
    for document in batch.documents.all():
        revision = DocumentRevision.objects.get(id=document.revision_id)
        assert FileUpload.objects.get(id=revision.file_upload_id).sha256 == document.sha256
    # Files the dead worker had finished were not sent again: at most the ones in flight were.
    assert FileUpload.objects.filter(file_name__in=names).count() <= 6 + 2
