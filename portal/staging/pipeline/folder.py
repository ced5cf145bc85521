"""Submitting a batch into a Documents-tool folder (procore-api.md §5, §6.1).

Each document: its bytes go up as a direct upload (segmented above 5 MB, streamed), then it
becomes a new file in the folder or, when the name is taken and the batch says so, a new version
of that file; finally the mirror is refreshed and each file confirmed there.

Resuming without duplicates: the upload's uuid is stored as soon as the bytes are in, and the
document is marked before the (not idempotent) file create is sent. A document found in that
state on resume is looked for in the folder first — a file of its name (or, for "keep both",
of its size) created since the request — and only created again when it is not there.
"""

from __future__ import annotations

import logging
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from portal.mirror.models import File
from portal.mirror.sync_company import sync_company_documents
from portal.mirror.sync_documents import sync_documents
from portal.procore.errors import ProcoreError, TransportError, friendly_message
from portal.procore.legacy_uploads import DocumentsUploads, Place
from portal.procore.uploads import UploadFailed

from ..incoming.storage import open_staged
from ..models import Batch, StagedDocument
from ..services import audit
from .state import Run, fail, mark_submitted, set_step

log = logging.getLogger(__name__)

# StagedDocument.step for a folder target, in order.
BYTES_SENT = "bytes_sent"  # file_upload_id holds the direct upload's uuid
FILE_REQUESTED = "file_requested"  # the create / new-version call was sent (or about to be)

FOLDER_STEP_LABELS = {BYTES_SENT: "Creating the file", FILE_REQUESTED: "Creating the file"}


def place_of(batch: Batch) -> Place:
    project = batch.project
    if batch.folder_scope == Batch.FolderScope.COMPANY:
        return Place(project.company_id)
    return Place(project.company_id, project.id)


def ensure_folder(run: Run, api: DocumentsUploads) -> int | None:
    """The folder files go into; a new folder the batch asked for is found or made once."""
    batch = run.batch
    if not batch.new_folder_name:
        return batch.folder_id
    run.heartbeat("Creating the folder")
    parent = api.client.get_json(
        api.place.files_path(f"folders/{batch.folder_id}" if batch.folder_id else "folders"),
        params={**api.place.params(), "exclude_files": "true"},
    )
    wanted = batch.new_folder_name.strip().lower()
    found = next((f for f in parent.get("folders") or [] if str(f.get("name", "")).lower() == wanted), None)
    folder = found or api.create_folder(parent_id=batch.folder_id or parent.get("id"), name=batch.new_folder_name)
    Batch.objects.filter(pk=batch.pk).update(folder_id=folder["id"], new_folder_name="")
    audit(
        batch,
        run.submission.submitted_by,
        "Created a folder" if not found else "Found the folder",
        str(folder.get("name_with_path") or folder.get("name")),
    )
    batch.folder_id, batch.new_folder_name = folder["id"], ""
    return folder["id"]


def files_in(api: DocumentsUploads, folder_id: int | None) -> dict[str, dict[str, Any]]:
    """What Procore holds in the folder now, by lower-cased name."""
    listing = api.folder(folder_id)
    return {str(f.get("name", "")).lower(): f for f in listing.get("files") or [] if not f.get("is_deleted")}


def _latest_version(file: dict[str, Any]) -> int | None:
    numbers = [v.get("number") for v in file.get("file_versions") or [] if v.get("number") is not None]
    return max(numbers) if numbers else None


def _already_made(document: StagedDocument, existing: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    """A file an earlier, interrupted attempt made for this document, if Procore has it."""
    since = document.submit_requested_at
    title = (document.title or document.file_name).lower()
    candidates = [
        f
        for f in existing.values()
        if f.get("name", "").lower() == title
        or (document.batch.on_name_clash == Batch.NameClash.KEEP_BOTH and f.get("size") == document.size)
    ]
    for file in candidates:
        changed = parse_datetime(str(file.get("updated_at") or file.get("created_at") or ""))
        # Procore's timestamps have whole seconds: allow for the request's own second.
        if since is None or (changed is not None and changed >= since.replace(microsecond=0)):
            return file
    return None


def send_to_folder(run: Run) -> None:
    batch = run.batch
    api = DocumentsUploads(run.client, place_of(batch))
    folder_id = ensure_folder(run, api)
    existing = files_in(api, folder_id)
    for document in run.documents().order_by("position", "id"):
        run.heartbeat(f"Sending {document.file_name}")
        try:
            _send_one(document, api, folder_id, existing)
        except (ProcoreError, UploadFailed) as exc:
            log.info("Document %s could not be sent to the folder: %s", document.pk, exc)
            code = (
                "MAYBE_APPLIED"
                if isinstance(exc, TransportError) and getattr(exc, "maybe_applied", False)
                else (exc.reason_codes[0] if exc.reason_codes else "FOLDER_SEND_FAILED")
            )
            fail([document], friendly_message(exc), code)


def _send_one(
    document: StagedDocument, api: DocumentsUploads, folder_id: int | None, existing: dict[str, dict[str, Any]]
) -> None:
    title = document.title or document.file_name
    if document.step == FILE_REQUESTED:
        made = _already_made(document, existing)
        if made is not None:
            mark_submitted(document, "", version=_latest_version(made), container_id=str(made["id"]))
            return
    if not document.file_upload_id or document.step not in {BYTES_SENT, FILE_REQUESTED}:
        uuid = api.upload(lambda: open_staged(document.file.name or ""), document.size, title, document.mime_type)
        set_step([document], BYTES_SENT, file_upload_id=uuid)
        document.file_upload_id = uuid
    set_step([document], FILE_REQUESTED, submit_requested_at=timezone.now())
    taken = existing.get(title.lower())
    if taken is not None and document.batch.on_name_clash == Batch.NameClash.NEW_VERSION:
        result = api.new_version(taken["id"], upload_uuid=document.file_upload_id)
    else:
        result = api.create_file(
            parent_id=folder_id,
            name=title,
            description=document.description,
            upload_uuid=document.file_upload_id,
            unique_name=document.batch.on_name_clash == Batch.NameClash.KEEP_BOTH,
        )
    existing[str(result.get("name", title)).lower()] = result
    mark_submitted(document, "", version=_latest_version(result), container_id=str(result["id"]))


def confirm_in_mirror(run: Run) -> int:
    """Refresh the mirror of the folder's tool and mark the files it now shows as landed."""
    batch = run.batch
    run.heartbeat("Confirming files in Procore")
    try:
        if batch.folder_scope == Batch.FolderScope.COMPANY:
            sync_company_documents(run.client, batch.project.company)
        else:
            sync_documents(run.client, batch.project, full=False)
    except ProcoreError as exc:
        log.warning("Could not refresh the mirror after submitting batch %s: %s", batch.pk, exc)
        return 0
    submitted = list(
        batch.documents.filter(state=StagedDocument.State.SUBMITTED, landed_at=None).exclude(container_id="")
    )
    mirrored = {
        str(f.pk): f.latest_version_number or 0
        for f in File.objects.filter(pk__in=[int(d.container_id) for d in submitted if d.container_id.isdigit()])
    }
    landed = [d.pk for d in submitted if d.container_id in mirrored and mirrored[d.container_id] >= (d.version or 0)]
    now = timezone.now()
    return StagedDocument.objects.filter(pk__in=landed).update(landed_at=now, updated_at=now)
