"""Step 3: link each file, set its metadata and `upload_status: COMPLETED`, 100 a PATCH
(procore-api.md §7.7).

The answer is a 207 to be diffed against what was sent:

- in `success`: COMPLETED, step done;
- in `failed[]` (storage could not verify the file): the file is sent again once (a new
  unified upload), then the document stops with Procore's message;
- in neither (silently dropped: the document upload no longer exists): created again, once.

Whole-request refusals apply nothing: a 400 names the offending item in `source`
(`update_params.<n>...`): that document stops with the message and the rest are sent again; a
500 that outlives the client's retries (e.g. a file already linked elsewhere) is narrowed down
by halving the chunk until the one document is found.
"""

from __future__ import annotations

import re

from django.utils import timezone

from portal.procore.errors import ProcoreError, ValidationFailed

from ..models import StagedDocument
from .state import COMPLETED, CREATED, PENDING, UPLOADED, Run, chunked, fail

ITEM = re.compile(r"^update_params\.(\d+)")


def complete_uploads(run: Run) -> None:
    documents = list(run.documents().filter(step=UPLOADED).order_by("id"))
    for chunk in chunked(documents):
        run.heartbeat("Setting metadata")
        _patch(run, chunk)


def update_params(document: StagedDocument) -> dict:
    return {
        "id": document.pdm_upload_id,
        "file_upload_id": document.file_upload_id,
        "upload_status": "COMPLETED",
        "fields": [
            {"id": field_id, "values": list(values)} for field_id, values in (document.metadata or {}).items() if values
        ],
    }


def _patch(run: Run, chunk: list[StagedDocument]) -> None:
    while chunk:
        try:
            result = run.pdm.update_uploads([update_params(d) for d in chunk])
        except ValidationFailed as exc:
            culprit = _culprit(exc, chunk)
            if culprit is None:
                fail(chunk, f"Procore refused the metadata: {exc.message}", "INVALID_PROPERTY")
                return
            fail([culprit], f"Procore refused the metadata: {exc.message}", "INVALID_PROPERTY")
            chunk = [d for d in chunk if d.pk != culprit.pk]
            continue
        except ProcoreError as exc:
            if exc.permanent or len(chunk) == 1:
                if not exc.permanent and len(chunk) == 1 and chunk[0].attempts < 1:
                    _send_again([chunk[0]])
                    return
                fail(chunk, f"Procore could not complete the upload: {exc.message}", exc.code or "COMPLETE_FAILED")
                return
            half = len(chunk) // 2
            _patch(run, chunk[:half])
            _patch(run, chunk[half:])
            return
        _apply(chunk, result)
        return


def _culprit(exc: ValidationFailed, chunk: list[StagedDocument]) -> StagedDocument | None:
    for detail in exc.details:
        match = ITEM.match(detail.source or "")
        if match and int(match.group(1)) < len(chunk):
            return chunk[int(match.group(1))]
    return None


def _apply(chunk: list[StagedDocument], result: dict) -> None:
    succeeded = {str(item.get("id")) for item in result["success"]}
    failed = {str(item.get("id")): item for item in result["failed"]}
    now = timezone.now()
    done = [d for d in chunk if d.pdm_upload_id in succeeded and d.pdm_upload_id not in failed]
    StagedDocument.objects.filter(pk__in=[d.pk for d in done]).update(
        step=COMPLETED, completed_at=now, attempts=0, updated_at=now
    )
    for document in chunk:
        if document.pdm_upload_id in failed:
            item = failed[document.pdm_upload_id]
            if document.attempts < 1:
                _send_again([document])
            else:
                fail(
                    [document],
                    f"Procore could not verify the file in storage ({item.get('code')}: "
                    f"{item.get('message')}). Retry the document.",
                    "STORAGE_VERIFICATION",
                )
        elif document.pdm_upload_id not in succeeded:
            # Silently dropped: Procore has no such upload any more. Create it again, once.
            if document.attempts < 1:
                StagedDocument.objects.filter(pk=document.pk).update(
                    step=PENDING, pdm_upload_id="", attempts=document.attempts + 1, updated_at=now
                )
            else:
                fail(
                    [document], "Procore no longer knows this document's upload. Retry the document.", "UPLOAD_DROPPED"
                )


def _send_again(documents: list[StagedDocument]) -> None:
    for document in documents:
        StagedDocument.objects.filter(pk=document.pk).update(
            step=CREATED, file_upload_id="", part_etags=[], attempts=document.attempts + 1, updated_at=timezone.now()
        )
