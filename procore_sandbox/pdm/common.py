"""What every Document Management endpoint of the sandbox shares: routing per API version,
project access, JSON shapes of fields and values, and v2 list answers (procore-api.md §7.2).

Choices where the docs are silent ([gap]/[inferred] in procore-api.md):

- A project without the Document Management tool answers 403 ACCESS_DENIED ("tool disabled in
  project", §3.6); a project the caller is not in answers 404.
- Timestamps are written with milliseconds (``2026-01-09T09:38:08.847Z``) and stored truncated to
  milliseconds, so a written value used as a filter bound means exactly that instant.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.utils import timezone
from ulid import ULID

from procore_sandbox.core.views import company_for, visible_projects
from procore_sandbox.http import ApiError, json_list, paginate
from procore_sandbox.models import AccessToken, PdmField, PdmProject, PdmValue

V2_DEFAULT_PER_PAGE = 10
V2_MAX_PER_PAGE = 100
IDS_ONLY_MAX_PER_PAGE = 5000

USER_VARIANTS = {"procore_user", "procore_tool_user", "procore_users"}
VALUE_LIST_TYPES = {"lov_entry", "lov_entries", "reference"}

_STABLE_EPOCH_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z: the time part of seeded ULIDs


def stable_ulid(*parts: object) -> str:
    """A ULID derived from `parts`, so re-seeding produces the same ids."""
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).digest()
    return str(ULID.from_bytes(_STABLE_EPOCH_MS.to_bytes(6, "big") + digest[:10]))


def new_event_id() -> str:
    """A fresh ``latest_event_id``: it changes on every state change of an upload or revision."""
    return str(ULID())


def now_ms() -> datetime:
    now = timezone.now()
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def iso_ms(value: datetime | None) -> str | None:
    if value is None:
        return None
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def pdm_route(versions: tuple[str, ...], suffix: str, view: Callable, name: str) -> list:
    """One URL per API version: ``rest/v{version}/companies/.../document_management/{suffix}``."""
    base = "rest/v{v}/companies/<int:company_id>/projects/<int:project_id>/document_management/"
    return [path(base.format(v=v) + suffix, view, {"version": v}, name=f"pdm_{name}_{v}") for v in versions]


def pdm_project(request: HttpRequest, token: AccessToken, company_id: int, project_id: int) -> PdmProject:
    """The project's PDM settings, after the company header and access checks."""
    company = company_for(request, token, company_id)
    project = visible_projects(token.person, company).filter(id=project_id).first()
    if project is None:
        raise ApiError(404, "Not Found", reason_code="NOT_FOUND")
    pdm = PdmProject.objects.select_related("project").filter(project=project).first()
    if pdm is None:
        raise ApiError(403, "Document Management is not enabled in this project", reason_code="ACCESS_DENIED")
    return pdm


def json_body(request: HttpRequest) -> dict[str, Any]:
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        raise ApiError(400, "Request body must be JSON", reason_code="INVALID_PROPERTY") from None
    if not isinstance(body, dict):
        raise ApiError(400, "Request body must be a JSON object", reason_code="INVALID_PROPERTY")
    return body


def is_ulid(value: Any) -> bool:
    if not isinstance(value, str) or len(value) != 26:
        return False
    try:
        ULID.from_str(value)
    except ValueError:
        return False
    return True


def field_json(field: PdmField) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": field.id,
        "name": field.name,
        "label": field.label,
        "description": field.description,
        "position": field.position,
        "active": field.active,
        "visible": field.visible,
        "readonly": field.readonly,
        "can_affect_permissions": field.can_affect_permissions,
        "type": field.type,
    }
    if field.variant:
        data["variant"] = field.variant
    if field.custom_field_definition_id:
        data["custom_field_definition_id"] = field.custom_field_definition_id
    return data


def value_json(value: PdmValue, field: PdmField) -> dict[str, Any]:
    if field.type == "reference":
        return {
            "id": value.id,
            "code": value.code,
            "label": value.label,
            "active": value.active,
            "tags": value.tags,
            "field_id": field.id,
        }
    return {"id": value.id, "code": value.code, "label": value.label, "active": value.active, "tags": value.tags}


def v2_list(
    request: HttpRequest, items: Any, render: Callable[[Any], Any], *, ids_only: bool = False, status: int = 200
) -> JsonResponse:
    """Paginate `items` as PDM lists do: default 10, max 100 (5000 with view=ids_only)."""
    page, headers = paginate(
        request,
        items,
        default_per_page=V2_DEFAULT_PER_PAGE,
        max_per_page=IDS_ONLY_MAX_PER_PAGE if ids_only else V2_MAX_PER_PAGE,
        clamp=False,
    )
    data = [item.id if ids_only else render(item) for item in page]
    return json_list({"data": data}, headers, status=status)
