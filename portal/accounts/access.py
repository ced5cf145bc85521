"""Who may see what: the one place every view asks.

A person sees a project when Procore listed it for them (mirror.Membership). Anything else is
a 404, never a 403, so URLs do not reveal which projects exist.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from portal.mirror.models import Company, Project

from .models import User


def projects_for_user(user: User) -> QuerySet[Project]:
    return Project.objects.filter(memberships__user=user)


def get_project_for_user(user: User, project_id: int) -> Project:
    """The project if `user` may see it; Http404 otherwise."""
    project = projects_for_user(user).select_related("company").filter(id=project_id).first()
    if project is None:
        raise Http404("No such project.")
    return project


def get_company_for_user(user: User, company_id: int) -> Company:
    """A company whose Documents tool `user` may see: they belong to one of its projects."""
    company = Company.objects.filter(pk=company_id, projects__memberships__user=user).distinct().first()
    if company is None:
        raise Http404("No such company.")
    return company


def get_batch_for_user(user: User, batch_id: int):
    """A staging batch of a project `user` may see; Http404 otherwise."""
    from portal.staging.models import Batch

    batch = (
        Batch.objects.select_related("project", "project__company", "created_by")
        .filter(pk=batch_id, project__memberships__user=user)
        .first()
    )
    if batch is None:
        raise Http404("No such batch.")
    return batch
