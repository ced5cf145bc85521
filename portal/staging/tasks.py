"""django-q2 tasks: thin wrappers over portal.staging.pipeline."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone
from django_q.tasks import async_task

from .issue_control.tasks import queue_transmittals_due
from .models import Submission
from .pipeline.landing import mark_landed, remove_files
from .pipeline.runner import run_submission


def submit_batch(submission_id: int) -> str:
    submission = run_submission(submission_id)
    if submission is None:
        return f"submission {submission_id}: held by another worker or finished"
    return f"submission {submission_id}: {submission.state}, {submission.landed} landed, {submission.failed} failed"


def queue_submission(submission: Submission) -> None:
    async_task(
        "portal.staging.tasks.submit_batch",
        submission.pk,
        task_name=f"submit-batch-{submission.batch_id}-{submission.pk}",
    )


def resume_stalled_submissions() -> int:
    """Scheduled: queue again every run whose worker died (its lease ran out) or never started."""
    now = timezone.now()
    stalled = Submission.objects.filter(
        Q(state=Submission.State.RUNNING, lease_until__lt=now)
        | Q(state=Submission.State.QUEUED, created_at__lt=now - timedelta(minutes=10))
    )
    count = 0
    for submission in stalled:
        queue_submission(submission)
        count += 1
    return count


def remove_confirmed_files() -> int:
    """Scheduled: mark documents landed that the mirror now shows, then apply the retention."""
    from .models import StagedDocument

    pending = StagedDocument.objects.filter(state=StagedDocument.State.SUBMITTED, landed_at__isnull=True)
    batch_ids = set(pending.values_list("batch_id", flat=True))
    if mark_landed(pending.select_related("batch")):
        queue_transmittals_due(batch_ids)  # batches now wholly landed get their transmittal
    return remove_files()
