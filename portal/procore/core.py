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
