"""django-q2 tasks: thin wrappers over portal.webhooks.processing, and the scheduled reconciliation."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from portal.mirror.models import Project
from portal.tasking.handoff import enqueue
from portal.throttle import lanes
from portal.throttle.lanes import Lane, Ticket

from . import processing
from .models import Delivery, Hook, ProcessingQueue, ProjectRefresh
from .processing import (
    CLAIM_LEASE,
    REFRESH_LEASE,
    process_delivery,
    request_refresh,
    resolve_pending_landings,
    run_refresh,
)

STUCK_AFTER = timedelta(minutes=5)
# Webhook processing has a lane of its own: after what people wait for, before background work.
WEBHOOKS = Ticket(Lane.WEBHOOKS, "webhooks", "Webhook processing")


# Neither raises when the broker is down: the task is kept and queued when it is back (tasking).
def queue_drain() -> None:
    enqueue("portal.webhooks.tasks.drain", task_name="webhook-deliveries")


def queue_refresh(project_id: int) -> None:
    enqueue("portal.webhooks.tasks.refresh", project_id, task_name=f"webhook-refresh-{project_id}")


def drain() -> str:
    with lanes.serving(WEBHOOKS):
        return f"{processing.drain()} deliveries processed"


def process(delivery_id: int) -> str:
    with lanes.serving(WEBHOOKS):
        return f"delivery {delivery_id}: {process_delivery(delivery_id)}"


def refresh(project_id: int) -> str:
    with lanes.serving(WEBHOOKS):
        return f"project {project_id}: {run_refresh(project_id)}"


def reconcile() -> str:
    """Scheduled: catch what webhooks missed (Procore delivery is best-effort, §8.1).

    Every project with a registered hook gets an incremental mirror refresh (coalesced with any
    queued one); deliveries whose task was lost (still `received`, or a dead worker's claim) are
    queued again; refreshes whose worker died are queued again; pending landings are resolved; old
    processed deliveries are pruned.
    """
    now = timezone.now()
    stale_refreshes = ProjectRefresh.objects.filter(
        Q(state=ProjectRefresh.State.QUEUED, requested_at__lt=now - STUCK_AFTER)
        | Q(state=ProjectRefresh.State.RUNNING, started_at__lt=now - REFRESH_LEASE)
    )
    for project_id in stale_refreshes.values_list("project_id", flat=True):
        queue_refresh(project_id)
    projects = list(Hook.objects.filter(status=Hook.Status.ACTIVE).values_list("project_id", flat=True).distinct())
    requested = 0
    for project in Project.objects.filter(pk__in=projects):
        request_refresh(project, documents=True, revisions=True)
        requested += 1
    ProjectRefresh.objects.filter(project_id__in=projects).update(reconciled_at=now)
    # Deliveries whose drain was lost (a crash between commit and queueing, a broker failure) or
    # whose worker died mid-batch: back to `received`, and a drain queued.
    Delivery.objects.filter(state=Delivery.State.PROCESSING, claimed_at__lt=now - CLAIM_LEASE).update(
        state=Delivery.State.RECEIVED, claim_token=""
    )
    requeued = Delivery.objects.filter(state=Delivery.State.RECEIVED, received_at__lt=now - STUCK_AFTER).count()
    if requeued:
        ProcessingQueue.objects.update_or_create(pk=processing.QUEUE, defaults={"queued": False})
        processing.wake_processing(force=True)
    landed = resolve_pending_landings()
    # Processed deliveries are kept WEBHOOKS_KEEP_DAYS (default 30) for the admin, far past Procore's
    # 12-hour retry window, so dedupe on the event id never forgets an event Procore may still send.
    keep = timedelta(days=settings.WEBHOOKS_KEEP_DAYS)
    Delivery.objects.filter(state=Delivery.State.PROCESSED, received_at__lt=now - keep).delete()
    return f"{requested} project refreshes requested, {requeued} deliveries queued again, {landed} landed"
