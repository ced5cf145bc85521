"""The upload protocol the batch page speaks (the shape Uppy's S3 multipart plugin expects), as
plain functions: start, sign parts, list parts, complete, cancel — and, in the worker, record.

Limits come before bytes:

- **start** refuses an empty file or one whose declared size is over STAGING_MAX_FILE_SIZE, and
  fixes the part size: the file's parts and each part's exact length follow from the two;
- **sign** signs only those parts, each for its exact length (storage refuses any other), so no
  byte beyond the declared size can ever be stored;
- **complete** (the worker's first step) joins the parts in storage and reads the stored size
  back: a file of another size, or over the limit, is removed and refused.

A page adds many files at once, so **start** takes many in one request. The web process only
hands a sent file to the worker (`hand_over`): joining parts and reading sizes are storage calls
that cost a web process more than the rest of the protocol together. The worker then completes
the file in storage, hashes (SHA-256) and types it streaming from storage (`record`), and adds it
to the batch — or refuses it, as over the limit or as a copy of a file already there; the page
hears which from its poll. A refusal is a sentence for the person, and nothing is kept.
"""

from __future__ import annotations

import hashlib
import logging
import math
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from portal.accounts.models import User

from ..models import Batch, IncomingFile, StagedDocument, staged_key
from ..services import BatchLocked, ensure_editable, record_document
from ..uploads import UploadRefused, clean_file_name, max_file_size, mime_type_of, over_limit
from .storage import CHUNK, StorageRefused, backend, open_staged

log = logging.getLogger(__name__)

MIN_PART = 5 * 1024**2  # S3: every part but the last at least 5 MiB
MAX_PART = 5 * 1024**3  # S3: at most 5 GiB a part
MAX_PARTS = 10_000
SIGN_AT_ONCE = 20  # part URLs handed out per request
START_AT_ONCE = 100  # files started per request
# Sent, and waiting for the worker to complete (join the parts), hash and record it.
WITH_THE_WORKER = {IncomingFile.State.COMPLETING, IncomingFile.State.CHECKING}


def part_size_for(size: int) -> int:
    """The part size for a file: STAGING_UPLOAD_PART_SIZE, larger when the file needs more than
    10,000 parts (whole MiB). The page computes the same (upload.js, `partSizeFor`)."""
    configured = int(settings.STAGING_UPLOAD_PART_SIZE)
    needed = math.ceil(size / MAX_PARTS / 1024**2) * 1024**2
    return max(configured, needed, MIN_PART)


def max_part_size() -> int:
    """The largest part any upload can have (the body limit of the local-disk part endpoint)."""
    return part_size_for(max_file_size())


@dataclass(frozen=True)
class FileToStart:
    """What the browser declares of a file before sending it."""

    name: str
    size: int
    content_type: str = ""
    part_size: int | None = None


def start(batch: Batch, user: User, *, name: str, size: int, content_type: str, part_size: int | None) -> IncomingFile:
    """Begin a multipart upload of one file into `batch`; refuses with a sentence."""
    (started,) = start_many(batch, user, [FileToStart(name, size, content_type, part_size)])
    if isinstance(started, UploadRefused):
        raise started
    return started


def start_many(batch: Batch, user: User, files: list[FileToStart]) -> list[IncomingFile | UploadRefused]:
    """Begin a multipart upload for each file (one row insert for all); each answer is the upload
    or the refusal of that file. Raises BatchLocked when the batch takes no file at all."""
    ensure_editable(batch)
    store = backend()
    answers: list[IncomingFile | UploadRefused] = []
    for spec in files:
        try:
            answers.append(_new_upload(batch, user, spec, store))
        except UploadRefused as exc:
            answers.append(exc)
    IncomingFile.objects.bulk_create([a for a in answers if isinstance(a, IncomingFile)])
    return answers


def _new_upload(batch: Batch, user: User, spec: FileToStart, store) -> IncomingFile:
    clean = clean_file_name(spec.name)
    size = spec.size
    if size <= 0:
        raise UploadRefused(f"{clean.name} is empty (0 bytes). Nothing was added.")
    if size > max_file_size():
        raise UploadRefused(over_limit(clean.name, size))
    part_size = int(spec.part_size or part_size_for(size))
    if size > part_size and not (MIN_PART <= part_size <= MAX_PART and math.ceil(size / part_size) <= MAX_PARTS):
        raise UploadRefused(
            f"{clean.name} cannot be sent in parts of {part_size} bytes. Reload the page and try again."
        )
    key = staged_key(batch)
    notes = (
        [f"Renamed to “{clean.name}”: file names cannot contain folders or special characters."]
        if clean.changed
        else []
    )
    return IncomingFile(
        batch=batch,
        created_by=user,
        file_name=clean.name,
        declared_type=(spec.content_type or "")[:150],
        size=size,
        part_size=part_size,
        key=key,
        upload_id=store.create(key, spec.content_type),
        notes=notes,
    )


