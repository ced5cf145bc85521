"""Who may see which company and project: the one place every view asks.

A person sees a project when Procore listed it for them (mirror.Membership). Anything else is
a 404, never a 403, so URLs do not reveal which projects exist. Batches are checked by
portal.staging.access on top of this.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from portal.accounts.models import User

from .models import Company, Project


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
