"""What people do with submissions, as plain functions: start one, retry failed documents, choose
how to end conflicting workflows, and read the progress.

Starting claims the batch with a conditional UPDATE (draft or needs-attention → submitting): two
presses of Submit, in two browsers or two web processes, start one run.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from portal.accounts.models import User
from portal.mirror.models import Revision

from ..contents.checks import blockers as contents_blockers
from ..folder_target import name_problems
from ..models import Batch, StagedDocument, Submission
from ..schema import Schema, load_schema
from ..services import audit
from ..validation import validate
from .folder import BYTES_SENT, FILE_REQUESTED
from .state import (
    CREATE_REQUESTED,
    CREATED,
    PENDING,
    STEP_LABELS,
    SUBMIT_REQUESTED,
    UPLOADED,
    heartbeat_interval,
)
from .wakeup import hand_over


class CannotSubmit(Exception):
    """The batch or document cannot be sent now; the message says why."""


def _claim(batch: Batch) -> None:
    claimed = Batch.objects.filter(pk=batch.pk, state__in=[Batch.State.DRAFT, Batch.State.FAILED]).update(
        state=Batch.State.SUBMITTING, updated_at=timezone.now()
    )
    if not claimed:
        raise CannotSubmit(f"“{batch.name}” is already being submitted or was submitted.")


def start(batch: Batch, user: User) -> Submission:
    """Submit every ready document of a batch in which every document is ready."""
    counts = dict(batch.documents.values_list("state").annotate(n=Count("id")))
    if not counts or set(counts) != {StagedDocument.State.READY}:
        raise CannotSubmit("Every document must be ready before the batch can be submitted.")
    if blocked := contents_blockers(batch):  # a set and its own sheets, or a zip, are never sent
        raise CannotSubmit(blocked)
    with transaction.atomic():  # the claim and the submission stand or fall together
        _claim(batch)
        count = batch.documents.filter(state=StagedDocument.State.READY).update(
            state=StagedDocument.State.SUBMITTING,
            step=PENDING,
            attempts=0,
            message="",
            failure_code="",
            updated_at=timezone.now(),
        )
        submission = Submission.objects.create(batch=batch, submitted_by=user, documents=count)
        audit(batch, user, "Submitted to Procore", f"{count} document(s)")
    _queue(submission)
    return submission


def retry(batch: Batch, user: User, documents: list[StagedDocument]) -> Submission:
    """Send failed documents again, alone; their metadata is checked first."""
    documents = [d for d in documents if d.state == StagedDocument.State.FAILED]
    if not documents:
        raise CannotSubmit("There is no failed document to retry.")
    if batch.target == Batch.Target.FOLDER:
        return _retry_to_folder(batch, user, documents)
    schema = load_schema(batch.project)
    for document in documents:
        problems = problems_of(document, schema)
        if problems:
            raise CannotSubmit(f"{document.file_name}: {problems[0]} Fix it on the document's page first.")
    with transaction.atomic():  # the claim and the submission stand or fall together
        _claim(batch)
        for document in documents:
            step = resume_step(document)
            StagedDocument.objects.filter(pk=document.pk).update(
                state=StagedDocument.State.SUBMITTING,
                step=step,
                attempts=0,
                message="",
                failure_code="",
                file_upload_id="" if step == CREATED else document.file_upload_id,
                part_etags=[] if step == CREATED else document.part_etags,
                pdm_upload_id="" if step == PENDING else document.pdm_upload_id,
                updated_at=timezone.now(),
            )
        submission = Submission.objects.create(
            batch=batch, submitted_by=user, documents=len(documents), interactive=True
        )
        audit(batch, user, "Retried failed documents", ", ".join(d.file_name for d in documents)[:500])
    _queue(submission)
    return submission


def _retry_to_folder(batch: Batch, user: User, documents: list[StagedDocument]) -> Submission:
    """Send failed documents to the folder again; bytes already uploaded are reused, and a file
    request that may have been applied is looked for in the folder before it is sent again."""
    for document in documents:
        problems = name_problems(document.title or document.file_name)
        if problems:
            raise CannotSubmit(f"{document.file_name}: {problems[0]} Fix it on the document's page first.")
    with transaction.atomic():  # the claim and the submission stand or fall together
        _claim(batch)
        for document in documents:
            step = document.step if document.step in {BYTES_SENT, FILE_REQUESTED} else PENDING
            StagedDocument.objects.filter(pk=document.pk).update(
                state=StagedDocument.State.SUBMITTING,
                step=step,
                attempts=0,
                message="",
                failure_code="",
                updated_at=timezone.now(),
            )
        submission = Submission.objects.create(
            batch=batch, submitted_by=user, documents=len(documents), interactive=True
        )
        audit(batch, user, "Retried failed documents", ", ".join(d.file_name for d in documents)[:500])
    _queue(submission)
    return submission


def problems_of(document: StagedDocument, schema: Schema) -> list[str]:
    _, problems = validate(document.metadata, file_name=document.file_name, mime_type=document.mime_type, schema=schema)
    return [p.message for p in problems]


def resume_step(document: StagedDocument) -> str:
    """Where a failed document starts again: as late as what Procore holds still allows."""
    if document.failure_code == "UNCONFIRMED" and document.pdm_upload_id:
        # Procore consumed the upload: look for its revision again, never submit a second one.
        return SUBMIT_REQUESTED
    if not document.pdm_upload_id or document.failure_code in {"UPLOAD_DROPPED", "UPLOAD_NOT_FOUND"}:
        return PENDING
    if document.step in {PENDING, CREATE_REQUESTED}:
        return PENDING
    if document.step == CREATED or document.failure_code in {
        "FILE_KEY_MISMATCH",
        "SEND_FAILED",
        "STORAGE_VERIFICATION",
    }:
        return CREATED
    # The metadata may have been fixed since: PATCH it again (values overwrite), then submit.
    return UPLOADED


def set_termination(document: StagedDocument, schema: Schema, reason: str, status_id: str) -> None:
    """Resubmit with the documented fields that end the conflicting workflows (§7.9)."""
    reason = reason.strip()
    status = schema.fields_by_name.get("status")
    value = schema.values_by_id.get(status_id)
    if not document.workflow_conflict:
        raise CannotSubmit("This document was not refused for a workflow conflict.")
    if not reason or status is None or value is None or value.field_id != status.id or not value.active:
        raise CannotSubmit("Give a reason and choose the status for the revisions whose workflows end.")
    document.termination = {"termination_reason": reason[:500], "terminated_revision_status_id": status_id}
    StagedDocument.objects.filter(pk=document.pk).update(termination=document.termination)


def _queue(submission: Submission) -> None:
    # After the commit: the row exists whatever the broker does; a failed hand-over is recorded on
    # it and retried by the workers' watch (pipeline/wakeup.py), never raised to the person.
    transaction.on_commit(lambda: hand_over(submission))


def waiting_for(submission: Submission | None) -> str:
    """What an unfinished run waits for, in words, or "" while a worker is on it. A worker renews its
    lease at least every heartbeat interval: longer without a renewal, it is gone."""
    if submission is None or submission.is_finished:
        return ""
    now = timezone.now()
    if submission.state == Submission.State.RUNNING:
        last = submission.heartbeat_at or submission.started_at
        if last is not None and now - last > heartbeat_interval():
            silent = int((now - last).total_seconds())
            return (
                f"Waiting for a worker: the one sending this batch has not been heard from for {silent} s. "
                "The batch resumes by itself when another worker takes it over, within a minute; "
                "nothing already sent is sent twice."
            )
        return ""
    if submission.queue_error:
        return (
            "Waiting for the task queue, which cannot be reached right now. The submission is recorded; "
            "sending starts by itself when the queue is back."
        )
    if now - submission.created_at > heartbeat_interval():
        return "Waiting for a free worker to start sending."
    return ""


def _revision_url(batch: Batch, container_id: str) -> str:
    """The document's version history in the portal, once its container is known ("" before)."""
    if not container_id:
        return ""
    return reverse("mirror:revisions", args=[batch.project_id]) + f"?container={container_id}"


