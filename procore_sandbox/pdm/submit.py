"""``POST .../document_revisions``: submit uploads as revisions (procore-api.md §7.9, §7.13).

Request-level answers follow the published table (whole request rejected, nothing created):
400 INVALID_PROPERTY (schema), 422 PERMISSION_DENIED, UPLOAD_NOT_FOUND (unknown, INCOMPLETE-
and-never-seen, or already submitted), FILE_KEY_MISMATCH (no verified file), INVALID_INPUT
(required metadata missing under the applicable rule, or a value deactivated since),
DUPLICATE_REVISION, WORKFLOW_CONFLICT (with the documented detail body) and
WORKFLOW_CONFLICT_INSUFFICIENT_PERMISSION. Per-upload ``failures[]``: CONCURRENCY_CONFLICT when
``upload_latest_event_id`` is not the upload's current one (switchable off, as the reference says
it is no longer validated) or forced, UNKNOWN_FAILURE when forced (pdm_switches).

Choices ([inferred]): an INCOMPLETE upload answers FILE_KEY_MISMATCH; a revision holding a
workflow that is not terminated blocks its container (the sandbox always forbids concurrent
revision workflows); termination sets the given status on those revisions, marks their
workflow terminated and emits ``Document Revision`` ``updated`` for each.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Max
from django.http import HttpRequest, HttpResponse, JsonResponse

from procore_sandbox.http import ApiError, api_view
from procore_sandbox.models import (
    AccessToken,
    DocumentContainer,
    DocumentRevision,
    DocumentUpload,
    FileUpload,
    PdmProject,
)
from procore_sandbox.pdm.common import is_ulid, json_body, new_event_id, now_ms, pdm_project, stable_ulid
from procore_sandbox.pdm.metadata import ProjectSchema
from procore_sandbox.pdm.uploads import INTEGRATIONS, file_problem, settle_integrations
from procore_sandbox.webhooks import events


def _invalid(message: str, source: str) -> ApiError:
    return ApiError(400, message, reason_code="INVALID_PROPERTY", source=source)


def _unprocessable(reason: str, message: str, source: str = "") -> ApiError:
    return ApiError(422, message, code="VALIDATION_ERROR", reason_code=reason, source=source)


class WorkflowConflict(ApiError):
    def __init__(self, detail: dict[str, Any]):
        super().__init__(422, "Validation errors detected", code="VALIDATION_ERROR", reason_code="WORKFLOW_CONFLICT")
        self.detail = detail


def parse_items(body: dict[str, Any]) -> list[dict[str, Any]]:
    items = body.get("uploads")
    if not isinstance(items, list) or not items:
        raise _invalid("uploads must be a non-empty array", "uploads")
    if "file_locked" in body and not isinstance(body["file_locked"], bool):
        raise _invalid("file_locked must be a boolean", "file_locked")
    for index, item in enumerate(items):
        where = f"uploads.{index}"
        if not isinstance(item, dict) or not is_ulid(item.get("id")):
            raise _invalid(f"{where}.id must be a ULID", f"{where}.id")
        if not isinstance(item.get("upload_latest_event_id"), str):
            raise _invalid(f"{where}.upload_latest_event_id must be a string", f"{where}.upload_latest_event_id")
        if ("termination_reason" in item) != ("terminated_revision_status_id" in item):
            raise _invalid(f"{where}: termination_reason and terminated_revision_status_id go together", where)
    return items


def _revision_value(metadata: dict[str, Any]) -> str:
    return str(((metadata.get("revision") or {}).get("values") or [""])[0])


def _label(schema: ProjectSchema, metadata: dict[str, Any], name: str) -> str:
    target = schema.by_name.get(name)
    raw = (metadata.get(name) or {}).get("values") or []
    if target is None or not raw:
        return ""
    return schema.read_values(target, raw)[0]["label"] if schema.read_values(target, raw) else ""


def check_request(
    items: list[dict[str, Any]], uploads: dict[str, DocumentUpload], schema: ProjectSchema, token: AccessToken
) -> dict[str, str]:
    """Raise the request-level 422s; return each upload's match criteria."""
    pdm = schema.pdm
    criteria: dict[str, str] = {}
    for item in items:
        upload = uploads.get(item["id"])
        if upload is None:
            raise _unprocessable("UPLOAD_NOT_FOUND", f"Upload {item['id']} not found", item["id"])
        if (
            upload.upload_status != DocumentUpload.COMPLETED
            or not upload.file_upload_id
            or file_problem(upload.file_upload_id, token, pdm) is not None
        ):
            raise _unprocessable("FILE_KEY_MISMATCH", f"Upload {upload.id} has no file associated", upload.id)
        missing = schema.missing_required(upload.metadata)
        stale = schema.inactive_values(upload.metadata)
        if missing or stale:
            parts = [f"missing required fields: {', '.join(missing)}"] if missing else []
            parts += [f"inactive values in: {', '.join(stale)}"] if stale else []
            raise _unprocessable("INVALID_INPUT", f"Upload {upload.id}: {'; '.join(parts)}", upload.id)
        criteria[upload.id] = schema.match_criteria(upload.metadata, upload.mime_type)
    if not pdm.allow_duplicate_revisions:
        seen: set[tuple[str, str]] = set()
        for item in items:
            upload = uploads[item["id"]]
            key = (criteria[upload.id], _revision_value(upload.metadata))
            existing = DocumentRevision.objects.filter(
                project_id=pdm.project_id, container__match_criteria=key[0], recycled_at__isnull=True
            )
            if key in seen or any(_revision_value(r.metadata) == key[1] for r in existing):
                raise _unprocessable(
                    "DUPLICATE_REVISION", f"Revision {key[1]} already exists in the target container", upload.id
                )
            seen.add(key)
    return criteria


