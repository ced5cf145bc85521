from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRefresh

from portal.accounts.http import AuthenticatedRequest
from portal.procore.errors import ProcoreError, ReauthorizationRequired, friendly_message

from . import browse
from .access import get_company_for_user, get_project_for_user
from .dashboard import procore_overview, refresh_memberships_if_stale
from .models import SyncRun
from .sync import start_company_sync, start_sync
from .tasks import latest_sync, queue_sync


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _context(request: HttpRequest, project, tab: str) -> dict:
    return {"project": project, "tab": tab, "last_sync": latest_sync(project, request.user)}


@login_required
def dashboard(request: AuthenticatedRequest) -> HttpResponse:
    """The companies and projects the signed-in person can see in Procore."""
    error = ""
    try:
        refresh_memberships_if_stale(request.user)
    except ReauthorizationRequired as exc:
        logout(request)
        messages.warning(request, friendly_message(exc))
        return redirect("account_login")
    except ProcoreError as exc:
        # Procore is down or slow: show what the mirror knows, and say so.
        error = f"{friendly_message(exc)} The list below may be out of date."
    return render(request, "portal/dashboard.html", {"companies": procore_overview(request.user), "error": error})


@login_required
@require_GET
def project_documents(request: AuthenticatedRequest, project_id: int) -> HttpResponse:
    project = get_project_for_user(request.user, project_id)
    view = browse.folder_view(
        project,
        _int_or_none(request.GET.get("folder")),
        request.GET.get("q", "").strip(),
        request.GET.get("sort", "name"),
        request.GET.get("page", 1),
    )
    return render(request, "mirror/documents.html", {**_context(request, project, "documents"), "view": view})


@login_required
@require_GET
def project_setup(request: AuthenticatedRequest, project_id: int) -> HttpResponse:
    project = get_project_for_user(request.user, project_id)
    return render(request, "mirror/setup.html", {**_context(request, project, "setup"), **browse.setup_view(project)})


@login_required
@require_GET
def project_revisions(request: AuthenticatedRequest, project_id: int) -> HttpResponse:
    project = get_project_for_user(request.user, project_id)
    context = browse.revision_view(
        project,
        search=request.GET.get("q", "").strip(),
        type_id=request.GET.get("type", ""),
        status_id=request.GET.get("status", ""),
        container=request.GET.get("container", ""),
        page=request.GET.get("page", 1),
    )
    return render(
        request,
        "mirror/revisions.html",
        {
            **_context(request, project, "revisions"),
            **context,
            "q": request.GET.get("q", ""),
            "type": request.GET.get("type", ""),
            "status": request.GET.get("status", ""),
        },
    )


def _sync_unless_under_way(request: HttpRequest, runs, start) -> None:
    """Queue a sync, unless one of these runs is already queued or running (for 30 minutes at most:
    an older one belongs to a worker that died)."""
    recent = timezone.now() - timedelta(minutes=30)
    if runs.filter(state__in=[SyncRun.State.QUEUED, SyncRun.State.RUNNING], created_at__gt=recent).exists():
        messages.info(request, "A sync is already under way.")
        return
    if queue_sync(start()):
        messages.success(request, "Sync started. This page updates as it goes.")
    else:
        messages.warning(request, "Sync recorded. It will start when the task queue is back.")


@login_required
@require_POST
def sync_now(request: AuthenticatedRequest, project_id: int) -> HttpResponse:
    project = get_project_for_user(request.user, project_id)
    _sync_unless_under_way(request, project.sync_runs, lambda: start_sync(project, request.user))
    next_url = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        return redirect(next_url)
    return redirect("mirror:documents", project_id=project.id)


@login_required
@require_GET
def sync_status(request: AuthenticatedRequest, project_id: int, run_id: int) -> HttpResponse:
    project = get_project_for_user(request.user, project_id)
    run = get_object_or_404(SyncRun, pk=run_id, project=project)
    return _status(request, run, reverse("mirror:sync", args=[project.id]))


def _status(request: AuthenticatedRequest, run: SyncRun, sync_url: str) -> HttpResponse:
    """The sync panel for htmx while the run goes on (the page reloads once it has ended, to show
    what it brought); JSON for anyone else."""
    if request.htmx:
        if run.finished:
            return HttpResponseClientRefresh()
        context = {
            "last_sync": run,
            "status_url": request.path,
            "sync_url": sync_url,
            "next": request.htmx.current_url_abs_path or "",
        }
        return render(request, "mirror/_sync_panel.html", context)
    return _status_json(run)


def _status_json(run: SyncRun) -> JsonResponse:
    return JsonResponse(
        {
            "id": run.pk,
            "state": run.state,
            "state_label": run.get_state_display(),
            "kind": run.kind,
            "step": run.step,
            "items_seen": run.items_seen,
            "items_removed": run.items_removed,
            "api_calls": run.api_calls,
            "error": run.error,
            "finished": run.finished,
        }
    )


@login_required
@require_GET
def company_documents(request: AuthenticatedRequest, company_id: int) -> HttpResponse:
    company = get_company_for_user(request.user, company_id)
    view = browse.folder_view(
        None,
        _int_or_none(request.GET.get("folder")),
        request.GET.get("q", "").strip(),
        request.GET.get("sort", "name"),
        request.GET.get("page", 1),
        company=company,
    )
    return render(
        request,
        "mirror/company_documents.html",
        {"company": company, "view": view, "last_sync": company.sync_runs.first()},
    )


@login_required
@require_POST
def company_sync_now(request: AuthenticatedRequest, company_id: int) -> HttpResponse:
    company = get_company_for_user(request.user, company_id)
    _sync_unless_under_way(request, company.sync_runs, lambda: start_company_sync(company, request.user))
    return redirect("mirror:company_documents", company_id=company.id)


@login_required
@require_GET
def company_sync_status(request: AuthenticatedRequest, company_id: int, run_id: int) -> HttpResponse:
    company = get_company_for_user(request.user, company_id)
    run = get_object_or_404(SyncRun, pk=run_id, company=company)
    return _status(request, run, reverse("mirror:company_sync", args=[company.id]))