def _open(incoming: IncomingFile) -> None:
    if incoming.state != IncomingFile.State.OPEN:
        raise UploadRefused(
            f"{incoming.file_name} is no longer being uploaded ({incoming.get_state_display().lower()})."
        )


def sign(incoming: IncomingFile, numbers: list[int]) -> list[dict]:
    """Signed PUT URLs for the given parts, each for its exact length; nothing beyond the file."""
    _open(incoming)
    wanted = sorted(set(numbers))[: SIGN_AT_ONCE * 5]
    beyond = [n for n in wanted if not 1 <= n <= incoming.part_count]
    if beyond:
        raise UploadRefused(
            f"{incoming.file_name} has {incoming.part_count} part(s) of its declared size; "
            f"part {beyond[0]} is beyond it and was not signed."
        )
    parts = [(n, incoming.part_length(n)) for n in wanted]
    return [p.as_json() for p in backend().sign_parts(incoming.key, incoming.upload_id, parts)]


def first_parts(incoming: IncomingFile) -> list[dict]:
    """The URLs of the first parts, handed out with the start so a small file needs no more."""
    return sign(incoming, list(range(1, min(incoming.part_count, SIGN_AT_ONCE) + 1)))


def parts(incoming: IncomingFile) -> list[dict]:
    """The parts storage holds already (to resume after a reload or a dropped connection).

    A file already completed (by another tab or web process, or before a reload the browser did
    not hear about) holds every part: the browser then only asks to complete it, which answers
    with what became of it."""
    if incoming.state in {IncomingFile.State.COMPLETING, IncomingFile.State.CHECKING, IncomingFile.State.ADDED}:
        return [
            {"PartNumber": n, "ETag": "", "Size": incoming.part_length(n)} for n in range(1, incoming.part_count + 1)
        ]
    _open(incoming)
    try:
        return backend().list_parts(incoming.key, incoming.upload_id)
    except StorageRefused as exc:
        raise UploadRefused(f"{incoming.file_name} can no longer be resumed; add it again.") from exc


def _refuse(incoming: IncomingFile, message: str) -> None:
    """Remove whatever storage holds of the file and record why it was refused."""
    store = backend()
    store.abort(incoming.key, incoming.upload_id)
    try:
        store.delete(incoming.key)  # deleting a key that holds nothing is fine in both stores
    except Exception as exc:
        log.warning("Could not remove %s: %s (the sweep will)", incoming.key, exc)
    IncomingFile.objects.filter(pk=incoming.pk).update(
        state=IncomingFile.State.REFUSED, message=message, updated_at=timezone.now()
    )
    incoming.state, incoming.message = IncomingFile.State.REFUSED, message


def hand_over(incoming: IncomingFile, listed: list[dict]) -> IncomingFile:
    """The browser sent every part: the file goes to the worker, which completes it in storage.

    Safe to call twice (a lost answer retried, or another web process): only the caller whose
    conditional UPDATE moved the row from OPEN queues it; the others get its current state."""
    if incoming.state != IncomingFile.State.OPEN:
        return incoming
    numbers = [int(p.get("PartNumber", 0)) for p in listed]
    if numbers != list(range(1, incoming.part_count + 1)):
        raise UploadRefused(f"{incoming.file_name} is not complete yet: some of its parts are missing.")
    try:
        ensure_editable(incoming.batch)
    except BatchLocked as exc:
        _refuse(incoming, f"{incoming.file_name} was not added: {exc}")
        raise UploadRefused(incoming.message) from exc
    claimed = IncomingFile.objects.filter(pk=incoming.pk, state=IncomingFile.State.OPEN).update(
        state=IncomingFile.State.COMPLETING, updated_at=timezone.now()
    )
    if not claimed:
        incoming.refresh_from_db()
        return incoming
    incoming.state = IncomingFile.State.COMPLETING
    from ..tasks import queue_record

    transaction.on_commit(lambda: queue_record(incoming))
    return incoming


