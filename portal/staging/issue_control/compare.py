"""The visual compare of a batch with the current revisions in Procore, run by a worker.

`request_compare` queues one SheetCompare row per Document Management document still to be sent
and one django-q2 task; `run_compares` (the task) claims rows one at a time with a conditional
UPDATE on their lease, so two workers never compare the same document and a worker that died
leaves rows another run picks up. Per document:

1. its container's current revision comes from the mirror (checks.containers_for: the match
   criteria as schema.py keys them); none → a new sheet;
2. the revision's file is read once through the documented download endpoint
   (portal.procore.downloads) and kept in storage (RevisionFile), its SHA-256 computed on the way
   and written to the ledger (Procore gives no hash);
3. the same hash → unchanged without rendering; else both PDFs are compared page by page
   (imaging.py) and each page's pictures are stored under `compares/<batch>/<document>/`.

Only PDFs are compared; anything else is "not compared", with the reason.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.core.files import File as DjangoFile
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from portal.accounts.models import User
from portal.accounts.tokens import UserTokenSource
from portal.mirror.models import Project, Revision
from portal.procore.downloads import download, revision_download_path
from portal.procore.errors import ProcoreError, ReauthorizationRequired, friendly_message
from portal.procore.http import ProcoreClient

from ..models import Batch, RevisionFile, SheetCompare, StagedDocument
from ..schema import load_schema, split_extension
from .checks import OPEN_STATES, containers_for
from .ledger import record_downloaded
from .revision_order import normalize

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=10)
COPY_CHUNK = 1024 * 1024


def dpi() -> float:
    return float(settings.COMPARE_DPI)


def max_pixels() -> int:
    return int(settings.COMPARE_MAX_PIXELS)


def is_pdf(document: StagedDocument) -> bool:
    return document.mime_type == "application/pdf" or split_extension(document.file_name)[1] == "pdf"


def request_compare(batch: Batch, user: User) -> int:
    """Rows for a compare of every Document Management document still to be sent (the caller
    queues the task); returns how many."""
    if batch.target != Batch.Target.DOCUMENT_MANAGEMENT:
        return 0
    documents = list(batch.documents.filter(state__in=OPEN_STATES).only("id", "sha256"))
    old = list(SheetCompare.objects.filter(batch=batch))
    with transaction.atomic():
        SheetCompare.objects.filter(batch=batch).delete()
        SheetCompare.objects.bulk_create(
            [SheetCompare(document=d, batch=batch, requested_by=user, sha256=d.sha256) for d in documents]
        )
    transaction.on_commit(lambda: _delete_pictures(old))
    return len(documents)


def _delete_pictures(rows: list[SheetCompare]) -> None:
    for row in rows:
        for page in row.pages or []:
            for key in ("overlay", "side"):
                if page.get(key):
                    try:
                        default_storage.delete(page[key])
                    except OSError as exc:
                        log.warning("Could not remove compare picture %s: %s", page[key], exc)


def _claim(batch_id: int, worker: str) -> SheetCompare | None:
    now = timezone.now()
    candidates = SheetCompare.objects.filter(
        Q(state=SheetCompare.State.QUEUED) | Q(state=SheetCompare.State.RUNNING, lease_until__lt=now),
        batch_id=batch_id,
    ).order_by("id")
    for row_id in candidates.values_list("id", flat=True)[:20]:
        claimed = (
            SheetCompare.objects.filter(pk=row_id)
            .filter(Q(state=SheetCompare.State.QUEUED) | Q(state=SheetCompare.State.RUNNING, lease_until__lt=now))
            .update(state=SheetCompare.State.RUNNING, lease_until=now + LEASE)
        )
        if claimed:
            return SheetCompare.objects.select_related("document", "batch__project", "requested_by").get(pk=row_id)
    return None


def run_compares(batch_id: int) -> int:
    """Compare the batch's queued documents; returns how many this worker finished."""
    worker = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
    finished = 0
    clients: dict[int | None, ProcoreClient] = {}
    while (row := _claim(batch_id, worker)) is not None:
        started = time.monotonic()
        try:
            client = clients.get(row.requested_by_id)
            if client is None and row.requested_by is not None:
                project = row.batch.project
                client = ProcoreClient(UserTokenSource.for_user(row.requested_by), project.company_id)
                clients[row.requested_by_id] = client
            values = compare_document(row, client)
            state = SheetCompare.State.DONE
        except ReauthorizationRequired:
            values = {"message": "Your Procore sign-in has ended: sign in with Procore again and compare again."}
            state = SheetCompare.State.FAILED
        except ProcoreError as exc:
            values = {"message": f"The current revision could not be read from Procore: {friendly_message(exc)}"}
            state = SheetCompare.State.FAILED
        except Exception as exc:
            log.exception("Compare of staged document %s failed", row.document_id)
            values = {"message": f"The compare stopped on an unexpected error ({type(exc).__name__})."}
            state = SheetCompare.State.FAILED
        SheetCompare.objects.filter(pk=row.pk, state=SheetCompare.State.RUNNING).update(
            state=state,
            lease_until=None,
            finished_at=timezone.now(),
            milliseconds=int((time.monotonic() - started) * 1000),
            **values,
        )
        finished += 1
    return finished


