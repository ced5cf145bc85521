"""Step 5: submit uploads as revisions, 100 a request (procore-api.md §7.9, §7.14).

Before each POST the documents are marked "submit requested" with the time; after it, the
revision ids are recorded. Procore lists `ids` for the uploads that did not fail, and the
sandbox in request order; Procore does not document the order [gap], so the order is used only
when the counts agree, and `landing` later checks every document against the mirror's
revisions (which carry `upload_id`).

Per upload (`failures[]` in a 201): CONCURRENCY_CONFLICT → re-read `latest_event_id` and submit
again (at most CONFLICT_RETRIES times); UNKNOWN_FAILURE → submit again after a pause (at most
UNKNOWN_RETRIES times).

Whole request refused (nothing created; 422 details name the upload in `source`): that upload
stops with a clear message and the rest of the chunk is submitted again — INVALID_INPUT,
DUPLICATE_REVISION, FILE_KEY_MISMATCH, WORKFLOW_CONFLICT (its detail kept, so the progress page
can offer `termination_reason` + `terminated_revision_status_id`),
WORKFLOW_CONFLICT_INSUFFICIENT_PERMISSION, UPLOAD_NOT_FOUND (recovered first: it may have been
consumed by an earlier submit); PERMISSION_DENIED / 403 ACCESS_DENIED stop every document.

No answer (dropped connection, 5xx): the request may have been applied, so it is never simply
repeated: `recover` finds out which uploads were consumed and their revisions first.
"""

from __future__ import annotations

import logging
import random
import time

from django.utils import timezone

from portal.procore.errors import PermissionDenied, ProcoreError, ValidationFailed

from ..models import StagedDocument
from .recover import recover
from .state import READY, SUBMIT_REQUESTED, Run, chunked, fail, mark_submitted

log = logging.getLogger(__name__)
CONFLICT_RETRIES = 5
UNKNOWN_RETRIES = 3
LOST_ANSWERS = 3
MAX_ROUNDS = 25

MESSAGES = {
    "INVALID_INPUT": "Procore refused the metadata (INVALID_INPUT): {message}. Fix the document and retry it.",
    "DUPLICATE_REVISION": "This revision already exists in its Procore container and the project does not allow "
    "duplicate revisions (DUPLICATE_REVISION). Change the revision and retry.",
    "FILE_KEY_MISMATCH": "Procore has no file for this upload (FILE_KEY_MISMATCH). Retry the document to send the "
    "file again.",
    "WORKFLOW_CONFLICT": "Revisions in this document's container are in an active workflow and the project does not "
    "allow another (WORKFLOW_CONFLICT). Choose how to end those workflows and resubmit.",
    "WORKFLOW_CONFLICT_INSUFFICIENT_PERMISSION": "Ending the existing workflows needs a project admin or workflow "
    "manager (WORKFLOW_CONFLICT_INSUFFICIENT_PERMISSION).",
    "PERMISSION_DENIED": "You do not have permission to submit new files in this project (PERMISSION_DENIED). Ask "
    "a project admin for “Submit New Files”.",
    "UPLOAD_NOT_FOUND": "Procore no longer knows this upload (UPLOAD_NOT_FOUND). Retry the document.",
}


def message_for(reason: str, message: str) -> str:
    template = MESSAGES.get(reason)
    return template.format(message=message.rstrip(".")) if template else f"Procore refused the submit: {message}"


def submit_revisions(run: Run) -> None:
    stuck = list(run.documents().filter(step=SUBMIT_REQUESTED))
    if stuck:
        run.heartbeat("Checking an earlier submit")
        recover(run, stuck)
    documents = list(run.documents().filter(step=READY).order_by("id"))
    for chunk in chunked(documents):
        run.heartbeat("Submitting revisions")
        if not submit_chunk(run, chunk):
            fail(run.documents().exclude(step=SUBMIT_REQUESTED), MESSAGES["PERMISSION_DENIED"], "PERMISSION_DENIED")
            return


def submit_chunk(run: Run, chunk: list[StagedDocument]) -> bool:
    """Submit until every document has a revision or a reason; False when permission is refused."""
    todo = {d.pdm_upload_id: d for d in chunk}
    conflicts: dict[str, int] = {}
    unknown: dict[str, int] = {}
    lost = 0
    for _ in range(MAX_ROUNDS):
        if not todo:
            return True
        sent = list(todo.values())
        now = timezone.now()
        StagedDocument.objects.filter(pk__in=[d.pk for d in sent]).update(
            step=SUBMIT_REQUESTED, submit_requested_at=now, updated_at=now
        )
        for document in sent:
            document.submit_requested_at = now
        items = [
            {"id": d.pdm_upload_id, "upload_latest_event_id": d.latest_event_id, **(d.termination or {})} for d in sent
        ]
        try:
            result = run.pdm.submit_revisions(items)
        except ValidationFailed as exc:
            if not _refused(run, exc, todo):
                return False
            continue
        except PermissionDenied as exc:
            fail(sent, message_for("PERMISSION_DENIED", exc.message), "PERMISSION_DENIED")
            return False
        except ProcoreError as exc:
            if exc.permanent:
                fail(sent, f"Procore refused the submit: {exc.message}", exc.code or "SUBMIT_FAILED")
                return True
            lost += 1
            log.info("Submit got no usable answer (%s); checking what Procore applied", type(exc).__name__)
            time.sleep(random.uniform(0.5, 1.5) * lost)
            recover(run, sent)
            todo = _still_to_send(todo)
            if lost >= LOST_ANSWERS:
                fail(todo.values(), "Procore did not answer the submit several times. Retry the document.", "NO_ANSWER")
                return True
            continue
        todo = _answered(run, sent, result, todo, conflicts, unknown)
    fail(todo.values(), "Procore kept refusing the submit. Retry the document.", "SUBMIT_FAILED")
    return True


