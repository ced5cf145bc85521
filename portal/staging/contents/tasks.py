"""django-q2 tasks for documents' contents: thin wrappers over reading, sheets and zips."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from portal.tasking.handoff import enqueue, enqueue_on_commit

from ..models import DocumentContents, StagedDocument

READ_TASK = "portal.staging.contents.tasks.read_contents"
SPLIT_TASK = "portal.staging.contents.tasks.split_set"


def read_contents(document_id: int) -> str:
    from .reading import read_document

    return read_document(document_id)


def split_set(document_id: int, user_id: int | None) -> str:
    from .sheets import split_document

    return split_document(document_id, user_id)


def queue_reading(document: StagedDocument, **extra: object) -> DocumentContents:
    """Record that the document waits to be read and queue the worker once the caller's
    transaction commits (a worker must find the row and the stored file)."""
    contents, created = DocumentContents.objects.get_or_create(document=document, defaults=extra)
    if not created:
        DocumentContents.objects.filter(pk=contents.pk).update(
            state=DocumentContents.State.PENDING, lease_until=None, **extra
        )
    document_id = document.pk
    enqueue_on_commit(READ_TASK, document_id, task_name=f"read-document-{document_id}")
    return contents


def queue_split(document: StagedDocument, user_id: int | None) -> None:
    enqueue_on_commit(SPLIT_TASK, document.pk, user_id, task_name=f"split-document-{document.pk}")


def resume_stalled_readings() -> int:
    """Scheduled: queue again what a dead worker was reading (lease ran out) or never started."""
    now = timezone.now()
    stalled = DocumentContents.objects.filter(
        Q(state=DocumentContents.State.READING, lease_until__lt=now)
        | Q(state=DocumentContents.State.PENDING, updated_at__lt=now - timedelta(minutes=5))
    ).values_list("document_id", flat=True)[:500]
    count = 0
    for document_id in stalled:
        enqueue(READ_TASK, document_id, task_name=f"read-document-{document_id}")
        count += 1
    return count
