"""Legacy direct uploads, v1.0 and v1.1, project and company level (procore-api.md §6.1).

`POST .../uploads` answers 201 with `uuid`, `url` and signed `fields` (non-segmented) or with
`segments[]` holding PUT URLs and the headers to send (segmented: every segment but the last
≥ 5 MiB, each ≤ 5 GB, `sha256` required, `md5` optional). The bytes go to the sandbox storage
(legacy_storage.py); a segmented upload is completed by `PATCH .../uploads/{uuid}` with the
segments' etags in creation order → `status: complete`.

Choices where §6.1 is silent [inferred]:

- Only the creating user may read, complete or reference an upload; for anyone else the upload
  does not exist (404 on show/complete, 422 when referenced by `upload_uuid`).
- v1.1 requires `response_filename` (422 without it); v1.0 does not.
- An upload is referenced by at most one resource, and only within one week of its creation;
  past that week it counts as deleted (410 on show/complete, 422 when referenced).
- Wrong, missing or out-of-order etags on completion → 422; completing before every segment was
  stored → 422.
- The sandbox clock (sandbox_clock.py): "now" for the one-hour storage window and the one-week
  association window is the real time plus `SandboxClock.offset_seconds` (row id=1), so a test
  or an operator moves time for every process at once: `advance_clock(timedelta(hours=2))`,
  `reset_clock()`.
"""

from __future__ import annotations

import base64
import binascii
import json
import tempfile
from datetime import timedelta
from typing import Any

from django.core.files import File
from django.http import HttpRequest, HttpResponse, JsonResponse
from ulid import ULID

from procore_sandbox.documents.legacy_storage import STORAGE_PREFIX, mark_complete, post_url, segment_url, upload_fields
from procore_sandbox.documents.serializers import Scope, company_scope, project_scope
from procore_sandbox.http import ApiError, api_view
from procore_sandbox.limits.clock import now
from procore_sandbox.models import AccessToken, LegacyUpload, Person
from procore_sandbox.storage import sandbox_storage

ASSOCIATION_WINDOW = timedelta(weeks=1)
MIN_SEGMENT = 5 * 1024 * 1024
MAX_SEGMENT = 5 * 1024**3


def invalid(field: str, message: str) -> ApiError:
    """A 422 with the v1 validation body {"errors": {field: [message]}}."""
    return ApiError(422, {field: [message]})  # type: ignore[arg-type]


