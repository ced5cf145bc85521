"""The scheduled refresh: which projects get which sync."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from portal.mirror.models import Company, Membership, Project, SyncRun
from portal.mirror.tasks import refresh_active_projects

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def run_inline(monkeypatch):
    """Record what would be queued instead of running it."""
    queued: list[int] = []
    monkeypatch.setattr("portal.mirror.tasks.queue_sync", lambda run: queued.append(run.pk))
    return queued


def project(pk: int, user, *, synced_minutes_ago: int | None, full_hours_ago: int | None = None) -> Project:
    company, _ = Company.objects.get_or_create(id=1, defaults={"name": "Co"})
    now = timezone.now()
    item = Project.objects.create(
        id=pk,
        company=company,
        name=f"P{pk}",
        last_synced_at=None if synced_minutes_ago is None else now - timedelta(minutes=synced_minutes_ago),
    )
    Membership.objects.create(user=user, project=item)
    if full_hours_ago is not None:
        SyncRun.objects.create(
            project=item,
            kind=SyncRun.Kind.FULL,
            state=SyncRun.State.DONE,
            finished_at=now - timedelta(hours=full_hours_ago),
        )
    return item


def test_it_queues_the_right_kind_of_sync_for_each_project(django_user_model, run_inline):
    user = django_user_model.objects.create(username="u")
    never = project(1, user, synced_minutes_ago=None)
    fresh = project(2, user, synced_minutes_ago=1, full_hours_ago=1)
    due = project(3, user, synced_minutes_ago=30, full_hours_ago=2)
    stale_full = project(4, user, synced_minutes_ago=30, full_hours_ago=30)
    assert refresh_active_projects() == 3
    kinds = {run.project_id: run.kind for run in SyncRun.objects.filter(pk__in=run_inline)}
    assert kinds == {never.pk: "full", due.pk: "incremental", stale_full.pk: "full"}
    assert fresh.pk not in kinds
    # A project with a sync under way is left alone.
    assert refresh_active_projects() == 0
