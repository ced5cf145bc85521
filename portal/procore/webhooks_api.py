"""Webhooks API v2.0 at project scope (procore-api.md §8.4, §8.7).

Paths: ``/rest/v2.0/companies/{company_id}/projects/{project_id}/webhooks/...``; bodies are wrapped
in ``data``, ids are strings, lists page by ``page``/``per_page`` (max 100). The client sends
``Procore-Company-Id`` (it is made for the project's company).

Choices where §8.4 is silent [inferred]:

- Hook create/update/delete and trigger create are not repeated after a lost connection (a
  POST may have applied); registration is idempotent anyway (it lists before it creates), so the
  next run repairs whatever a lost answer left behind. PATCH of a hook sets the same values again,
  so it is marked safe to repeat.
- Bulk trigger creation answers 201 ``{"data": [...]}`` or 207
  ``{"data": {"succeeded": [...], "failed": [...]}}``; `create_triggers` returns both lists either way.
- The catalogue (``GET /resources``) is read with ``payload_version`` to learn which resources a
  hook of that version may subscribe to.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .http import ProcoreClient
from .pagination import iter_items

PER_PAGE = 100


def base(company_id: int | str, project_id: int | str) -> str:
    return f"/rest/v2.0/companies/{company_id}/projects/{project_id}/webhooks"


class ProjectWebhooks:
    """Hooks and triggers of one project."""

    def __init__(self, client: ProcoreClient, company_id: int | str, project_id: int | str) -> None:
        self.client = client.for_company(company_id)
        self.root = base(company_id, project_id)

    # --- hooks ---------------------------------------------------------------------------

    def hooks(self, namespace: str, payload_version: str | None = None) -> list[dict[str, Any]]:
        params: dict[str, Any] = {"namespace": namespace, "include_trigger_count": "true", "per_page": PER_PAGE}
        if payload_version:
            params["payload_version"] = payload_version
        return list(iter_items(self.client, f"{self.root}/hooks", params))

    def hook(self, hook_id: str) -> dict[str, Any]:
        return self.client.get_json(f"{self.root}/hooks/{hook_id}")["data"]

    def create_hook(
        self, *, namespace: str, payload_version: str, destination_url: str, authorization: str
    ) -> dict[str, Any]:
        body = {
            "payload_version": payload_version,
            "namespace": namespace,
            "destination_url": destination_url,
            "destination_headers": {"Authorization": authorization},
        }
        return self.client.post(f"{self.root}/hooks", json=body).json()["data"]

    def update_hook(self, hook_id: str, **changes: Any) -> dict[str, Any]:
        """PATCH a hook: destination_url, destination_headers, status (active/disabled)…"""
        return self.client.patch(f"{self.root}/hooks/{hook_id}", json=changes, retry_safe=True).json()["data"]

    def set_authorization(self, hook_id: str, authorization: str) -> dict[str, Any]:
        return self.update_hook(hook_id, destination_headers={"Authorization": authorization})

    def delete_hook(self, hook_id: str) -> None:
        self.client.delete(f"{self.root}/hooks/{hook_id}")

    # --- triggers ------------------------------------------------------------------------

    def triggers(self, hook_id: str) -> list[dict[str, Any]]:
        return list(iter_items(self.client, f"{self.root}/hooks/{hook_id}/triggers", {"per_page": PER_PAGE}))

    def create_triggers(self, hook_id: str, wanted: list[tuple[str, str]]) -> tuple[list[dict], list[dict]]:
        """Bulk-create (resource_name, event_type) triggers; returns (succeeded, failed)."""
        body = [{"resource_name": name, "event_type": event} for name, event in wanted]
        data = self.client.post(f"{self.root}/hooks/{hook_id}/triggers/bulk", json=body).json()["data"]
        if isinstance(data, list):
            return data, []
        return list(data.get("succeeded") or []), list(data.get("failed") or [])

    def delete_trigger(self, hook_id: str, trigger_id: str) -> None:
        self.client.delete(f"{self.root}/hooks/{hook_id}/triggers/{trigger_id}")

    # --- deliveries and catalogue ----------------------------------------------------------

    def deliveries(self, hook_id: str, *, status: str | None = None) -> Iterator[dict[str, Any]]:
        params: dict[str, Any] = {"per_page": PER_PAGE}
        if status:
            params["filter[status]"] = status
        return iter_items(self.client, f"{self.root}/hooks/{hook_id}/deliveries", params)

    def resources(self, payload_version: str) -> list[dict[str, Any]]:
        """The catalogue: ``[{"category", "tool", "name", "payload_version", "actions": [...]}]``."""
        return self.client.get_json(f"{self.root}/resources", params={"payload_version": payload_version})["data"]
