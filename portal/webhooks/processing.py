"""Processing stored deliveries, once each, and the coalesced mirror refresh they ask for.

The receiver calls `wake_processing` after each stored delivery commits; it queues a django-q2
`drain` task only when it flips the ProcessingQueue flag from idle to queued, so a burst of
deliveries costs a few tasks. A drain clears the flag, then claims batches of ``received``
deliveries with a conditional UPDATE (``received`` → ``processing`` under a random claim token) and
re-reads only the rows carrying its token, so two workers never process one delivery; only the
holder of the current claim may mark a row ``processed`` (`times_processed` counts those marks).
Each batch is applied in one transaction, a savepoint per delivery; one failing delivery is marked
``failed`` with its error (the admin's "reprocess" action puts it back). `process_delivery` does the
same for one delivery. A claim whose worker died is returned to ``received`` by the reconciliation
job after CLAIM_LEASE. What processing does (events carry ids only, §8.1):

- ``Document Revision`` ``created``: the staged document whose `revision_id` is the event's
  `resource_id` is marked landed at once (no Procore call). When no staged document carries that
  revision id yet (the delivery beat the submit's record of it), the delivery keeps
  `landing_pending` and the landing is resolved later: after every refresh run and by the
  reconciliation job (`resolve_pending_landings`), for WEBHOOKS_LANDING_WINDOW seconds (1 day).
- ``Document Revision`` any reason, ``Project Files``/``Project Folders``/``Project File Versions``:
  the project's revisions or documents are marked wanted and one refresh is queued
  (`request_refresh`). Refreshes use the mirror's incremental sync, which reads each changed row's
  *current* state from Procore — so events processed out of order (``updated`` before ``created``,
  or a late ``updated`` after ``recycled``) end in the right state: order never matters.
- ``Document Upload`` events and anything else: recorded, nothing to refresh (uploads are not
  mirrored).

Refreshes act as the service account when configured, else as the person who registered the hook
(registration.identity_client). A refused or expired identity is written on the project's
ProjectRefresh row (`identity_problem`), which the settings page shows as a warning.
"""

from __future__ import annotations

import logging
import secrets
import time
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from portal.mirror.models import Project
from portal.mirror.sync_documents import sync_documents
from portal.mirror.sync_pdm import sync_config, sync_revisions
from portal.procore.errors import AuthenticationError, PermissionDenied, ProcoreError, friendly_message
from portal.staging.issue_control.tasks import queue_transmittals_due
from portal.staging.models import StagedDocument

from .models import Delivery, ProcessingQueue, ProjectRefresh
from .registration import NoIdentity, identity_client

log = logging.getLogger(__name__)

CLAIM_LEASE = timedelta(minutes=10)
BATCH = 200
QUEUE = "deliveries"
WAKE_MEMO = 0.02  # seconds a receiver trusts having seen a drain queued
DRAIN_GRACE = 0.25  # seconds a drain waits for one more look; must exceed WAKE_MEMO by far
REFRESH_LEASE = timedelta(hours=1)
DOCUMENT_RESOURCES = {"Project Files", "Project Folders", "Project File Versions"}


def landing_window() -> timedelta:
    return timedelta(seconds=settings.WEBHOOKS_LANDING_WINDOW)


# --- deliveries ------------------------------------------------------------------------------

_flag_seen_at = float("-inf")  # when this process last saw the drain flag set (monotonic)


def wake_processing(*, force: bool = False) -> None:
    """After a delivery committed: queue a drain unless one is queued and has not started yet.

    One UPDATE that changes nothing (and writes nothing) while a drain is waiting. In a burst even
    that is skipped when this process saw the flag set less than WAKE_MEMO ago: a drain that cleared
    the flag since then looks for rows once more DRAIN_GRACE (far longer) after clearing it, so it
    still finds this delivery, committed before this call. The row is made by migrate
    (post_migrate, also after a test flush); were it missing, the reconciliation job makes it and
    drains what waited. `force` always asks the database (the reconciliation job, which has just
    cleared the flag itself)."""
    global _flag_seen_at
    if not force and time.monotonic() - _flag_seen_at < WAKE_MEMO:
        return
    flipped = ProcessingQueue.objects.filter(pk=QUEUE, queued=False).update(queued=True)
    _flag_seen_at = time.monotonic()
    if not flipped:
        return  # a queued drain will find the delivery
    from .tasks import queue_drain

    queue_drain()