def _still_to_send(todo: dict[str, StagedDocument]) -> dict[str, StagedDocument]:
    rows = StagedDocument.objects.filter(
        pk__in=[d.pk for d in todo.values()], state=StagedDocument.State.SUBMITTING, step=READY
    )
    return {d.pdm_upload_id: d for d in rows}


def _answered(
    run: Run,
    sent: list[StagedDocument],
    result: dict,
    todo: dict[str, StagedDocument],
    conflicts: dict[str, int],
    unknown: dict[str, int],
) -> dict[str, StagedDocument]:
    failures = {str(f.get("upload_id")): f for f in result["failures"]}
    succeeded = [d for d in sent if d.pdm_upload_id not in failures]
    if len(result["ids"]) == len(succeeded):
        for submitted, revision_id in zip(succeeded, result["ids"], strict=True):
            mark_submitted(submitted, str(revision_id))
    else:
        recover(run, succeeded)  # counts disagree: ask Procore which revision is whose
    again: dict[str, StagedDocument] = {}
    reread: list[StagedDocument] = []
    for upload_id, failure in failures.items():
        if (document := todo.get(upload_id)) is None:
            continue
        reason = str(failure.get("reason_code") or "")
        if reason == "CONCURRENCY_CONFLICT" and conflicts.get(upload_id, 0) < CONFLICT_RETRIES:
            conflicts[upload_id] = conflicts.get(upload_id, 0) + 1
            reread.append(document)
        elif reason == "UNKNOWN_FAILURE" and unknown.get(upload_id, 0) < UNKNOWN_RETRIES:
            unknown[upload_id] = unknown.get(upload_id, 0) + 1
            again[upload_id] = document
        else:
            fail(
                [document],
                f"Procore could not submit this document ({reason}): {failure.get('message') or ''}"
                " Retry the document.",
                reason or "SUBMIT_FAILED",
            )
    if reread:
        # Re-read the uploads that changed since our read, and submit them with the new event id.
        fresh = {str(item["id"]): item for item in run.pdm.selected_uploads([d.pdm_upload_id for d in reread])}
        for document in reread:
            item = fresh.get(document.pdm_upload_id)
            if item is None:
                recover(run, [document])
                continue
            document.latest_event_id = str(item.get("latest_event_id") or "")
            StagedDocument.objects.filter(pk=document.pk).update(
                latest_event_id=document.latest_event_id, step=READY, updated_at=timezone.now()
            )
            again[document.pdm_upload_id] = document
    if any(r.get("reason_code") == "UNKNOWN_FAILURE" for r in failures.values()):
        time.sleep(random.uniform(0.5, 1.5))
    for document in again.values():
        StagedDocument.objects.filter(pk=document.pk).update(step=READY, updated_at=timezone.now())
    return again


def _refused(run: Run, exc: ValidationFailed, todo: dict[str, StagedDocument]) -> bool:
    """Handle a whole-request refusal; False when permission is refused for every document."""
    sent = list(todo.values())
    StagedDocument.objects.filter(pk__in=[d.pk for d in sent], step=SUBMIT_REQUESTED).update(
        step=READY, updated_at=timezone.now()
    )
    reasons = exc.reason_codes
    if "PERMISSION_DENIED" in reasons:
        fail(sent, message_for("PERMISSION_DENIED", exc.message), "PERMISSION_DENIED")
        return False
    handled = False
    for detail in exc.details:
        document = todo.get(detail.source)
        if document is None:
            continue
        handled = True
        reason = detail.reason_code
        if reason == "UPLOAD_NOT_FOUND":
            recover(run, [document])  # consumed by an earlier submit whose answer we never saw?
            if StagedDocument.objects.filter(pk=document.pk, state=StagedDocument.State.SUBMITTING).exists():
                fail([document], message_for(reason, detail.message), reason)
        elif reason == "WORKFLOW_CONFLICT":
            conflict = {"reason_code": reason, "message": detail.message, **detail.extra}
            StagedDocument.objects.filter(pk=document.pk).update(workflow_conflict=conflict, termination={})
            fail([document], message_for(reason, detail.message), reason)
        else:
            fail([document], message_for(reason, detail.message or exc.message), reason or "SUBMIT_REFUSED")
        todo.pop(detail.source, None)
    if not handled:
        with_termination = [d for d in sent if d.termination]
        if with_termination and any("terminat" in (detail.source or "") for detail in exc.details):
            fail(with_termination, f"Procore refused the termination fields: {exc.message}", "INVALID_PROPERTY")
            for document in with_termination:
                todo.pop(document.pdm_upload_id, None)
        else:
            fail(sent, f"Procore refused the submit: {exc.message}", ",".join(reasons) or "SUBMIT_REFUSED")
            todo.clear()
    return True
