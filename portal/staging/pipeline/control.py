"""What people do with submissions, as plain functions: start one, retry failed documents, choose
how to end conflicting workflows, and read the progress.

Starting claims the batch with a conditional UPDATE (draft or needs-attention → submitting): two
presses of Submit, in two browsers or two web processes, start one run.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from portal.accounts.models import User

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
    SUBMIT_REQUESTED,
    UPLOADED,
    heartbeat_interval,
)
from .wakeup import hand_over

# A retry pressed by hand goes in the interactive lane (someone waits for it) while it is about
# one 10-second window's calls at Procore's default limits; a bigger one is a batch's worth of
# work and takes its turn in the background lane, so it cannot hold back people's page loads.
INTERACTIVE_RETRY_DOCUMENTS = 10


def retry_is_interactive(documents: int) -> bool:
    return documents <= INTERACTIVE_RETRY_DOCUMENTS


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
            batch=batch, submitted_by=user, documents=len(documents), interactive=retry_is_interactive(len(documents))
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
            batch=batch, submitted_by=user, documents=len(documents), interactive=retry_is_interactive(len(documents))
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
