"""The upload protocol's endpoints (the batch page's Uppy client calls them; see
portal.staging.incoming.service). JSON in and out; every refusal is `{"ok": false, "error": …}`
with a sentence for the person."""

from __future__ import annotations

import json
import time
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.accounts.http import AuthenticatedRequest

from .access import may_see
from .incoming import service
from .incoming.body_limit import body_limit
from .incoming.storage import LocalMultipart, StorageRefused, is_s3, part_signature
from .models import Batch, IncomingFile
from .services import BatchLocked
from .tasks import records_waiting_for_queue
from .uploads import UploadRefused


def _refused(message: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"ok": False, "error": message}, status=status)


def _json(request: HttpRequest) -> dict[str, Any]:
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def _batch(request: AuthenticatedRequest, batch_id: int) -> Batch:
    """A batch the person may see; 404 otherwise. These endpoints are called for every file and
    part, so the batch alone, and the access rule at its cheapest (access.may_see)."""
    batch = Batch.objects.filter(pk=batch_id).first()
    if batch is None or not may_see(request.user, batch):
        raise Http404("No such batch.")
    return batch


def _incoming(request: AuthenticatedRequest, batch_id: int, incoming_id: int) -> IncomingFile:
    """An upload the person started, of a batch they may still see; 404 otherwise."""
    incoming = (
        IncomingFile.objects.select_related("batch")
        .filter(pk=incoming_id, batch_id=batch_id, created_by=request.user)
        .first()
    )
    if incoming is None or not may_see(request.user, incoming.batch):
        raise Http404("No such upload.")
    return incoming


def _file_to_start(data: dict[str, Any]) -> service.FileToStart | None:
    try:
        size = int(str(data.get("size", "")))
        part_size = int(data["partSize"]) if data.get("partSize") else None
    except (TypeError, ValueError):
        return None
    return service.FileToStart(str(data.get("name") or ""), size, str(data.get("type") or ""), part_size)


def _started(answer: IncomingFile | UploadRefused | None, name: str) -> dict[str, Any]:
    if answer is None:
        return {"ok": False, "name": name, "error": "The file's size did not arrive. Add it again."}
    if isinstance(answer, UploadRefused):
        return {"ok": False, "name": name, "error": str(answer)}
    return {
        "ok": True,
        "id": answer.pk,
        "key": str(answer.pk),
        "uploadId": answer.upload_id,
        "name": answer.file_name,
        "partSize": answer.part_size,
        "parts": service.first_parts(answer),
    }


@login_required
@require_POST
def create(request: AuthenticatedRequest, batch_id: int) -> JsonResponse:
    """Start uploads: one file's fields, or `{"files": [...]}` for many (the page sends what the
    person added at once, up to START_AT_ONCE a request); a list answers with one entry per file."""
    batch = _batch(request, batch_id)
    data = _json(request)
    many = data.get("files")
    if many is not None and (not isinstance(many, list) or not all(isinstance(f, dict) for f in many)):
        return _refused("Say which files to start.")
    if many is not None and len(many) > service.START_AT_ONCE:
        return _refused(f"Start at most {service.START_AT_ONCE} files a request.")
    asked = many if many is not None else [data]
    specs = [_file_to_start(f) for f in asked]
    try:
        answers = iter(service.start_many(batch, request.user, [s for s in specs if s is not None]))
    except BatchLocked as exc:
        return _refused(str(exc))
    started = [
        _started(next(answers) if spec else None, str(f.get("name") or ""))
        for f, spec in zip(asked, specs, strict=True)
    ]
    if many is not None:
        return JsonResponse({"ok": True, "files": started})
    only = started[0]
    return JsonResponse(only) if only["ok"] else _refused(only["error"])


@login_required
@require_POST
def sign(request: AuthenticatedRequest, batch_id: int, incoming_id: int) -> JsonResponse:
    incoming = _incoming(request, batch_id, incoming_id)
    numbers = _json(request).get("parts")
    if not isinstance(numbers, list) or not all(isinstance(n, int) for n in numbers):
        return _refused("Say which parts to sign.")
    try:
        return JsonResponse({"ok": True, "parts": service.sign(incoming, numbers)})
    except UploadRefused as exc:
        return _refused(str(exc))


@login_required
@require_GET
def parts(request: AuthenticatedRequest, batch_id: int, incoming_id: int) -> JsonResponse:
    incoming = _incoming(request, batch_id, incoming_id)
    try:
        return JsonResponse({"ok": True, "parts": service.parts(incoming)})
    except UploadRefused as exc:
        return _refused(str(exc), status=409)


@login_required
@require_POST
def complete(request: AuthenticatedRequest, batch_id: int, incoming_id: int) -> JsonResponse:
    incoming = _incoming(request, batch_id, incoming_id)
    listed = _json(request).get("parts")
    if not isinstance(listed, list) or not all(isinstance(p, dict) for p in listed):
        return _refused("Say which parts make the file.")
    try:
        incoming = service.hand_over(incoming, listed)
    except UploadRefused as exc:
        return _refused(str(exc))
    return JsonResponse({"ok": True, **service.status(incoming)})


@login_required
@require_POST
def abort(request: AuthenticatedRequest, batch_id: int, incoming_id: int) -> JsonResponse:
    service.cancel(_incoming(request, batch_id, incoming_id))
    return JsonResponse({"ok": True})


@login_required
@require_GET
def states(request: AuthenticatedRequest, batch_id: int) -> JsonResponse:
    """What became of the person's files: `?ids=1,2,3` (at most 200)."""
    batch = _batch(request, batch_id)
    ids = [int(i) for i in request.GET.get("ids", "").split(",") if i.strip().isdigit()][:200]
    rows = IncomingFile.objects.filter(batch=batch, created_by=request.user, pk__in=ids).select_related("document")
    files = [service.status(row) for row in rows]
    waiting = records_waiting_for_queue(row.pk for row in rows if row.state in service.WITH_THE_WORKER)
    for answer in files:
        if answer["id"] in waiting:
            answer["waiting"] = "sent; it will be checked when the task queue is back (it cannot be reached now)"
    return JsonResponse({"ok": True, "files": files})


@csrf_exempt  # authorised by its signature, as a presigned S3 URL is; it carries no session's authority
@require_http_methods(["PUT"])
@body_limit(service.max_part_size)
def put_part(request: HttpRequest, upload_id: str, number: int) -> HttpResponse:
    """Local-disk storage: one part of an upload, to a URL the portal signed for its exact length."""
    if is_s3():
        return HttpResponse("Parts go to object storage.", status=404)
    try:
        length = int(request.GET.get("length", ""))
        expires = int(request.GET.get("expires", ""))
    except ValueError:
        return HttpResponse("The URL is not signed.", status=403)
    if part_signature(upload_id, number, length, expires) != request.GET.get("signature", ""):
        return HttpResponse("The signature does not match.", status=403)
    if time.time() > expires:
        return HttpResponse("Request has expired", status=403)
    if request.META.get("CONTENT_LENGTH") != str(length):
        return HttpResponse("Content-Length is not the signed length.", status=403)
    if not IncomingFile.objects.filter(upload_id=upload_id, state=IncomingFile.State.OPEN).exists():
        return HttpResponse("No such upload: it was completed, cancelled or has expired.", status=404)
    try:
        etag = LocalMultipart().store_part(upload_id, number, length, request)
    except StorageRefused as exc:
        return HttpResponse(str(exc), status=400)
    response = HttpResponse(status=200)
    response["ETag"] = etag
    return response