def complete(incoming: IncomingFile) -> bool:
    """Worker: join the parts storage holds and check the stored size; False when refused.

    The row is locked meanwhile, so a task run twice completes the file once."""
    with transaction.atomic():
        row = IncomingFile.objects.select_for_update().filter(pk=incoming.pk).first()
        if row is None or row.state != IncomingFile.State.COMPLETING:
            return row is not None and row.state == IncomingFile.State.CHECKING
        stored = _joined_size(row)
        if stored is None:
            return False
        if stored != row.size or stored > max_file_size() or stored == 0:
            _refuse(
                row,
                over_limit(row.file_name, stored)
                if stored > max_file_size()
                else f"{row.file_name} arrived with {stored} bytes instead of {row.size}. Nothing was added.",
            )
            return False
        IncomingFile.objects.filter(pk=row.pk).update(state=IncomingFile.State.CHECKING, updated_at=timezone.now())
    return True


def _joined_size(row: IncomingFile) -> int | None:
    """Join the parts storage holds for `row` and read the stored size back; None when refused
    (the row then says why)."""
    store = backend()
    try:
        parts = store.list_parts(row.key, row.upload_id)
    except StorageRefused as exc:
        # No such upload: an earlier run may have joined the parts and stopped before saying so.
        joined = store.stored_size(row.key)
        if joined is None:
            _not_joined(row, exc)
        return joined
    expected = [(n, row.part_length(n)) for n in range(1, row.part_count + 1)]
    if [(int(p["PartNumber"]), int(p["Size"])) for p in parts] != expected:
        log.info("Upload %s holds parts %s, not %s", row.pk, parts, expected)
        _refuse(row, f"{row.file_name} did not arrive whole in storage. Nothing was added; add it again.")
        return None
    try:
        return store.complete(row.key, row.upload_id, parts)
    except StorageRefused as exc:
        _not_joined(row, exc)
        return None


def _not_joined(row: IncomingFile, exc: StorageRefused) -> None:
    log.info("Completing upload %s failed: %s", row.pk, exc)
    _refuse(row, f"{row.file_name} could not be put together in storage. Nothing was added; add it again.")


def cancel(incoming: IncomingFile) -> None:
    """The person cancelled the file: storage forgets its parts."""
    if incoming.state != IncomingFile.State.OPEN:
        return
    backend().abort(incoming.key, incoming.upload_id)
    IncomingFile.objects.filter(pk=incoming.pk, state=IncomingFile.State.OPEN).update(
        state=IncomingFile.State.CANCELLED, updated_at=timezone.now()
    )


def hash_stored(key: str) -> tuple[str, int]:
    """SHA-256 and size of a stored file, streamed from storage CHUNK bytes at a time."""
    digest = hashlib.sha256()
    size = 0
    with open_staged(key) as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def record(incoming_id: int) -> IncomingFile | None:
    """Worker: hash and type a completed file, then add it to its batch (or refuse a copy)."""
    from ..schema import load_schema

    incoming = (
        IncomingFile.objects.select_related("batch", "batch__project", "created_by").filter(pk=incoming_id).first()
    )
    if incoming is None or incoming.state not in {IncomingFile.State.COMPLETING, IncomingFile.State.CHECKING}:
        return incoming
    if not complete(incoming):
        incoming.refresh_from_db()
        return incoming
    digest, size = hash_stored(incoming.key)
    mime_type = mime_type_of(incoming.file_name, incoming.declared_type)
    try:
        document = record_document(
            incoming.batch,
            incoming.created_by,
            name=incoming.file_name,
            key=incoming.key,
            size=size,
            sha256=digest,
            mime_type=mime_type,
            schema=load_schema(incoming.batch.project),
        )
    except (UploadRefused, BatchLocked) as exc:
        _refuse(incoming, str(exc))
        return incoming
    IncomingFile.objects.filter(pk=incoming.pk).update(
        state=IncomingFile.State.ADDED, document=document, updated_at=timezone.now()
    )
    incoming.state, incoming.document = IncomingFile.State.ADDED, document
    return incoming


def status(incoming: IncomingFile) -> dict:
    """What the page shows for one file."""
    answer: dict = {"id": incoming.pk, "name": incoming.file_name, "state": incoming.state, "notes": incoming.notes}
    if incoming.state == IncomingFile.State.REFUSED:
        answer["error"] = incoming.message
    document: StagedDocument | None = incoming.document
    if document is not None:
        answer["document"] = {
            "id": document.pk,
            "state": document.state,
            "problems": [p["message"] for p in document.problems],
        }
    return answer