def compare_document(row: SheetCompare, client: ProcoreClient | None) -> dict:
    """The compare of one staged document: the values to store on its row."""
    document = row.document
    batch = row.batch
    if not is_pdf(document):
        return {"outcome": SheetCompare.Outcome.NOT_COMPARED, "message": "Only PDF drawings are compared."}
    document.batch = batch
    schema = load_schema(batch.project)
    container = containers_for(schema, batch.project, [document]).get(document.pk)
    if container is None or container.current is None:
        return {
            "outcome": SheetCompare.Outcome.NEW,
            "message": "A new sheet: its container has no revision in Procore yet.",
        }
    current = Revision.objects.get(project=batch.project, procore_id=container.current["procore_id"])
    values = {
        "revision_id": current.procore_id,
        "revision_label": normalize(current.revision),
        "version": current.version,
        "sha256": document.sha256,
    }
    if client is None:
        raise ProcoreError("No one's Procore sign-in is available to read the current revision.")
    cached = revision_file(client, batch.project, current)
    if cached.sha256 == document.sha256:
        return {
            **values,
            "outcome": SheetCompare.Outcome.UNCHANGED,
            "same_file": True,
            "pages": [],
            "message": "The same file as the current revision.",
        }
    labels = (
        f"Current: revision {values['revision_label'] or '—'}, version {current.version}",
        f"Staged: {document.file_name}",
    )
    # numpy, scipy and PDFium are the worker's (some 50 MB): imported here, web processes never load them.
    from . import imaging

    pages: list[dict] = []
    folder = f"compares/{batch.pk}/{document.pk}/{uuid.uuid4().hex[:8]}"

    def keep(page: imaging.PageResult) -> None:
        entry = {"page": page.number, "status": page.status, "regions": [list(r) for r in page.regions]}
        if page.note:
            entry["note"] = page.note
        if page.overlay_png:
            entry["overlay"] = default_storage.save(
                f"{folder}/{page.number}-overlay.png", ContentFile(page.overlay_png)
            )
        if page.side_png:
            entry["side"] = default_storage.save(f"{folder}/{page.number}-side.png", ContentFile(page.side_png))
        pages.append(entry)

    try:
        with local_copy(cached.file.name or "") as old_path, local_copy(document.file.name or "") as new_path:
            imaging.compare_pdfs(old_path, new_path, dpi=dpi(), max_pixels=max_pixels(), labels=labels, on_page=keep)
    except imaging.NotAPdf as exc:
        _delete_pictures([SheetCompare(pages=pages)])
        return {
            **values,
            "outcome": SheetCompare.Outcome.NOT_COMPARED,
            "pages": [],
            "message": f"One of the two files could not be read as a PDF ({exc}).",
        }
    changed = any(p["status"] != "unchanged" for p in pages)
    regions = sum(len(p["regions"]) for p in pages)
    return {
        **values,
        "outcome": SheetCompare.Outcome.CHANGED if changed else SheetCompare.Outcome.UNCHANGED,
        "pages": pages,
        "same_file": False,
        "message": (
            f"{sum(p['status'] != 'unchanged' for p in pages)} of {len(pages)} page(s) changed, "
            f"{regions} changed region(s)."
            if changed
            else f"Every page ({len(pages)}) looks the same."
        ),
    }


