"""The visual compare pages: start a batch's compare, see one document's pages, their pictures."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from portal.accounts.http import AuthenticatedRequest

from ..access import get_batch_for_user
from ..models import SheetCompare
from . import compare, tasks


@login_required
@require_POST
def start(request: AuthenticatedRequest, batch_id: int) -> HttpResponse:
    batch = get_batch_for_user(request.user, batch_id)
    count = compare.request_compare(batch, request.user)
    if count:
        tasks.queue_compare(batch.pk)
        if tasks.waits_for_queue("compare", batch.pk):
            messages.warning(
                request, f"Compare of {count} document(s) recorded. It starts when the task queue is back."
            )
        else:
            messages.success(request, f"Comparing {count} document(s) with their current revisions in Procore.")
    else:
        messages.info(
            request, "There is nothing to compare: only documents for Document Management still to be sent are."
        )
    return redirect(reverse("staging:issue_check", args=[batch.pk]) + "#compare")


@login_required
@require_GET
def sheet(request: AuthenticatedRequest, batch_id: int, document_id: int) -> HttpResponse:
    batch = get_batch_for_user(request.user, batch_id)
    row = get_object_or_404(SheetCompare.objects.select_related("document"), batch=batch, document_id=document_id)
    pages = row.pages or []
    wanted = request.GET.get("page", "1")
    number = int(wanted) if wanted.isdigit() else 1
    page = next((p for p in pages if p.get("page") == number), pages[0] if pages else None)
    return render(
        request,
        "staging/issue_control/compare.html",
        {"batch": batch, "project": batch.project, "row": row, "document": row.document, "page": page, "pages": pages},
    )


@login_required
@require_GET
def picture(request: AuthenticatedRequest, batch_id: int, document_id: int) -> FileResponse:
    """One page's picture: `?page=<n>&kind=overlay|side`."""
    batch = get_batch_for_user(request.user, batch_id)
    wanted = request.GET.get("page", "")
    number = int(wanted) if wanted.isdigit() else 0
    kind = request.GET.get("kind", "")
    row = get_object_or_404(SheetCompare, batch=batch, document_id=document_id)
    page = next((p for p in row.pages or [] if p.get("page") == number), None)
    name = (page or {}).get(kind) if kind in {"overlay", "side"} else None
    if not name or not default_storage.exists(name):
        raise Http404("No such picture.")
    response = FileResponse(default_storage.open(name, "rb"), content_type="image/png")
    response["Cache-Control"] = "private, max-age=3600"
    return response
