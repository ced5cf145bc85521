"""The sandbox's Webhooks API v2.0 over HTTP (procore-api.md §8.4): hooks, triggers, bulk calls,
masking, namespaces, access and the Procore-Company-Id rules."""

from __future__ import annotations

import pytest
import requests

from procore_sandbox.testing import DANA, ELI

pytestmark = pytest.mark.django_db(transaction=True)

COMPANY = 8089
PROJECT = 2305  # Riverside Medical Center: Dana (company admin) and Eli see it
SECRET = "Bearer s3cr3t-shared-value-xMiJ9"


def call(sandbox, method: str, path: str, token: str, company: int | None = COMPANY, **kwargs) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"}
    if company is not None:
        headers["Procore-Company-Id"] = str(company)
    return requests.request(method, sandbox.url(path), headers=headers, timeout=10, **kwargs)


def company_path(suffix: str = "") -> str:
    return f"/rest/v2.0/companies/{COMPANY}/webhooks{suffix}"


def project_path(suffix: str = "", project: int = PROJECT) -> str:
    return f"/rest/v2.0/companies/{COMPANY}/projects/{project}/webhooks{suffix}"


def new_hook(sandbox, token: str, path: str | None = None, **overrides) -> dict:
    body = {
        "payload_version": "v4.0",
        "namespace": "document-portal",
        "destination_url": "https://portal.example/webhooks/procore",
        "destination_headers": {"Authorization": SECRET},
        **overrides,
    }
    answer = call(sandbox, "POST", path or project_path("/hooks"), token, json=body)
    assert answer.status_code == 201, answer.text
    return answer.json()["data"]


