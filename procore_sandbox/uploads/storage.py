"""Sandbox object storage: signed, short-lived URLs under ``/sandbox/storage/`` (not ``/rest/``),
as S3 presigned URLs behind Procore's API (procore-api.md §3.7, §6.2).

URLs carry ``expires_at`` (Unix seconds), ``user_id`` and ``sig`` = HMAC-SHA256 over the path,
``expires_at`` and ``user_id``, keyed from SECRET_KEY. A request carrying an ``Authorization``
header is refused with 400, as S3 refuses a second authentication mechanism: a Procore token
must never be sent to storage.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from datetime import datetime, timedelta

from django.conf import settings
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from procore_sandbox.models import DocumentRevision, FileUpload
from procore_sandbox.storage import sandbox_storage

DOWNLOAD_URL_LIFETIME = 300
CHUNK = 1024 * 1024


def sandbox_now() -> datetime:
    """Now, moved by the ``clock`` switch (``{"offset_seconds": N}``) so tests can expire URLs
    and uploads without waiting."""
    from procore_sandbox.pdm.switches import get_switch

    offset = float((get_switch("clock") or {}).get("offset_seconds", 0))
    return timezone.now() + timedelta(seconds=offset)


def unix(value: datetime) -> int:
    return int(value.timestamp())


def _key() -> bytes:
    return hashlib.sha256(("sandbox-storage:" + settings.SECRET_KEY).encode()).digest()


def signature(path: str, expires_at: int, user_id: int) -> str:
    message = f"{path}\n{expires_at}\n{user_id}".encode()
    return hmac.new(_key(), message, hashlib.sha256).hexdigest()


def signed_url(request: HttpRequest, path: str, expires_at: int, user_id: int) -> str:
    query = f"expires_at={expires_at}&user_id={user_id}&sig={signature(path, expires_at, user_id)}"
    return request.build_absolute_uri(path) + "?" + query


def check_signed(request: HttpRequest) -> tuple[int | None, HttpResponse | None]:
    """Verify a storage request; return (user_id, None) or (None, error response)."""
    if "Authorization" in request.headers:
        return None, storage_error(
            400, "InvalidArgument", "Only one auth mechanism allowed; do not send an Authorization header"
        )
    try:
        expires_at = int(request.GET.get("expires_at", ""))
        user_id = int(request.GET.get("user_id", ""))
    except ValueError:
        return None, storage_error(403, "AccessDenied", "Missing or malformed signature parameters")
    expected = signature(request.path, expires_at, user_id)
    if not hmac.compare_digest(expected, request.GET.get("sig", "")):
        return None, storage_error(403, "SignatureDoesNotMatch", "The request signature does not match")
    if unix(sandbox_now()) >= expires_at:
        return None, storage_error(403, "AccessDenied", "Request has expired")
    return user_id, None


def storage_error(status: int, code: str, message: str) -> HttpResponse:
    body = f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{message}</Message></Error>'
    return HttpResponse(body, status=status, content_type="application/xml")


def upload_chunks(upload: FileUpload) -> Iterator[bytes]:
    for part in upload.parts.order_by("number"):
        with sandbox_storage().open(part.storage_name, "rb") as handle:
            while chunk := handle.read(CHUNK):
                yield chunk


def revision_download_url(request: HttpRequest, revision: DocumentRevision, user_id: int) -> str:
    path = reverse("sandbox:pdm_storage_revision", kwargs={"revision_id": revision.id})
    return signed_url(request, path, unix(sandbox_now()) + DOWNLOAD_URL_LIFETIME, user_id)


@csrf_exempt
@require_http_methods(["GET"])
def revision_bytes(request: HttpRequest, revision_id: str) -> HttpResponseBase:
    _, error = check_signed(request)
    if error is not None:
        return error
    revision = DocumentRevision.objects.filter(id=revision_id).first()
    if revision is None:
        return storage_error(404, "NoSuchKey", "The specified key does not exist.")
    if revision.file_upload_id:
        upload = FileUpload.objects.get(id=revision.file_upload_id)
        response: HttpResponseBase = StreamingHttpResponse(upload_chunks(upload), content_type=revision.mime_type)
    else:
        from procore_sandbox.seed.pdm import seeded_bytes

        response = HttpResponse(seeded_bytes(revision.id, revision.original_filename), content_type=revision.mime_type)
    response["Content-Length"] = str(revision.file_size)
    response["Content-Disposition"] = f'attachment; filename="{revision.original_filename}"'
    return response
