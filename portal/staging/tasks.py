"""django-q2 tasks: thin wrappers over portal.staging.pipeline."""

from __future__ import annotations

from collections.abc import Iterable

from portal.tasking.handoff import deferred_among, enqueue

from .incoming import service as incoming_service
from .incoming.sweep import sweep_storage
from .issue_control.tasks import queue_transmittals_due
from .models import IncomingFile, Submission
from .pipeline.landing import mark_landed, remove_files
from .pipeline.runner import run_submission
from .pipeline.wakeup import hand_over, wake_stalled


def submit_batch(submission_id: int) -> str:
    submission = run_submission(submission_id)
    if submission is None:
        return f"submission {submission_id}: held by another worker or finished"
    return f"submission {submission_id}: {submission.state}, {submission.landed} landed, {submission.failed} failed"


def queue_submission(submission: Submission) -> bool:
    """Hand the run to the task queue; False when the broker is down (recorded; it starts later)."""
    return hand_over(submission)


def resume_stalled_submissions() -> int:
    """Scheduled backstop of the workers' own watch: queue again every run whose worker died (its
    lease lapsed), whose hand-over failed, or whose task was lost (pipeline/wakeup.py)."""
    return wake_stalled()


def remove_confirmed_files() -> int:
    """Scheduled: mark documents landed that the mirror now shows, then apply the retention."""
    from .models import StagedDocument

    pending = StagedDocument.objects.filter(state=StagedDocument.State.SUBMITTED, landed_at__isnull=True)
    batch_ids = set(pending.values_list("batch_id", flat=True))
    if mark_landed(pending.select_related("batch")):
        queue_transmittals_due(batch_ids)  # batches now wholly landed get their transmittal
    return remove_files()


def record_incoming(incoming_id: int) -> str:
    """A file finished uploading: hash it from storage and add it to its batch."""
    incoming = incoming_service.record(incoming_id)
    if incoming is None:
        return f"incoming file {incoming_id}: gone"
    return f"incoming file {incoming_id}: {incoming.state}"


def queue_record(incoming: IncomingFile) -> None:
    enqueue("portal.staging.tasks.record_incoming", incoming.pk, task_name=f"record-incoming-{incoming.pk}")


def records_waiting_for_queue(incoming_ids: Iterable[int]) -> set[int]:
    """Which of these files' checks wait for the task queue (the broker refused them)."""
    names = deferred_among(f"record-incoming-{pk}" for pk in incoming_ids)
    return {int(name.rsplit("-", 1)[1]) for name in names}


def sweep_uploads() -> str:
    """Scheduled: abort uploads nobody finished and remove stored files nothing refers to."""
    result = sweep_storage()
    return f"{result.aborted} upload(s) aborted, {result.removed} orphaned file(s) removed"