def drain() -> int:
    """Process every received delivery, a batch at a time; returns how many were processed.

    The flag is cleared before the first read, so a delivery stored while this runs either is seen
    here or queues the next drain; before leaving, one more look after DRAIN_GRACE covers receivers
    that skipped the flag (wake_processing). Several drains may run at once: each claims its own rows.
    """
    ProcessingQueue.objects.filter(pk=QUEUE).update(queued=False)
    total = 0
    last_look = False
    while True:
        seen, processed = process_batch()
        total += processed
        if seen:
            last_look = False
        elif last_look:
            return total
        else:
            time.sleep(DRAIN_GRACE)
            last_look = True


def process_batch(limit: int = BATCH) -> tuple[int, int]:
    """Claim up to `limit` received deliveries (conditional UPDATE), apply them in one transaction
    (a savepoint each), and mark them processed under this claim. Returns (seen, processed)."""
    ids = list(
        Delivery.objects.filter(state=Delivery.State.RECEIVED).order_by("id").values_list("pk", flat=True)[:limit]
    )
    if not ids:
        return 0, 0
    token = secrets.token_hex(8)
    Delivery.objects.filter(pk__in=ids, state=Delivery.State.RECEIVED).update(
        state=Delivery.State.PROCESSING, claimed_at=timezone.now(), claim_token=token, attempts=F("attempts") + 1
    )
    mine = Delivery.objects.filter(claim_token=token, state=Delivery.State.PROCESSING)
    done: list[int] = []
    wanted: dict[int, set[str]] = {}
    projects: dict[int, Project | None] = {}
    with transaction.atomic():
        for delivery in mine.order_by("id"):
            try:
                with transaction.atomic():
                    _, kinds = effects(delivery, projects)
            except Exception as exc:  # noqa: BLE001 - recorded on the row; the admin can reprocess it
                log.exception("Processing delivery %s failed", delivery.pk)
                mine.filter(pk=delivery.pk).update(
                    state=Delivery.State.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000]
                )
                continue
            done.append(delivery.pk)
            if kinds and delivery.project_id:
                wanted.setdefault(delivery.project_id, set()).update(kinds)
        for project_id, kinds in wanted.items():
            if (project := projects.get(project_id)) is not None:
                request_refresh(project, documents="documents" in kinds, revisions="revisions" in kinds)
        mine.filter(pk__in=done).update(
            state=Delivery.State.PROCESSED,
            processed_at=timezone.now(),
            times_processed=F("times_processed") + 1,
            error="",
        )
    return len(ids), len(done)


def claim(delivery_id: int) -> Delivery | None:
    now = timezone.now()
    claimable = Q(state=Delivery.State.RECEIVED) | Q(state=Delivery.State.PROCESSING, claimed_at__lt=now - CLAIM_LEASE)
    token = secrets.token_hex(8)
    if not Delivery.objects.filter(claimable, pk=delivery_id).update(
        state=Delivery.State.PROCESSING, claimed_at=now, claim_token=token, attempts=F("attempts") + 1
    ):
        return None
    return Delivery.objects.get(pk=delivery_id)