def test_it_creates_shows_updates_lists_and_deletes_a_company_hook(sandbox):
    token = sandbox.token(DANA)
    hook = new_hook(sandbox, token, company_path("/hooks"), payload_version="v2.0")
    assert isinstance(hook["id"], str)
    assert hook["company_id"] == str(COMPANY) and hook["project_id"] is None
    assert hook["status"] == "active" and hook["payload_version"] == "v2.0" and hook["hook_type"] == "classic"

    shown = call(sandbox, "GET", company_path(f"/hooks/{hook['id']}"), token)
    assert shown.status_code == 200 and shown.json()["data"]["namespace"] == "document-portal"

    patched = call(
        sandbox,
        "PATCH",
        company_path(f"/hooks/{hook['id']}"),
        token,
        json={"destination_url": "https://portal.example/other", "status": "disabled"},
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["data"]["destination_url"] == "https://portal.example/other"
    assert patched.json()["data"]["status"] == "disabled"

    listed = call(sandbox, "GET", company_path("/hooks"), token, params={"namespace": "document-portal"})
    assert listed.status_code == 200
    assert [h["id"] for h in listed.json()["data"]] == [hook["id"]]
    assert listed.headers["Total"] == "1" and listed.headers["Per-Page"] == "10"
    other = call(sandbox, "GET", company_path("/hooks"), token, params={"namespace": "someone-else"})
    assert other.json()["data"] == []

    assert call(sandbox, "DELETE", company_path(f"/hooks/{hook['id']}"), token).status_code == 204
    assert call(sandbox, "GET", company_path(f"/hooks/{hook['id']}"), token).status_code == 404


def test_it_requires_a_namespace_to_list_company_hooks(sandbox):
    answer = call(sandbox, "GET", company_path("/hooks"), sandbox.token(DANA))
    assert answer.status_code == 400
    detail = answer.json()["error"]["details"][0]
    assert detail["reason_code"] == "MISSING_REQUIRED_PROPERTY" and detail["source"] == "namespace"


@pytest.mark.parametrize("namespace", ["Document-Portal", "document_portal", "portal sync", "", "portal.sync"])
def test_it_refuses_an_invalid_namespace(sandbox, namespace):
    body = {"payload_version": "v4.0", "namespace": namespace, "destination_url": "https://portal.example/h"}
    answer = call(sandbox, "POST", project_path("/hooks"), sandbox.token(DANA), json=body)
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["details"][0]["source"] == "namespace"


def test_it_refuses_an_unknown_payload_version_and_a_relative_url(sandbox):
    token = sandbox.token(DANA)
    for override in ({"payload_version": "v5.0"}, {"destination_url": "/relative"}):
        body = {
            "payload_version": "v4.0",
            "namespace": "document-portal",
            "destination_url": "https://portal.example/h",
            **override,
        }
        answer = call(sandbox, "POST", project_path("/hooks"), token, json=body)
        assert answer.status_code == 400, answer.text


def test_it_masks_the_authorization_header_in_every_answer(sandbox):
    token = sandbox.token(DANA)
    hook = new_hook(sandbox, token)
    assert hook["destination_headers"] == {"Authorization": "*****xMiJ9"}
    answers = [
        call(sandbox, "GET", project_path(f"/hooks/{hook['id']}"), token).json()["data"],
        call(sandbox, "GET", project_path("/hooks"), token).json()["data"][0],
        call(
            sandbox,
            "PATCH",
            project_path(f"/hooks/{hook['id']}"),
            token,
            json={"destination_headers": {"Authorization": "Bearer rotated-abcde"}},
        ).json()["data"],
    ]
    assert [a["destination_headers"]["Authorization"] for a in answers] == ["*****xMiJ9", "*****xMiJ9", "*****abcde"]
    for answer in answers:
        assert "s3cr3t" not in str(answer) and "rotated" not in str(answer)


def test_it_creates_lists_and_deletes_triggers(sandbox):
    token = sandbox.token(DANA)
    hook = new_hook(sandbox, token)
    triggers = project_path(f"/hooks/{hook['id']}/triggers")
    created = call(
        sandbox, "POST", triggers, token, json={"resource_name": "Document Revision", "event_type": "created"}
    )
    assert created.status_code == 201, created.text
    trigger = created.json()["data"]
    assert trigger["webhook_hook_id"] == hook["id"] and trigger["project_id"] == str(PROJECT)
    assert (trigger["resource_name"], trigger["event_type"]) == ("Document Revision", "created")

    duplicate = call(
        sandbox, "POST", triggers, token, json={"resource_name": "Document Revision", "event_type": "created"}
    )
    assert duplicate.status_code == 409
    missing = call(sandbox, "POST", triggers, token, json={"resource_name": "Document Revision"})
    assert missing.status_code == 400 and missing.json()["error"]["details"][0]["source"] == "event_type"

    listed = call(sandbox, "GET", project_path("/hooks"), token, params={"include_trigger_count": "true"})
    assert listed.json()["data"][0]["trigger_count"] == 1
    assert [t["id"] for t in call(sandbox, "GET", triggers, token).json()["data"]] == [trigger["id"]]

    assert call(sandbox, "DELETE", f"{triggers}/{trigger['id']}", token).status_code == 204
    assert call(sandbox, "GET", triggers, token).json()["data"] == []


def test_it_bulk_creates_and_deletes_triggers_with_207_for_partial_failures(sandbox):
    token = sandbox.token(DANA)
    hook = new_hook(sandbox, token)
    bulk = project_path(f"/hooks/{hook['id']}/triggers/bulk")
    wanted = [{"resource_name": "Document Revision", "event_type": e} for e in ("created", "updated")]
    all_good = call(sandbox, "POST", bulk, token, json=wanted)
    assert all_good.status_code == 201, all_good.text
    assert [t["event_type"] for t in all_good.json()["data"]] == ["created", "updated"]

    mixed = call(
        sandbox,
        "POST",
        bulk,
        token,
        json={
            "triggers": [
                {"resource_name": "Document Revision", "event_type": "recycled"},
                {"resource_name": "Document Revision", "event_type": "created"},  # already there
                {"resource_name": "Document Upload"},  # no event_type
            ]
        },
    )
    assert mixed.status_code == 207, mixed.text
    data = mixed.json()["data"]
    assert [t["event_type"] for t in data["succeeded"]] == ["recycled"]
    assert [f["code"] for f in data["failed"]] == ["DUPLICATE_TRIGGER", "INVALID_PROPERTY"]

    ids = [t["id"] for t in call(sandbox, "GET", project_path(f"/hooks/{hook['id']}/triggers"), token).json()["data"]]
    assert len(ids) == 3
    removed = call(sandbox, "DELETE", bulk, token, json=ids[:2])
    assert removed.status_code == 200 and removed.json() == {"data": {"succeeded": ids[:2]}}
    partial = call(sandbox, "DELETE", bulk, token, json=[ids[2], "999999"])
    assert partial.status_code == 207
    assert partial.json()["data"]["succeeded"] == [ids[2]]
    assert partial.json()["data"]["failed"][0]["id"] == "999999"

    too_many = [{"resource_name": "Project Files", "event_type": f"e{i}"} for i in range(501)]
    assert call(sandbox, "POST", bulk, token, json=too_many).status_code == 413


def test_it_deletes_a_hooks_triggers_with_it(sandbox):
    from procore_sandbox.models import Trigger

    token = sandbox.token(DANA)
    hook = new_hook(sandbox, token)
    call(
        sandbox,
        "POST",
        project_path(f"/hooks/{hook['id']}/triggers"),
        token,
        json={"resource_name": "Document Revision", "event_type": "created"},
    )
    assert call(sandbox, "DELETE", project_path(f"/hooks/{hook['id']}"), token).status_code == 204
    assert call(sandbox, "GET", project_path(f"/hooks/{hook['id']}/triggers"), token).status_code == 404
    assert not Trigger.objects.filter(hook_id=int(hook["id"])).exists()


def test_it_answers_404_for_a_project_the_person_cannot_see(sandbox):
    token = sandbox.token(ELI)  # Riverside only, not Oakridge Elementary (2306)
    assert call(sandbox, "GET", project_path("/hooks", project=2306), token).status_code == 404
    body = {"payload_version": "v4.0", "namespace": "x", "destination_url": "https://e.example/h"}
    assert call(sandbox, "POST", project_path("/hooks", project=2306), token, json=body).status_code == 404
    dana_hook = new_hook(sandbox, sandbox.token(DANA), project_path("/hooks", project=2306))
    assert call(sandbox, "GET", project_path(f"/hooks/{dana_hook['id']}", project=2306), token).status_code == 404
    # Nor is a hook of one project reachable through another.
    assert call(sandbox, "GET", project_path(f"/hooks/{dana_hook['id']}"), token).status_code == 404


def test_it_answers_400_without_the_company_header(sandbox):
    answer = call(sandbox, "GET", project_path("/hooks"), sandbox.token(DANA), company=None)
    assert answer.status_code == 400
    assert answer.json()["error"]["message"] == "Missing Procore-Company-Id header!"


def test_it_lists_the_resource_catalogue_per_payload_version(sandbox):
    token = sandbox.token(DANA)
    v4 = call(sandbox, "GET", project_path("/resources"), token, params={"payload_version": "v4.0"}).json()["data"]
    by_name = {r["name"]: r for r in v4}
    assert by_name["Document Revision"]["actions"] == ["created", "updated", "recycled"]
    assert by_name["Document Upload"]["actions"] == ["created", "completed"]
    assert {r["payload_version"] for r in v4} == {"v4.0"}
    v2 = call(sandbox, "GET", company_path("/resources"), token, params={"payload_version": "v2.0"}).json()["data"]
    names = {r["name"] for r in v2}
    assert {"Project Files", "Project Folders", "Company Files", "Company Folders", "Projects"} <= names
    assert "Document Revision" not in names
    assert next(r for r in v2 if r["name"] == "Project Files")["actions"] == ["create", "update", "delete"]


def test_the_service_account_registers_hooks_in_its_projects(sandbox):
    from procore_sandbox.testing import SERVICE_ACCOUNT

    token = sandbox.token(SERVICE_ACCOUNT)
    hook = new_hook(sandbox, token)
    assert hook["project_id"] == str(PROJECT)
    assert [h["id"] for h in call(sandbox, "GET", project_path("/hooks"), token).json()["data"]] == [hook["id"]]
    # The header names the company the request is about; another company's id finds nothing.
    assert call(sandbox, "GET", project_path("/hooks"), token, company=8090).status_code == 404