def progress(batch: Batch) -> dict:
    """Counts per step, each document's state and message, elapsed time, and `waiting` (why the run
    waits for a worker, if it does); the time left is staging.estimate's."""
    submission = batch.submissions.select_related("submitted_by").first()
    documents = list(
        batch.documents.only(
            "id",
            "file_name",
            "state",
            "step",
            "message",
            "failure_code",
            "revision_id",
            "container_id",
            "version",
            "landed_at",
            "workflow_conflict",
            "termination",
        )
    )
    steps: dict[str, int] = {}
    rows = []
    # A revision Procore named before its container was known: the mirror may know its container.
    containers = dict(
        Revision.objects.filter(
            project_id=batch.project_id,
            procore_id__in=[d.revision_id for d in documents if d.revision_id and not d.container_id],
        ).values_list("procore_id", "container_id")
    )
    for document in documents:
        label = STEP_LABELS.get(document.step, document.step)
        if document.state == StagedDocument.State.FAILED:
            label = "Needs attention"
        elif document.state == StagedDocument.State.SUBMITTED:
            label = "Landed" if document.landed_at else "Submitted"
        elif document.state != StagedDocument.State.SUBMITTING:
            label = document.get_state_display()
        steps[label] = steps.get(label, 0) + 1
        rows.append(
            {
                "id": document.pk,
                "name": document.file_name,
                "state": document.state,
                "step": label,
                "message": document.message,
                "code": document.failure_code,
                "revision_id": document.revision_id,
                "version": document.version,
                "landed": document.landed_at is not None,
                "revision_url": _revision_url(batch, document.container_id or containers.get(document.revision_id, "")),
                "workflow_conflict": bool(document.workflow_conflict) and document.state == StagedDocument.State.FAILED,
                "document_url": reverse("staging:document", args=[batch.pk, document.pk]),
            }
        )
    elapsed = None
    finished = submission is None or submission.is_finished
    waiting = waiting_for(submission)
    if submission is not None and submission.started_at:
        end = submission.finished_at or timezone.now()
        elapsed = (end - submission.started_at).total_seconds()
    return {
        "batch": batch.pk,
        "batch_state": batch.state,
        "finished": finished,
        "submission": None
        if submission is None
        else {
            "id": submission.pk,
            "state": submission.state,
            "step": submission.step,
            "submitted_by": str(submission.submitted_by) if submission.submitted_by else "",
            "landed": submission.landed,
            "failed": submission.failed,
        },
        "steps": steps,
        "total": len(documents),
        "elapsed_seconds": elapsed,
        "waiting": waiting,
        "documents": rows,
    }
