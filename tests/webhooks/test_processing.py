"""Processing: out-of-order events, landing staged documents (also when the event beats the submit's
record of the revision id), the reconciliation job, and identity problems shown on the settings page."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from portal.accounts.models import ProcoreCredential
from portal.mirror.models import Revision
from portal.staging.models import Batch, StagedDocument
from portal.webhooks import tasks
from portal.webhooks.models import Delivery, ProjectRefresh
from procore_sandbox.models import DocumentRevision
from procore_sandbox.pdm import web_ui as pdm_admin
from tests.webhooks.deliveries import RIVERSIDE, post, v4_event

pytestmark = pytest.mark.django_db(transaction=True)


def staged(project, user, revision_id: str = "") -> StagedDocument:
    batch = Batch.objects.create(
        project=project, name="Issued for construction", created_by=user, state=Batch.State.SUBMITTED
    )
    return StagedDocument.objects.create(
        batch=batch,
        file="staged/x.pdf",
        file_name="x.pdf",
        size=1,
        sha256="0" * 64,
        mime_type="application/pdf",
        state=StagedDocument.State.SUBMITTED,
        revision_id=revision_id,
    )


def receive(sandbox, hook, event_id: str, reason: str, resource_id: str) -> Delivery:
    assert post(sandbox, hook, v4_event(event_id, reason, resource_id)).status_code == 204
    return Delivery.objects.get(event_id=event_id)


def test_an_updated_before_its_created_ends_right(hook, sandbox, project, eli):
    revision = DocumentRevision.objects.filter(project_id=RIVERSIDE, recycled_at=None).order_by("id").first()
    rev_id = str(revision.id)
    Revision.objects.filter(project_id=RIVERSIDE, procore_id=rev_id).delete()  # as if never seen yet
    document = staged(project, eli, rev_id)
    pdm_admin.update_revision(rev_id, revision=["Q7"])
    updated = receive(sandbox, hook, "01OUTOFORDER00000000000002", "updated", rev_id)
    created = receive(sandbox, hook, "01OUTOFORDER00000000000001", "created", rev_id)
    tasks.process(updated.pk)
    tasks.refresh(RIVERSIDE)
    assert Revision.objects.get(project_id=RIVERSIDE, procore_id=rev_id).revision == "Q7"
    assert tasks.process(created.pk).endswith("1 staged document(s) landed")
    tasks.refresh(RIVERSIDE)
    document.refresh_from_db()
    assert document.landed_at is not None
    assert Revision.objects.get(project_id=RIVERSIDE, procore_id=rev_id).revision == "Q7"
    assert [d.times_processed for d in Delivery.objects.order_by("id")] == [1, 1]
    landed_at = document.landed_at
    tasks.process(created.pk)  # a stray second task changes nothing
    document.refresh_from_db()
    assert document.landed_at == landed_at


def test_a_created_before_the_submit_recorded_the_revision_lands_later(hook, sandbox, project, eli):
    document = staged(project, eli, revision_id="")
    delivery = receive(sandbox, hook, "01EARLYCREATED000000000001", "created", "01JDXMPK0TRV0BA5K8GSSY6J0Y")
    tasks.process(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.PROCESSED and delivery.landing_pending
    document.refresh_from_db()
    assert document.landed_at is None
    StagedDocument.objects.filter(pk=document.pk).update(revision_id="01JDXMPK0TRV0BA5K8GSSY6J0Y")  # the submit
    assert tasks.reconcile().endswith("1 landed")
    document.refresh_from_db()
    delivery.refresh_from_db()
    assert document.landed_at is not None and not delivery.landing_pending


def test_reconciliation_refreshes_registered_projects_and_requeues_lost_work(hook, sandbox, project):
    from django_q.models import OrmQ

    delivery = receive(sandbox, hook, "01LOSTTASK0000000000000001", "updated", "x")
    OrmQ.objects.all().delete()  # the queued task was lost
    Delivery.objects.filter(pk=delivery.pk).update(received_at=timezone.now() - timezone.timedelta(minutes=10))
    summary = tasks.reconcile()
    assert summary.startswith("1 project refreshes requested, 1 deliveries queued again")
    assert ProjectRefresh.objects.get(project=project).state == ProjectRefresh.State.QUEUED
    assert OrmQ.objects.count() == 2  # the refresh and a drain of the deliveries
    assert tasks.refresh(RIVERSIDE).endswith("refreshed")
    assert tasks.drain() == "1 deliveries processed"
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.PROCESSED
    Delivery.objects.filter(pk=delivery.pk).update(received_at=timezone.now() - timezone.timedelta(days=31))
    tasks.reconcile()
    assert not Delivery.objects.filter(pk=delivery.pk).exists()  # pruned after WEBHOOKS_KEEP_DAYS


def test_a_failed_delivery_can_be_reprocessed_from_admin(hook, sandbox, project, eli):
    from portal.accounts.models import User

    delivery = receive(sandbox, hook, "01FAILED000000000000000001", "updated", "x")
    Delivery.objects.filter(pk=delivery.pk).update(state=Delivery.State.FAILED, error="boom")
    admin = User.objects.create_superuser("root", "root@example.com", "pw")
    client = Client()
    client.force_login(admin)
    answer = client.post("/admin/webhooks/delivery/", {"action": "reprocess", "_selected_action": [delivery.pk]})
    assert answer.status_code == 302
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.RECEIVED and delivery.error == ""
    tasks.drain()
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.PROCESSED and delivery.times_processed == 1


def test_a_revoked_registrant_shows_as_a_warning_on_the_settings_page(hook, sandbox, project, eli, settings):
    settings.PROCORE_SERVICE_CLIENT_ID = ""  # no service account: processing acts as the registrant
    client = Client()
    client.force_login(eli)
    assert "data-identity-warning" not in client.get(f"/projects/{RIVERSIDE}/settings/").content.decode()
    ProcoreCredential.objects.filter(user=eli).update(invalid_since=timezone.now())
    delivery = receive(sandbox, hook, "01REVOKED00000000000000001", "updated", "x")
    tasks.process(delivery.pk)
    assert "sign in" in tasks.refresh(RIVERSIDE).lower()
    refresh = ProjectRefresh.objects.get(project=project)
    assert refresh.identity_problem and refresh.revisions_wanted  # kept for the next try
    html = client.get(f"/projects/{RIVERSIDE}/settings/").content.decode()
    assert html.count("data-identity-warning") == 2
    assert "has ended or was revoked" in html
