"""Submit a batch, watch it live, retry what failed (thin views over staging.pipeline.control)."""

from __future__ import annotations

import hashlib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseNotModified, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRefresh

from portal.accounts.http import AuthenticatedRequest
from portal.caching import shared

from .access import get_batch_for_user
from .estimate import SubmitEstimate, estimate_context, shared_estimate
from .estimate import estimate as estimate_of
from .issue_control import checks, distribution
from .models import Batch, StagedDocument, Submission
from .pipeline import control as submitting
from .pipeline import progress as live
from .schema import load_schema

DELTA_FOR = 5  # seconds one progress step's answer is shared by the run's watchers


@login_required
@require_POST
def submit(request: AuthenticatedRequest, batch_id: int) -> HttpResponse:
    batch = get_batch_for_user(request.user, batch_id)
    if batch.is_editable:  # kept even when the submit must wait: nothing chosen is lost
        distribution.set_recipients(batch, request.POST.getlist("recipients"))
    waiting = checks.unreviewed(batch)
    if waiting:
        messages.error(
            request,
            f"{waiting} warning{'s' if waiting != 1 else ''} of the issue check need a decision first: keep each "
            "document or remove it.",
        )
        return redirect("staging:issue_check", batch_id=batch.pk)
    try:
        submission = submitting.start(batch, request.user)
    except submitting.CannotSubmit as exc:
        messages.error(request, str(exc))
        return redirect("staging:batch", batch_id=batch.pk)
    tell_when_it_starts(request, submission, f"Submitting {submission.documents} document(s) to Procore.")
    return redirect("staging:progress", batch_id=batch.pk)


def tell_when_it_starts(request: AuthenticatedRequest, submission: Submission, started: str) -> None:
    """Say the run is on its way, or, when the task queue could not take it, that it is recorded
    and starts by itself once the queue is back."""
    submission.refresh_from_db(fields=["queue_error"])
    if submission.queue_error:
        messages.warning(
            request,
            f"{submission.documents} document(s) are recorded for Procore, but the task queue cannot be reached "
            "right now. Nothing is lost: sending starts by itself when the queue is back, and this page shows it.",
        )
    else:
        messages.success(request, started)


@login_required
@require_GET
def progress(request: AuthenticatedRequest, batch_id: int) -> HttpResponse:
    """The progress page. While the run goes on, htmx asks the same URL every second with the
    ETag of what the page shows: nothing changed is a 304, otherwise the answer carries the
    summary and only the rows that changed (swapped in by id, staging/_progress_delta.html);
    once the run has ended it reloads the page, which then shows the retry forms and the notice."""
    batch = get_batch_for_user(request.user, batch_id)
    number = _page_number(request)
    if request.htmx:
        return _live(request, batch, number)
    page = Paginator(live.documents(batch), live.PAGE_SIZE).get_page(number)
    report = live.report(batch, live.snapshot(batch), list(page.object_list))
    return render(
        request,
        "staging/progress.html",
        {**_context(batch, report, shared_estimate(batch)), "page": page, "page_number": page.number},
    )


def _page_number(request: AuthenticatedRequest) -> int:
    raw = request.GET.get("page", "")
    return int(raw) if raw.isdigit() and int(raw) > 0 else 1


def _context(batch: Batch, report: dict, estimate: SubmitEstimate) -> dict:
    return {
        "batch": batch,
        "project": batch.project,
        "report": report,
        "statuses": _statuses(batch, report),
        "estimate": estimate,
    }


def _statuses(batch: Batch, report: dict) -> list:
    """The project's active status values, for ending workflows: only looked up when a row offers it."""
    if not any(row["workflow_conflict"] for row in report["documents"]):
        return []
    schema = load_schema(batch.project)
    status_field = schema.fields_by_name.get("status")
    return [v for v in schema.values_by_field.get(status_field.id, []) if v.active] if status_field else []


def _not_modified(etag: str) -> HttpResponse:
    response = HttpResponseNotModified()
    response["ETag"] = etag
    return response


def _seen(request: AuthenticatedRequest) -> str:
    return request.headers.get("If-None-Match", "")


