"""Submitting while the task queue's broker (Redis) is down: never a 500; the submission is recorded,
the person is told it starts when the queue is back, and it starts within a minute of Redis
returning — a real redis-server of the test's own, stopped and started again, and a real qcluster."""

from __future__ import annotations

import re
import time
import uuid

import pytest
import requests
from django.test import Client
from django.utils import timezone
from django_q.brokers import get_broker
from django_q.conf import Conf
from django_q.tasks import async_task

from portal.staging.models import Batch, StagedDocument, Submission
from procore_sandbox.models import DocumentRevision
from tests.staging.submitting import drawing, fast_pipeline, make_batch

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.25)
    pytest.fail(f"timed out waiting for {what}")


def browser_session(sandbox, user) -> requests.Session:
    """A browser signed in as `user` on the live server (the portal's own session cookie)."""
    client = Client()
    client.force_login(user)
    session = requests.Session()
    session.cookies.set("sessionid", client.cookies["sessionid"].value)
    return session


def test_a_submit_while_redis_is_down_is_recorded_and_starts_when_it_returns(
    sandbox, qcluster, private_redis, monkeypatch, synced_project
):
    fast_pipeline(monkeypatch)
    name = f"portal-broker-{uuid.uuid4().hex[:8]}"
    qcluster(REDIS_URL=private_redis.url, Q_CLUSTER_NAME=name)
    # The web side (the live server in this process) queues through the same Redis.
    monkeypatch.setattr(Conf, "ORM", None)
    monkeypatch.setattr(Conf, "REDIS", private_redis.url)
    monkeypatch.setattr(Conf, "CLUSTER_NAME", name)
    # The cluster is up once it takes a task from Redis.
    async_task("math.floor", 1.5)
    wait_for(lambda: get_broker().queue_size() == 0, 60, "the cluster to start")
    synced = synced_project()
    user, project = synced.user, synced.project
    batch = make_batch(user, project, [drawing(570), drawing(571)])
    session = browser_session(sandbox, user)
    page = session.get(f"{sandbox.portal_url}/batches/{batch.pk}/", timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)

    private_redis.stop()
    answer = session.post(
        f"{sandbox.portal_url}/batches/{batch.pk}/submit/",
        data={"csrfmiddlewaretoken": token},
        headers={"Referer": page.url},
        timeout=30,
    )
    assert answer.status_code == 200 and answer.url.endswith(f"/batches/{batch.pk}/progress/"), answer.status_code
    assert "the task queue cannot be reached right now" in answer.text and "Nothing is lost" in answer.text
    submission = Submission.objects.get(batch=batch)
    assert submission.state == Submission.State.QUEUED and submission.queue_error
    assert Batch.objects.get(pk=batch.pk).state == Batch.State.SUBMITTING
    report = session.get(f"{sandbox.portal_url}/batches/{batch.pk}/progress.json", timeout=10).json()
    assert report["waiting"].startswith("Waiting for the task queue")
    time.sleep(5)  # the queue stays down a while: nothing is lost meanwhile
    assert Submission.objects.get(pk=submission.pk).state == Submission.State.QUEUED

    private_redis.start()
    back = timezone.now()
    started = wait_for(
        lambda: (s := Submission.objects.get(pk=submission.pk)).started_at and s, 60, "the batch to start"
    )
    print(f"\nsubmission started {(started.started_at - back).total_seconds():.1f} s after Redis returned")
    done = wait_for(
        lambda: (s := Submission.objects.get(pk=submission.pk)).is_finished and s, 180, "the batch to finish"
    )
    assert done.state == Submission.State.DONE and done.queue_error == ""
    assert set(batch.documents.values_list("state", flat=True)) == {StagedDocument.State.SUBMITTED}
    names = list(batch.documents.values_list("file_name", flat=True))
    assert DocumentRevision.objects.filter(original_filename__in=names).count() == 2
