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
