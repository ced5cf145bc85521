"""A change in the sandbox reaches the mirror through a REAL delivery: the sandbox POSTs to the
portal's receiver on the live server, the processing task runs, the coalesced refresh runs."""

from __future__ import annotations

import pytest

from portal.mirror.models import File, Revision
from portal.webhooks import tasks
from portal.webhooks.models import Delivery, ProjectRefresh
from procore_sandbox.documents import ops as documents_ops
from procore_sandbox.models import Delivery as SandboxDelivery
from procore_sandbox.models import DocumentFile, DocumentRevision
from procore_sandbox.pdm import web_ui as pdm_admin
from procore_sandbox.webhooks import deliveries
from tests.webhooks.deliveries import RIVERSIDE

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_renamed_file_reaches_the_mirror_through_a_real_delivery(hook, sandbox):
    file = DocumentFile.objects.filter(project_id=RIVERSIDE, is_deleted=False).order_by("id").first()
    documents_ops.rename_file(file, "Renamed by a webhook test.pdf")
    assert deliveries.deliver_due() == 1
    sent = SandboxDelivery.objects.get(hook_id=int(hook.procore_hook_id))
    assert sent.status == SandboxDelivery.Status.DELIVERED
    assert sent.attempts.get().response_status == 204
    delivery = Delivery.objects.get()
    assert (delivery.resource_type, delivery.reason, delivery.resource_id) == ("Project Files", "update", str(file.id))
    assert File.objects.get(pk=file.id).name != "Renamed by a webhook test.pdf"
    assert tasks.process(delivery.pk) == f"delivery {delivery.pk}: documents refresh requested"
    assert ProjectRefresh.objects.get(project_id=RIVERSIDE).state == ProjectRefresh.State.QUEUED
    assert tasks.refresh(RIVERSIDE) == f"project {RIVERSIDE}: refreshed"
    assert File.objects.get(pk=file.id).name == "Renamed by a webhook test.pdf"
    assert ProjectRefresh.objects.get(project_id=RIVERSIDE).state == ProjectRefresh.State.IDLE


def test_revision_edits_and_recycling_reach_the_mirror_as_the_service_account(hook, sandbox):
    first, second = DocumentRevision.objects.filter(project_id=RIVERSIDE, recycled_at=None).order_by("id")[:2]
    pdm_admin.update_revision(str(second.id), revision=["Z9"])
    pdm_admin.recycle_revision(str(first.id))
    assert deliveries.deliver_due() == 2
    received = list(Delivery.objects.order_by("id"))
    assert [(d.resource_type, d.reason) for d in received] == [
        ("Document Revision", "updated"),
        ("Document Revision", "recycled"),
    ]
    for delivery in received:
        tasks.process(delivery.pk)
    assert ProjectRefresh.objects.get(project_id=RIVERSIDE).revisions_wanted
    tasks.refresh(RIVERSIDE)  # one refresh serves both events
    assert ProjectRefresh.objects.get(project_id=RIVERSIDE).runs == 1
    assert Revision.objects.get(project_id=RIVERSIDE, procore_id=str(second.id)).revision == "Z9"
    assert not Revision.objects.filter(project_id=RIVERSIDE, procore_id=str(first.id)).exists()
    from portal.accounts.models import ServiceToken

    assert ServiceToken.objects.count() == 1  # processing acted as the configured service account
