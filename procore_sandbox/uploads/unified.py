"""Unified File Upload API v2.1 (procore-api.md §6.2): create, presigned PUT of each part,
complete with ``part_etags``, status with refreshed URLs; project and company level.

Choices where the docs are silent or disagree ([gap]/[conflict]):

- ``uploader_tool_name`` is accepted (checked against the reference's enum when sent), never
  required.
- The completing PATCH answers ``complete`` (tutorial) and GET shows ``available`` once the
  "scan" is over (immediately by default); the ``unified_complete_status`` switch makes the PATCH
  answer ``available`` or delays ``available`` (pdm_switches).
- A whole-file SHA-256 that does not match the parts makes the completing PATCH answer 400
  INVALID_PROPERTY and the upload ``failed`` with ``error {type, message, retryable}``.
- Another user's upload answers 403 ACCESS_DENIED; an upload past its 24 hours without a PDM
  document upload linked answers 404, and its bytes are deleted on the next create.
- GET status lists every part in ``segments`` while ``ready``/``receiving``: a fresh ``url``,
  ``url_expires_at`` and ``headers`` for parts not received yet, ``url: null`` and the ``etag``
  for received ones.
- PUT answers like S3: 400 for a body that does not match Content-Length or the part's SHA-256
  (``BadDigest``), 411 without Content-Length, 403 for a bad or expired signature; the ETag is the
  quoted MD5 of the part.
"""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from typing import Any

from django.core.files.uploadedfile import TemporaryUploadedFile
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from procore_sandbox.core.views import company_for, visible_projects
from procore_sandbox.http import ApiError, api_view
from procore_sandbox.models import AccessToken, Company, FileUpload, FileUploadPart, Project
from procore_sandbox.pdm.common import json_body
from procore_sandbox.storage import sandbox_storage
from procore_sandbox.uploads.storage import CHUNK, check_signed, sandbox_now, signed_url, storage_error, unix

MAX_PART = 104_857_600
MIN_PART = 5_242_881  # parts other than the last must be > 5 MiB
MAX_PARTS = 10_000
UPLOAD_LIFETIME = timedelta(hours=24)
TOOL_NAMES = {
    "certifications",
    "daily_hazard_analyses",
    "document_management",
    "estimating",
    "lessons_learned",
    "orientations",
    "scheduling",
    "tool_studio",
    "toolbox_talks",
}
HEX64 = re.compile(r"^[0-9a-fA-F]{64}$")
HEX32 = re.compile(r"^[0-9a-fA-F]{32}$")


def _invalid(message: str, source: str = "") -> ApiError:
    return ApiError(400, message, reason_code="INVALID_PROPERTY", source=source)


def _scope(
    request: HttpRequest, token: AccessToken, company_id: int, project_id: int | None
) -> tuple[Company, Project | None]:
    company = company_for(request, token, company_id)
    if project_id is None:
        return company, None
    project = visible_projects(token.person, company).filter(id=project_id).first()
    if project is None:
        raise ApiError(404, "Not Found", reason_code="NOT_FOUND")
    return company, project


def _expires_in(raw: Any) -> int:
    if raw in (None, ""):
        return 3600
    try:
        seconds = int(raw)
    except (TypeError, ValueError):
        raise _invalid("url_expires_in must be an integer", "url_expires_in") from None
    if not 60 <= seconds <= 3600:
        raise _invalid("url_expires_in must be between 60 and 3600", "url_expires_in")
    return seconds