def json_body(request: HttpRequest) -> dict[str, Any]:
    if not request.body:
        return {}
    try:
        body = json.loads(request.body)
    except ValueError:
        raise ApiError(400, "The request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise ApiError(400, "The request body must be a JSON object")
    return body


def _segments(raw: Any) -> list[dict[str, Any]]:
    if not isinstance(raw, list) or not raw:
        raise invalid("segments", "must be a non-empty array")
    segments = []
    for index, segment in enumerate(raw):
        size, sha256 = (segment.get("size"), segment.get("sha256")) if isinstance(segment, dict) else (None, None)
        if not isinstance(size, int) or size < 1 or size > MAX_SEGMENT:
            raise invalid(f"segments[{index}].size", "must be a positive integer no larger than 5 GB")
        if index < len(raw) - 1 and size < MIN_SEGMENT:
            raise invalid(f"segments[{index}].size", "must be at least 5 MB (all segments but the last)")
        if not isinstance(sha256, str) or len(sha256) != 64:
            raise invalid(f"segments[{index}].sha256", "is required (hex SHA-256 of the segment)")
        md5 = segment.get("md5")
        segments.append({"size": size, "sha256": sha256.lower(), "md5": md5 or None, "etag": None})
    return segments


def upload_json(request: HttpRequest, upload: LegacyUpload) -> dict[str, Any]:
    if not upload.segmented:
        return {
            "uuid": upload.uuid,
            "url": post_url(request, upload),
            "fields": upload_fields(upload),
            "status": upload.status,
        }
    segments = []
    for number, segment in enumerate(upload.segments):
        headers = {"x-amz-content-sha256": segment["sha256"], "content-length": str(segment["size"])}
        if segment["md5"]:
            headers["content-md5"] = _md5_header(segment["md5"])
        segments.append(
            {
                "md5": segment["md5"],
                "sha256": segment["sha256"],
                "size": segment["size"],
                "etag": segment["etag"] if upload.status == "complete" else None,
                "url": segment_url(request, upload, number),
                "headers": headers,
            }
        )
    return {"uuid": upload.uuid, "segments": segments, "status": upload.status}


def _md5_header(md5: str) -> str:
    """Content-MD5 is base64 of the digest; accept a hex or base64 md5 in the create body."""
    try:
        return base64.b64encode(bytes.fromhex(md5)).decode() if len(md5) == 32 else md5
    except (ValueError, binascii.Error):
        return md5


def _create(request: HttpRequest, token: AccessToken, scope: Scope, api_version: str) -> HttpResponse:
    body = json_body(request)
    filename = body.get("response_filename") or ""
    if api_version == "v1.1" and not filename:
        raise invalid("response_filename", "can't be blank")
    upload = LegacyUpload(
        uuid=str(ULID()),
        owner=token.person,
        company=scope.company,
        project=scope.project,
        api_version=api_version,
        response_filename=filename,
        response_content_type=body.get("response_content_type") or "",
        attachment_content_disposition=bool(body.get("attachment_content_disposition")),
        declared_size=body.get("size") if isinstance(body.get("size"), int) else None,
        segments=_segments(body["segments"]) if "segments" in body else [],
        created_at=now(),
    )
    upload.save()
    return JsonResponse(upload_json(request, upload), status=201)


def _owned(scope: Scope, person: Person, uuid: str) -> LegacyUpload:
    upload = LegacyUpload.objects.filter(uuid=uuid, owner=person, company=scope.company, project=scope.project).first()
    if upload is None:
        raise ApiError(404, "Not Found")
    if now() > upload.created_at + ASSOCIATION_WINDOW:
        raise ApiError(410, "This upload has expired")
    return upload


def _complete(request: HttpRequest, token: AccessToken, scope: Scope, uuid: str) -> HttpResponse:
    upload = _owned(scope, token.person, uuid)
    if request.method == "GET":
        return JsonResponse(upload_json(request, upload))
    if not upload.segmented:
        raise invalid("segments", "this upload is not segmented")
    sent = json_body(request).get("segments")
    if not isinstance(sent, list) or len(sent) != len(upload.segments):
        raise invalid("segments", f"must list the etags of all {len(upload.segments)} segments in order")
    for number, (segment, given) in enumerate(zip(upload.segments, sent, strict=True)):
        if segment.get("stored_etag") is None:
            raise invalid(f"segments[{number}]", "has not been uploaded")
        etag = given.get("etag") if isinstance(given, dict) else None
        if not isinstance(etag, str) or etag.strip('"') != segment["stored_etag"].strip('"'):
            raise invalid(f"segments[{number}].etag", "does not match the uploaded segment")
    if upload.status != "complete":
        _assemble(upload)
    return JsonResponse(upload_json(request, upload))


def _assemble(upload: LegacyUpload) -> None:
    with tempfile.TemporaryFile() as joined:
        for segment in upload.segments:
            with sandbox_storage().open(segment["storage_name"], "rb") as part:
                while chunk := part.read(64 * 1024):
                    joined.write(chunk)
        size = joined.tell()
        joined.seek(0)
        stored = sandbox_storage().save(f"{STORAGE_PREFIX}/{upload.uuid}/object", File(joined))
    for segment in upload.segments:
        sandbox_storage().delete(segment["storage_name"])
        segment["etag"] = segment["stored_etag"]
    mark_complete(upload, stored, size)


def claim(scope: Scope, person: Person, uuid: str) -> LegacyUpload:
    """The completed upload `uuid` of `person`, marked as used; 422 if it cannot be used."""
    upload = (
        LegacyUpload.objects.select_for_update()
        .filter(uuid=str(uuid), owner=person, company=scope.company, project=scope.project)
        .first()
    )
    if upload is None or now() > upload.created_at + ASSOCIATION_WINDOW:
        raise invalid("upload_uuid", "does not reference an upload of yours")
    if upload.status != "complete":
        raise invalid("upload_uuid", "references an upload that is not complete")
    if upload.attached_at is not None:
        raise invalid("upload_uuid", "references an upload already attached to another resource")
    upload.attached_at = now()
    upload.save(update_fields=["attached_at"])
    return upload


def _version(request: HttpRequest) -> str:
    return "v1.1" if "/rest/v1.1/" in request.path else "v1.0"


@api_view(["POST"])
def project_uploads(request: HttpRequest, token: AccessToken, project_id: int) -> HttpResponse:
    return _create(request, token, project_scope(request, token, int(project_id)), _version(request))


@api_view(["GET", "PATCH"])
def project_upload(request: HttpRequest, token: AccessToken, project_id: int, uuid: str) -> HttpResponse:
    return _complete(request, token, project_scope(request, token, int(project_id)), uuid)


@api_view(["POST"])
def company_uploads(request: HttpRequest, token: AccessToken, company_id: int) -> HttpResponse:
    return _create(request, token, company_scope(request, token, int(company_id)), _version(request))


@api_view(["GET", "PATCH"])
def company_upload(request: HttpRequest, token: AccessToken, company_id: int, uuid: str) -> HttpResponse:
    return _complete(request, token, company_scope(request, token, int(company_id)), uuid)
