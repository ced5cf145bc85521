"""Document Management (PDM): configuration and revisions (procore-api.md §7).

Every call sends `Procore-Company-Id` (the client is made for the project's company) and uses
v2 paths; bodies wrap results in `data`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from .documents import instant
from .http import ProcoreClient
from .pagination import iter_items, next_link

# Variants whose values endpoint is documented to answer `[]` although values exist (§7.5).
USER_VARIANTS = {"procore_user", "procore_tool_user", "procore_users"}
MAX_PAGE = 100
MAX_IDS_PAGE = 5000


def base(company_id: int, project_id: int, version: str = "v2.0") -> str:
    return f"/rest/{version}/companies/{company_id}/projects/{project_id}/document_management"


class Pdm:
    """Document Management calls for one project."""

    def __init__(self, client: ProcoreClient, company_id: int, project_id: int) -> None:
        self.client = client.for_company(company_id)
        self.company_id = company_id
        self.project_id = project_id

    def path(self, suffix: str, version: str = "v2.0") -> str:
        return base(self.company_id, self.project_id, version) + suffix

    # --- configuration (§7.3–§7.5) ---------------------------------------------------------

    def upload_requirements(self) -> Iterator[dict[str, Any]]:
        return iter_items(self.client, self.path("/upload_requirements"), {"per_page": MAX_PAGE})

    def fields(self) -> Iterator[dict[str, Any]]:
        return iter_items(self.client, self.path("/fields"), {"per_page": MAX_PAGE})

    def values(self, field_id_or_name: str, *, include_inactive: bool = True) -> Iterator[dict[str, Any]]:
        params: dict[str, Any] = {"per_page": MAX_PAGE}
        if include_inactive:
            params["include_inactive"] = "true"
        return iter_items(self.client, self.path(f"/fields/{field_id_or_name}/values"), params)

    # --- revisions (§7.10) -----------------------------------------------------------------

    def revision_ids(
        self, *, updated_since: datetime | None = None, updated_until: datetime | None = None
    ) -> Iterator[str]:
        """Revision ids, all or those updated in [since, until) (lower inclusive, upper exclusive)."""
        params: dict[str, Any] = {"view": "ids_only", "per_page": MAX_IDS_PAGE}
        if updated_since is not None:
            if updated_until is None:
                raise ValueError("Procore needs both bounds of an updated_at window")
            params["filters[updated_at]"] = f"{instant(updated_since)}...{instant(updated_until)}"
        return iter_items(self.client, self.path("/document_revisions"), params)

    def selected_revisions(self, ids: Iterable[str]) -> Iterator[dict[str, Any]]:
        """Hydrate revisions by id (v2.2, 100 a page); unknown ids are left out."""
        return self._selected("/document_revisions/selected_revisions", ids)

    def _selected(self, suffix: str, ids: Iterable[str]) -> Iterator[dict[str, Any]]:
        """The `selected_*` endpoints: ids in a POST body, pages followed by Link: next.

        Reads, though sent as POST: safe to repeat.
        """
        wanted = list(ids)
        if not wanted:
            return
        response = self.client.post(
            self.path(suffix, "v2.2"), params={"per_page": MAX_PAGE}, json={"ids": wanted}, retry_safe=True
        )
        while True:
            yield from response.json().get("data", [])
            url = next_link(response)
            if not url:
                return
            response = self.client.post(url, json={"ids": wanted}, retry_safe=True)

    def recycled_revisions(self) -> Iterator[dict[str, Any]]:
        """Recycled revisions, newest first (needs the view_recycle_bin permission)."""
        return iter_items(
            self.client,
            self.path("/document_revisions/recycled_revisions"),
            {"per_page": MAX_PAGE, "sort": "-recycled_at"},
        )

    # --- document uploads and submit (§7.6–§7.9) ---------------------------------------------

    def create_uploads(self, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Bulk create (v2.0, all-or-nothing): `[{"id", "file_locked"}]` in request order.

        Not idempotent, so never repeated here: a lost answer surfaces as a TransportError with
        `maybe_applied`, and the caller creates again (orphans stay INCOMPLETE and invisible).
        """
        response = self.client.post(self.path("/document_uploads"), json={"uploads": items}, retry_safe=False)
        return response.json().get("data", [])

    def update_uploads(self, update_params: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
        """Bulk PATCH (v2.0, 207): `{"success": [{"id"}], "failed": [{"id", "code", "message"}]}`.

        Values overwrite, so the PATCH is safe to repeat. Unknown ids are silently dropped:
        callers diff `success` against what they sent.
        """
        response = self.client.patch(
            self.path("/document_uploads"), json={"update_params": update_params}, retry_safe=True
        )
        data = response.json().get("data") or {}
        return {"success": list(data.get("success") or []), "failed": list(data.get("failed") or [])}

    def document_upload(self, upload_id: str) -> dict[str, Any]:
        """Show one upload (v2.1); 404 UPLOAD_NOT_FOUND once it was submitted."""
        return self.client.get_json(self.path(f"/document_uploads/{upload_id}", "v2.1"))["data"]

    def selected_uploads(self, ids: Iterable[str]) -> Iterator[dict[str, Any]]:
        """Uploads by id (v2.2, 100 a page). Consumed or unknown ids are left out."""
        return self._selected("/document_uploads/selected_uploads", ids)

    def submit_revisions(self, uploads: list[dict[str, Any]]) -> dict[str, Any]:
        """Submit uploads as revisions (v2.1): `{"ids": [revision ids], "failures": [...]}`.

        Not repeated on a lost answer: the caller finds out which uploads were consumed.
        """
        response = self.client.post(
            self.path("/document_revisions", "v2.1"), json={"uploads": uploads}, retry_safe=False
        )
        data = response.json().get("data") or {}
        return {"ids": list(data.get("ids") or []), "failures": list(data.get("failures") or [])}

    def revisions_updated(self, since: datetime, until: datetime) -> Iterator[dict[str, Any]]:
        """Full revision rows updated in [since, until), 100 a page (they carry `upload_id`)."""
        params = {"per_page": MAX_PAGE, "filters[updated_at]": f"{instant(since)}...{instant(until)}"}
        return iter_items(self.client, self.path("/document_revisions"), params)


def field_values(item: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """`{field name: [value, ...]}` from a revision's or upload's `fields[]`."""
    return {f.get("name", ""): list(f.get("values") or []) for f in item.get("fields") or []}


def first_label(values: list[dict[str, Any]]) -> str:
    return str(values[0].get("label") or "") if values else ""


def first_id(values: list[dict[str, Any]]) -> str:
    return str(values[0].get("id") or "") if values else ""