def validate_create(body: dict[str, Any]) -> list[dict[str, Any]]:
    for name in ("file_name", "content_type"):
        if not isinstance(body.get(name), str) or not body[name].strip():
            raise _invalid(f"{name} must be a string", name)
    if not isinstance(body.get("file_size"), int) or body["file_size"] < 1:
        raise _invalid("file_size must be a positive integer", "file_size")
    if not isinstance(body.get("sha256"), str) or not HEX64.match(body["sha256"]):
        raise _invalid("sha256 must be a hex SHA-256", "sha256")
    if body.get("md5") is not None and (not isinstance(body["md5"], str) or not HEX32.match(body["md5"])):
        raise _invalid("md5 must be a hex MD5", "md5")
    tool = body.get("uploader_tool_name")
    if tool is not None and tool not in TOOL_NAMES:
        raise _invalid("uploader_tool_name is not a known tool", "uploader_tool_name")
    segments = body.get("segments")
    if not isinstance(segments, list) or not segments:
        raise _invalid("segments must be a non-empty array", "segments")
    if len(segments) > MAX_PARTS:
        raise _invalid(f"segments must not exceed {MAX_PARTS} parts", "segments")
    for index, segment in enumerate(segments):
        where = f"segments.{index}"
        if not isinstance(segment, dict) or not isinstance(segment.get("size"), int) or segment["size"] < 1:
            raise _invalid(f"{where}.size must be a positive integer", where)
        if not isinstance(segment.get("sha256"), str) or not HEX64.match(segment["sha256"]):
            raise _invalid(f"{where}.sha256 must be a hex SHA-256", where)
        if segment.get("md5") is not None and not (isinstance(segment["md5"], str) and HEX32.match(segment["md5"])):
            raise _invalid(f"{where}.md5 must be a hex MD5", where)
        if segment["size"] > MAX_PART:
            raise _invalid(f"{where}.size must not exceed {MAX_PART} bytes", where)
        if index < len(segments) - 1 and segment["size"] < MIN_PART:
            raise _invalid(f"{where}.size must be greater than 5 MiB for every part but the last", where)
    if sum(s["size"] for s in segments) != body["file_size"]:
        raise _invalid("the sizes of the segments must add up to file_size", "segments")
    return segments


def _part_url(request: HttpRequest, upload: FileUpload, part: FileUploadPart) -> str:
    if upload.parts.count() == 1:
        path = reverse("sandbox:unified_storage_single", kwargs={"upload_id": upload.id})
    else:
        path = reverse("sandbox:unified_storage_part", kwargs={"upload_id": upload.id, "number": part.number})
    return signed_url(request, path, unix(part.url_expires_at), upload.created_by)


def segment_json(request: HttpRequest, upload: FileUpload, part: FileUploadPart) -> dict[str, Any]:
    if part.received_at is not None:
        return {"url": None, "etag": part.etag, "headers": {"Content-Length": str(part.size)}}
    return {
        "url": _part_url(request, upload, part),
        "url_expires_at": unix(part.url_expires_at),
        "headers": {"Content-Length": str(part.size)},
    }


def current_status(upload: FileUpload) -> str:
    from procore_sandbox.pdm.switches import unified_completion

    if upload.status == FileUpload.COMPLETE and upload.completed_at is not None:
        _, scan_seconds = unified_completion()
        if sandbox_now() >= upload.completed_at + timedelta(seconds=scan_seconds):
            return FileUpload.AVAILABLE
    return upload.status


def upload_json(request: HttpRequest, upload: FileUpload, *, with_segments: bool) -> dict[str, Any]:
    status = current_status(upload)
    data: dict[str, Any] = {
        "upload_id": upload.id,
        "file_name": upload.file_name,
        "sanitized_file_name": upload.file_name,
        "content_type": upload.content_type,
        "file_size": upload.file_size,
        "status": status,
        "upload_expires_at": unix(upload.expires_at),
        "custom_metadata": upload.custom_metadata,
        "segments": [],
    }
    if with_segments and status in (FileUpload.READY, FileUpload.RECEIVING):
        data["segments"] = [segment_json(request, upload, p) for p in upload.parts.all()]
    if status == FileUpload.FAILED:
        data["error"] = upload.error
    return data


def is_expired(upload: FileUpload) -> bool:
    """Past 24 hours without a PDM document upload linked: Procore deletes the file for good."""
    return not upload.linked_document_upload_id and sandbox_now() >= upload.expires_at


def purge_expired() -> int:
    """Delete the stored parts and rows of expired, unlinked uploads; return how many."""
    expired = FileUpload.objects.filter(linked_document_upload_id="", expires_at__lte=sandbox_now())
    count = 0
    for upload in expired:
        for part in upload.parts.exclude(storage_name=""):
            sandbox_storage().delete(part.storage_name)
        upload.delete()
        count += 1
    return count