def check_workflows(
    items: list[dict[str, Any]], uploads: dict[str, DocumentUpload], criteria: dict[str, str], schema: ProjectSchema
) -> dict[str, list[DocumentRevision]]:
    """Raise WORKFLOW_CONFLICT(_INSUFFICIENT_PERMISSION); return revisions to terminate per upload."""
    from procore_sandbox.pdm.switches import is_on

    to_terminate: dict[str, list[DocumentRevision]] = {}
    for item in items:
        upload = uploads[item["id"]]
        active = [
            r
            for r in DocumentRevision.objects.filter(
                project_id=schema.pdm.project_id,
                container__match_criteria=criteria[upload.id],
                recycled_at__isnull=True,
            )
            if r.workflow and not r.workflow.get("terminated")
        ]
        if not active:
            continue
        if "termination_reason" not in item:
            raise WorkflowConflict(
                {
                    "reason_code": "WORKFLOW_CONFLICT",
                    "message": "Multiple workflows detected in container",
                    "source": upload.id,
                    "document_container_id": active[0].container_id,
                    "existing_revisions_with_workflows": [
                        {
                            "id": r.id,
                            "name": r.original_filename,
                            "revision": _revision_value(r.metadata),
                            "workflow_instance_id": r.workflow.get("instance_id"),
                            "assigned_workflow": r.workflow.get("assigned_workflow"),
                            "workflow_current_step": r.workflow.get("current_step"),
                            "status": r.workflow.get("status"),
                        }
                        for r in active
                    ],
                    "conflicting_uploads_with_workflow": [
                        {"id": upload.id, "name": upload.file_name, "revision": _revision_value(upload.metadata)}
                    ],
                }
            )
        if is_on("workflow_insufficient_permission"):
            raise _unprocessable(
                "WORKFLOW_CONFLICT_INSUFFICIENT_PERMISSION",
                "You may not terminate the workflows of existing revisions",
                upload.id,
            )
        status = schema.values.get(item["terminated_revision_status_id"])
        if status is None or status.field_id != schema.by_name["status"].id or not status.active:
            raise _invalid(
                "terminated_revision_status_id must be an active status value id", "terminated_revision_status_id"
            )
        to_terminate[upload.id] = active
    return to_terminate


