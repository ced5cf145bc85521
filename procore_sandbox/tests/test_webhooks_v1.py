"""The sandbox's Webhooks API v1.0 over HTTP (procore-api.md §8.3): hooks and triggers with
company_id or project_id, integer ids, bulk triggers, resources, v1 errors and access."""

from __future__ import annotations

import pytest
import requests

from procore_sandbox.testing import DANA, ELI, PRIYA

pytestmark = pytest.mark.django_db(transaction=True)

HOOKS = "/rest/v1.0/webhooks/hooks"
SECRET = "Bearer v1-shared-secret-xMiJ9"


def call(sandbox, method: str, path: str, token: str, company: int | None = None, **kwargs) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"}
    if company is not None:
        headers["Procore-Company-Id"] = str(company)
    return requests.request(method, sandbox.url(path), headers=headers, timeout=10, **kwargs)


def create(sandbox, token: str, scope: dict, **hook) -> requests.Response:
    body = {
        **scope,
        "hook": {
            "api_version": "v2",
            "namespace": "document-portal",
            "destination_url": "https://portal.example/webhooks",
            "destination_headers": {"Authorization": SECRET},
            **hook,
        },
    }
    return call(sandbox, "POST", HOOKS, token, json=body)


def test_it_creates_lists_updates_and_deletes_hooks(sandbox):
    token = sandbox.token(DANA)
    created = create(sandbox, token, {"company_id": 8089})
    assert created.status_code == 201, created.text
    hook = created.json()
    assert isinstance(hook["id"], int)
    assert hook == {
        "id": hook["id"],
        "api_version": "v2.0",
        "destination_headers": {"Authorization": "*****xMiJ9"},
        "destination_url": "https://portal.example/webhooks",
        "owned_by_company_id": 8089,
        "owned_by_project_id": None,
        "owned_by_user_id": 5447,
        "namespace": "document-portal",
    }
    project_hook = create(sandbox, token, {"project_id": 2305}, api_version="v4.0").json()
    assert project_hook["owned_by_project_id"] == 2305 and project_hook["owned_by_company_id"] is None

    listed = call(sandbox, "GET", HOOKS, token, params={"company_id": 8089, "namespace": "document-portal"})
    assert [h["id"] for h in listed.json()] == [hook["id"]]
    assert call(sandbox, "GET", HOOKS, token, params={"company_id": 8089, "api_version": "v4"}).json() == []
    assert [h["id"] for h in call(sandbox, "GET", HOOKS, token, params={"project_id": 2305}).json()] == [
        project_hook["id"]
    ]

    patched = call(
        sandbox,
        "PATCH",
        f"{HOOKS}/{hook['id']}",
        token,
        json={"company_id": 8089, "hook": {"api_version": "v3", "destination_url": "https://p.example/x"}},
    )
    assert patched.status_code == 200, patched.text
    assert (patched.json()["api_version"], patched.json()["destination_url"]) == ("v3.0", "https://p.example/x")
    # The v2.0 API sees the same hook.
    v2 = call(sandbox, "GET", f"/rest/v2.0/companies/8089/webhooks/hooks/{hook['id']}", token, company=8089)
    assert v2.json()["data"]["payload_version"] == "v3.0"

    deleted = call(sandbox, "DELETE", f"{HOOKS}/{hook['id']}", token, params={"company_id": 8089})
    assert deleted.status_code == 200
    assert call(sandbox, "GET", f"{HOOKS}/{hook['id']}", token, params={"company_id": 8089}).status_code == 404


def test_it_answers_422_for_an_invalid_namespace_and_400_without_a_scope(sandbox):
    token = sandbox.token(DANA)
    invalid = create(sandbox, token, {"company_id": 8089}, namespace="Document_Portal")
    assert invalid.status_code == 422
    assert list(invalid.json()["errors"]) == ["namespace"]
    missing = create(sandbox, token, {})
    assert missing.status_code == 400 and "errors" in missing.json()


