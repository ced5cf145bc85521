"""Transmittals: a project's list (a project tab), downloads, and closing a partly landed batch."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from portal.accounts.http import AuthenticatedRequest
from portal.mirror.access import get_project_for_user

from ..access import batches_for_user, get_batch_for_user
from ..models import Transmittal
from . import tasks, transmittal


@login_required
@require_GET
def project_transmittals(request: AuthenticatedRequest, project_id: int) -> HttpResponse:
    project = get_project_for_user(request.user, project_id)
    # A subcontractor sees the transmittals of their own (and shared) batches, not everyone's.
    rows = Transmittal.objects.filter(project=project, batch__in=batches_for_user(request.user)).select_related(
        "batch", "issued_by"
    )
    return render(
        request,
        "staging/issue_control/transmittals.html",
        {"project": project, "tab": "transmittals", "last_sync": project.sync_runs.first(), "transmittals": rows},
    )


@login_required
@require_GET
def download(request: AuthenticatedRequest, transmittal_id: int, kind: str) -> FileResponse:
    row = Transmittal.objects.filter(pk=transmittal_id, batch__in=batches_for_user(request.user)).first()
    field = {"pdf": row.pdf, "csv": row.csv}.get(kind) if row is not None else None
    if row is None or not field or not field.name or not default_storage.exists(field.name):
        raise Http404("No such transmittal.")
    return FileResponse(
        default_storage.open(field.name, "rb"),
        as_attachment=True,
        filename=f"{row.label}.{kind}",
        content_type="application/pdf" if kind == "pdf" else "text/csv; charset=utf-8",
    )


@login_required
@require_POST
def close(request: AuthenticatedRequest, batch_id: int) -> HttpResponse:
    batch = get_batch_for_user(request.user, batch_id)
    landed = transmittal.close_batch(batch, request.user)
    if landed is None:
        messages.error(request, "Only a batch that needs attention can be closed.")
    elif landed:
        tasks.queue_transmittal(batch.pk, closed_by=request.user.pk)
        if tasks.waits_for_queue("transmittal", batch.pk):
            messages.warning(
                request,
                f"Closed. The transmittal for the {landed} landed document(s) is prepared when the task queue is back.",
            )
        else:
            messages.success(request, f"Closed. The transmittal for the {landed} landed document(s) is being prepared.")
    else:
        messages.success(request, "Closed. Nothing landed, so there is no transmittal.")
    return redirect("staging:progress", batch_id=batch.pk)
