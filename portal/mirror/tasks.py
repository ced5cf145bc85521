"""django-q2 tasks: thin wrappers over portal.mirror.sync."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from portal.tasking.handoff import enqueue
from portal.throttle import lanes
from portal.throttle.lanes import Lane, Ticket

from .models import Project, SyncRun
from .sync import run_company_sync, run_sync, start_sync


def sync_ticket(run_id: int) -> Ticket:
    """ "Sync now" is interactive (someone is watching it); a scheduled refresh is background."""
    run = SyncRun.objects.select_related("project", "company", "requested_by").get(pk=run_id)
    if run.project is not None:
        where = run.project.name
    else:
        where = f"{run.company.name if run.company else 'Company'} documents"
    if run.requested_by is not None:
        person = run.requested_by
        return Ticket(
            Lane.INTERACTIVE,
            f"sync:{run.pk}",
            f"Sync now · {where}",
            person.pk,
            person.get_full_name() or person.get_username(),
        )
    return Ticket(Lane.BACKGROUND, f"sync:{run.pk}", f"Scheduled sync · {where}")


def sync_project(run_id: int) -> str:
    with lanes.serving(sync_ticket(run_id)):
        run = run_sync(run_id)
    return f"{run.kind} sync of project {run.project_id}: {run.state}"


def sync_company(run_id: int) -> str:
    with lanes.serving(sync_ticket(run_id)):
        run = run_company_sync(run_id)
    return f"sync of company {run.company_id} documents: {run.state}"


def queue_sync(run: SyncRun) -> bool:
    """Queue the run; False when the broker is down (the task is kept and starts when it is back)."""
    if run.project_id is None:
        return enqueue("portal.mirror.tasks.sync_company", run.pk, task_name=f"sync-company-{run.company_id}-{run.pk}")
    return enqueue("portal.mirror.tasks.sync_project", run.pk, task_name=f"sync-project-{run.project_id}-{run.pk}")


def latest_sync(project: Project, user) -> SyncRun | None:
    """The project's latest sync. A project never synced starts its first (full) sync on the
    first visit to any of its tabs, so the tabs fill in while the person watches the progress."""
    run = project.sync_runs.first()
    if run is None and project.last_synced_at is None:
        run = start_sync(project, user, full=True)
        queue_sync(run)
    return run


def refresh_active_projects() -> int:
    """Scheduled: sync each active project someone uses that is due one.

    Incremental normally; full for a project never synced, and once a day so that rows Procore's
    search index showed late, or removals a delta missed, are caught too.
    """
    now = timezone.now()
    due_before = now - timedelta(seconds=settings.MIRROR_REFRESH_INTERVAL)
    full_before = now - timedelta(seconds=settings.MIRROR_FULL_SYNC_INTERVAL)
    busy = SyncRun.objects.filter(state__in=[SyncRun.State.QUEUED, SyncRun.State.RUNNING]).values("project")
    projects = (
        Project.objects.filter(active=True, memberships__isnull=False)
        .filter(Q(last_synced_at__lt=due_before) | Q(last_synced_at__isnull=True))
        .exclude(pk__in=busy)
        .distinct()
    )
    recent_full = set(
        SyncRun.objects.filter(
            kind=SyncRun.Kind.FULL, state=SyncRun.State.DONE, finished_at__gte=full_before
        ).values_list("project_id", flat=True)
    )
    count = 0
    for project in projects:
        full = project.last_synced_at is None or project.pk not in recent_full
        queue_sync(start_sync(project, None, full=full))
        count += 1
    return count