def test_it_manages_triggers_one_by_one_and_in_bulk(sandbox):
    token = sandbox.token(DANA)
    scope = {"project_id": 2305}
    hook = create(sandbox, token, scope, api_version="v4.0").json()
    triggers = f"{HOOKS}/{hook['id']}/triggers"
    created = call(
        sandbox,
        "POST",
        triggers,
        token,
        json={
            **scope,
            "api_version": "v4.0",
            "trigger": {"resource_name": "Document Revision", "event_type": "created"},
        },
    )
    assert created.status_code == 201, created.text
    trigger = created.json()
    assert trigger["event_type"] == "CREATED" and trigger["webhook_hook_id"] == hook["id"]
    assert trigger["project_id"] == 2305 and trigger["user_id"] == 5447 and isinstance(trigger["id"], int)
    again = call(
        sandbox,
        "POST",
        triggers,
        token,
        json={**scope, "trigger": {"resource_name": "Document Revision", "event_type": "created"}},
    )
    assert again.status_code == 422

    bulk = call(
        sandbox,
        "POST",
        f"{triggers}/bulk",
        token,
        json={
            **scope,
            "api_version": "v4.0",
            "triggers": [
                {"resource_name": "Document Revision", "event_type": "updated"},
                {"resource_name": "Document Revision", "event_type": "recycled"},
            ],
        },
    )
    assert bulk.status_code == 200 and len(bulk.json()["success"]) == 2
    mixed = call(
        sandbox,
        "POST",
        f"{triggers}/bulk",
        token,
        json={
            **scope,
            "triggers": [
                {"resource_name": "Document Upload", "event_type": "completed"},
                {"resource_name": "Document Revision", "event_type": "updated"},
            ],
        },
    )
    assert mixed.status_code == 207
    assert [t["event_type"] for t in mixed.json()["success"]] == ["COMPLETED"]
    failed = mixed.json()["failed"][0]
    assert set(failed) == {"code", "message", "trigger", "errors"} and failed["trigger"]["event_type"] == "updated"

    listed = call(sandbox, "GET", triggers, token, params=scope).json()
    assert len(listed) == 4
    ids = [t["id"] for t in listed]
    assert call(sandbox, "DELETE", f"{triggers}/{ids[0]}", token, params=scope).status_code == 200
    removed = call(sandbox, "DELETE", f"{triggers}/bulk", token, json={**scope, "triggers": [ids[1], 424242]})
    assert removed.status_code == 207
    assert [t["id"] for t in removed.json()["success"]] == [ids[1]] and len(removed.json()["failed"]) == 1
    assert [t["id"] for t in call(sandbox, "GET", triggers, token, params=scope).json()] == ids[2:]


def test_it_hides_hooks_of_what_the_person_cannot_see(sandbox):
    dana_hook = create(sandbox, sandbox.token(DANA), {"project_id": 2306}).json()
    eli = sandbox.token(ELI)
    assert create(sandbox, eli, {"project_id": 2306}).status_code == 404
    assert call(sandbox, "GET", HOOKS, eli, params={"project_id": 2306}).status_code == 404
    assert call(sandbox, "GET", f"{HOOKS}/{dana_hook['id']}", eli, params={"project_id": 2305}).status_code == 404
    assert call(sandbox, "GET", HOOKS, eli, params={"company_id": 8090}).status_code == 404


def test_it_applies_the_region_rule_without_the_company_header(sandbox):
    priya = sandbox.token(PRIYA)
    # Alpine Structures EU is served from another region: 404 without the header, fine with it.
    assert call(sandbox, "GET", HOOKS, priya, params={"company_id": 9100}).status_code == 404
    assert call(sandbox, "GET", HOOKS, priya, params={"project_id": 3401}).status_code == 404
    assert call(sandbox, "GET", HOOKS, priya, company=9100, params={"company_id": 9100}).status_code == 200
    assert call(sandbox, "GET", HOOKS, priya, params={"company_id": 8090}).status_code == 200


def test_it_lists_resources_and_api_versions(sandbox):
    token = sandbox.token(DANA)
    versions = call(sandbox, "GET", "/rest/v1.0/webhooks/resources/api_versions", token, params={"project_id": 2305})
    assert versions.json() == ["v2.0", "v3.0", "v4.0"]
    resources = call(
        sandbox, "GET", "/rest/v1.0/webhooks/resources", token, params={"project_id": 2305, "api_version": "v4.0"}
    ).json()
    revision = next(r for r in resources if r["name"] == "Document Revision")
    assert revision["api_version"] == "v4.0" and revision["tools"] == ["Documents"]
    assert revision["except"] == ["create", "update", "delete"]
    assert "Company Files" not in {r["name"] for r in resources}  # project scope
