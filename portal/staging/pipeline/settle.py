"""Step 4: wait for ML / filename scraping, then read `latest_event_id` in bulk
(procore-api.md §7.8, §7.12).

Procore has no webhook for ML completion and every change moves `latest_event_id`, so
submitting while ML still runs would end in CONCURRENCY_CONFLICT. As §7.12 advises: the first
read ~5 s after COMPLETED, then every POLL seconds, until both `integration_statuses` are
`completed`/`error`/`not_applicable`, or 3 minutes after COMPLETED (then the current event id is
used). Reads are `selected_uploads` (v2.2), 100 ids a request — never one GET per document.
An upload missing from the answer no longer exists: it is created again, once.
"""

from __future__ import annotations

import time
from datetime import timedelta

from django.utils import timezone

from ..models import StagedDocument
from .state import COMPLETED, PENDING, READY, Run, chunked, fail

FIRST_READ = 5.0
POLL = 5.0
LIMIT = timedelta(minutes=3)
SETTLED = {"completed", "error", "not_applicable", None}


def settled(item: dict) -> bool:
    statuses = item.get("integration_statuses") or {}
    return statuses.get("ml") in SETTLED and statuses.get("filename_scraping") in SETTLED


def read_event_ids(run: Run) -> None:
    documents = list(run.documents().filter(step=COMPLETED).order_by("id"))
    if not documents:
        return
    newest = max((d.completed_at for d in documents if d.completed_at), default=timezone.now())
    wait = (newest + timedelta(seconds=FIRST_READ) - timezone.now()).total_seconds()
    if wait > 0:
        run.heartbeat("Waiting for Procore's ML and file name scraping")
        time.sleep(wait)
    pending = {d.pdm_upload_id: d for d in documents}
    while pending:
        run.heartbeat("Reading Procore's processing results")
        now = timezone.now()
        ready: list[StagedDocument] = []
        for chunk in chunked(list(pending)):
            found = {str(item["id"]): item for item in run.pdm.selected_uploads(chunk)}
            for upload_id in chunk:
                document = pending[upload_id]
                item = found.get(upload_id)
                if item is None:
                    pending.pop(upload_id)
                    _missing(document)
                    continue
                timed_out = document.completed_at is not None and now - document.completed_at >= LIMIT
                if settled(item) or timed_out:
                    document.latest_event_id = str(item.get("latest_event_id") or "")
                    document.step = READY
                    document.updated_at = now
                    ready.append(pending.pop(upload_id))
        StagedDocument.objects.bulk_update(ready, ["latest_event_id", "step", "updated_at"])
        if pending:
            time.sleep(POLL)


def _missing(document: StagedDocument) -> None:
    if document.attempts < 1:
        StagedDocument.objects.filter(pk=document.pk).update(
            step=PENDING, pdm_upload_id="", attempts=document.attempts + 1, updated_at=timezone.now()
        )
    else:
        fail([document], "Procore no longer knows this document's upload. Retry the document.", "UPLOAD_DROPPED")
