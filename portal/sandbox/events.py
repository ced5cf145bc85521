"""Changes in the sandbox that Procore would announce through webhooks.

Every area calls `emit()` after a change is committed; the webhooks area delivers it to the
hooks whose triggers match.
"""

from __future__ import annotations


def emit(*, company_id: int, project_id: int | None, resource_name: str, event_type: str,
         resource_id: str | int, user_id: int | None = None) -> None:
    """Announce a change, e.g. resource_name="Project Files", event_type="create" (v2 names) or
    resource_name="Document Revision", event_type="created" (v4.0 names)."""
