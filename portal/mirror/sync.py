"""Syncing the mirror: who may see which projects, and each project's documents and configuration.

Plain functions; django-q2 tasks (tasks.py) are thin wrappers around them.
"""

from __future__ import annotations

import logging

import requests
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from portal.accounts.models import User
from portal.accounts.tokens import UserTokenSource
from portal.procore import core
from portal.procore.errors import NotFound, PermissionDenied, ProcoreError, friendly_message
from portal.procore.http import ProcoreClient
from portal.throttle.budget import name_company

from .models import Company, Membership, Project, SyncRun
from .people import sync_people
from .sync_company import sync_company_documents
from .sync_documents import sync_documents
from .sync_pdm import config_is_stale, sync_config, sync_revisions
from .upsert import when

log = logging.getLogger(__name__)


class NoSyncIdentity(Exception):
    """No one whose Procore access could be used for this sync."""


def sync_memberships(user: User) -> list[Project]:
    """Mirror the companies and projects Procore lists for `user`; forget the ones it no longer does."""
    client = ProcoreClient(UserTokenSource.for_user(user))
    visible: list[Project] = []
    for item in core.companies(client):
        company, _ = Company.objects.update_or_create(
            id=item["id"], defaults={"name": item.get("name") or "", "is_active": item.get("is_active", True)}
        )
        try:
            projects = list(core.projects(client, company.id))
        except (NotFound, PermissionDenied):
            continue
        name_company(company.id, company.name)  # the rate-limit budget's admin page shows names
        for p in projects:
            project, _ = Project.objects.update_or_create(
                id=p["id"],
                defaults={
                    "company": company,
                    "name": p.get("name") or "",
                    "display_name": p.get("display_name") or "",
                    "project_number": p.get("project_number") or "",
                    "city": p.get("city") or "",
                    "state_code": p.get("state_code") or "",
                    "stage": p.get("stage") or "",
                    "active": p.get("active", True) is not False,
                    "procore_updated_at": when(p.get("updated_at")),
                },
            )
            visible.append(project)
    with transaction.atomic():
        for project in visible:
            Membership.objects.update_or_create(user=user, project=project)
        Membership.objects.filter(user=user).exclude(project__in=visible).delete()
    User.objects.filter(pk=user.pk).update(projects_synced_at=timezone.now())
    return visible


def counting_client(user: User, run: SyncRun) -> ProcoreClient:
    """A client for `user` whose every Procore answer counts towards the run's `api_calls`."""
    session = requests.Session()

    def count(response: requests.Response, *args: object, **kwargs: object) -> None:
        SyncRun.objects.filter(pk=run.pk).update(api_calls=F("api_calls") + 1)

    session.hooks["response"].append(count)
    return ProcoreClient(UserTokenSource.for_user(user), session=session)


def sync_identity(project: Project, requested_by: User | None) -> User | None:
    """Whose Procore access a sync uses: who asked for it, else a member with a live sign-in."""
    if requested_by is not None:
        return requested_by
    return (
        User.objects.filter(memberships__project=project, procore_credential__invalid_since=None)
        .order_by("-last_login")
        .first()
    )


def start_sync(project: Project, requested_by: User | None, *, full: bool | None = None) -> SyncRun:
    """Record a sync to run; a project never synced gets a full one."""
    if full is None:
        full = project.last_synced_at is None
    return SyncRun.objects.create(
        project=project, requested_by=requested_by, kind=SyncRun.Kind.FULL if full else SyncRun.Kind.INCREMENTAL
    )


def start_company_sync(company: Company, requested_by: User | None) -> SyncRun:
    return SyncRun.objects.create(company=company, requested_by=requested_by, kind=SyncRun.Kind.FULL)


def _claim(run_id: int) -> bool:
    """Take a queued run; the conditional UPDATE means two workers never run one sync."""
    return bool(
        SyncRun.objects.filter(pk=run_id, state=SyncRun.State.QUEUED).update(
            state=SyncRun.State.RUNNING, started_at=timezone.now()
        )
    )


def _finish(run: SyncRun, error: Exception | None) -> SyncRun:
    if error is None:
        SyncRun.objects.filter(pk=run.pk).update(state=SyncRun.State.DONE, finished_at=timezone.now(), step="")
    else:
        log.warning("Sync %s failed: %s", run.pk, error)
        message = friendly_message(error) if isinstance(error, ProcoreError) else str(error)
        SyncRun.objects.filter(pk=run.pk).update(
            state=SyncRun.State.FAILED, error=message, finished_at=timezone.now(), step=""
        )
    run.refresh_from_db()
    return run


def run_company_sync(run_id: int) -> SyncRun:
    """Mirror a company's own Documents tool, as the person who asked or a member of the company."""
    claimed = _claim(run_id)
    run = SyncRun.objects.select_related("company", "requested_by").get(pk=run_id)
    if not claimed:
        return run
    user = run.requested_by or (
        User.objects.filter(memberships__project__company=run.company, procore_credential__invalid_since=None)
        .order_by("-last_login")
        .first()
    )
    try:
        if user is None:
            raise NoSyncIdentity("Nobody with a current Procore sign-in belongs to this company.")
        assert run.company is not None, "a company sync has its company"
        SyncRun.objects.filter(pk=run.pk).update(step="Company folders and files")

        def tally(seen: int, removed: int) -> None:
            SyncRun.objects.filter(pk=run.pk).update(items_seen=seen, items_removed=removed)

        sync_company_documents(counting_client(user, run), run.company, progress=tally)
    except (ProcoreError, NoSyncIdentity) as exc:
        return _finish(run, exc)
    return _finish(run, None)


def run_sync(run_id: int) -> SyncRun:
    """Run a queued project sync."""
    claimed = _claim(run_id)
    run = SyncRun.objects.select_related("project", "requested_by").get(pk=run_id)
    if not claimed:
        return run
    project = run.project
    assert project is not None, "a project sync has its project"
    full = run.kind == SyncRun.Kind.FULL

    def step(name: str) -> None:
        SyncRun.objects.filter(pk=run.pk).update(step=name)

    try:
        user = sync_identity(project, run.requested_by)
        if user is None:
            raise NoSyncIdentity("Nobody with a current Procore sign-in belongs to this project.")
        client = counting_client(user, run)
        done = {"seen": 0, "removed": 0}  # totals of the steps already finished

        def tally(seen: int, removed: int) -> None:
            SyncRun.objects.filter(pk=run.pk).update(
                items_seen=done["seen"] + seen, items_removed=done["removed"] + removed
            )

        step("Folders and files")
        sync_documents(client, project, full=full, progress=tally)
        run.refresh_from_db(fields=["items_seen", "items_removed"])
        done.update(seen=run.items_seen, removed=run.items_removed)
        if project.pdm_enabled is not False or full:
            setup = full or config_is_stale(project) or run.requested_by is not None
            if setup:
                step("Document Management setup")
                sync_config(client, project)
            if project.pdm_enabled:
                step("Document revisions")
                sync_revisions(client, project, full=full, progress=tally)
            if setup and project.pdm_enabled:
                # Person fields take the project's people: read them with the setup (after the
                # revisions, which name people when the Directory is refused).
                step("Project people")
                sync_people(client, project)
    except (ProcoreError, NoSyncIdentity) as exc:
        return _finish(run, exc)
    Project.objects.filter(pk=project.pk).update(last_synced_at=timezone.now())
    return _finish(run, None)