def submit(request: HttpRequest, token: AccessToken, pdm: PdmProject, version: str) -> HttpResponse:
    from procore_sandbox.pdm.switches import is_on, take, validate_event_id

    body = json_body(request)
    items = parse_items(body)
    if is_on("permission_denied"):
        raise _unprocessable("PERMISSION_DENIED", "You do not have permission to submit new files")
    schema = ProjectSchema(pdm)
    uploads = {
        u.id: settle_integrations(u, schema)
        for u in DocumentUpload.objects.filter(
            project_id=pdm.project_id, submitted_at__isnull=True, id__in=[i["id"] for i in items]
        )
    }
    criteria = check_request(items, uploads, schema, token)
    to_terminate = check_workflows(items, uploads, criteria, schema)

    ids: list[str] = []
    failures: list[dict[str, Any]] = []
    created: list[DocumentRevision] = []
    terminated: list[DocumentRevision] = []
    with transaction.atomic():
        for item in items:
            upload = DocumentUpload.objects.select_for_update().get(id=item["id"])
            if upload.submitted_at is not None:
                continue  # the same id twice in one request
            stale = validate_event_id() and item["upload_latest_event_id"] != upload.latest_event_id
            if stale or take("concurrency_conflict", "uploads", upload.id):
                failures.append(
                    {
                        "upload_id": upload.id,
                        "reason_code": "CONCURRENCY_CONFLICT",
                        "message": "Upload was modified since last read",
                    }
                )
                continue
            if take("unknown_failure", "uploads", upload.id):
                failures.append(
                    {
                        "upload_id": upload.id,
                        "reason_code": "UNKNOWN_FAILURE",
                        "message": "An unknown error occurred; retry this upload",
                    }
                )
                continue
            for old in to_terminate.get(upload.id, []):
                _terminate(old, item, schema)
                terminated.append(old)
            revision = _create_revision(
                upload, criteria[upload.id], token, upload.file_locked or bool(body.get("file_locked"))
            )
            created.append(revision)
            ids.append(revision.id)
    for old in terminated:
        events.emit(
            company_id=pdm.project.company_id,
            project_id=pdm.project_id,
            resource_name="Document Revision",
            event_type="updated",
            resource_id=old.id,
            user_id=token.person_id,
        )
    for revision in created:
        events.emit(
            company_id=pdm.project.company_id,
            project_id=pdm.project_id,
            resource_name="Document Revision",
            event_type="created",
            resource_id=revision.id,
            user_id=token.person_id,
        )
    data: dict[str, Any] = {"ids": ids, "failures": failures}
    if version == "2.0":
        data["failureIds"] = [f["upload_id"] for f in failures]  # deprecated, v2.0 only
    return JsonResponse({"data": data}, status=201)


def _terminate(revision: DocumentRevision, item: dict[str, Any], schema: ProjectSchema) -> None:
    revision.workflow = {**revision.workflow, "terminated": True, "termination_reason": item["termination_reason"]}
    revision.metadata = {
        **revision.metadata,
        "status": {"values": [item["terminated_revision_status_id"]], "label_source": "MANUAL"},
    }
    revision.updated_at = now_ms()
    revision.latest_event_id = new_event_id()
    revision.save()


def _create_revision(upload: DocumentUpload, criteria: str, token: AccessToken, file_locked: bool) -> DocumentRevision:
    container, _ = DocumentContainer.objects.get_or_create(
        project_id=upload.project_id,
        match_criteria=criteria,
        defaults={"id": stable_ulid(upload.project_id, "container", criteria)},
    )
    version = (container.revisions.aggregate(v=Max("version"))["v"] or 0) + 1
    file_upload = FileUpload.objects.get(id=upload.file_upload_id)
    now = now_ms()
    revision = DocumentRevision.objects.create(
        project_id=upload.project_id,
        container=container,
        version=version,
        position_within_container=f"a{version:04d}",
        metadata={k: v for k, v in upload.metadata.items() if k != INTEGRATIONS},
        upload_id=upload.id,
        original_filename=upload.file_name,
        mime_type=upload.mime_type,
        file_size=file_upload.file_size,
        file_upload_id=file_upload.id,
        file_locked=file_locked,
        uploaded_by=token.person_id,
        created_at=now,
        updated_at=now,
    )
    upload.submitted_at = now
    upload.revision_id = revision.id
    upload.latest_event_id = new_event_id()
    upload.save(update_fields=["submitted_at", "revision_id", "latest_event_id"])
    return revision


@api_view(["GET", "POST"])
def revisions_collection(
    request: HttpRequest, token: AccessToken, company_id: int, project_id: int, version: str
) -> HttpResponse:
    """GET lists revisions (pdm_revisions); POST submits uploads."""
    if request.method == "GET":
        from procore_sandbox.pdm.revisions import revisions_list

        return revisions_list(request, token, company_id, project_id, version)
    pdm = pdm_project(request, token, company_id, project_id)
    try:
        return submit(request, token, pdm, version)
    except WorkflowConflict as conflict:
        return JsonResponse(
            {"error": {"code": "VALIDATION_ERROR", "message": conflict.message, "details": [conflict.detail]}},
            status=422,
        )