def process_delivery(delivery_id: int) -> str:
    """Process one stored delivery if nobody else has (admin, tests); returns what happened."""
    delivery = claim(delivery_id)
    if delivery is None:
        return "not claimable (processed, rejected or held by another worker)"
    mine = Delivery.objects.filter(pk=delivery.pk, state=Delivery.State.PROCESSING, claim_token=delivery.claim_token)
    projects: dict[int, Project | None] = {}
    try:
        with transaction.atomic():
            outcome, kinds = effects(delivery, projects)
            project = projects.get(delivery.project_id) if delivery.project_id else None
            if kinds and project is not None:
                request_refresh(project, documents="documents" in kinds, revisions="revisions" in kinds)
    except Exception as exc:  # noqa: BLE001 - recorded on the row; the admin can reprocess it
        log.exception("Processing delivery %s failed", delivery.pk)
        mine.update(state=Delivery.State.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000])
        return f"failed: {exc}"
    if not mine.update(
        state=Delivery.State.PROCESSED, processed_at=timezone.now(), times_processed=F("times_processed") + 1, error=""
    ):
        return "claim lost to another worker"
    return outcome


def effects(delivery: Delivery, projects: dict[int, Project | None]) -> tuple[str, set[str]]:
    """Apply what needs no Procore call (landing); return a summary and what to refresh."""
    if not delivery.project_id:
        return "no project: nothing to refresh", set()
    if delivery.project_id not in projects:
        projects[delivery.project_id] = Project.objects.filter(pk=delivery.project_id).first()
    if projects[delivery.project_id] is None:
        return "no such project in the mirror: nothing to refresh", set()
    reason = delivery.reason.lower()
    if delivery.resource_type == "Document Revision":
        landed = land(delivery) if reason == "created" else 0
        return f"revisions refresh requested; {landed} staged document(s) landed", {"revisions"}
    if delivery.resource_type in DOCUMENT_RESOURCES:
        return "documents refresh requested", {"documents"}
    return f"{delivery.resource_type or 'event'} {reason}: nothing to refresh", set()


def land(delivery: Delivery) -> int:
    """Mark the staged document of this revision landed; remember the event when there is none yet."""
    assert delivery.project_id is not None, "only a delivery about a project lands documents"
    documents = StagedDocument.objects.filter(batch__project_id=delivery.project_id, revision_id=delivery.resource_id)
    landed = documents.filter(landed_at__isnull=True).update(landed_at=timezone.now(), updated_at=timezone.now())
    pending = not documents.exists()
    Delivery.objects.filter(pk=delivery.pk).update(landing_pending=pending)
    if landed:
        queue_transmittals_due(documents.values_list("batch_id", flat=True))
    return landed


def resolve_pending_landings(project_id: int | None = None) -> int:
    """Land staged documents whose `Document Revision` `created` arrived before their revision id was
    recorded; forget pending events older than the landing window (revisions uploaded elsewhere than
    the portal never match). Returns how many landed. A few queries per 500 pending events."""
    pending = Delivery.objects.filter(landing_pending=True)
    if project_id is not None:
        pending = pending.filter(project_id=project_id)
    pending.filter(received_at__lt=timezone.now() - landing_window()).update(landing_pending=False)
    rows = list(pending.values_list("pk", "project_id", "resource_id"))
    landed = 0
    for start in range(0, len(rows), 500):
        events = {(project, revision): pk for pk, project, revision in rows[start : start + 500]}
        documents = StagedDocument.objects.filter(revision_id__in={revision for _, revision in events})
        found = [
            (pk, landed_at, events[(project, revision)])
            for pk, project, revision, landed_at in documents.values_list(
                "pk", "batch__project_id", "revision_id", "landed_at"
            )
            if (project, revision) in events
        ]
        newly = StagedDocument.objects.filter(pk__in=[pk for pk, at, _ in found if at is None], landed_at__isnull=True)
        batch_ids = set(newly.values_list("batch_id", flat=True))
        count = newly.update(landed_at=timezone.now(), updated_at=timezone.now())
        if count:
            queue_transmittals_due(batch_ids)
        landed += count
        Delivery.objects.filter(pk__in=[event for _, _, event in found]).update(landing_pending=False)
    return landed


# --- coalesced refreshes ---------------------------------------------------------------------


