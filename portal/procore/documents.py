"""The Documents tool: folders and files of a project or a company (procore-api.md §5)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from .http import ProcoreClient
from .pagination import iter_items

# Procore recommends keeping v1 pages at or below 2,000 items; larger pages mean fewer calls.
INDEX_PAGE_SIZE = 1000


def instant(value: datetime) -> str:
    """An ISO-8601 UTC instant with milliseconds, as Procore's filters take it."""
    utc = value.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def root_folder(client: ProcoreClient, project_id: int) -> dict[str, Any]:
    """The project's root folder with its immediate child folders (files left out)."""
    return client.get_json("/rest/v1.0/folders", params={"project_id": project_id, "exclude_files": "true"})


def project_index(
    client: ProcoreClient,
    project_id: int,
    *,
    updated_since: datetime | None = None,
    updated_until: datetime | None = None,
) -> Iterator[dict[str, Any]]:
    """Every folder and file of a project, flat, a page at a time.

    With `updated_since`, only what changed in [since, until], recycled items included (they
    come back with `is_deleted: true`) so a mirror can remove them.
    """
    params: dict[str, Any] = {"per_page": INDEX_PAGE_SIZE, "sort": "id", "view": "normal"}
    if updated_since is not None:
        upper = instant(updated_until) if updated_until else ""
        params["filters[updated_at]"] = f"{instant(updated_since)}...{upper}"
        params["filters[include_deleted]"] = "with"
    return iter_items(client, f"/rest/v1.0/projects/{project_id}/documents", params)


def company_folder(client: ProcoreClient, company_id: int, folder_id: int | None = None) -> dict[str, Any]:
    """A company Documents folder (the root when `folder_id` is None) with its child folders and
    files, latest versions only. Deeper levels come back empty: walk them folder by folder."""
    path = f"/rest/v1.0/companies/{company_id}/folders" + (f"/{folder_id}" if folder_id else "")
    return client.for_company(company_id).get_json(path, params={"show_latest_file_version_only": "true"})
