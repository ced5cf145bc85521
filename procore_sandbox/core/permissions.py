"""`GET /rest/v1.0/settings/permissions` — "Show permission manifest" (procore-api.md §4): the
CURRENT USER's access level per tool, for a project (`?project_id=`) or a company (`?company_id=`).

Procore documents the operation but not its body, beyond a top-level `tools` list whose entries
carry `id`, `name`, `friendly_name`, `domain_id`, `tab_group`, `available_for_user`, `url`,
`user_access_level`, `permitted_actions`, `create_url`, `can_create`, `trial` (the models of SDKs
generated from Procore's OpenAPI). The sandbox's chosen shape, written down here:

    {"tools": [{"id": 1, "name": "admin", "friendly_name": "Admin", "domain_id": 2305,
                "tab_group": "core_tools", "available_for_user": true,
                "url": "/2305/project/admin", "create_url": null, "can_create": false, "trial": false,
                "user_access_level": {"id": 4, "name": "Admin"},
                "permitted_actions": [{"id": 1, "name": "manage_webhooks"}]}, ...]}

- Tools: project scope — `admin` (Admin: the project's settings, where webhooks are configured),
  `documents`, `document_management`, `directory`; company scope — `admin` (Company Admin),
  `documents`, `directory`.
- `user_access_level` is one of Procore's four levels: `{"id": 1, "name": "None"}`,
  `{"id": 2, "name": "Read Only"}`, `{"id": 3, "name": "Standard"}`, `{"id": 4, "name": "Admin"}`.
  `available_for_user` is false exactly when the level is None.
- Levels come from the person's permission template in the project (ProjectMembership:
  Project Admin — Admin on Admin, documents and Document Management; Standard — no Admin tool,
  Standard documents and Document Management; Subcontractor — no Admin tool, Read Only documents,
  Standard Document Management), and the Directory level from their Directory permission there
  (`ProjectMembership.directory`, which /projects/{id}/users also obeys). A full company admin is
  Admin on every tool of every project of the company and on the company's own tools; anyone else
  has Read Only company tools.
- `permitted_actions` lists granular permissions beyond the level; the sandbox grants
  `manage_webhooks` on the Admin tool to whoever is Admin there, and nothing else.
- `Procore-Company-Id` is required (400 `Missing Procore-Company-Id header!` without it), and must be
  the project's company; a project or company the person cannot see answers 404. Exactly one of
  `project_id` / `company_id` is given (400 otherwise).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse

from procore_sandbox.http import ApiError, api_view, company_header, int_param, require_company_context
from procore_sandbox.models import AccessToken, Company, ProjectMembership

from .views import company_for, visible_projects

LEVELS = {"None": 1, "Read Only": 2, "Standard": 3, "Admin": 4}
PROJECT_TOOLS = [
    ("admin", "Admin"),
    ("documents", "Documents"),
    ("document_management", "Document Management"),
    ("directory", "Directory"),
]
COMPANY_TOOLS = [("admin", "Company Admin"), ("documents", "Company Documents"), ("directory", "Company Directory")]

TEMPLATES: dict[str, dict[str, str]] = {
    ProjectMembership.Template.PROJECT_ADMIN: {"admin": "Admin", "documents": "Admin", "document_management": "Admin"},
    ProjectMembership.Template.STANDARD: {"admin": "None", "documents": "Standard", "document_management": "Standard"},
    ProjectMembership.Template.SUBCONTRACTOR: {
        "admin": "None",
        "documents": "Read Only",
        "document_management": "Standard",
    },
}
DIRECTORY: dict[str, str] = {
    ProjectMembership.Directory.NONE: "None",
    ProjectMembership.Directory.READ_ONLY: "Read Only",
    ProjectMembership.Directory.STANDARD: "Standard",
    ProjectMembership.Directory.ADMIN: "Admin",
}


def tool_json(index: int, name: str, friendly: str, domain_id: int, url: str, level: str) -> dict[str, Any]:
    return {
        "id": index,
        "name": name,
        "friendly_name": friendly,
        "domain_id": domain_id,
        "tab_group": "core_tools",
        "available_for_user": level != "None",
        "url": url,
        "create_url": None,
        "can_create": level in {"Standard", "Admin"},
        "trial": False,
        "user_access_level": {"id": LEVELS[level], "name": level},
        "permitted_actions": [{"id": 1, "name": "manage_webhooks"}] if name == "admin" and level == "Admin" else [],
    }


@api_view(["GET"])
def permissions(request: HttpRequest, token: AccessToken) -> HttpResponse:
    if company_header(request) is None:
        raise ApiError(400, "Missing Procore-Company-Id header!")
    project_id = int_param(request, "project_id")
    company_id = int_param(request, "company_id")
    if (project_id is None) == (company_id is None):
        raise ApiError(400, "Give either project_id or company_id.")
    person = token.person
    if company_id is not None:
        company = company_for(request, token, company_id)
        admin = company.memberships.filter(person=person, is_admin=True).exists()
        levels = {name: "Admin" if admin else "Read Only" for name, _ in COMPANY_TOOLS}
        tools = [
            tool_json(i, name, friendly, company.id, f"/{company.id}/company/{name}", levels[name])
            for i, (name, friendly) in enumerate(COMPANY_TOOLS, start=1)
        ]
        return JsonResponse({"tools": tools})
    assert project_id is not None  # one of the two was given
    project_company = Company.objects.filter(projects__id=project_id).first()
    if project_company is None:
        raise ApiError(404, "Not Found")
    company = project_company
    require_company_context(request, company)
    project = visible_projects(person, company).filter(id=project_id).first()
    if project is None:
        raise ApiError(404, "Not Found")
    if company.memberships.filter(person=person, is_admin=True).exists():
        levels = {name: "Admin" for name, _ in PROJECT_TOOLS}
    else:
        membership = ProjectMembership.objects.get(person=person, project=project)
        levels = {
            **TEMPLATES.get(membership.permission_template, TEMPLATES[ProjectMembership.Template.STANDARD]),
            "directory": DIRECTORY.get(membership.directory, "None"),
        }
    tools = [
        tool_json(i, name, friendly, project.id, f"/{project.id}/project/{name}", levels[name])
        for i, (name, friendly) in enumerate(PROJECT_TOOLS, start=1)
    ]
    return JsonResponse({"tools": tools})
