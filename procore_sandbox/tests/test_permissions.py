"""The permission manifest, `GET /rest/v1.0/settings/permissions`: per tool, the current person's
access level in a project or a company, from their permission template or company admin role."""

from __future__ import annotations

import pytest

from procore_sandbox.testing import DANA, ELI, PRIYA, SAM

pytestmark = pytest.mark.django_db(transaction=True)

NORTHWIND = {"Procore-Company-Id": "8089"}


def levels(sandbox, login: str, query: str, headers: dict | None = None) -> dict[str, str]:
    answer = sandbox.get(f"/rest/v1.0/settings/permissions?{query}", sandbox.token(login), headers=headers or NORTHWIND)
    assert answer.status_code == 200, answer.text
    return {tool["name"]: tool["user_access_level"]["name"] for tool in answer.json()["tools"]}


def test_a_project_admin_is_admin_on_the_projects_admin_tool(sandbox):
    assert levels(sandbox, ELI, "project_id=2305") == {
        "admin": "Admin",
        "documents": "Admin",
        "document_management": "Admin",
        "directory": "Standard",  # the Directory permission of the membership
    }


def test_the_directory_level_is_the_memberships_directory_permission(sandbox):
    harbor = {"Procore-Company-Id": "8090"}
    assert levels(sandbox, PRIYA, "project_id=2308", harbor)["directory"] == "None"
    assert levels(sandbox, PRIYA, "project_id=2307", harbor)["directory"] == "Standard"


def test_a_subcontractor_has_no_admin_tool_and_reads_documents(sandbox):
    answer = sandbox.get("/rest/v1.0/settings/permissions?project_id=2306", sandbox.token(SAM), headers=NORTHWIND)
    tools = {tool["name"]: tool for tool in answer.json()["tools"]}
    assert tools["admin"]["user_access_level"] == {"id": 1, "name": "None"}
    assert tools["admin"]["available_for_user"] is False and tools["admin"]["permitted_actions"] == []
    assert tools["documents"]["user_access_level"]["name"] == "Read Only"
    assert tools["document_management"]["user_access_level"]["name"] == "Standard"
    assert set(tools["admin"]) >= {"id", "friendly_name", "domain_id", "url", "can_create", "trial"}


def test_a_company_admin_administers_every_project_of_the_company(sandbox):
    assert levels(sandbox, DANA, "project_id=2306")["admin"] == "Admin"
    assert levels(sandbox, DANA, "company_id=8089")["admin"] == "Admin"
    assert levels(sandbox, ELI, "company_id=8089")["admin"] == "Read Only"


def test_it_needs_the_company_header_and_hides_what_the_person_cannot_see(sandbox):
    sam = sandbox.token(SAM)
    assert sandbox.get("/rest/v1.0/settings/permissions?project_id=2306", sam).status_code == 400
    assert sandbox.get("/rest/v1.0/settings/permissions?project_id=2305", sam, headers=NORTHWIND).status_code == 404
    other = {"Procore-Company-Id": "8090"}
    assert sandbox.get("/rest/v1.0/settings/permissions?project_id=2306", sam, headers=other).status_code == 404
    both = "project_id=2306&company_id=8089"
    assert sandbox.get(f"/rest/v1.0/settings/permissions?{both}", sam, headers=NORTHWIND).status_code == 400
