"""Failure switches for the sandbox's Document Management and unified uploads.

Tests and benchmarks force each documented failure with these; they live in the database
(PdmSwitch rows) so another process can set them. Python API below; the same over HTTP at
``POST /sandbox/_control/pdm/switches`` (body ``{"name": ..., "value": ...}``) and
``DELETE`` to clear all (see pdm_control). Switch names:

- ``concurrency_conflict``: ``{"next": N, "uploads": [ids]}`` — the next N submitted uploads
  (counted per upload, across requests) fail with CONCURRENCY_CONFLICT in ``failures[]``; listed
  upload ids fail on every submit until the switch is cleared.
- ``unknown_failure``: same shape, fails with UNKNOWN_FAILURE.
- ``permission_denied``: ``{"on": true}`` — submit answers 422 PERMISSION_DENIED.
- ``access_denied``: ``{"on": true}`` — create uploads answers 403 ACCESS_DENIED.
- Workflow conflict: not a switch but data — ``force_workflow_conflict(container_id)`` starts a
  workflow on the container's latest revision; the sandbox always forbids concurrent revision
  workflows, so the next submit into that container answers WORKFLOW_CONFLICT.
- ``workflow_insufficient_permission``: ``{"on": true}`` — the caller may not terminate workflows.
- ``storage_verification``: ``{"next": N, "file_upload_ids": [ids], "mode": "failed" | "500"}`` —
  PATCH COMPLETED cannot verify the file: listed in ``failed[]`` (default) or a whole-request 500.
- ``ml_delay``: ``{"seconds": S}`` — ML / filename scraping stay ``in_progress`` for S seconds
  after COMPLETED (default 2).
- ``validate_event_id``: ``{"on": false}`` disables the ``upload_latest_event_id`` check.
- ``unified_complete_status``: ``{"patch": "complete" | "available", "scan_seconds": S}`` —
  what the completing PATCH answers and how long until GET shows ``available``.
- ``clock``: ``{"offset_seconds": N}`` — moves the sandbox's clock for presigned URL expiry, the
  24-hour upload window, the scan and the ML delay (pdm_storage.sandbox_now).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from procore_sandbox.models import PdmSwitch

DEFAULT_ML_DELAY = 2.0


def set_switch(name: str, value: Any) -> None:
    PdmSwitch.objects.update_or_create(name=name, defaults={"value": value})


def get_switch(name: str, default: Any = None) -> Any:
    row = PdmSwitch.objects.filter(name=name).first()
    return default if row is None else row.value


def clear(name: str | None = None) -> None:
    rows = PdmSwitch.objects.all()
    if name:
        rows = rows.filter(name=name)
    rows.delete()


def is_on(name: str) -> bool:
    value = get_switch(name) or {}
    return bool(value.get("on"))


def take(name: str, key: str, item_id: str) -> bool:
    """Whether switch `name` fires for `item_id`: listed in ``value[key]`` or one of the next N."""
    with transaction.atomic():
        row = PdmSwitch.objects.select_for_update().filter(name=name).first()
        if row is None:
            return False
        value = dict(row.value or {})
        if item_id in (value.get(key) or []):
            return True
        if int(value.get("next") or 0) > 0:
            value["next"] = int(value["next"]) - 1
            row.value = value
            row.save(update_fields=["value"])
            return True
    return False


def ml_delay() -> float:
    return float((get_switch("ml_delay") or {}).get("seconds", DEFAULT_ML_DELAY))


def validate_event_id() -> bool:
    return bool((get_switch("validate_event_id") or {}).get("on", True))


def unified_completion() -> tuple[str, float]:
    value = get_switch("unified_complete_status") or {}
    return str(value.get("patch", "complete")), float(value.get("scan_seconds", 0))


# Shorthands for tests.


def force_concurrency_conflict(*, next: int = 0, uploads: list[str] | None = None) -> None:
    set_switch("concurrency_conflict", {"next": next, "uploads": uploads or []})


def force_unknown_failure(*, next: int = 0, uploads: list[str] | None = None) -> None:
    set_switch("unknown_failure", {"next": next, "uploads": uploads or []})


def force_storage_failure(*, next: int = 0, file_upload_ids: list[str] | None = None, mode: str = "failed") -> None:
    set_switch("storage_verification", {"next": next, "file_upload_ids": file_upload_ids or [], "mode": mode})


def force_workflow_conflict(container_id: str, *, assigned_workflow: str = "Standard Review") -> str:
    """Start a workflow on the latest revision of a container; return that revision's id."""
    from procore_sandbox.models import DocumentRevision
    from procore_sandbox.pdm.common import stable_ulid

    revision = (
        DocumentRevision.objects.filter(container_id=container_id, recycled_at__isnull=True)
        .order_by("-version")
        .first()
    )
    if revision is None:
        raise ValueError(f"container {container_id} has no revision")
    revision.workflow = {
        "instance_id": stable_ulid("workflow", revision.id),
        "assigned_workflow": assigned_workflow,
        "current_step": "Under Review",
        "status": "In Review",
    }
    revision.save(update_fields=["workflow"])
    return revision.id
