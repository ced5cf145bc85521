"""The storage service behind legacy direct uploads (procore-api.md §6.1), standing in for S3.

It lives under /sandbox/storage/legacy/ — outside /rest/, like a storage host outside
api.procore.com — and behaves as S3 does for presigned requests:

- Non-segmented: `POST /storage/legacy/{uuid}` multipart with every `fields` entry unchanged plus
  a `file` part → 204. The fields are signed (`x-amz-signature`, an HMAC over all the other
  fields); a missing or altered field → 403 SignatureDoesNotMatch; a file of another size than
  the `size` given at creation → 400 EntityTooLarge/EntityTooSmall.
- Segmented: `PUT /storage/legacy/{uuid}/segments/{n}?expires=&signature=` with the headers the
  create answer listed → 200 with an `ETag` (the quoted MD5 of the segment). `Content-Length`
  must equal the declared size and the body must hash to the declared SHA-256
  (`x-amz-content-sha256`, and `Content-MD5` when one was declared).
- A request carrying an `Authorization` header → 400 InvalidArgument ("Only one auth mechanism
  allowed"): a Procore token must never reach storage.
- Requests must start within one hour of the upload's creation, by the sandbox clock
  (`sandbox_clock.now()`), else 403 AccessDenied "Request has expired".

Errors are S3-style XML bodies. Bodies are streamed to a temporary file in 64 KiB chunks, then
saved in Django's default storage under sandbox/legacy/.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import tempfile
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from procore_sandbox.limits.clock import now
from procore_sandbox.models import LegacyUpload
from procore_sandbox.storage import sandbox_storage

STORAGE_PREFIX = "sandbox/legacy"
STORAGE_WINDOW = timedelta(hours=1)
CHUNK = 64 * 1024


def sign(*parts: str) -> str:
    key = hashlib.sha256(f"sandbox-legacy-storage:{settings.SECRET_KEY}".encode()).digest()
    return hmac.new(key, "\n".join(parts).encode(), hashlib.sha256).hexdigest()


def fields_signature(fields: dict[str, str]) -> str:
    return sign(*(f"{name}={fields[name]}" for name in sorted(fields) if name != "x-amz-signature"))


def segment_url(request: HttpRequest, upload: LegacyUpload, number: int) -> str:
    expires = int((upload.created_at + STORAGE_WINDOW).timestamp())
    path = reverse("sandbox:legacy_storage_segment", kwargs={"uuid": upload.uuid, "number": number})
    return request.build_absolute_uri(
        f"{path}?expires={expires}&signature={sign(upload.uuid, str(number), str(expires))}"
    )


def post_url(request: HttpRequest, upload: LegacyUpload) -> str:
    return request.build_absolute_uri(reverse("sandbox:legacy_storage_post", kwargs={"uuid": upload.uuid}))


def s3_error(status: int, code: str, message: str) -> HttpResponse:
    body = f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{message}</Message></Error>'
    return HttpResponse(body, status=status, content_type="application/xml")


def _refusal(request: HttpRequest, upload: LegacyUpload | None) -> HttpResponse | None:
    if "Authorization" in request.headers:
        return s3_error(400, "InvalidArgument", "Only one auth mechanism allowed")
    if upload is None:
        return s3_error(404, "NoSuchUpload", "The specified upload does not exist")
    if now() > upload.created_at + STORAGE_WINDOW:
        return s3_error(403, "AccessDenied", "Request has expired")
    return None


def _spool(chunks: Any, name: str) -> tuple[str, int, str, str]:
    """Write chunks to storage; return (storage name, size, sha256 hex, md5 hex)."""
    sha256, md5, size = hashlib.sha256(), hashlib.md5(), 0
    with tempfile.TemporaryFile() as spool:
        for chunk in chunks:
            sha256.update(chunk)
            md5.update(chunk)
            size += len(chunk)
            spool.write(chunk)
        spool.seek(0)
        stored = sandbox_storage().save(name, File(spool))
    return stored, size, sha256.hexdigest(), md5.hexdigest()


def _stream(request: HttpRequest) -> Any:
    while chunk := request.read(CHUNK):
        yield chunk


@csrf_exempt
def post_object(request: HttpRequest, uuid: str) -> HttpResponse:
    if request.method != "POST":
        return s3_error(405, "MethodNotAllowed", "The specified method is not allowed against this resource")
    upload = LegacyUpload.objects.filter(uuid=uuid).first()
    if refusal := _refusal(request, upload):
        return refusal
    assert upload is not None  # _refusal answered for a missing upload
    if upload.segmented:
        return s3_error(400, "InvalidRequest", "This upload is segmented: PUT each segment")
    sent = {name: request.POST.get(name, "") for name in request.POST}
    expected = upload_fields(upload)
    if any(sent.get(name) != value for name, value in expected.items()) or sent.get(
        "x-amz-signature"
    ) != fields_signature(sent):
        return s3_error(
            403,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided",
        )
    part = request.FILES.get("file")
    if part is None:
        return s3_error(400, "InvalidArgument", "POST requires exactly one file upload per request")
    if upload.declared_size is not None and part.size != upload.declared_size:
        return s3_error(
            400,
            "EntityTooLarge" if (part.size or 0) > upload.declared_size else "EntityTooSmall",
            "Your proposed upload does not match the size declared when the upload was created",
        )
    stored, size, _, _ = _spool(part.chunks(CHUNK), f"{STORAGE_PREFIX}/{upload.uuid}/object")
    mark_complete(upload, stored, size)
    return HttpResponse(status=204)


@csrf_exempt
def put_segment(request: HttpRequest, uuid: str, number: int) -> HttpResponse:
    if request.method != "PUT":
        return s3_error(405, "MethodNotAllowed", "The specified method is not allowed against this resource")
    upload = LegacyUpload.objects.filter(uuid=uuid).first()
    if refusal := _refusal(request, upload):
        return refusal
    assert upload is not None  # _refusal answered for a missing upload
    expires = request.GET.get("expires", "")
    if (
        not upload.segmented
        or number >= len(upload.segments)
        or not hmac.compare_digest(request.GET.get("signature", ""), sign(upload.uuid, str(number), expires))
    ):
        return s3_error(
            403,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided",
        )
    segment = upload.segments[number]
    if request.headers.get("Content-Length") != str(segment["size"]):
        return s3_error(400, "IncompleteBody", "Content-Length does not match the signed segment size")
    if request.headers.get("x-amz-content-sha256") != segment["sha256"]:
        return s3_error(403, "SignatureDoesNotMatch", "x-amz-content-sha256 does not match the signed value")
    stored, size, sha256, md5 = _spool(_stream(request), f"{STORAGE_PREFIX}/{upload.uuid}/segment-{number:05d}")
    declared_md5 = request.headers.get("Content-MD5")
    if (
        size != segment["size"]
        or sha256 != segment["sha256"]
        or (declared_md5 and declared_md5 != base64.b64encode(bytes.fromhex(md5)).decode())
    ):
        sandbox_storage().delete(stored)
        return s3_error(400, "BadDigest", "The digest of the body did not match the declared digest")
    etag = f'"{md5}"'
    record_segment(upload, number, stored, etag)
    response = HttpResponse(status=200)
    response["ETag"] = etag
    return response


# Storage takes bodies up to S3's 5 GiB per request; the portal's body-limit middleware reads these.
post_object.max_body_size = put_segment.max_body_size = 5 * 1024**3  # type: ignore[attr-defined]


def upload_fields(upload: LegacyUpload) -> dict[str, str]:
    """The presigned POST fields of a non-segmented upload (what S3 would hand out)."""
    disposition = "attachment" if upload.attachment_content_disposition else "inline"
    filename = upload.response_filename or "upload"
    created = upload.created_at
    fields = {
        "key": f"{'projects' if upload.project_id else 'companies'}/"
        f"{upload.project_id or upload.company_id}/{upload.uuid}",
        "Content-Type": upload.response_content_type or "application/octet-stream",
        "Content-Disposition": f'{disposition}; filename="{filename}"',
        "policy": base64.b64encode(
            f'{{"expiration":"{(created + STORAGE_WINDOW).strftime("%Y-%m-%dT%H:%M:%SZ")}",'
            f'"conditions":[{{"key":"{upload.uuid}"}}]}}'.encode()
        ).decode(),
        "x-amz-credential": f"SANDBOX/{created.strftime('%Y%m%d')}/us-east-1/s3/aws4_request",
        "x-amz-algorithm": "AWS4-HMAC-SHA256",
        "x-amz-date": created.strftime("%Y%m%dT%H%M%SZ"),
    }
    fields["x-amz-signature"] = fields_signature(fields)
    return fields


def mark_complete(upload: LegacyUpload, storage_name: str, size: int) -> None:
    upload.storage_name, upload.size, upload.status, upload.completed_at = storage_name, size, "complete", now()
    upload.save(update_fields=["storage_name", "size", "status", "completed_at", "segments"])


@transaction.atomic
def record_segment(upload: LegacyUpload, number: int, storage_name: str, etag: str) -> None:
    upload = LegacyUpload.objects.select_for_update().get(pk=upload.pk)
    previous = upload.segments[number].get("storage_name")
    upload.segments[number].update({"storage_name": storage_name, "stored_etag": etag})
    upload.save(update_fields=["segments"])
    if previous and previous != storage_name:
        sandbox_storage().delete(previous)
