"""The progress of a batch's submission as people watch it: counts per step from one aggregate
query, and the documents that changed since the watcher's last look.

A watcher holds a cursor (the ETag of its last answer). One aggregate over the batch's documents
(how many, and the latest `updated_at`, on the (batch, updated_at) index) and the submission's
row say whether anything it shows changed; nothing changed is a 304 without reading a document.
Otherwise only the documents updated since the cursor are read. Rows committed late (a
transaction that stamped `updated_at` before it committed) are caught by reading a little before
the cursor (`OVERLAP`); sending a row twice changes nothing on the page.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db.models import Count, Max, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from portal.mirror.models import Revision

from ..models import Batch, StagedDocument, Submission
from .control import waiting_for
from .state import STEP_LABELS

OVERLAP = timedelta(seconds=2)
PAGE_SIZE = 100  # rows of the progress table per page
# Seconds: with nothing else changing, the elapsed time on the page moves in these steps (a poll
# a second by every watcher need not each redraw the summary).
ELAPSED_STEP = 30
# "batch": read through batch.documents, each row is handed its batch, which reads its batch_id;
# left deferred, that is one more query per row.
ROW_FIELDS = (
    "id",
    "batch",
    "file_name",
    "state",
    "step",
    "message",
    "failure_code",
    "revision_id",
    "container_id",
    "version",
    "landed_at",
    "workflow_conflict",
    "updated_at",
)


@dataclass(frozen=True)
class Snapshot:
    """What a poll needs to know before reading any document."""

    submission: Submission | None
    documents: int
    latest: datetime | None  # the latest `updated_at` of the batch's documents
    finished: bool
    waiting: str
    elapsed: float | None
    etag: str


def _elapsed(submission: Submission | None) -> float | None:
    if submission is None or not submission.started_at:
        return None
    end = submission.finished_at or timezone.now()
    return (end - submission.started_at).total_seconds()


def snapshot(batch: Batch) -> Snapshot:
    """Two queries: the latest submission, and one aggregate over the batch's documents."""
    submission = batch.submissions.select_related("submitted_by").first()
    # COUNT(*), not COUNT(id): the (batch, updated_at) index alone answers it.
    agg = StagedDocument.objects.filter(batch=batch).aggregate(n=Count("*"), latest=Max("updated_at"))
    latest: datetime | None = agg["latest"]
    waiting = waiting_for(submission)
    elapsed = _elapsed(submission)
    finished = submission is None or submission.is_finished
    parts = [
        str(batch.pk),
        batch.state,
        f"{agg['n']}",
        f"{int(latest.timestamp() * 1_000_000) if latest else 0}",
    ]
    if submission is not None:
        parts += [
            str(submission.pk),
            submission.state,
            # The same in every web process (hash() is salted per process).
            # Seconds in the waiting sentence ("not heard from for 12 s") move with the elapsed step.
            str(
                zlib.crc32(
                    f"{submission.step}|{re.sub(r'[0-9]', '', waiting)}|{submission.landed}|{submission.failed}".encode()
                )
            ),
            str(int(elapsed // ELAPSED_STEP) if elapsed is not None and not submission.finished_at else ""),
        ]
    return Snapshot(
        submission=submission,
        documents=agg["n"],
        latest=latest,
        finished=finished,
        waiting=waiting,
        elapsed=elapsed,
        etag='"' + "-".join(parts) + '"',
    )


def _parts(etag: str) -> list[str]:
    return etag.strip().removeprefix("W/").strip('"').split("-")


def document_count(etag: str) -> int | None:
    """How many documents the batch had when `etag` was answered (None: not one of ours)."""
    parts = _parts(etag) if etag else []
    return int(parts[2]) if len(parts) >= 4 and parts[2].isdigit() else None


def changed_since(etag: str | None) -> datetime | None:
    """The time from which rows are read again for a watcher whose last answer had `etag`
    (None: a watcher that has seen nothing, so every row)."""
    if not etag:
        return None
    parts = _parts(etag)
    if len(parts) < 4 or not parts[3].isdigit():
        return None
    micros = int(parts[3])
    return datetime.fromtimestamp(micros / 1_000_000, tz=UTC) - OVERLAP


def step_counts(batch: Batch) -> dict[str, int]:
    """Documents per step label, grouped in the database (one query whatever the batch's size)."""
    rows = (
        StagedDocument.objects.filter(batch=batch)
        .values("state", "step")
        .annotate(n=Count("id"), landed=Count("id", filter=Q(landed_at__isnull=False)))
        .order_by()
    )
    counts: dict[str, int] = {}
    for row in sorted(rows, key=lambda r: (r["state"], r["step"])):
        for label, n in _labels(row["state"], row["step"], row["n"], row["landed"]):
            if n:
                counts[label] = counts.get(label, 0) + n
    return counts


def _labels(state: str, step: str, n: int, landed: int) -> list[tuple[str, int]]:
    if state == StagedDocument.State.FAILED:
        return [("Needs attention", n)]
    if state == StagedDocument.State.SUBMITTED:
        return [("Landed", landed), ("Submitted", n - landed)]
    if state != StagedDocument.State.SUBMITTING:
        return [(StagedDocument.State(state).label, n)]
    return [(STEP_LABELS.get(step, step), n)]


def label_of(document: StagedDocument) -> str:
    return _labels(document.state, document.step, 1, 1 if document.landed_at else 0)[0][0]


def documents(batch: Batch, since: datetime | None = None) -> QuerySet[StagedDocument]:
    rows = batch.documents.only(*ROW_FIELDS)
    return rows if since is None else rows.filter(updated_at__gte=since)


def on_page(rows: QuerySet[StagedDocument], batch: Batch, number: int) -> QuerySet[StagedDocument]:
    """Only the rows of page `number` of the progress table (in the batch's order), as a subquery."""
    start = (max(1, number) - 1) * PAGE_SIZE
    page = batch.documents.order_by("position", "id").values("pk")[start : start + PAGE_SIZE]
    return rows.filter(pk__in=page)


def rows(batch: Batch, docs: list[StagedDocument]) -> list[dict[str, Any]]:
    """One row per document, as the progress table and progress.json show it."""
    # A revision Procore named before its container was known: the mirror may know its container.
    containers = dict(
        Revision.objects.filter(
            project_id=batch.project_id,
            procore_id__in=[d.revision_id for d in docs if d.revision_id and not d.container_id],
        ).values_list("procore_id", "container_id")
    )
    revisions = reverse("mirror:revisions", args=[batch.project_id])
    document_url = reverse("staging:document", args=[batch.pk, 0]).removesuffix("0/")
    out = []
    for document in docs:
        container = document.container_id or containers.get(document.revision_id, "")
        out.append(
            {
                "id": document.pk,
                "name": document.file_name,
                "state": document.state,
                "step": label_of(document),
                "message": document.message,
                "code": document.failure_code,
                "revision_id": document.revision_id,
                "version": document.version,
                "landed": document.landed_at is not None,
                "revision_url": f"{revisions}?container={container}" if container else "",
                "workflow_conflict": bool(document.workflow_conflict) and document.state == StagedDocument.State.FAILED,
                "document_url": f"{document_url}{document.pk}/",
            }
        )
    return out


def report(batch: Batch, snap: Snapshot, docs: list[StagedDocument]) -> dict[str, Any]:
    """The run's summary and the rows of `docs` (every document, or those changed since a cursor)."""
    submission = snap.submission
    return {
        "batch": batch.pk,
        "batch_state": batch.state,
        "finished": snap.finished,
        "submission": None
        if submission is None
        else {
            "id": submission.pk,
            "state": submission.state,
            "step": submission.step,
            "submitted_by": str(submission.submitted_by) if submission.submitted_by else "",
            "landed": submission.landed,
            "failed": submission.failed,
        },
        "steps": step_counts(batch),
        "total": snap.documents,
        "elapsed_seconds": _elapsed(submission),
        "waiting": snap.waiting,
        "documents": rows(batch, docs),
        "cursor": snap.etag,
    }


def full(batch: Batch) -> dict[str, Any]:
    """The whole report: the summary and every document (the page itself, progress.json without a cursor)."""
    return report(batch, snapshot(batch), list(documents(batch)))