def _create(request: HttpRequest, token: AccessToken, company: Company, project: Project | None) -> HttpResponse:
    purge_expired()
    body = json_body(request)
    segments = validate_create(body)
    lifetime = _expires_in(body.get("url_expires_in") or request.GET.get("url_expires_in"))
    now = sandbox_now()
    upload = FileUpload.objects.create(
        company=company,
        project=project,
        created_by=token.person_id,
        file_name=body["file_name"].strip(),
        file_size=body["file_size"],
        content_type=body["content_type"],
        sha256=body["sha256"].lower(),
        md5=(body.get("md5") or "").lower(),
        uploader_tool_name=body.get("uploader_tool_name") or "",
        custom_metadata=body.get("custom_metadata") if isinstance(body.get("custom_metadata"), dict) else {},
        created_at=now,
        expires_at=now + UPLOAD_LIFETIME,
    )
    FileUploadPart.objects.bulk_create(
        [
            FileUploadPart(
                upload=upload,
                number=index + 1,
                size=s["size"],
                sha256=s["sha256"].lower(),
                md5=(s.get("md5") or "").lower(),
                url_expires_at=now + timedelta(seconds=lifetime),
            )
            for index, s in enumerate(segments)
        ]
    )
    data = upload_json(request, upload, with_segments=True)
    data.pop("sanitized_file_name")
    data.pop("custom_metadata")
    return JsonResponse({"data": data}, status=201)


def owned_upload(token: AccessToken, company: Company, project: Project | None, upload_id: str) -> FileUpload:
    upload = FileUpload.objects.filter(id=upload_id, company=company, project=project).first()
    if upload is None or is_expired(upload):
        raise ApiError(404, "Upload not found", reason_code="NOT_FOUND")
    if upload.created_by != token.person_id:
        raise ApiError(403, "Only the user who created this upload may use it", reason_code="ACCESS_DENIED")
    return upload


def _complete(request: HttpRequest, upload: FileUpload) -> HttpResponse:
    from procore_sandbox.pdm.switches import unified_completion

    body = json_body(request)
    etags = body.get("part_etags")
    parts = list(upload.parts.all())
    if not isinstance(etags, list) or len(etags) != len(parts):
        raise _invalid(f"part_etags must list {len(parts)} entries, in segment order", "part_etags")
    if upload.status in (FileUpload.COMPLETE, FileUpload.AVAILABLE, FileUpload.FAILED):
        raise ApiError(400, f"Upload is already {current_status(upload)}", reason_code="INVALID_PROPERTY")
    for part, etag in zip(parts, etags, strict=False):
        if etag is None:
            continue
        if not isinstance(etag, str) or part.received_at is None or etag.strip('"') != part.etag.strip('"'):
            raise _invalid(f"part_etags.{part.number - 1} does not match part {part.number}", "part_etags")
    if any(e is None for e in etags):
        upload.status = FileUpload.RECEIVING
        upload.save(update_fields=["status"])
        return JsonResponse({"data": {"upload_id": upload.id, "status": upload.status}})
    digest = hashlib.sha256()
    size = 0
    for part in parts:
        with sandbox_storage().open(part.storage_name, "rb") as handle:
            while chunk := handle.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
    if digest.hexdigest() != upload.sha256 or size != upload.file_size:
        upload.status = FileUpload.FAILED
        upload.error = {"type": "checksum_mismatch", "message": "The file's SHA-256 does not match", "retryable": False}
        upload.save(update_fields=["status", "error"])
        raise _invalid("sha256 of the uploaded parts does not match the upload's sha256", "sha256")
    upload.status = FileUpload.COMPLETE
    upload.completed_at = sandbox_now()
    upload.save(update_fields=["status", "completed_at"])
    patch_status, _ = unified_completion()
    return JsonResponse({"data": {"upload_id": upload.id, "status": patch_status}})