def _live(request: AuthenticatedRequest, batch: Batch, number: int) -> HttpResponse:
    snap = live.snapshot(batch)
    seen = _seen(request)
    if snap.finished or (seen and live.document_count(seen) not in {None, snap.documents}):
        return HttpResponseClientRefresh()  # the page as it now is (documents came or went)
    if seen == snap.etag:
        return _not_modified(snap.etag)
    response = HttpResponse(_delta(request, batch, snap, seen, number))
    response["ETag"] = snap.etag
    response["Cache-Control"] = "no-store"
    return response


def _delta(request: AuthenticatedRequest, batch: Batch, snap: live.Snapshot, seen: str, number: int) -> str:
    """What changed between the watcher's last answer (`seen`) and now (`snap`). Everyone watching
    the run asks for the same step from one state to the next, so while it is sent (no row then
    offers a form, which would carry the person's CSRF token) the answer is rendered once and
    shared for a few seconds."""

    def render_delta() -> str:
        changed = live.on_page(live.documents(batch, live.changed_since(seen)), batch, number)
        report = live.report(batch, snap, list(changed))
        # Worked out with the step's rows (once per step, like them): a kept estimate could be
        # older than the step, and the watchers' next polls are 304s until the next one.
        context = {**_context(batch, report, estimate_of(batch)), "page_number": number}
        return render_to_string("staging/_progress_delta.html", context, request)

    if batch.state != Batch.State.SUBMITTING:
        return render_delta()
    step = hashlib.blake2b(f"{seen}|{snap.etag}".encode(), digest_size=16).hexdigest()
    return shared(f"staging:progress-delta:{batch.pk}:{number}:{step}", render_delta, DELTA_FOR)


@login_required
@require_GET
def estimate(request: AuthenticatedRequest, batch_id: int) -> HttpResponse:
    """The submit estimate alone, for the batch page to refresh it in place (htmx)."""
    batch = get_batch_for_user(request.user, batch_id)
    return render(request, "staging/_estimate.html", {**estimate_context(batch), "refresh": True})


@login_required
@require_GET
def progress_json(request: AuthenticatedRequest, batch_id: int) -> HttpResponse:
    """The report as JSON. With `If-None-Match` (the `cursor` of an earlier answer) it is a 304
    when nothing changed, else only the documents changed since (`"delta": true`)."""
    batch = get_batch_for_user(request.user, batch_id)
    snap = live.snapshot(batch)
    seen = _seen(request)
    if seen and seen == snap.etag:
        return _not_modified(snap.etag)
    since = live.changed_since(seen) if live.document_count(seen) == snap.documents else None
    report = live.report(batch, snap, list(live.documents(batch, since)))
    report["delta"] = since is not None
    report["estimate_seconds"] = None if report["finished"] or report["waiting"] else estimate_of(batch).seconds
    response = JsonResponse(report)
    response["ETag"] = snap.etag
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def retry(request: AuthenticatedRequest, batch_id: int) -> HttpResponse:
    """Retry one failed document (`document` in the form) or every failed document."""
    batch = get_batch_for_user(request.user, batch_id)
    documents = batch.documents.filter(state=StagedDocument.State.FAILED)
    if request.POST.get("document"):
        documents = documents.filter(pk=request.POST["document"] if request.POST["document"].isdigit() else 0)
    try:
        submission = submitting.retry(batch, request.user, list(documents))
    except submitting.CannotSubmit as exc:
        messages.error(request, str(exc))
    else:
        tell_when_it_starts(request, submission, f"Sending {submission.documents} document(s) again.")
    return redirect("staging:progress", batch_id=batch.pk)


@login_required
@require_POST
def end_workflows(request: AuthenticatedRequest, batch_id: int, document_id: int) -> HttpResponse:
    """Resubmit a document refused for a workflow conflict, ending the existing workflows."""
    batch = get_batch_for_user(request.user, batch_id)
    document = get_object_or_404(StagedDocument, pk=document_id, batch=batch, state=StagedDocument.State.FAILED)
    try:
        submitting.set_termination(
            document,
            load_schema(batch.project),
            request.POST.get("termination_reason", ""),
            request.POST.get("terminated_revision_status_id", ""),
        )
        submission = submitting.retry(batch, request.user, [document])
    except submitting.CannotSubmit as exc:
        messages.error(request, str(exc))
    else:
        tell_when_it_starts(request, submission, f"Resubmitting {document.file_name}, ending the existing workflows.")
    return redirect("staging:progress", batch_id=batch.pk)
