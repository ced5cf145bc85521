"""Document steps, the run context, and small helpers every step shares."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

from django.conf import settings
from django.utils import timezone

from portal.procore.http import ProcoreClient
from portal.procore.pdm import Pdm
from portal.procore.uploads import UnifiedUploads

from ..models import Batch, StagedDocument, Submission

# StagedDocument.step, in pipeline order.
PENDING = ""
CREATE_REQUESTED = "create_requested"  # POST sent (or about to be): no id known yet
CREATED = "created"  # pdm_upload_id known
UPLOADED = "uploaded"  # the unified upload is available
COMPLETED = "completed"  # PATCH COMPLETED accepted
READY = "ready"  # latest_event_id read after ML / scraping
SUBMIT_REQUESTED = "submit_requested"  # submit POST sent (or about to be)
SUBMITTED = "submitted"  # revision id known

STEP_LABELS = {
    PENDING: "Waiting",
    CREATE_REQUESTED: "Creating upload",
    CREATED: "Sending file",
    UPLOADED: "Setting metadata",
    COMPLETED: "Procore processing",
    READY: "Ready to submit",
    SUBMIT_REQUESTED: "Submitting",
    SUBMITTED: "Submitted",
    # A Documents-tool folder target (pipeline/folder.py).
    "bytes_sent": "Creating the file",
    "file_requested": "Creating the file",
}
CHUNK = 100  # procore-api.md §7.2: at most 100 items per bulk request

T = TypeVar("T")


def lease() -> timedelta:
    """How long a worker's claim on a run lasts after its last renewal (STAGING_SUBMIT_LEASE)."""
    return timedelta(seconds=settings.STAGING_SUBMIT_LEASE)


def heartbeat_interval() -> timedelta:
    """A live worker renews its claim at least this often (STAGING_SUBMIT_HEARTBEAT); longer without a
    renewal, the run is waiting for a worker."""
    return timedelta(seconds=settings.STAGING_SUBMIT_HEARTBEAT)


class LeaseLost(Exception):
    """Another worker has taken the run over (ours was presumed dead): stop quietly."""


@dataclass
class Run:
    submission: Submission
    batch: Batch
    client: ProcoreClient
    pdm: Pdm
    uploads: UnifiedUploads
    heartbeat: Callable[[str], None]
    threads: int = 6
    only: frozenset[int] | None = None  # one wave of a large batch (runner.run_in_waves)

    def documents(self):
        """The documents this run is sending (the rest of the batch is left alone)."""
        rows = StagedDocument.objects.filter(batch=self.batch, state=StagedDocument.State.SUBMITTING)
        return rows if self.only is None else rows.filter(pk__in=self.only)


def chunked(items: Sequence[T], size: int = CHUNK) -> Iterator[list[T]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


def fail(documents: Iterable[StagedDocument], message: str, code: str = "") -> int:
    """Stop these documents with a message a person can act on."""
    ids = [d.pk for d in documents]
    return StagedDocument.objects.filter(pk__in=ids, state=StagedDocument.State.SUBMITTING).update(
        state=StagedDocument.State.FAILED, message=message[:2000], failure_code=code, updated_at=timezone.now()
    )


def set_step(documents: Iterable[StagedDocument], step: str, **values) -> int:
    ids = [d.pk for d in documents]
    return StagedDocument.objects.filter(pk__in=ids).update(step=step, updated_at=timezone.now(), **values)


def mark_submitted(
    document: StagedDocument, revision_id: str, *, version: int | None = None, container_id: str = ""
) -> None:
    StagedDocument.objects.filter(pk=document.pk).update(
        step=SUBMITTED,
        state=StagedDocument.State.SUBMITTED,
        revision_id=revision_id,
        version=version,
        container_id=container_id,
        message="",
        failure_code="",
        workflow_conflict={},
        updated_at=timezone.now(),
    )


def version_of(revision: dict) -> int | None:
    for entry in revision.get("fields") or []:
        if entry.get("name") == "version":
            label = str(((entry.get("values") or [{}])[0]).get("label") or "")
            return int(label) if label.isdigit() else None
    return None