def _one(
    request: HttpRequest, token: AccessToken, company: Company, project: Project | None, upload_id: str
) -> HttpResponse:
    upload = owned_upload(token, company, project, upload_id)
    if request.method == "PATCH":
        return _complete(request, upload)
    lifetime = _expires_in(request.GET.get("url_expires_in"))
    if upload.status in (FileUpload.READY, FileUpload.RECEIVING):
        upload.parts.filter(received_at__isnull=True).update(url_expires_at=sandbox_now() + timedelta(seconds=lifetime))
    return JsonResponse({"data": upload_json(request, upload, with_segments=True)})


@api_view(["POST"])
def project_create(request: HttpRequest, token: AccessToken, company_id: int, project_id: int) -> HttpResponse:
    return _create(request, token, *_scope(request, token, company_id, project_id))


@api_view(["POST"])
def company_create(request: HttpRequest, token: AccessToken, company_id: int) -> HttpResponse:
    return _create(request, token, *_scope(request, token, company_id, None))


@api_view(["GET", "PATCH"])
def project_upload(
    request: HttpRequest, token: AccessToken, company_id: int, project_id: int, upload_id: str
) -> HttpResponse:
    return _one(request, token, *_scope(request, token, company_id, project_id), upload_id)


@api_view(["GET", "PATCH"])
def company_upload(request: HttpRequest, token: AccessToken, company_id: int, upload_id: str) -> HttpResponse:
    return _one(request, token, *_scope(request, token, company_id, None), upload_id)


@csrf_exempt
@require_http_methods(["PUT"])
def put_part(request: HttpRequest, upload_id: str, number: int = 1) -> HttpResponse:
    """The presigned PUT: stream the body to storage, checking its length and SHA-256."""
    user_id, error = check_signed(request)
    if error is not None or user_id is None:
        return error or HttpResponse(status=403)
    upload = FileUpload.objects.filter(id=upload_id, created_by=user_id).first()
    part = upload.parts.filter(number=number).first() if upload else None
    if upload is None or part is None or is_expired(upload):
        return storage_error(404, "NoSuchUpload", "The specified upload does not exist.")
    if upload.status not in (FileUpload.READY, FileUpload.RECEIVING):
        return storage_error(400, "InvalidRequest", "The upload is already completed.")
    raw_length = request.META.get("CONTENT_LENGTH") or ""
    if not raw_length.isdigit():
        return storage_error(411, "MissingContentLength", "You must provide the Content-Length HTTP header.")
    if int(raw_length) != part.size:
        return storage_error(400, "InvalidArgument", f"Content-Length must be {part.size} for this part.")
    sha256, md5 = hashlib.sha256(), hashlib.md5()
    received = 0
    spool = TemporaryUploadedFile(f"part-{number}", "application/octet-stream", part.size, None)
    try:
        while received < part.size:
            chunk = request.read(min(CHUNK, part.size - received))
            if not chunk:
                break
            spool.write(chunk)
            sha256.update(chunk)
            md5.update(chunk)
            received += len(chunk)
        if received != part.size:
            return storage_error(400, "IncompleteBody", "The request body is shorter than Content-Length.")
        if sha256.hexdigest() != part.sha256 or (part.md5 and md5.hexdigest() != part.md5):
            return storage_error(400, "BadDigest", "The SHA-256 you specified did not match what we received.")
        spool.seek(0)
        name = f"sandbox/unified/{upload.id}/part-{number:05d}"
        if part.storage_name:
            sandbox_storage().delete(part.storage_name)
        if sandbox_storage().exists(name):
            sandbox_storage().delete(name)
        part.storage_name = sandbox_storage().save(name, spool)
    finally:
        spool.close()
    part.etag = md5.hexdigest()
    part.received_at = sandbox_now()
    part.save(update_fields=["storage_name", "etag", "received_at"])
    response = HttpResponse(status=200)
    response["ETag"] = f'"{part.etag}"'
    return response


# Storage takes bodies up to a part's size; the portal's body-limit middleware reads this.
put_part.max_body_size = MAX_PART  # type: ignore[attr-defined]
