"""PDM document uploads: create, bulk PATCH, show, list, selected (procore-api.md §7.6–§7.8).

State machine: INCOMPLETE (invisible to list and show) → COMPLETED (file verified in storage;
ML and filename scraping run "asynchronously": their statuses are computed on read from
``integrations_started_at`` and the ``ml_delay`` switch, no background thread) → submitted
(consumed: show answers 404 UPLOAD_NOT_FOUND). ``latest_event_id`` changes on every change,
including ML / scraping completion.

Choices where the docs are silent ([gap]/[inferred]):

- Storage verification failures in ``failed[]`` use HTTP-like numeric codes: 404 "File not found
  in storage" (unknown, unfinished or expired unified upload), 403 (another user's upload).
- A failed item is left entirely unchanged. Unknown or consumed upload ids are dropped silently.
- ``update_all_document_uploads: true`` (bulk edit by filter) is not emulated: 400.
- PLACEHOLDER uploads are listed (documents-to-be). ``authored_by`` and ``uploaded_by`` default
  to the creator. ``download_url`` is a signed storage URL of the linked file (or null).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse

from procore_sandbox.http import ApiError, api_view
from procore_sandbox.models import AccessToken, DocumentContainer, DocumentUpload, FileUpload, PdmProject
from procore_sandbox.pdm.common import iso_ms, json_body, new_event_id, pdm_project, v2_list
from procore_sandbox.pdm.metadata import ProjectSchema, run_ml, scrape_filename
from procore_sandbox.pdm.revisions import filter_values, selected_ids
from procore_sandbox.uploads.storage import sandbox_now
from procore_sandbox.uploads.unified import current_status, is_expired
from procore_sandbox.webhooks import events

INTEGRATIONS = "_integrations"  # reserved metadata key holding the ML / scraping results


def upload_not_found(upload_id: str, status: int = 404) -> ApiError:
    return ApiError(status, f"Upload {upload_id} not found", reason_code="UPLOAD_NOT_FOUND", source=upload_id)


def _emit(pdm: PdmProject, upload: DocumentUpload, event_type: str, user_id: int) -> None:
    events.emit(
        company_id=pdm.project.company_id,
        project_id=pdm.project_id,
        resource_name="Document Upload",
        event_type=event_type,
        resource_id=upload.id,
        user_id=user_id,
    )


def settle_integrations(upload: DocumentUpload, schema: ProjectSchema) -> DocumentUpload:
    """Finish ML / filename scraping once their delay is over (lazily, on read)."""
    from procore_sandbox.pdm.switches import ml_delay

    if (
        upload.upload_status != DocumentUpload.COMPLETED
        or upload.integrations_applied
        or upload.integrations_started_at is None
    ):
        return upload
    if sandbox_now() < upload.integrations_started_at + timedelta(seconds=ml_delay()):
        return upload
    metadata = {k: dict(v) for k, v in upload.metadata.items() if k != INTEGRATIONS}
    before = {k: list(v.get("values") or []) for k, v in metadata.items()}
    scraping, scraping_detail = scrape_filename(schema, upload.file_name, metadata)
    ml, ml_detail = run_ml(schema, upload.file_name, upload.mime_type, metadata)
    response = {}
    for name, entry in metadata.items():
        if entry.get("values") and not before.get(name) and name in schema.by_name:
            suffix = "ml" if entry.get("label_source") == "ML" else "scraping"
            shown = schema.read_values(schema.by_name[name], entry["values"])
            response[f"{name}_{suffix}"] = {
                "value_id": shown[0].get("id", shown[0]["label"]),
                "value_name": shown[0]["label"],
            }
    metadata[INTEGRATIONS] = {
        "ml": ml,
        "filename_scraping": scraping,
        "ml_processing": ml_detail,
        "scraping_processing": scraping_detail,
        "integration_response": response,
    }
    now = sandbox_now()
    # Conditional update: two readers at once apply the results once.
    DocumentUpload.objects.filter(id=upload.id, integrations_applied=False).update(
        metadata=metadata, integrations_applied=True, latest_event_id=new_event_id(), updated_at=now
    )
    upload.refresh_from_db()
    return upload


def _statuses(upload: DocumentUpload) -> dict[str, Any]:
    results = upload.metadata.get(INTEGRATIONS) or {}
    if upload.upload_status != DocumentUpload.COMPLETED:
        return {"ml": "not_applicable", "filename_scraping": "not_applicable", "integration_response": {}}
    if not upload.integrations_applied:
        return {"ml": "in_progress", "filename_scraping": "in_progress", "integration_response": {}}
    return {
        "ml": results.get("ml"),
        "filename_scraping": results.get("filename_scraping"),
        "integration_response": results.get("integration_response", {}),
    }


def upload_json(
    request: HttpRequest, upload: DocumentUpload, schema: ProjectSchema, version: str, *, show: bool = False
) -> dict[str, Any]:
    results = upload.metadata.get(INTEGRATIONS) or {}
    criteria = schema.match_criteria(upload.metadata, upload.mime_type)
    container = DocumentContainer.objects.filter(project_id=upload.project_id, match_criteria=criteria).first()
    data: dict[str, Any] = {
        "id": upload.id,
        "fields": schema.render_fields(upload.metadata, all_fields=True),
        "file_locked": upload.file_locked,
        "integrations": {
            "ml_processing": results.get("ml_processing", {"errors": [], "success": []}),
            "bim_processing": {"bim_file_extraction_id": None, "status": "not_applicable", "errors": []},
            "scraping_processing": results.get("scraping_processing", {"errors": [], "success": []}),
        },
        "match_criteria": criteria,
        "upload_status": upload.upload_status,
        "integration_statuses": _statuses(upload),
        "upload_requested_at": iso_ms(upload.upload_requested_at),
        "upload_completed_at": iso_ms(upload.upload_completed_at),
        "document_container_id": container.id if container else None,
        "position_within_container": None,
        "latest_event_id": upload.latest_event_id,
        "download_url": None,
        "original_filename": upload.file_name,
    }
    if version == "2.0":
        data["file_key"] = upload.file_upload_id or None  # deprecated, v2.0 only
    if show:
        data["permissions"] = {"allowed_actions": ["view"]}
    return data


def visible_uploads(project_id: int):
    return DocumentUpload.objects.filter(
        project_id=project_id,
        submitted_at__isnull=True,
        upload_status__in=[DocumentUpload.COMPLETED, DocumentUpload.PLACEHOLDER],
    )


def _create(request: HttpRequest, token: AccessToken, pdm: PdmProject) -> HttpResponse:
    from procore_sandbox.pdm.switches import is_on

    if is_on("access_denied"):
        raise ApiError(403, "You do not have permission to upload new files", reason_code="ACCESS_DENIED")
    body = json_body(request)
    items = body.get("uploads")
    if not isinstance(items, list) or not items:
        raise ApiError(400, "uploads must be a non-empty array", reason_code="INVALID_PROPERTY", source="uploads")
    for index, item in enumerate(items):
        where = f"uploads.{index}"
        if not isinstance(item, dict):
            raise ApiError(400, f"{where} must be an object", reason_code="INVALID_PROPERTY", source=where)
        for name in ("file_name", "mime_type"):
            if not isinstance(item.get(name), str) or not item[name].strip():
                raise ApiError(
                    400, f"{where}.{name} must be a string", reason_code="INVALID_PROPERTY", source=f"{where}.{name}"
                )
        if "file_locked" in item and not isinstance(item["file_locked"], bool):
            raise ApiError(
                400,
                f"{where}.file_locked must be a boolean",
                reason_code="INVALID_PROPERTY",
                source=f"{where}.file_locked",
            )
        if item.get("expected_container_id") is not None and not isinstance(item["expected_container_id"], str):
            raise ApiError(
                400,
                f"{where}.expected_container_id must be a string",
                reason_code="INVALID_PROPERTY",
                source=f"{where}.expected_container_id",
            )
    schema = ProjectSchema(pdm)
    me = str(token.person_id)
    defaults = {
        name: {"values": [me], "label_source": "SYSTEM"}
        for name in ("authored_by", "uploaded_by")
        if name in schema.by_name
    }
    now = sandbox_now()
    with transaction.atomic():
        created = [
            DocumentUpload.objects.create(
                project_id=pdm.project_id,
                created_by=token.person_id,
                file_name=item["file_name"].strip(),
                mime_type=item["mime_type"].strip(),
                file_locked=bool(item.get("file_locked", False)),
                expected_container_id=item.get("expected_container_id") or "",
                metadata=dict(defaults),
                upload_requested_at=now,
                updated_at=now,
            )
            for item in items
        ]
    for upload in created:
        _emit(pdm, upload, "created", token.person_id)
    return JsonResponse({"data": [{"id": u.id, "file_locked": u.file_locked} for u in created]}, status=201)


@api_view(["GET", "POST", "PATCH"])
def uploads_collection(
    request: HttpRequest, token: AccessToken, company_id: int, project_id: int, version: str
) -> HttpResponse:
    pdm = pdm_project(request, token, company_id, project_id)
    if request.method == "POST" and version == "2.0":
        return _create(request, token, pdm)
    if request.method == "PATCH" and version == "2.0":
        from procore_sandbox.pdm.upload_patch import patch_uploads

        return patch_uploads(request, token, pdm)
    if request.method == "GET":
        return _list(request, pdm, version, visible_uploads(project_id))
    raise ApiError(405, "Method Not Allowed")


def _list(request: HttpRequest, pdm: PdmProject, version: str, rows, status: int = 200) -> HttpResponse:
    view = request.GET.get("view", "default")
    if view not in ("default", "ids_only"):
        raise ApiError(400, "view must be default or ids_only", reason_code="INVALID_PROPERTY", source="view")
    schema = ProjectSchema(pdm)
    uploads = [settle_integrations(u, schema) for u in rows]
    if search := request.GET.get("search", "").strip().lower():
        uploads = [
            u
            for u in uploads
            if search in u.file_name.lower()
            or any(search in str(v).lower() for e in u.metadata.values() for v in e.get("values") or [])
        ]
    for name, target in schema.by_name.items():
        wanted = set(filter_values(request, name)) | set(filter_values(request, target.id))
        if wanted:
            uploads = [u for u in uploads if wanted & set((u.metadata.get(name) or {}).get("values") or [])]
    sort = request.GET.get("sort", "")
    key = sort.lstrip("-")
    if key == "id":
        uploads.sort(key=lambda u: u.id, reverse=sort.startswith("-"))
    elif key:
        sort_field = schema.by_id.get(key)
        if sort_field is None:
            raise ApiError(400, f"Cannot sort by {key}", reason_code="INVALID_PROPERTY", source="sort")
        sort_name = sort_field.name
        uploads.sort(
            key=lambda u: str(((u.metadata.get(sort_name) or {}).get("values") or [""])[0]),
            reverse=sort.startswith("-"),
        )
    return v2_list(
        request, uploads, lambda u: upload_json(request, u, schema, version), ids_only=view == "ids_only", status=status
    )


@api_view(["GET"])
def upload_detail(
    request: HttpRequest, token: AccessToken, company_id: int, project_id: int, upload_id: str, version: str
) -> HttpResponse:
    pdm = pdm_project(request, token, company_id, project_id)
    upload = visible_uploads(project_id).filter(id=upload_id).first()
    if upload is None:
        raise upload_not_found(upload_id)
    schema = ProjectSchema(pdm)
    upload = settle_integrations(upload, schema)
    return JsonResponse({"data": upload_json(request, upload, schema, version, show=True)})


@api_view(["POST"])
def selected_uploads(
    request: HttpRequest, token: AccessToken, company_id: int, project_id: int, version: str
) -> HttpResponse:
    pdm = pdm_project(request, token, company_id, project_id)
    ids = selected_ids(json_body(request))
    found = {u.id: u for u in visible_uploads(project_id).filter(id__in=ids)}
    status = 200 if version == "2.2" else 201
    return _list(request, pdm, version, [found[i] for i in ids if i in found], status=status)


def file_problem(file_upload_id: str, token: AccessToken, pdm: PdmProject) -> tuple[int, str] | None:
    """Storage verification of a linked unified upload: None when the file is there."""
    upload = FileUpload.objects.filter(id=file_upload_id, company_id=pdm.project.company_id).first()
    if upload is None or is_expired(upload):
        return 404, "File not found in storage"
    if upload.created_by != token.person_id:
        return 403, "File upload belongs to another user"
    if current_status(upload) != FileUpload.AVAILABLE:
        return 404, "File not found in storage"
    return None