@contextmanager
def local_copy(name: str) -> Iterator[str]:
    """A stored file as a local path (PDFium reads paths), copied a chunk at a time."""
    handle, path = tempfile.mkstemp(suffix=".pdf", prefix="compare-")
    try:
        with os.fdopen(handle, "wb") as target, default_storage.open(name, "rb") as source:
            shutil.copyfileobj(source, target, COPY_CHUNK)
        yield path
    finally:
        os.unlink(path)


def revision_file(client: ProcoreClient, project: Project, revision: Revision) -> RevisionFile:
    """The revision's file from the cache, or downloaded once (and its hash written to the ledger)."""
    cached = RevisionFile.objects.filter(project=project, revision_id=revision.procore_id).first()
    if cached is not None and cached.file.name and default_storage.exists(cached.file.name):
        RevisionFile.objects.filter(pk=cached.pk).update(used_at=timezone.now())
        return cached
    path = revision_download_path(project.company_id, project.id, revision.procore_id)
    limit = int(settings.STAGING_MAX_FILE_SIZE)
    with tempfile.TemporaryFile() as sink:
        got = download(client.for_company(project.company_id), path, sink, max_bytes=limit)
        sink.seek(0)
        name = default_storage.save(
            f"procore-files/{project.pk}/revisions/{revision.procore_id}", DjangoFile(sink, name=revision.procore_id)
        )
    try:
        with transaction.atomic():
            cached, _ = RevisionFile.objects.update_or_create(
                project=project,
                revision_id=revision.procore_id,
                defaults={"file": name, "sha256": got.sha256, "size": got.size},
            )
    except IntegrityError:  # another worker stored it meanwhile: keep theirs
        default_storage.delete(name)
        cached = RevisionFile.objects.get(project=project, revision_id=revision.procore_id)
    record_downloaded(project, revision, got.sha256, got.size)
    return cached


def prune_cache() -> int:
    """Remove downloaded revision files unused for COMPARE_CACHE_DAYS, and pictures of compares
    whose documents landed past the staging retention; returns how many files went."""
    days = int(settings.COMPARE_CACHE_DAYS)
    cutoff = timezone.now() - timedelta(days=days)
    removed = 0
    for cached in RevisionFile.objects.filter(used_at__lt=cutoff):
        try:
            if cached.file.name:
                default_storage.delete(cached.file.name)
        except OSError as exc:
            log.warning("Could not remove cached revision %s: %s", cached.revision_id, exc)
            continue
        cached.delete()
        removed += 1
    retention = int(settings.STAGING_RETENTION_DAYS)
    landed = SheetCompare.objects.filter(document__landed_at__lt=timezone.now() - timedelta(days=retention)).exclude(
        pages=[]
    )
    for row in landed:
        _delete_pictures([row])
        SheetCompare.objects.filter(pk=row.pk).update(pages=[])
        removed += 1
    return removed


def summary(batch: Batch) -> dict:
    """The batch's compares for people: sheets by outcome, and how far a running compare got."""
    rows = list(
        SheetCompare.objects.filter(batch=batch)
        .select_related("document")
        .only(
            "id",
            "state",
            "outcome",
            "message",
            "pages",
            "revision_label",
            "version",
            "sha256",
            "lease_until",
            "document__id",
            "document__file_name",
            "document__sha256",
        )
        .order_by("document__position", "document_id")
    )
    now = timezone.now()
    groups: dict[str, list[SheetCompare]] = {
        key: [] for key in ("changed", "unchanged", "new", "not_compared", "failed")
    }
    waiting = stalled = 0
    for row in rows:
        if row.state == SheetCompare.State.FAILED:
            groups["failed"].append(row)
        elif row.state in {SheetCompare.State.QUEUED, SheetCompare.State.RUNNING}:
            waiting += 1
            stalled += row.state == SheetCompare.State.RUNNING and row.lease_until is not None and row.lease_until < now
        elif row.outcome in groups:
            groups[row.outcome].append(row)
    return {
        "rows": rows,
        "groups": groups,
        "total": len(rows),
        "waiting": waiting,
        "stalled": stalled,
        "done": len(rows) - waiting,
    }
