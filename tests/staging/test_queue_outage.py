"""Every piece of work the portal hands to the task queue, while the broker (Redis) is down: never a
500, nothing lost, the page says it starts when the queue is back, and it starts when Redis returns.
A real redis-server of the test's own, stopped and started again; the real views and task functions.
(Submitting a batch has its own test: test_submit_broker_down.py.)"""

from __future__ import annotations

import json
import time

import pytest
import requests
from django.test import Client
from django.urls import reverse
from django_q.brokers import get_broker
from django_q.conf import Conf
from django_q.tasks import async_task

from portal.mirror.models import SyncRun
from portal.mirror.tasks import refresh_active_projects
from portal.staging.models import Batch, DocumentContents, IncomingFile
from portal.tasking.handoff import enqueue, hand_over_deferred
from portal.tasking.models import DeferredTask
from portal.webhooks.models import Delivery, ProjectRefresh
from tests.staging.conftest import run_queued

pytestmark = pytest.mark.django_db(transaction=True)

BANNER = "The task queue cannot be reached right now. Work already asked for is recorded"


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.25)
    pytest.fail(f"timed out waiting for {what}")


def test_a_refused_task_is_kept_once_and_handed_over_when_redis_returns(redis_queue):
    redis_queue.stop()
    assert enqueue("math.floor", 1.5, task_name="floor") is False  # no exception, whatever redis-py raised
    assert enqueue("math.floor", 2.5, task_name="floor") is False
    row = DeferredTask.objects.get()  # one row per task name; the latest arguments win
    assert (row.func, row.args, row.task_name) == ("math.floor", [2.5], "floor")
    assert "could not be reached" in row.error

    assert hand_over_deferred() == 0  # still down: kept, the refusal counted
    assert DeferredTask.objects.get().attempts == 1

    redis_queue.start()
    assert hand_over_deferred() == 1
    assert not DeferredTask.objects.exists()
    assert run_queued() == [2]


def test_sync_now_while_redis_is_down_says_so_and_the_sync_runs_when_it_returns(redis_queue, synced_project):
    user, project = synced_project()
    client = Client()
    client.force_login(user)
    redis_queue.stop()

    answer = client.post(reverse("mirror:sync", args=[project.pk]), follow=True)
    assert answer.status_code == 200
    page = answer.content.decode()
    assert "Sync recorded. It will start when the task queue is back." in page
    assert BANNER in page
    run = project.sync_runs.first()
    assert run.state == SyncRun.State.QUEUED
    assert DeferredTask.objects.filter(task_name=f"sync-project-{project.pk}-{run.pk}").exists()
    assert "waits for the task queue" in page  # the sync panel, under the banner

    # The scheduled refresh, run by the cluster while Redis is away, neither raises nor loses its sync.
    project.sync_runs.all().delete()
    DeferredTask.objects.all().delete()
    project.__class__.objects.filter(pk=project.pk).update(last_synced_at=None)
    assert refresh_active_projects() == 1
    run = project.sync_runs.get()
    assert DeferredTask.objects.get().task_name == f"sync-project-{project.pk}-{run.pk}"

    redis_queue.start()
    assert hand_over_deferred() == 1
    assert run_queued() == [f"full sync of project {project.pk}: done"]
    assert BANNER not in client.get(reverse("mirror:documents", args=[project.pk])).content.decode()


