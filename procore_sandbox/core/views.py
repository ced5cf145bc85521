"""/rest/v1.0/me, companies and projects (procore-api.md §2.5 and §4).

The Procore-Company-Id header with a service-account (DMSA) token, where the docs and widely used
clients part ways (procore-api.md §2.5, §3.2, §10):

- `GET /rest/v1.0/companies` answers without the header, for a service account as for a person.
  The docs ask a DMSA to send it, but a client cannot know a company id before listing companies,
  and the clients in use list them without it (propycore's `Companies.get`, pyprocore's
  `list_companies`) and work against Procore, which serves the default region without the header. The
  list includes companies in another region; calls about those still need the header.
- `GET /rest/v1.0/me` keeps the documented rule: a service account must send the header (400
  `Missing Procore-Company-Id header!` without it). Neither pyprocore 2.4 nor propycore 0.8 calls
  /me (both start from /companies), so no
  widely used client relies on a lenient /me; the strict answer keeps a client that does call it
  sending what the docs ask.
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.dateparse import parse_date, parse_datetime

from procore_sandbox.http import (
    ApiError,
    api_view,
    company_header,
    int_param,
    json_list,
    paginate,
    require_company_context,
    timestamp,
)
from procore_sandbox.models import AccessToken, Company, Person, Project

V1_DEFAULT_PER_PAGE = 100
V1_MAX_PER_PAGE = 1000


def _require_header_for_service_account(request: HttpRequest, token: AccessToken) -> None:
    """/me skips the company header, except for a DMSA (§2.5; see the module docstring)."""
    if token.is_client_credentials and company_header(request) is None:
        raise ApiError(400, "Missing Procore-Company-Id header!")


def visible_companies(person: Person) -> QuerySet[Company]:
    return Company.objects.filter(memberships__person=person, is_active=True).distinct()


def visible_projects(person: Person, company: Company) -> QuerySet[Project]:
    """All projects for a full company admin, otherwise the projects the person belongs to."""
    projects = Project.objects.filter(company=company)
    if company.memberships.filter(person=person, is_admin=True).exists():
        return projects
    return projects.filter(memberships__person=person).distinct()


def company_for(request: HttpRequest, token: AccessToken, company_id: int) -> Company:
    company = visible_companies(token.person).filter(id=company_id).first()
    if company is None:
        # Procore answers 404 rather than 403 for what the caller cannot see.
        raise ApiError(404, "Not Found")
    require_company_context(request, company)
    return company


@api_view(["GET"])
def me(request: HttpRequest, token: AccessToken) -> HttpResponse:
    _require_header_for_service_account(request, token)
    person = token.person
    return JsonResponse({"id": person.id, "login": person.login, "name": person.name})


def company_json(company: Company, person: Person) -> dict[str, Any]:
    return {
        "id": company.id,
        "name": company.name,
        "is_active": company.is_active,
        "logo_url": company.logo_url or None,
        "pcn_business_experience": None,
        "my_company": False,
    }


@api_view(["GET"])
def companies(request: HttpRequest, token: AccessToken) -> HttpResponse:
    # No company header needed, even for a service account: see the module docstring.
    page, headers = paginate(
        request,
        visible_companies(token.person).order_by("id"),
        default_per_page=V1_DEFAULT_PER_PAGE,
        max_per_page=V1_MAX_PER_PAGE,
        clamp=True,
    )
    return json_list([company_json(c, token.person) for c in page], headers)


def project_json(project: Project, view: str = "normal") -> dict[str, Any]:
    if view == "compact":
        return {"id": project.id, "name": project.name}
    return {
        "id": project.id,
        "name": project.name,
        "display_name": project.display_name,
        "project_number": project.project_number or None,
        "address": project.address or None,
        "city": project.city or None,
        "state_code": project.state_code or None,
        "country_code": project.country_code,
        "zip": project.zip or None,
        "county": None,
        "latitude": None,
        "longitude": None,
        "stage": project.stage,
        "phone": project.phone,
        "created_at": timestamp(project.created_at),
        "updated_at": timestamp(project.updated_at),
        "active": project.active,
        "origin_id": None,
        "origin_data": None,
        "company": {"id": project.company_id, "name": project.company.name},
    }


def _parse_instant(value: str, *, end: bool) -> datetime | None:
    parsed = parse_datetime(value)
    if parsed is not None:
        return parsed
    day = parse_date(value)
    if day is None:
        return None
    return datetime.combine(day, time.max if end else time.min, tzinfo=UTC)


def filter_projects(request: HttpRequest, projects: QuerySet[Project]) -> QuerySet[Project]:
    status = request.GET.get("filters[by_status]", "Active")
    if status == "Active":
        projects = projects.filter(active=True)
    elif status == "Inactive":
        projects = projects.filter(active=False)
    if name := request.GET.get("filters[name]"):
        projects = projects.filter(name__icontains=name)
    ids = request.GET.getlist("filters[id][]") or request.GET.getlist("filters[id]")
    if ids:
        try:
            projects = projects.filter(id__in=[int(i) for i in ids])
        except ValueError:
            raise ApiError(400, "filters[id] must be integers") from None
    if window := request.GET.get("filters[updated_at]"):
        start, sep, end = window.partition("...")
        lower = _parse_instant(start, end=False)
        upper = _parse_instant(end, end=True) if sep else None
        if lower is None or (sep and upper is None):
            raise ApiError(400, "filters[updated_at] must be a range like 2024-01-01T00:00:00Z...2024-02-01T00:00:00Z")
        projects = projects.filter(updated_at__gte=lower)
        if upper is not None:
            projects = projects.filter(updated_at__lte=upper)
    sort = request.GET.get("sort", "")
    if sort.lstrip("-") in {"name", "id", "updated_at", "created_at"}:
        return projects.order_by(sort)
    return projects.order_by("id")


def _projects(request: HttpRequest, token: AccessToken, view: str) -> HttpResponse:
    company_id = int_param(request, "company_id", required=True)
    company = company_for(request, token, company_id)
    projects = filter_projects(request, visible_projects(token.person, company).select_related("company"))
    page, headers = paginate(
        request, projects, default_per_page=V1_DEFAULT_PER_PAGE, max_per_page=V1_MAX_PER_PAGE, clamp=True
    )
    return json_list([project_json(p, view) for p in page], headers)


@api_view(["GET"])
def projects_v10(request: HttpRequest, token: AccessToken) -> HttpResponse:
    view = "compact" if request.GET.get("serializer_view") == "compact" else "normal"
    return _projects(request, token, view)


@api_view(["GET"])
def projects_v11(request: HttpRequest, token: AccessToken) -> HttpResponse:
    view = request.GET.get("view", "normal")
    return _projects(request, token, "compact" if view == "compact" else "normal")


@api_view(["GET"])
def project_detail(request: HttpRequest, token: AccessToken, project_id: int) -> HttpResponse:
    company_id = int_param(request, "company_id", required=True)
    company = company_for(request, token, company_id)
    project = visible_projects(token.person, company).select_related("company").filter(id=project_id).first()
    if project is None:
        raise ApiError(404, "Not Found")
    return JsonResponse(project_json(project))
