"""What the dashboard shows: the person's companies and projects, from the mirror.

The list is re-read from Procore (through the client) when it is older than
MIRROR_MEMBERSHIP_MAX_AGE seconds, so a project added in Procore appears within minutes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from portal.accounts.models import User

from .access import projects_for_user
from .models import Company, Project
from .sync import sync_memberships


@dataclass
class CompanyOverview:
    company: Company
    projects: list[Project] = field(default_factory=list)


def memberships_stale(user: User) -> bool:
    max_age = timedelta(seconds=settings.MIRROR_MEMBERSHIP_MAX_AGE)
    return user.projects_synced_at is None or timezone.now() - user.projects_synced_at > max_age


def refresh_memberships_if_stale(user: User) -> None:
    """Re-read from Procore which projects `user` may see, when the mirror's list is old."""
    if memberships_stale(user):
        sync_memberships(user)


def procore_overview(user: User) -> list[CompanyOverview]:
    """Each company with the projects `user` may see, from the mirror."""
    overview: dict[int, CompanyOverview] = {}
    for project in projects_for_user(user).select_related("company").order_by("company__name", "name"):
        overview.setdefault(project.company_id, CompanyOverview(project.company)).projects.append(project)
    return list(overview.values())
