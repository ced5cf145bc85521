"""`GET /rest/v1.0/projects/{project_id}/users`: a project's Directory (procore-api.md §4, §7.5, §9).

What Procore documents: the Directory tool must be active on the project; any project member may
call it; the minimum fields are `id`, `name`, `first_name`, `last_name`, more with a higher
Directory permission; the list is paginated (v1: `page`, `per_page`, `Link`/`Total`/`Per-Page`).
Procore's reference adds `view` (`compact` | `normal`; people without read permission on the
Directory get the compact view whatever they ask), `filters[search]` (first name, last name, e-mail
address, job title or company name), `filters[id]` and `sort` (`name`, `vendor_name`).

Choices where the docs are silent:

- The compact view is Procore's "Project User Compact View": `id`, `name`, `first_name`,
  `last_name`, `initials`, `vendor` (`{"id", "name"}` or null). The normal view adds
  `email_address`, `job_title`, `is_active`, `is_employee`, `created_at`, `updated_at`.
- A project whose Directory tool is off answers 403 `{"errors": "The Directory tool is not
  active on this project"}` (a tool disabled in the project is a 403, §3.6).
- A project the caller cannot see answers 404 (as every v1 show does).
- The service account is not listed: the docs do not say whether a DMSA appears in the project
  directory, and listing it would offer a machine as an author.
- Only active people are listed (the endpoint "returns a list of active users").
"""

from __future__ import annotations

import zlib
from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse

from procore_sandbox.core.views import V1_DEFAULT_PER_PAGE, V1_MAX_PER_PAGE, visible_companies, visible_projects
from procore_sandbox.http import ApiError, api_view, json_list, paginate, require_company_context, timestamp
from procore_sandbox.models import AccessToken, Person, Project, ProjectMembership

DIRECTORY_OFF_MESSAGE = "The Directory tool is not active on this project"
SORTS = {"name": ("name", "id"), "-name": ("-name", "-id"), "vendor_name": ("vendor_name", "name", "id")}


def _project_for(request: HttpRequest, token: AccessToken, project_id: int) -> Project:
    for company in visible_companies(token.person):
        project = visible_projects(token.person, company).filter(id=project_id).first()
        if project is not None:
            require_company_context(request, company)
            return project
    raise ApiError(404, "Not Found")


def _can_read_directory(person: Person, project: Project) -> bool:
    """Company admins and members with at least read-only Directory permission see the normal view."""
    if project.company.memberships.filter(person=person, is_admin=True).exists():
        return True
    membership = ProjectMembership.objects.filter(person=person, project=project).first()
    return membership is not None and membership.directory != ProjectMembership.Directory.NONE


def _initials(person: Person) -> str:
    return "".join(part[0] for part in person.name.split()[:2]).upper()


def person_json(person: Person, view: str, project: Project) -> dict[str, Any]:
    first, _, last = person.name.partition(" ")
    # A stable made-up vendor id: the sandbox has no Vendors tool.
    vendor = {"id": zlib.crc32(person.vendor_name.encode()), "name": person.vendor_name} if person.vendor_name else None
    body: dict[str, Any] = {
        "id": person.id,
        "name": person.name,
        "first_name": first,
        "last_name": last,
        "initials": _initials(person),
        "vendor": vendor,
    }
    if view == "normal":
        body.update(
            {
                "email_address": person.login,
                "job_title": person.job_title or None,
                "is_active": True,
                "is_employee": not person.vendor_name,
                "created_at": timestamp(project.created_at),
                "updated_at": timestamp(project.updated_at),
            }
        )
    return body


def filter_people(request: HttpRequest, people: QuerySet[Person]) -> QuerySet[Person]:
    if search := request.GET.get("filters[search]", "").strip():
        people = people.filter(
            Q(name__icontains=search)
            | Q(login__icontains=search)
            | Q(job_title__icontains=search)
            | Q(vendor_name__icontains=search)
        )
    ids = request.GET.getlist("filters[id][]") or request.GET.getlist("filters[id]")
    if ids:
        try:
            people = people.filter(id__in=[int(i) for i in ids])
        except ValueError:
            raise ApiError(400, "filters[id] must be integers") from None
    return people.order_by(*SORTS.get(request.GET.get("sort", ""), ("id",)))


@api_view(["GET"])
def project_users(request: HttpRequest, token: AccessToken, project_id: int) -> HttpResponse:
    """The project's Directory: its active members, compact or normal (see the module docstring)."""
    project = _project_for(request, token, project_id)
    if not project.directory_enabled:
        raise ApiError(403, DIRECTORY_OFF_MESSAGE)
    view = "compact" if request.GET.get("view") == "compact" else "normal"
    if not _can_read_directory(token.person, project):
        view = "compact"
    people = filter_people(
        request, Person.objects.filter(project_memberships__project=project, is_service_account=False).distinct()
    )
    page, headers = paginate(
        request, people, default_per_page=V1_DEFAULT_PER_PAGE, max_per_page=V1_MAX_PER_PAGE, clamp=True
    )
    return json_list([person_json(p, view, project) for p in page], headers)
