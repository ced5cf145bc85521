"""A person's page that reads Procore is served at once while a batch, sent by a worker process,
keeps the company's rate limit saturated: the batch is background work, the page interactive."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from portal.staging.models import Submission
from portal.throttle.models import Flow
from procore_sandbox.limits import ratelimit
from procore_sandbox.models import RateWindow
from procore_sandbox.testing import DANA
from tests.flows import sign_in
from tests.staging.submitting import drawing, fast_pipeline, make_batch, submit

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]
NORTHWIND = "8089"

WORKER = """
import os, sys
sys.path.insert(0, sys.argv[1])
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
from django.conf import settings
settings.DATABASES["default"]["NAME"] = sys.argv[2]
settings.PROCORE_API_URL = settings.PROCORE_LOGIN_URL = sys.argv[3]
settings.MEDIA_ROOT = sys.argv[4]
import django
django.setup()
from portal.staging.tasks import submit_batch
print(submit_batch(int(sys.argv[5])))
"""
BUDGET_WAIT = re.compile(r"procore-budget;dur=(\d+)")


def test_it_serves_a_page_that_reads_procore_while_a_submission_saturates_the_budget(
    sandbox, synced_project, media, settings, monkeypatch
):
    fast_pipeline(monkeypatch)
    user, project = synced_project()
    batch = make_batch(user, project, [drawing(600 + i) for i in range(40)])
    submission = submit(batch, user)
    session, _ = sign_in(sandbox, DANA)
    settings.MIRROR_MEMBERSHIP_MAX_AGE = 0  # every page load re-reads Dana's projects from Procore
    ratelimit.configure(hourly=3600, spike=30)  # 40 documents are about 127 calls: 5 windows' worth
    worker = subprocess.Popen(
        [
            sys.executable,
            "-c",
            WORKER,
            str(ROOT),
            str(django_settings.DATABASES["default"]["NAME"]),
            sandbox.base_url,
            str(settings.MEDIA_ROOT),
            str(submission.pk),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    waits = []
    try:
        time.sleep(8)  # the worker is sending files by now, every window full
        for _ in range(8):
            page = session.get(f"{sandbox.portal_url}/", timeout=30)
            assert page.status_code == 200
            match = BUDGET_WAIT.search(page.headers.get("Server-Timing", ""))
            assert match, page.headers
            waits.append(int(match.group(1)))
            assert worker.poll() is None, "the batch finished before the pages were measured"
            time.sleep(1.5)
        output = worker.communicate(timeout=180)[0]
    finally:
        if worker.poll() is None:
            worker.kill()
    assert max(waits) < 1000, waits
    submission.refresh_from_db()
    assert submission.state == Submission.State.DONE and submission.landed == 40, output
    windows = [w.accepted for w in RateWindow.objects.filter(kind=RateWindow.SPIKE, company_key=NORTHWIND)]
    assert sorted(windows)[len(windows) // 2] >= 27, windows  # the batch kept the windows full
    assert sum(w.rejected for w in RateWindow.objects.all()) == 0
    lanes = dict(Flow.objects.filter(budget__company_id=NORTHWIND).values_list("key", "lane"))
    assert lanes[f"submission:{submission.pk}"] == "background"
    assert any(key.startswith("person:") and lane == "interactive" for key, lane in lanes.items())


def test_a_small_retry_pressed_by_hand_is_interactive_and_a_large_one_takes_its_turn(synced_project, media):
    from portal.staging.models import Batch, StagedDocument
    from portal.staging.pipeline import control
    from portal.staging.pipeline.runner import submission_ticket
    from portal.throttle.lanes import Lane

    user, project = synced_project()
    lanes = {}
    for count in (2, control.INTERACTIVE_RETRY_DOCUMENTS + 1):
        batch = make_batch(user, project, [drawing(800 + 20 * len(lanes) + i) for i in range(count)])
        batch.documents.update(state=StagedDocument.State.FAILED, failure_code="UNKNOWN", message="Failed.")
        Batch.objects.filter(pk=batch.pk).update(state=Batch.State.FAILED)
        retried = control.retry(batch, user, list(batch.documents.all()))
        lanes[count] = submission_ticket(Submission.objects.get(pk=retried.pk)).lane
    # A person waits for a couple of documents; eleven are a batch's worth of calls.
    assert lanes == {2: Lane.INTERACTIVE, control.INTERACTIVE_RETRY_DOCUMENTS + 1: Lane.BACKGROUND}
