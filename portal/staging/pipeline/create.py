"""Step 1: create PDM document uploads, 100 a request (procore-api.md §7.6).

The POST is all-or-nothing and not idempotent. "Create requested" is recorded before it and the
ids after it; a request whose answer is lost (or a worker that dies in between) leaves documents
without an id, and they are simply created again: the first uploads stay INCOMPLETE, invisible
and unsubmittable, as Procore documents. Procore's answer lists ids in request order.
"""

from __future__ import annotations

import logging
import random
import time

from django.utils import timezone

from portal.procore.errors import PermissionDenied, ProcoreError

from ..models import StagedDocument
from .state import CREATE_REQUESTED, CREATED, PENDING, Run, chunked, fail, set_step

log = logging.getLogger(__name__)
ATTEMPTS = 4


def create_uploads(run: Run) -> None:
    documents = list(run.documents().filter(step__in=[PENDING, CREATE_REQUESTED]).order_by("id"))
    for chunk in chunked(documents):
        run.heartbeat("Creating uploads")
        if not _create_chunk(run, chunk):
            # Procore refused uploads in this project: every other document would be refused too.
            rest = list(run.documents().filter(step__in=[PENDING, CREATE_REQUESTED]))
            fail(
                rest,
                "Procore refused to create uploads in this project (see the first failed document).",
                "ACCESS_DENIED",
            )
            return


def _create_chunk(run: Run, chunk: list[StagedDocument]) -> bool:
    set_step(chunk, CREATE_REQUESTED)
    items = [{"file_name": d.file_name, "mime_type": d.mime_type} for d in chunk]
    for attempt in range(1, ATTEMPTS + 1):
        try:
            created = run.pdm.create_uploads(items)
            break
        except PermissionDenied:
            fail(
                chunk,
                "You do not have permission to upload new files to Document Management in this project "
                "(Procore: ACCESS_DENIED). Ask a project admin for “Upload New Files”.",
                "ACCESS_DENIED",
            )
            return False
        except ProcoreError as exc:
            if exc.permanent or attempt == ATTEMPTS:
                fail(chunk, f"Procore refused to create the uploads: {exc.message}", exc.code or "CREATE_FAILED")
                return True
            # No answer or a server error: just POST again (orphans stay invisible, §7.6).
            log.info("Creating uploads failed (%s); creating them again", type(exc).__name__)
            time.sleep(random.uniform(0.5, 2.0) * attempt)
    if len(created) != len(chunk):
        fail(chunk, "Procore answered with a different number of uploads than requested.", "CREATE_MISMATCH")
        return True
    now = timezone.now()
    for document, item in zip(chunk, created, strict=False):
        document.pdm_upload_id = str(item["id"])
        document.step = CREATED
        document.file_upload_id = ""
        document.part_etags = []
        document.updated_at = now
    StagedDocument.objects.bulk_update(chunk, ["pdm_upload_id", "step", "file_upload_id", "part_etags", "updated_at"])
    return True
