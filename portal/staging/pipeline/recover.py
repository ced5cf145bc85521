"""Find out what an unanswered submit did (procore-api.md §7.8–§7.10), so nothing is submitted twice.

A submitted upload is consumed: `selected_uploads` leaves it out (and show answers 404
UPLOAD_NOT_FOUND). For each document whose submit is in doubt:

- still listed → not submitted: its fresh `latest_event_id` is recorded and it is ready again;
- left out → consumed: its revision is found in the revisions updated since just before the
  submit (revisions carry `upload_id`), and recorded. Procore's revision list runs on a search
  index that can lag (§7.10), so the list is read a few times before giving up; a revision not
  found then is reported, never submitted again.
"""

from __future__ import annotations

import time
from datetime import timedelta

from django.utils import timezone

from ..models import StagedDocument
from .state import READY, Run, fail, mark_submitted, version_of

LOOKS = 3
PAUSE = 3.0
SLACK = timedelta(minutes=2)


def recover(run: Run, documents: list[StagedDocument]) -> None:
    if not documents:
        return
    alive = {str(item["id"]): item for item in run.pdm.selected_uploads([d.pdm_upload_id for d in documents])}
    consumed: list[StagedDocument] = []
    for document in documents:
        item = alive.get(document.pdm_upload_id)
        if item is None:
            consumed.append(document)
            continue
        StagedDocument.objects.filter(pk=document.pk).update(
            step=READY, latest_event_id=str(item.get("latest_event_id") or ""), updated_at=timezone.now()
        )
        document.latest_event_id = str(item.get("latest_event_id") or "")
    if consumed:
        find_revisions(run, consumed)


def find_revisions(run: Run, documents: list[StagedDocument]) -> None:
    wanted = {d.pdm_upload_id: d for d in documents}
    requested = [d.submit_requested_at for d in documents if d.submit_requested_at]
    since = (min(requested) if requested else timezone.now() - timedelta(days=1)) - SLACK
    for look in range(LOOKS):
        for revision in run.pdm.revisions_updated(since, timezone.now() + timedelta(days=1)):
            document = wanted.pop(str(revision.get("upload_id") or ""), None)
            if document is not None:
                mark_submitted(
                    document,
                    str(revision["id"]),
                    version=version_of(revision),
                    container_id=str(revision.get("document_container_id") or ""),
                )
        if not wanted:
            return
        if look < LOOKS - 1:
            time.sleep(PAUSE)
    fail(
        wanted.values(),
        "Procore took this upload but its revision is not listed yet. Check the project's "
        "revisions in a few minutes before sending it again.",
        "UNCONFIRMED",
    )
