"""After the submit: bring the new revisions into the mirror, mark documents landed, and keep
staged files only as long as the retention setting says.

A document has *landed* when Procore confirms its revision: here, when the mirror (synced over
the API right after the submit) holds a revision whose `upload_id` is the document's upload;
elsewhere, when the `Document Revision` `created` webhook arrives. The mirror is the authority
for the revision id, version and container. Revisions Procore's search index shows late land on
a later sync or webhook.

Retention (`STAGING_RETENTION_DAYS`, default 7, 0 = at once): a staged file is removed only after
its document landed, and only when no document that has not landed shares the same stored file.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core.files.storage import default_storage
from django.utils import timezone

from portal.mirror.models import Revision
from portal.mirror.sync_pdm import sync_revisions
from portal.procore.errors import ProcoreError

from ..models import Batch, StagedDocument

log = logging.getLogger(__name__)


def retention_days() -> int:
    return settings.STAGING_RETENTION_DAYS


def confirm_landed(run_client, batch: Batch) -> int:
    """Sync the project's revisions and mark the batch's submitted documents that are there."""
    try:
        sync_revisions(run_client, batch.project, full=False)
    except ProcoreError as exc:
        log.warning("Mirror sync after submitting batch %s failed: %s", batch.pk, exc)
        return 0
    return mark_landed(batch.documents.filter(state=StagedDocument.State.SUBMITTED, landed_at__isnull=True))


def mark_landed(documents) -> int:
    """Documents whose revision the mirror holds are landed; returns how many."""
    pending = list(documents.exclude(pdm_upload_id=""))
    if not pending:
        return 0
    project_ids = {d.batch.project_id for d in pending}
    revisions = {
        r.upload_id: r
        for r in Revision.objects.filter(project_id__in=project_ids, upload_id__in=[d.pdm_upload_id for d in pending])
    }
    now = timezone.now()
    landed = []
    for document in pending:
        revision = revisions.get(document.pdm_upload_id)
        if revision is None:
            continue
        document.revision_id = revision.procore_id
        document.version = revision.version
        document.container_id = revision.container_id
        document.landed_at = now
        document.updated_at = now
        landed.append(document)
    StagedDocument.objects.bulk_update(landed, ["revision_id", "version", "container_id", "landed_at", "updated_at"])
    if landed and retention_days() == 0:
        remove_files(StagedDocument.objects.filter(pk__in=[d.pk for d in landed]))
    return len(landed)


def remove_files(documents=None) -> int:
    """Delete the stored files of landed documents past the retention period; returns how many."""
    cutoff = timezone.now() - timedelta(days=retention_days())
    rows = documents if documents is not None else StagedDocument.objects.all()
    rows = list(
        rows.filter(landed_at__isnull=False, landed_at__lte=cutoff, file_removed_at__isnull=True).exclude(file="")
    )
    names = {d.file.name for d in rows}
    still_needed = set(
        StagedDocument.objects.filter(file__in=names, landed_at__isnull=True).values_list("file", flat=True)
    )
    removed = 0
    for name in names - still_needed:
        try:
            default_storage.delete(name)
        except OSError as exc:
            log.warning("Could not remove staged file %s: %s", name, exc)
            continue
        removed += StagedDocument.objects.filter(file=name, landed_at__isnull=False).update(
            file_removed_at=timezone.now()
        )
    return removed
