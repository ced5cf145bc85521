"""The scheduled sweep of staged-file storage (`portal.staging.tasks.sweep_uploads`, hourly).

- An upload not sent whole within STAGING_UPLOAD_EXPIRY_HOURS is aborted: storage drops its parts.
- A multipart upload storage holds that no row knows (its row went with a deleted batch, or the
  web process died between starting it and saving the row) is aborted after the same time.
- A stored file no staged document and no upload in progress refers to — the files of a batch
  deleted with its project, say — is removed after an hour's grace; so are the pictures read
  from a document that is gone (`previews/<project>/<batch>/<document>/…`).
- A file sent but still with the worker after ten minutes (its task was lost with a broker) is
  queued again.
- Rows of finished uploads are kept a week, so the page can still say what became of a file.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from ..models import IncomingFile, StagedDocument
from .service import WITH_THE_WORKER
from .storage import backend

log = logging.getLogger(__name__)

PREFIX = "staged/"
PICTURES_PREFIX = "previews/"
ORPHAN_GRACE = timedelta(hours=1)
CHECKING_RETRY = timedelta(minutes=10)
KEEP_FINISHED = timedelta(days=7)
IN_PROGRESS = [IncomingFile.State.OPEN, IncomingFile.State.COMPLETING, IncomingFile.State.CHECKING]


@dataclass
class SweepResult:
    aborted: int = 0
    removed: int = 0


def sweep_storage(now: datetime | None = None) -> SweepResult:
    now = now or timezone.now()
    expired_before = now - timedelta(hours=int(settings.STAGING_UPLOAD_EXPIRY_HOURS))
    store = backend()
    result = SweepResult()

    for incoming in IncomingFile.objects.filter(state=IncomingFile.State.OPEN, updated_at__lt=expired_before):
        store.abort(incoming.key, incoming.upload_id)
        store.delete(incoming.key)
        IncomingFile.objects.filter(pk=incoming.pk).update(
            state=IncomingFile.State.CANCELLED,
            message=f"{incoming.file_name} was not finished within {settings.STAGING_UPLOAD_EXPIRY_HOURS} hours; "
            "its parts were removed. Add it again.",
            updated_at=now,
        )
        result.aborted += 1

    known = set(IncomingFile.objects.filter(state__in=IN_PROGRESS).values_list("upload_id", flat=True))
    for key, upload_id, started in list(store.open_uploads(PREFIX)):
        if upload_id not in known and started < expired_before:
            store.abort(key, upload_id)
            result.aborted += 1

    orphaned_before = now - ORPHAN_GRACE
    page: list[str] = []
    for key, modified in store.objects(PREFIX):
        if modified < orphaned_before:
            page.append(key)
        if len(page) >= 500:
            result.removed += _remove_unreferenced(store, page)
            page = []
    result.removed += _remove_unreferenced(store, page)
    result.removed += _remove_pictures_of_gone_documents(store, orphaned_before)

    from ..tasks import queue_record

    for incoming in IncomingFile.objects.filter(state__in=WITH_THE_WORKER, updated_at__lt=now - CHECKING_RETRY):
        queue_record(incoming)
    IncomingFile.objects.exclude(state__in=IN_PROGRESS).filter(updated_at__lt=now - KEEP_FINISHED).delete()
    return result


def _remove_unreferenced(store, keys: list[str]) -> int:
    if not keys:
        return 0
    used = set(StagedDocument.objects.filter(file__in=keys).values_list("file", flat=True))
    used |= set(IncomingFile.objects.filter(key__in=keys, state__in=IN_PROGRESS).values_list("key", flat=True))
    removed = 0
    for key in keys:
        if key not in used:
            log.info("Removing orphaned staged file %s", key)
            store.delete(key)
            removed += 1
    return removed


def _document_of(picture: str) -> int | None:
    """The document a picture was read from: previews/<project>/<batch>/<document>/<what>.png."""
    parts = picture.split("/")
    return int(parts[3]) if len(parts) == 5 and parts[3].isdigit() else None


def _remove_pictures_of_gone_documents(store, orphaned_before: datetime) -> int:
    removed = 0
    page: list[tuple[str, int]] = []

    def remove(page: list[tuple[str, int]]) -> int:
        alive = set(StagedDocument.objects.filter(pk__in={d for _, d in page}).values_list("pk", flat=True))
        gone = [key for key, document in page if document not in alive]
        for key in gone:
            store.delete(key)
        return len(gone)

    for key, modified in store.objects(PICTURES_PREFIX):
        document = _document_of(key)
        if document is not None and modified < orphaned_before:
            page.append((key, document))
        if len(page) >= 500:
            removed, page = removed + remove(page), []
    return removed + (remove(page) if page else 0)
