"""Handing submissions to the task queue, and handing them over again when their task is lost.

The Submission row is the truth; the django-q2 task is only the wake-up. A hand-over that fails
because the broker cannot be reached never fails the request that asked for it: the failure is
recorded on the row (`queue_error`, shown on the progress page) and the run starts when the queue is
back. `wake_stalled` hands over again every run that needs a worker:

- queued and never handed over (the broker was down) — as soon as the broker answers;
- queued, handed over long ago and still not started (the broker lost the task) — after QUEUED_LOST;
- running with a lapsed lease (its worker died) — once per lease period, until a worker claims it.

It runs in every worker process, at its start (django-q2's `post_spawn`, connected in StagingConfig)
and then every WATCH_EVERY seconds from a thread of its own, which also hands over every other task
the broker refused (portal/tasking); the minute schedule
(`tasks.resume_stalled_submissions`) is the backstop. So a batch whose worker died resumes about
STAGING_SUBMIT_LEASE + WATCH_EVERY seconds after its last heartbeat (35 s by default), and one
submitted while the broker was down starts within seconds of its return. A duplicate task is
harmless: a run is claimed with a conditional UPDATE (pipeline.runner.claim).
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta

from django.db import close_old_connections
from django.db.models import Q
from django.utils import timezone
from django_q.conf import Conf
from django_q.tasks import async_task

from portal.tasking.handoff import hand_over_deferred

from ..models import Submission
from .state import heartbeat_interval, lease

log = logging.getLogger(__name__)

WATCH_EVERY = 5.0
QUEUED_LOST = timedelta(minutes=10)


def hand_over(submission: Submission) -> bool:
    """Queue the run's task; False, recorded on the row, when the broker cannot take it."""
    try:
        async_task(
            "portal.staging.tasks.submit_batch",
            submission.pk,
            task_name=f"submit-batch-{submission.batch_id}-{submission.pk}",
        )
    except Exception as exc:  # noqa: BLE001 - whatever the broker raises (Redis down, its database locked)
        log.warning("The task queue refused submission %s: %s: %s", submission.pk, type(exc).__name__, exc)
        Submission.objects.filter(pk=submission.pk).update(
            queued_at=None, queue_error=f"The task queue could not be reached ({type(exc).__name__})."[:300]
        )
        return False
    Submission.objects.filter(pk=submission.pk).update(queued_at=timezone.now(), queue_error="")
    return True


def _due(now) -> Q:
    lapsed = Q(state=Submission.State.RUNNING, lease_until__lt=now) & (
        Q(queued_at__isnull=True) | Q(queued_at__lt=now - lease())
    )
    never_handed = Q(state=Submission.State.QUEUED, queued_at__isnull=True, created_at__lt=now - heartbeat_interval())
    lost = Q(state=Submission.State.QUEUED, queued_at__lt=now - QUEUED_LOST)
    return lapsed | never_handed | lost


def wake_stalled() -> int:
    """Hand over again every run that needs a worker (see the module docstring); how many were."""
    now = timezone.now()
    handed = 0
    for submission in Submission.objects.filter(_due(now)).only("pk", "batch_id").order_by("created_at"):
        # Only one watcher hands a run over per look: the first to move its queued_at.
        if not Submission.objects.filter(_due(now), pk=submission.pk).update(queued_at=now):
            continue
        if not hand_over(submission):
            break  # the broker is down: the rest waits for the next look
        handed += 1
    return handed


_watch_started = False


def start_watch(**_: object) -> None:
    """django-q2 `post_spawn` receiver: in each worker process, look at once and every WATCH_EVERY s.
    Not when tasks run inline (Q_CLUSTER sync, tests): no worker process is there to watch from."""
    global _watch_started
    if _watch_started or Conf.SYNC:
        return
    _watch_started = True
    threading.Thread(target=_watch, name="submission-wakeup", daemon=True).start()


def _watch() -> None:
    while True:
        try:
            close_old_connections()
            handed = wake_stalled()
            if handed:
                log.info("Handed %s stalled submission(s) to the task queue", handed)
        except Exception:  # noqa: BLE001 - the database may be away for a moment; look again later
            log.warning("Looking for stalled submissions failed", exc_info=True)
        try:
            # Every other task the broker refused while it was down (portal/tasking/handoff.py).
            hand_over_deferred()
        except Exception:  # noqa: BLE001 - as above
            log.warning("Handing over deferred tasks failed", exc_info=True)
        time.sleep(WATCH_EVERY)
