"""Issue control pages: the batch's warnings and decisions (thin views over checks.py)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from portal.accounts.http import AuthenticatedRequest

from ..access import get_batch_for_user
from ..edits import BatchLocked
from . import checks, compare


@login_required
@require_GET
def issue_check(request: AuthenticatedRequest, batch_id: int) -> HttpResponse:
    batch = get_batch_for_user(request.user, batch_id)
    report = checks.check_batch(batch, viewer=request.user)
    return render(
        request,
        "staging/issue_control/check.html",
        {
            "batch": batch,
            "project": batch.project,
            "report": report,
            "findings": report.findings,
            "compares": compare.summary(batch) if batch.target == batch.Target.DOCUMENT_MANAGEMENT else None,
        },
    )


@login_required
@require_GET
def issue_panel(request: AuthenticatedRequest, batch_id: int) -> HttpResponse:
    """The batch page's issue check panel (asked for by the page once it has loaded)."""
    batch = get_batch_for_user(request.user, batch_id)
    report = checks.check_batch(batch, viewer=request.user) if batch.is_editable else checks.Report(None)
    return render(
        request,
        "staging/issue_control/_batch_panel.html",
        {"batch": batch, "report": report, "counts": report.counts()},
    )


@login_required
@require_POST
def decide(request: AuthenticatedRequest, batch_id: int) -> HttpResponse:
    """Keep one document despite a warning, keep every remaining one, or remove a document."""
    batch = get_batch_for_user(request.user, batch_id)
    action = request.POST.get("action", "")
    reason = request.POST.get("reason", "")
    document = request.POST.get("document", "")
    try:
        if action == "keep" and document.isdigit():
            kept = checks.keep(
                batch,
                request.user,
                int(document),
                request.POST.get("kind", ""),
                request.POST.get("subject", ""),
                reason,
            )
            if kept:
                messages.success(request, "Kept. The decision is in the batch's history.")
            else:
                messages.warning(request, "That warning no longer applies; the page shows what applies now.")
        elif action == "keep_all":
            count = checks.keep_all(batch, request.user, reason)
            messages.success(request, f"Kept {count} document warning{'s' if count != 1 else ''}.")
        elif action == "remove" and document.isdigit():
            removed = checks.remove(batch, request.user, [int(document)], {int(document): request.POST.get("why", "")})
            messages.success(request, "Removed from the batch." if removed else "That document is no longer here.")
        else:
            messages.error(request, "Choose keep or remove.")
    except BatchLocked as exc:
        messages.error(request, str(exc))
    return redirect("staging:issue_check", batch_id=batch.pk)