def request_refresh(project: Project, *, documents: bool = False, revisions: bool = False) -> bool:
    """Mark what the project needs refreshed and queue a run unless one is queued; True if queued."""
    ProjectRefresh.objects.get_or_create(project=project)
    rows = ProjectRefresh.objects.filter(project=project)
    flags = {
        name: True for name, wanted in (("documents_wanted", documents), ("revisions_wanted", revisions)) if wanted
    }
    rows.update(**flags)
    if not rows.filter(state=ProjectRefresh.State.IDLE).update(
        state=ProjectRefresh.State.QUEUED, requested_at=timezone.now()
    ):
        return False
    from .tasks import queue_refresh

    transaction.on_commit(lambda: queue_refresh(project.pk))
    return True


def run_refresh(project_id: int) -> str:
    """Run a queued refresh of one project (claimed with a conditional UPDATE)."""
    now = timezone.now()
    claimable = Q(state=ProjectRefresh.State.QUEUED) | Q(
        state=ProjectRefresh.State.RUNNING, started_at__lt=now - REFRESH_LEASE
    )
    if not ProjectRefresh.objects.filter(claimable, project_id=project_id).update(
        state=ProjectRefresh.State.RUNNING, started_at=now, runs=F("runs") + 1
    ):
        return "not queued"
    row = ProjectRefresh.objects.select_related("project").get(project_id=project_id)
    project = row.project
    documents, revisions = row.documents_wanted, row.revisions_wanted
    ProjectRefresh.objects.filter(pk=row.pk).update(documents_wanted=False, revisions_wanted=False)
    outcome = {"error": "", "identity_problem": ""}
    try:
        client = identity_client(project)
        if documents:
            sync_documents(client, project, full=False)
        if revisions and project.pdm_enabled is None:
            sync_config(client, project)  # learns whether Procore gives access to PDM here
        if revisions and project.pdm_enabled:
            sync_revisions(client, project, full=False)
            from portal.staging.pipeline.landing import mark_landed

            mark_landed(
                StagedDocument.objects.filter(
                    batch__project=project, landed_at__isnull=True, state=StagedDocument.State.SUBMITTED
                ).select_related("batch")
            )
        resolve_pending_landings(project.pk)
    except (AuthenticationError, PermissionDenied, NoIdentity) as exc:
        message = friendly_message(exc) if isinstance(exc, ProcoreError) else str(exc)
        outcome["identity_problem"] = outcome["error"] = message
    except ProcoreError as exc:
        outcome["error"] = friendly_message(exc)
    except Exception as exc:  # noqa: BLE001 - recorded; the reconciliation job tries again
        log.exception("Webhook refresh of project %s crashed", project_id)
        outcome["error"] = f"{type(exc).__name__}: {exc}"[:2000]
    finished = timezone.now()
    rows = ProjectRefresh.objects.filter(pk=row.pk)
    if outcome["error"]:
        log.warning("Webhook refresh of project %s failed: %s", project_id, outcome["error"])
        # Keep what was wanted: the reconciliation job tries again.
        restore = {
            name: True for name, wanted in (("documents_wanted", documents), ("revisions_wanted", revisions)) if wanted
        }
        if restore:
            rows.update(**restore)
    identity = {
        "identity_problem": outcome["identity_problem"],
        "identity_problem_at": finished if outcome["identity_problem"] else None,
    }
    if outcome["identity_problem"] and row.identity_problem == outcome["identity_problem"]:
        identity.pop("identity_problem_at")  # keep when the problem was first seen
    rows.update(finished_at=finished, error=outcome["error"], **identity)
    again = not outcome["error"] and rows.filter(Q(documents_wanted=True) | Q(revisions_wanted=True)).exists()
    rows.update(state=ProjectRefresh.State.QUEUED if again else ProjectRefresh.State.IDLE)
    if again:
        from .tasks import queue_refresh

        queue_refresh(project_id)
    return outcome["error"] or "refreshed"
