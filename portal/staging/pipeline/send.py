"""Step 2: each file through the unified upload API v2.1 (procore-api.md §6.2), several at once.

A small thread pool sends `run.threads` files at a time, each streamed from storage in parts
(portal.procore.uploads: bounded memory whatever the size). Every fact is recorded as soon as it
is known — the unified `upload_id` right after create, the ETags part by part — so a worker that
dies mid-file resumes with the parts still missing (fresh URLs from GET status) instead of
sending the file again. A unified upload past its 24 hours answers 404: a new one is created.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from django.db import close_old_connections, connections
from django.utils import timezone

from portal.procore.errors import NotFound, PermissionDenied, ProcoreError
from portal.procore.http import ProcoreClient
from portal.procore.uploads import AVAILABLE_TIMEOUT, STATUS_POLL, UnifiedUploads, UploadFailed, plan_file

from ..incoming.storage import open_staged
from ..models import StagedDocument
from .state import CREATED, UPLOADED, Run, fail

log = logging.getLogger(__name__)
PASSES = 3


def send_files(run: Run) -> None:
    local = threading.local()
    for _ in range(PASSES):
        ids = list(run.documents().filter(step=CREATED).values_list("pk", flat=True))
        if not ids:
            return
        run.heartbeat("Sending files")
        with ThreadPoolExecutor(max_workers=max(1, run.threads), thread_name_prefix="submit-send") as pool:
            for _ in pool.map(lambda pk: _in_thread(run, local, pk), ids):
                pass
    left = list(run.documents().filter(step=CREATED))
    fail(left, "The file could not be sent to Procore after several attempts. Retry the document.", "SEND_FAILED")


def _thread_run(run: Run, local: threading.local) -> Run:
    """The run with an API client (and HTTP session) of this thread's own."""
    if getattr(local, "run", None) is None:
        project = run.batch.project
        client = ProcoreClient(
            run.client.tokens,
            project.company_id,
            base_url=run.client.base_url,
            timeout=run.client.timeout,
            client_id=run.client.client_id,
            ticket=run.client.ticket,  # context variables do not follow work into pool threads
        )
        local.run = replace(run, client=client, uploads=UnifiedUploads(client, project.company_id, project.id))
    return local.run


def _in_thread(run: Run, local: threading.local, document_id: int) -> None:
    try:
        send_one(_thread_run(run, local), StagedDocument.objects.get(pk=document_id))
    except ProcoreError as exc:
        # Transient after the client's own retries (rate limit, 5xx, no answer): the next pass.
        log.info("Sending document %s paused: %s", document_id, exc)
    except Exception:
        log.exception("Sending document %s failed", document_id)
    finally:
        connections.close_all()  # this thread's connections only


def send_one(run: Run, document: StagedDocument) -> None:
    close_old_connections()
    name = document.file.name or ""

    def open_file():
        return open_staged(name)

    try:
        plan = plan_file(open_file, document.size)
    except (OSError, UploadFailed):
        fail([document], "The staged file could not be read; remove it and add it again.", "FILE_MISSING")
        return
    if plan.sha256 != document.sha256:
        fail([document], "The staged file changed after it was added; remove it and add it again.", "FILE_CHANGED")
        return

    segments: list[dict] = []
    etags: list[str | None] = list(document.part_etags or [])
    if document.file_upload_id:
        try:
            status = run.uploads.status(document.file_upload_id, url_expires_in=3600)
        except (NotFound, PermissionDenied):
            status = None  # expired after 24 hours, or another person's (a retry by a colleague): start again
        if status is not None and status.get("status") in {"complete", "scanning", "available"}:
            _finished(run, document, etags, already_complete=True)
            return
        if status is not None and status.get("status") in {"ready", "receiving"}:
            segments = status.get("segments") or []
            for index, segment in enumerate(segments):
                if segment.get("etag") and not segment.get("url"):
                    etags += [None] * (index + 1 - len(etags))
                    etags[index] = segment["etag"]
        else:
            document.file_upload_id = ""
            etags = []
    if not document.file_upload_id:
        created = run.uploads.create(document.file_name, document.mime_type, plan)
        document.file_upload_id = created["upload_id"]
        segments = created.get("segments") or []
        etags = []
        StagedDocument.objects.filter(pk=document.pk).update(
            file_upload_id=document.file_upload_id, part_etags=[], updated_at=timezone.now()
        )

    def record(parts: list[str | None]) -> None:
        StagedDocument.objects.filter(pk=document.pk).update(part_etags=parts, updated_at=timezone.now())
        run.heartbeat("Sending files")  # a large file takes longer than the lease

    try:
        etags = run.uploads.send(document.file_upload_id, segments, plan, open_file, etags, on_part=record)
    except UploadFailed as exc:
        _give_up_or_again(document, str(exc))
        return
    _finished(run, document, etags)


def _finished(run: Run, document: StagedDocument, etags: list[str | None], *, already_complete: bool = False) -> None:
    try:
        if already_complete:
            _wait_available(run, document)
        else:
            run.uploads.finish(document.file_upload_id, etags)
    except UploadFailed as exc:
        _give_up_or_again(document, str(exc))
        return
    StagedDocument.objects.filter(pk=document.pk).update(
        step=UPLOADED, part_etags=etags, attempts=0, updated_at=timezone.now()
    )


def _wait_available(run: Run, document: StagedDocument) -> None:
    deadline = time.monotonic() + AVAILABLE_TIMEOUT
    while True:
        data = run.uploads.status(document.file_upload_id)
        if data.get("status") == "available":
            return
        if data.get("status") == "failed" or time.monotonic() > deadline:
            raise UploadFailed("Procore did not make the file available.")
        time.sleep(STATUS_POLL)


def _give_up_or_again(document: StagedDocument, message: str) -> None:
    """A file storage refused: start a new unified upload once, then stop with the reason."""
    if document.attempts >= 1:
        fail([document], f"{message} Retry the document.", "SEND_FAILED")
        return
    StagedDocument.objects.filter(pk=document.pk).update(
        file_upload_id="", part_etags=[], attempts=document.attempts + 1, updated_at=timezone.now()
    )
