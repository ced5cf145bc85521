"""What in a batch's documents' contents stops it from being submitted."""

from __future__ import annotations

from django.db.models import Q

from ..models import Batch, DocumentContents


def blockers(batch: Batch) -> str | None:
    """Why the batch cannot be submitted because of its documents' contents, or None."""
    waiting = (
        DocumentContents.objects.filter(
            document__batch=batch, split__in=[DocumentContents.Split.QUEUED, DocumentContents.Split.AWAITING]
        )
        .select_related("document")
        .first()
    )
    if waiting is not None:
        return f"{waiting.document.file_name} was split into sheets: confirm or undo the split first."
    zipped = (
        DocumentContents.objects.filter(document__batch=batch)
        .filter(Q(kind=DocumentContents.Kind.ZIP) | Q(document__file_name__iendswith=".zip", read_at__isnull=True))
        .select_related("document")
        .first()
    )
    if zipped is not None:
        if zipped.state == DocumentContents.State.REFUSED:
            return f"{zipped.document.file_name} is a zip file that was not expanded: remove it first."
        return f"{zipped.document.file_name} is a zip file still being expanded: wait for its documents."
    return None
