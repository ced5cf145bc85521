"""Who am I, companies and projects (procore-api.md §2.5, §4)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .http import ProcoreClient
from .pagination import iter_items


def me(client: ProcoreClient) -> dict[str, Any]:
    """`GET /rest/v1.0/me`: `{"id", "login", "name"}`."""
    return client.get_json("/rest/v1.0/me")


def companies(client: ProcoreClient) -> Iterator[dict[str, Any]]:
    """Companies the identity may see."""
    return iter_items(client, "/rest/v1.0/companies", {"per_page": 100})


def projects(client: ProcoreClient, company_id: int) -> Iterator[dict[str, Any]]:
    """Active projects of a company the identity may see. Sends the company header."""
    return iter_items(
        client.for_company(company_id),
        "/rest/v1.1/projects",
        {"company_id": company_id, "per_page": 300, "view": "normal"},
    )


def project_users(client: ProcoreClient, company_id: int, project_id: int) -> Iterator[dict[str, Any]]:
    """The project's Directory (`GET /rest/v1.0/projects/{id}/users`): the people whose Procore user
    ids person fields take (§7.5). Procore answers 403 when the Directory tool is off or the caller
    may not read it; people without Directory read permission get the compact view (no e-mail)."""
    return iter_items(
        client.for_company(company_id),
        f"/rest/v1.0/projects/{project_id}/users",
        {"per_page": 1000, "view": "normal", "sort": "name"},
    )


def permission_manifest(client: ProcoreClient, company_id: int, *, project_id: int | None = None) -> Any:
    """`GET /rest/v1.0/settings/permissions`: the identity's own access level per tool, for a project
    or (without `project_id`) the company. Procore does not document the body beyond a `tools` list;
    read it with `access_level`, which expects nothing."""
    params = {"project_id": project_id} if project_id is not None else {"company_id": company_id}
    return client.for_company(company_id).get_json("/rest/v1.0/settings/permissions", params=params)


def access_level(manifest: Any, tool: str) -> str:
    """The level ("None", "Read Only", "Standard", "Admin") a manifest gives for `tool`, read
    defensively: anything missing or of an unexpected shape is "None"."""
    tools = manifest.get("tools") if isinstance(manifest, dict) else None
    for entry in tools if isinstance(tools, list) else []:
        if isinstance(entry, dict) and entry.get("name") == tool:
            level = entry.get("user_access_level")
            name = level.get("name") if isinstance(level, dict) else level
            return name if isinstance(name, str) else "None"
    return "None"


def administers(manifest: Any) -> bool:
    """Whether the manifest makes the identity an administrator: Admin on the Admin tool, where
    Procore keeps a project's (or company's) settings, webhooks among them."""
    return access_level(manifest, "admin").strip().lower() == "admin"
