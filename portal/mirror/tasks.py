"""django-q2 tasks: thin wrappers over portal.mirror.sync."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django_q.tasks import async_task

from .models import Project, SyncRun
from .sync import run_sync, start_sync


def sync_project(run_id: int) -> str:
    run = run_sync(run_id)
    return f"{run.kind} sync of project {run.project_id}: {run.state}"


def queue_sync(run: SyncRun) -> None:
    async_task("portal.mirror.tasks.sync_project", run.pk, task_name=f"sync-project-{run.project_id}-{run.pk}")


def refresh_active_projects() -> int:
    """Scheduled: an incremental sync for each active project someone uses that is due one."""
    due_before = timezone.now() - timedelta(seconds=getattr(settings, "MIRROR_REFRESH_INTERVAL", 900))
    busy = SyncRun.objects.filter(state__in=[SyncRun.State.QUEUED, SyncRun.State.RUNNING]).values("project")
    projects = (Project.objects.filter(active=True, memberships__isnull=False, last_synced_at__lt=due_before)
                .exclude(pk__in=busy).distinct())
    count = 0
    for project in projects:
        queue_sync(start_sync(project, None, full=False))
        count += 1
    return count
