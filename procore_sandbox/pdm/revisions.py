"""PDM revisions, read side: list, selected, recycled, download (procore-api.md §7.10).

Choices where the docs are silent ([gap]/[inferred]):

- ``download?no_redirect=true`` answers ``{"data": {"url": "..."}}``; the storage URL lives
  5 minutes and refuses an ``Authorization`` header (see pdm_storage).
- The sandbox has no attribute-scoped permission groups, so no row is ever masked; every
  revision allows ``view``, ``download``, ``view_change_history`` and ``view_recycle_bin``.
- ``fields[]`` holds the project fields that have values plus the system fields ``version``,
  ``created_at``, ``updated_at``, ``format``, ``original_filename``, ``file_size``, ``item_content``
  (and ``recycled_at`` / ``recycled_by`` / ``recycled_reason`` on recycled rows).
- Unknown ``filters[...]`` keys are ignored; ``filters[<field name>]`` matches when the
  revision holds any of the given value ids or literals.
- Selected ids keep the request's order; recycled revisions are omitted like unknown ids.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, time
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.utils.dateparse import parse_date, parse_datetime

from procore_sandbox.http import ApiError, api_view
from procore_sandbox.models import AccessToken, DocumentRevision, PdmProject
from procore_sandbox.pdm.common import iso_ms, json_body, pdm_project, stable_ulid, v2_list
from procore_sandbox.pdm.metadata import ProjectSchema
from procore_sandbox.uploads.storage import revision_download_url

ALLOWED_ACTIONS = ["view", "view_change_history", "view_recycle_bin", "download"]


def _system_field(project_id: int, name: str, ftype: str, values: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": stable_ulid(project_id, "system_field", name),
        "name": name,
        "type": ftype,
        "values": values,
        "label_source": "SYSTEM",
        "label": name.replace("_", " ").title(),
        "description": "",
    }


def _format_value(revision: DocumentRevision) -> dict[str, Any]:
    extension = revision.original_filename.rsplit(".", 1)[-1].lower()
    return {
        "id": stable_ulid("format", revision.mime_type),
        "code": revision.mime_type,
        "label": extension.upper(),
        "active": True,
        "tags": [f"document-service:extension.{extension}"],
    }


def revision_json(request: HttpRequest, revision: DocumentRevision, schema: ProjectSchema) -> dict[str, Any]:
    pid = revision.project_id
    fields = schema.render_fields(revision.metadata, all_fields=False)
    fields += [
        _system_field(pid, "version", "numeric", [{"label": str(revision.version)}]),
        _system_field(pid, "created_at", "timestamp", [{"label": iso_ms(revision.created_at)}]),
        _system_field(pid, "updated_at", "timestamp", [{"label": iso_ms(revision.updated_at)}]),
        _system_field(pid, "format", "lov_entry", [_format_value(revision)]),
        _system_field(pid, "original_filename", "string", [{"label": revision.original_filename}]),
        _system_field(pid, "file_size", "string", [{"label": str(revision.file_size)}]),
        _system_field(pid, "item_content", "string", [{"label": "Document"}]),
    ]
    if revision.recycled_at:
        fields += [
            _system_field(pid, "recycled_at", "timestamp", [{"label": iso_ms(revision.recycled_at)}]),
            _system_field(
                pid,
                "recycled_by",
                "reference",
                schema.read_values(schema.by_name["uploaded_by"], [str(revision.recycled_by)])
                if "uploaded_by" in schema.by_name
                else [],
            ),
            _system_field(pid, "recycled_reason", "string", [{"label": revision.recycled_reason}]),
        ]
    base = f"/rest/v2.0/companies/{schema.pdm.project.company_id}/projects/{pid}/document_management/document_revisions"
    download = (
        f"{base}/recycled_revisions/{revision.id}/download"
        if revision.recycled_at
        else f"{base}/{revision.id}/download"
    )
    prefix = request.path.split("/rest/", 1)[0]
    integrations: dict[str, Any] = {}
    if revision.workflow:
        integrations["workflow"] = {
            "status": "terminated" if revision.workflow.get("terminated") else "created",
            "workflow_instance_id": revision.workflow.get("instance_id"),
        }
    return {
        "id": revision.id,
        "document_container_id": revision.container_id,
        "position_within_container": revision.position_within_container,
        "file_locked": revision.file_locked,
        "download_url": request.build_absolute_uri(prefix + download),
        "download_filename": revision.original_filename,
        "latest_event_id": revision.latest_event_id,
        "index_updated_at": iso_ms(revision.updated_at),
        "latest_document_collection_ids": [],
        "upload_id": revision.upload_id,
        "standalone_upload_id": revision.upload_id,
        "document_placeholder_id": None,
        "match_type": None,
        "match_criteria": revision.container.match_criteria,
        "recycled": revision.recycled_at is not None,
        "permissions": {"allowed_actions": ALLOWED_ACTIONS},
        "fields": fields,
        "integrations": integrations,
    }


def _instant(raw: str) -> datetime | None:
    value = parse_datetime(raw.strip())
    if value is None and (day := parse_date(raw.strip())) is not None:
        value = datetime.combine(day, time.min, tzinfo=UTC)
    return value


def time_window(window: str, source: str) -> tuple[datetime, datetime]:
    """``<start>...<end>``: both bounds required, lower inclusive, upper exclusive (§7.10)."""
    start, sep, end = window.partition("...")
    lower, upper = (_instant(start), _instant(end)) if sep else (None, None)
    if lower is None or upper is None:
        raise ApiError(
            400, f"{source} needs both bounds: <start>...<end>", reason_code="INVALID_PROPERTY", source=source
        )
    return lower, upper


def filter_values(request: HttpRequest, key: str) -> list[str]:
    return [v for v in request.GET.getlist(f"filters[{key}]") + request.GET.getlist(f"filters[{key}][]") if v]


def filtered_revisions(request: HttpRequest, pdm: PdmProject, schema: ProjectSchema) -> list[DocumentRevision]:
    rows = DocumentRevision.objects.filter(project_id=pdm.project_id, recycled_at__isnull=True)
    for column in ("updated_at", "created_at"):
        if window := request.GET.get(f"filters[{column}]"):
            lower, upper = time_window(window, f"filters[{column}]")
            rows = rows.filter(**{f"{column}__gte": lower, f"{column}__lt": upper})
    containers = filter_values(request, "document_container_id")
    if raw := request.GET.get("filters[document_container_ids]"):
        try:
            listed = json.loads(raw)
        except ValueError:
            listed = None
        if not isinstance(listed, list):
            raise ApiError(
                400,
                "filters[document_container_ids] must be a JSON array",
                reason_code="INVALID_PROPERTY",
                source="filters[document_container_ids]",
            )
        containers += [str(c) for c in listed]
    if containers:
        rows = rows.filter(container_id__in=containers)
    ids = filter_values(request, "id") + filter_values(request, "ids")
    if ids:
        rows = rows.filter(id__in=ids)
    revisions = list(rows.select_related("container"))
    for name, field in schema.by_name.items():
        wanted = set(filter_values(request, name)) | set(filter_values(request, field.id))
        if wanted:
            revisions = [r for r in revisions if wanted & set((r.metadata.get(name) or {}).get("values") or [])]
    if versions := set(filter_values(request, "version")):
        revisions = [r for r in revisions if str(r.version) in versions]
    return sort_revisions(request, revisions, schema, by_container=bool(containers))


def _name(revision: DocumentRevision) -> str:
    return str(((revision.metadata.get("name") or {}).get("values") or [""])[0])


def sort_revisions(
    request: HttpRequest, revisions: list[DocumentRevision], schema: ProjectSchema, *, by_container: bool
) -> list[DocumentRevision]:
    """Apply ``sort`` keys; ``name`` asc then ``created_at`` desc are always appended (§7.10)."""
    keys = [k for k in request.GET.get("sort", "").split(",") if k.strip()]
    # Python's sort is stable: apply the least significant key first.
    revisions.sort(key=lambda r: r.created_at, reverse=True)
    revisions.sort(key=_name)
    if not keys and by_container:
        revisions.sort(key=lambda r: (r.container_id, r.position_within_container), reverse=True)
    for key in reversed(keys):
        descending = key.startswith("-")
        name = key.lstrip("-")
        getters = {
            "created_at": lambda r: r.created_at,
            "uploaded_at": lambda r: r.created_at,
            "updated_at": lambda r: r.updated_at,
            "file_size": lambda r: r.file_size,
            "file_format": lambda r: r.mime_type,
            "version": lambda r: r.version,
        }
        field = schema.by_id.get(name) or schema.by_name.get(name)
        if name in getters:
            getter = getters[name]
        elif field is not None:
            getter = (lambda f: lambda r: str(((r.metadata.get(f.name) or {}).get("values") or [""])[0]))(field)
        else:
            raise ApiError(400, f"Cannot sort by {name}", reason_code="INVALID_PROPERTY", source="sort")
        revisions.sort(key=getter, reverse=descending)
    return revisions


def _ids_only(request: HttpRequest) -> bool:
    view = request.GET.get("view", "default")
    if view not in ("default", "ids_only"):
        raise ApiError(400, "view must be default or ids_only", reason_code="INVALID_PROPERTY", source="view")
    return view == "ids_only"


def revisions_list(
    request: HttpRequest, token: AccessToken, company_id: int, project_id: int, version: str
) -> HttpResponse:
    pdm = pdm_project(request, token, company_id, project_id)
    schema = ProjectSchema(pdm)
    ids_only = _ids_only(request)
    revisions = filtered_revisions(request, pdm, schema)
    return v2_list(request, revisions, lambda r: revision_json(request, r, schema), ids_only=ids_only)


@api_view(["POST"])
def selected_revisions(
    request: HttpRequest, token: AccessToken, company_id: int, project_id: int, version: str
) -> HttpResponse:
    pdm = pdm_project(request, token, company_id, project_id)
    ids = selected_ids(json_body(request))
    schema = ProjectSchema(pdm)
    ids_only = _ids_only(request)
    found = {
        r.id: r
        for r in DocumentRevision.objects.filter(
            project_id=project_id, id__in=ids, recycled_at__isnull=True
        ).select_related("container")
    }
    revisions = [found[i] for i in ids if i in found]
    # v2.2 is current; the deprecated v2.0/v2.1 answer 201 at run time.
    status = 200 if version == "2.2" else 201
    return v2_list(request, revisions, lambda r: revision_json(request, r, schema), ids_only=ids_only, status=status)


def selected_ids(body: dict[str, Any]) -> list[str]:
    """``ids`` of a selected_* body: required, a non-empty array of strings; blanks/duplicates dropped."""
    if "ids" not in body:
        raise ApiError(400, "ids is required", reason_code="MISSING_REQUIRED_PROPERTY", source="ids")
    ids = body["ids"]
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
        raise ApiError(400, "ids must be a non-empty array of strings", reason_code="INVALID_PROPERTY", source="ids")
    return list(dict.fromkeys(i.strip() for i in ids if i.strip()))


@api_view(["GET"])
def recycled_revisions(
    request: HttpRequest, token: AccessToken, company_id: int, project_id: int, version: str
) -> HttpResponse:
    pdm = pdm_project(request, token, company_id, project_id)
    schema = ProjectSchema(pdm)
    ids_only = _ids_only(request)
    rows = DocumentRevision.objects.filter(project_id=project_id, recycled_at__isnull=False)
    rows = rows.select_related("container").order_by("-recycled_at", "-id")
    return v2_list(request, rows, lambda r: revision_json(request, r, schema), ids_only=ids_only)


def _download(
    request: HttpRequest, token: AccessToken, company_id: int, project_id: int, revision_id: str, *, recycled: bool
) -> HttpResponse:
    pdm_project(request, token, company_id, project_id)
    revision = DocumentRevision.objects.filter(
        project_id=project_id, id=revision_id, recycled_at__isnull=not recycled
    ).first()
    if revision is None:
        raise ApiError(404, "Document revision not found", reason_code="NOT_FOUND")
    url = revision_download_url(request, revision, token.person_id)
    if request.GET.get("no_redirect", "").lower() == "true":
        return JsonResponse({"data": {"url": url}})
    return HttpResponseRedirect(url)


@api_view(["GET"])
def revision_download(
    request: HttpRequest, token: AccessToken, company_id: int, project_id: int, revision_id: str, version: str
) -> HttpResponse:
    return _download(request, token, company_id, project_id, revision_id, recycled=False)


@api_view(["GET"])
def recycled_revision_download(
    request: HttpRequest, token: AccessToken, company_id: int, project_id: int, revision_id: str, version: str
) -> HttpResponse:
    return _download(request, token, company_id, project_id, revision_id, recycled=True)