def test_work_asked_for_while_redis_is_down_runs_in_the_cluster_when_it_returns(
    sandbox, settings, qcluster, redis_queue, synced_project
):
    """A webhook delivery, an upload and a sync, all while Redis is stopped; then Redis returns and the
    cluster's own watch hands everything over, the upload's follow-up work (reading) included."""
    from portal.webhooks.registration import register_project

    settings.SANDBOX_WEBHOOK_DISPATCHER = False
    settings.PORTAL_PUBLIC_URL = sandbox.portal_url
    qcluster(REDIS_URL=redis_queue.url, Q_CLUSTER_NAME=redis_queue.cluster_name)
    async_task("math.floor", 1.5)
    wait_for(lambda: get_broker().queue_size() == 0, 90, "the cluster to start")
    user, project = synced_project()
    client = Client()
    client.force_login(user)
    (hook,) = register_project(project, user)
    batch = Batch.objects.create(project=project, name="While the queue is down", created_by=user)

    redis_queue.stop()
    # A webhook delivery: stored and answered 2xx (Procore would pause a failing endpoint).
    event = {
        "id": "outage-1",
        "timestamp": "2026-09-01T21:07:13.115792Z",
        "reason": "update",
        "company_id": str(project.company_id),
        "project_id": str(project.pk),
        "user_id": "5447",
        "resource_type": "Project Files",
        "resource_id": "1",
        "payload_version": "v4.0",
    }
    delivered = client.post(
        f"/webhooks/procore/{hook.pk}/",
        data=json.dumps(event),
        content_type="application/json",
        headers={"Authorization": hook.secret},
    )
    assert delivered.status_code < 300, delivered.status_code
    # An upload finishes: sent, waiting for a worker to complete and check it.
    uploaded = stage_upload(client, batch.pk, b"%PDF-1.4\n% outage\n")
    incoming = IncomingFile.objects.get(pk=uploaded)
    assert incoming.state == IncomingFile.State.COMPLETING
    (state,) = client.get(f"/batches/{batch.pk}/uploads/states/?ids={incoming.pk}").json()["files"]
    assert "it will be checked when the task queue is back" in state["waiting"]
    # A sync.
    answer = client.post(reverse("mirror:sync", args=[project.pk]), follow=True)
    assert answer.status_code == 200 and BANNER in answer.content.decode()
    names = set(DeferredTask.objects.values_list("task_name", flat=True))
    assert {"webhook-deliveries", f"record-incoming-{incoming.pk}"} <= names, names
    time.sleep(6)  # the cluster's watch looks meanwhile and keeps everything
    assert DeferredTask.objects.count() == len(names)
    assert Delivery.objects.get(event_id="outage-1").state == Delivery.State.RECEIVED

    redis_queue.start()
    back = time.monotonic()
    wait_for(lambda: not DeferredTask.objects.exists(), 60, "the deferred tasks to be handed over")
    handed = time.monotonic() - back
    wait_for(lambda: Delivery.objects.get(event_id="outage-1").state == Delivery.State.PROCESSED, 60, "the delivery")
    wait_for(lambda: project.sync_runs.first().state == SyncRun.State.DONE, 120, "the sync")
    wait_for(
        lambda: ProjectRefresh.objects.filter(project=project, state=ProjectRefresh.State.IDLE, runs__gte=1).exists(),
        120,
        "the refresh the delivery asked for",
    )
    wait_for(lambda: IncomingFile.objects.get(pk=incoming.pk).state == IncomingFile.State.ADDED, 60, "the upload")
    document = IncomingFile.objects.get(pk=incoming.pk).document
    wait_for(
        lambda: DocumentContents.objects.filter(document=document).exclude(state="pending").exists(),
        120,
        "the reading the upload asked for",
    )
    print(f"\ndeferred tasks handed over {handed:.1f} s after Redis returned")
    assert BANNER not in client.get(f"/batches/{batch.pk}/").content.decode()


def stage_upload(client: Client, batch_id: int, content: bytes) -> int:
    """Start, send and complete a one-part upload as the batch page does; the IncomingFile's id."""
    started = client.post(
        f"/batches/{batch_id}/uploads/",
        {"name": "A-DRW-901_Outage Plan_Rev A.pdf", "size": len(content), "type": "application/pdf"},
        content_type="application/json",
    ).json()
    assert started["ok"], started
    part = started["parts"][0]
    if part["url"].startswith("http"):
        answer = requests.put(part["url"], data=content, headers=part["headers"], timeout=60)
        status, etag = answer.status_code, answer.headers.get("ETag")
    else:
        local = client.put(part["url"], data=content, content_type="application/octet-stream")
        status, etag = local.status_code, local.headers.get("ETag")
    assert status == 200
    done = client.post(
        f"/batches/{batch_id}/uploads/{started['id']}/complete/",
        {"parts": [{"PartNumber": 1, "ETag": etag}]},
        content_type="application/json",
    )
    assert done.status_code == 200 and done.json()["ok"], done.content
    return started["id"]


def test_a_schedule_due_while_redis_is_down_runs_when_it_returns(redis_queue):
    """The housekeeping schedules (django-q2's scheduler) are kept by django-q2 itself: a schedule
    whose task the broker refuses stays due (its transaction rolls back) and runs on the next look."""
    from datetime import timedelta

    from django.utils import timezone
    from django_q.models import Schedule
    from django_q.scheduler import scheduler

    due = timezone.now() - timedelta(seconds=5)
    schedule = Schedule.objects.create(
        func="math.floor",
        args="3.5",
        schedule_type=Schedule.MINUTES,
        minutes=1,
        next_run=due,
        cluster=redis_queue.cluster_name,
    )
    redis_queue.stop()
    scheduler(get_broker())  # logs the refusal, raises nothing
    assert Schedule.objects.get(pk=schedule.pk).next_run == due

    redis_queue.start()
    scheduler(get_broker())
    assert Schedule.objects.get(pk=schedule.pk).next_run > timezone.now()
    assert run_queued() == [3]


def test_a_redis_that_does_not_answer_fails_the_hand_over_within_its_timeout(monkeypatch):
    """A partition or a stalled server: connections open, nothing answers. The hand-over gives up
    after REDIS_TIMEOUT (settings add it to REDIS_URL) and keeps the task, instead of holding the page."""
    import socket

    from portal.settings import redis_with_timeouts

    assert "socket_timeout=2" in redis_with_timeouts("redis://h:6379/0?socket_timeout=2", 5)  # its own wins
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)  # the kernel completes each connection; nobody ever answers
        port = silent.getsockname()[1]
        monkeypatch.setattr(Conf, "ORM", None)
        monkeypatch.setattr(Conf, "REDIS", redis_with_timeouts(f"redis://127.0.0.1:{port}/0", 0.5))
        started = time.monotonic()
        assert enqueue("math.floor", 1.5, task_name="floor") is False
        took = time.monotonic() - started
    print(f"\nrefused after {took:.1f} s (timeout 0.5 s)")
    assert took < 10, took
    assert DeferredTask.objects.get().task_name == "floor"
    assert "TimeoutError" in DeferredTask.objects.get().error
