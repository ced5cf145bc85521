"""``PATCH .../document_uploads`` (bulk, 207): link files, set metadata and upload status
(procore-api.md §7.7).

Whole-request answers, with nothing applied: 400 INVALID_PROPERTY for the schema and for values
that do not fit their field (§7.11 write formats, inactive values); 500 when a ``file_upload_id``
is already linked to another upload, when COMPLETED is asked with no file linked, or when the
``storage_verification`` switch says so in mode "500". ``failed[]`` only lists uploads whose file
storage could not verify for COMPLETED; unknown ids are dropped silently.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse

from procore_sandbox.http import ApiError
from procore_sandbox.models import AccessToken, DocumentUpload, FileUpload, PdmField, PdmProject
from procore_sandbox.pdm.common import is_ulid, json_body, new_event_id
from procore_sandbox.pdm.metadata import ProjectSchema
from procore_sandbox.pdm.uploads import INTEGRATIONS, _emit, file_problem
from procore_sandbox.uploads.storage import sandbox_now

STATUSES = {DocumentUpload.INCOMPLETE, DocumentUpload.COMPLETED, DocumentUpload.PLACEHOLDER}


@dataclass
class Change:
    id: str
    upload_status: str | None = None
    file_locked: bool | None = None
    file_upload_id: str | None = None
    fields: list[tuple[PdmField, list[str]]] = dc_field(default_factory=list)


def _invalid(message: str, source: str) -> ApiError:
    return ApiError(400, message, reason_code="INVALID_PROPERTY", source=source)


def parse_changes(body: dict[str, Any], schema: ProjectSchema) -> list[Change]:
    if body.get("update_all_document_uploads"):
        raise _invalid("update_all_document_uploads is not supported by the sandbox", "update_all_document_uploads")
    if not isinstance(body.get("only_update_empty_fields", False), bool):
        raise _invalid("only_update_empty_fields must be a boolean", "only_update_empty_fields")
    items = body.get("update_params")
    if not isinstance(items, list):
        raise _invalid("update_params must be an array", "update_params")
    changes = []
    for index, item in enumerate(items):
        where = f"update_params.{index}"
        if not isinstance(item, dict):
            raise _invalid(f"{where} must be an object", where)
        if not is_ulid(item.get("id")):
            raise _invalid(f"{where}.id must be a ULID", f"{where}.id")
        change = Change(id=item["id"])
        if "upload_status" in item:
            if item["upload_status"] not in STATUSES:
                raise _invalid(
                    f"{where}.upload_status must be one of {', '.join(sorted(STATUSES))}", f"{where}.upload_status"
                )
            change.upload_status = item["upload_status"]
        if "file_locked" in item:
            if not isinstance(item["file_locked"], bool):
                raise _invalid(f"{where}.file_locked must be a boolean", f"{where}.file_locked")
            change.file_locked = item["file_locked"]
        if item.get("file_upload_id") is not None:
            if not isinstance(item["file_upload_id"], str) or not item["file_upload_id"]:
                raise _invalid(f"{where}.file_upload_id must be a string", f"{where}.file_upload_id")
            change.file_upload_id = item["file_upload_id"]
        fields = item.get("fields", [])
        if not isinstance(fields, list):
            raise _invalid(f"{where}.fields must be an array", f"{where}.fields")
        for position, entry in enumerate(fields):
            spot = f"{where}.fields.{position}"
            if not isinstance(entry, dict):
                raise _invalid(f"{spot} must be an object", spot)
            change.fields.append(schema.validate_write(entry.get("id"), entry.get("values"), spot))
        changes.append(change)
    return changes


def _server_error(message: str) -> ApiError:
    return ApiError(500, message, reason_code="INTERNAL_ERROR")


def patch_uploads(request: HttpRequest, token: AccessToken, pdm: PdmProject) -> HttpResponse:
    from procore_sandbox.pdm.switches import get_switch, take

    body = json_body(request)
    schema = ProjectSchema(pdm)
    changes = parse_changes(body, schema)
    only_empty = bool(body.get("only_update_empty_fields", False))
    uploads = {
        u.id: u
        for u in DocumentUpload.objects.filter(
            project_id=pdm.project_id, submitted_at__isnull=True, id__in=[c.id for c in changes]
        )
    }
    changes = [c for c in changes if c.id in uploads]  # unknown ids: silently dropped

    linking: dict[str, str] = {}
    for change in changes:
        if change.file_upload_id:
            file_upload = FileUpload.objects.filter(id=change.file_upload_id).first()
            linked = file_upload.linked_document_upload_id if file_upload else ""
            if (linked and linked != change.id) or linking.get(change.file_upload_id, change.id) != change.id:
                raise _server_error(f"File upload {change.file_upload_id} is already linked to another upload")
            linking[change.file_upload_id] = change.id
        if change.upload_status == DocumentUpload.COMPLETED and not (
            change.file_upload_id or uploads[change.id].file_upload_id
        ):
            raise _server_error(f"Upload {change.id} has no file linked")

    failed: list[dict[str, Any]] = []
    for change in changes:
        if change.upload_status != DocumentUpload.COMPLETED:
            continue
        file_upload_id = change.file_upload_id or uploads[change.id].file_upload_id
        problem = file_problem(file_upload_id, token, pdm)
        if problem is None and take("storage_verification", "file_upload_ids", file_upload_id):
            if (get_switch("storage_verification") or {}).get("mode") == "500":
                raise _server_error("Storage verification failed")
            problem = (404, "File not found in storage")
        if problem is not None:
            failed.append({"id": change.id, "code": problem[0], "message": problem[1]})

    failed_ids = {f["id"] for f in failed}
    completed: list[DocumentUpload] = []
    now = sandbox_now()
    with transaction.atomic():
        for change in changes:
            if change.id in failed_ids:
                continue
            upload = uploads[change.id]
            if _apply(upload, change, only_empty, now):
                completed.append(upload)
            upload.latest_event_id = new_event_id()
            upload.updated_at = now
            upload.save()
            if change.file_upload_id:
                FileUpload.objects.filter(linked_document_upload_id=upload.id).exclude(id=change.file_upload_id).update(
                    linked_document_upload_id=""
                )
                FileUpload.objects.filter(id=change.file_upload_id).update(linked_document_upload_id=upload.id)
    for upload in completed:
        _emit(pdm, upload, "completed", token.person_id)
    success = [{"id": c.id} for c in changes if c.id not in failed_ids]
    return JsonResponse(
        {"data": {"success": list({s["id"]: s for s in success}.values()), "failed": failed}}, status=207
    )


def _apply(upload: DocumentUpload, change: Change, only_empty: bool, now: Any) -> bool:
    """Apply one change; True when the upload has just become COMPLETED."""
    metadata = dict(upload.metadata)
    for target, values in change.fields:
        if only_empty and (metadata.get(target.name) or {}).get("values"):
            continue
        if values:
            metadata[target.name] = {"values": values, "label_source": "MANUAL"}
        else:
            metadata.pop(target.name, None)
    upload.metadata = metadata
    if change.file_locked is not None:
        upload.file_locked = change.file_locked
    if change.file_upload_id:
        upload.file_upload_id = change.file_upload_id
    became_completed = False
    if change.upload_status and change.upload_status != upload.upload_status:
        became_completed = change.upload_status == DocumentUpload.COMPLETED
        upload.upload_status = change.upload_status
        upload.metadata.pop(INTEGRATIONS, None)
        upload.integrations_applied = False
        upload.integrations_started_at = now if became_completed else None
        upload.upload_completed_at = now if became_completed else None
    return became_completed
