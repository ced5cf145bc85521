"""A batch belongs to its creator and the people they share it with; everyone else gets 404."""

from __future__ import annotations

import pytest
from django.urls import get_resolver, reverse

from portal.staging import services
from portal.staging.models import AuditEntry, Batch, IncomingFile, StagedDocument
from portal.staging.urls import urlpatterns
from procore_sandbox.testing import DANA, ELI
from tests.flows import stage_file

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def eli(signed_in):
    return signed_in(ELI)


@pytest.fixture
def dana(signed_in):
    return signed_in(DANA)  # a colleague: she sees Riverside, and is in its Directory


@pytest.fixture
def batch(eli, riverside) -> Batch:
    batch = services.create_batch(riverside, eli.user, name="Eli's drawings")
    assert stage_file(eli, batch.pk, "A-DRW-101_Plan.pdf", b"%PDF plan")["ok"]
    return batch


def batch_urls(batch: Batch) -> list[str]:
    """Every staging URL of this batch (and of its document), whatever its method."""
    document = StagedDocument.objects.filter(batch=batch).first()
    urls = []
    for pattern in urlpatterns:
        keys = set(get_resolver("portal.staging.urls").reverse_dict.getlist(pattern.callback)[0][0][0][1])
        if "batch_id" not in keys:
            continue
        kwargs: dict[str, object] = {"batch_id": batch.pk}
        if document and "document_id" in keys:
            kwargs["document_id"] = document.pk
        if "what" in keys:  # a document's picture: thumbnail, preview, title block
            kwargs["what"] = "thumbnail"
        if "incoming_id" in keys:
            kwargs["incoming_id"] = IncomingFile.objects.filter(batch=batch).values_list("pk", flat=True)[0]
        urls.append(reverse(f"staging:{pattern.name}", kwargs=kwargs))
    return urls


def test_a_colleague_without_the_share_gets_404_at_every_batch_url_and_no_list_shows_it(eli, dana, batch):
    urls = batch_urls(batch)
    assert len(urls) >= 15
    for url in urls:
        # Each URL answers 404 to the method it serves (405 to another reveals only the URL's shape).
        answers = {dana.get(url).status_code, dana.post(url, {"action": "set", "documents": [1]}).status_code}
        assert 404 in answers and answers <= {404, 405}, (url, answers)
    assert f'data-batch-id="{batch.pk}"' not in dana.get("/batches/").content.decode()
    assert f'data-batch-id="{batch.pk}"' not in dana.get("/projects/2305/batches/").content.decode()
    assert f'data-batch-id="{batch.pk}"' in eli.get("/projects/2305/batches/").content.decode()
    assert Batch.objects.get(pk=batch.pk).documents.count() == 1  # nothing happened


def test_sharing_with_a_project_member_lets_them_in_and_is_in_the_history(eli, dana, batch):
    answer = eli.post(f"/batches/{batch.pk}/sharing/", {"action": "add", "person": "Dana Whitfield"}, follow=True)
    assert "Shared with Dana Whitfield." in answer.content.decode()
    assert dana.get(f"/batches/{batch.pk}/").status_code == 200
    assert f'data-batch-id="{batch.pk}"' in dana.get("/batches/").content.decode()
    assert AuditEntry.objects.filter(batch=batch, action="Shared the batch", detail="With Dana Whitfield").exists()

    # She works on it, but only its creator shares it or deletes it.
    assert dana.post(f"/batches/{batch.pk}/sharing/", {"action": "project"}).status_code == 403
    assert dana.post(f"/batches/{batch.pk}/delete/").status_code == 403
    assert Batch.objects.filter(pk=batch.pk, shared_with_project=False).exists()

    share = batch.shares.get()
    eli.post(f"/batches/{batch.pk}/sharing/", {"action": "remove", "share": share.pk})
    assert dana.get(f"/batches/{batch.pk}/").status_code == 404
    assert AuditEntry.objects.filter(
        batch=batch, action="Stopped sharing the batch", detail="With Dana Whitfield"
    ).exists()


def test_sharing_with_the_whole_project_team_and_back(eli, dana, batch):
    eli.post(f"/batches/{batch.pk}/sharing/", {"action": "project"})
    assert dana.get(f"/batches/{batch.pk}/progress/").status_code == 200
    eli.post(f"/batches/{batch.pk}/sharing/", {"action": "private"})
    assert dana.get(f"/batches/{batch.pk}/progress/").status_code == 404
    actions = list(AuditEntry.objects.filter(batch=batch).order_by("id").values_list("action", "detail"))
    assert ("Shared the batch", "With the whole project team") in actions
    assert actions[-1][0] == "Stopped sharing the batch"


def test_someone_unknown_cannot_be_shared_with(eli, batch):
    answer = eli.post(f"/batches/{batch.pk}/sharing/", {"action": "add", "person": "Jordan Lee"}, follow=True)
    assert "is 2 people in this project" in answer.content.decode()
    answer = eli.post(
        f"/batches/{batch.pk}/sharing/", {"action": "add", "person": "sam.okafor@subcontractor.example"}, follow=True
    )
    assert "nobody called" in answer.content.decode()
    assert not batch.shares.exists()


def test_a_share_waits_for_someone_who_has_not_signed_in_yet(eli, batch, sandbox, signed_in):
    eli.post(f"/batches/{batch.pk}/sharing/", {"action": "add", "person": "jordan.lee@northwind.example"})
    assert batch.shares.get().name == "Jordan Lee <jordan.lee@northwind.example>"


def test_someone_the_portal_makes_administrator_of_the_project_sees_every_batch(eli, dana, batch):
    from portal.mirror.models import ProjectRole

    assert dana.get(f"/batches/{batch.pk}/").status_code == 404
    ProjectRole.objects.create(user=dana.user, project=batch.project, role=ProjectRole.Role.ADMINISTRATOR)
    assert dana.get(f"/batches/{batch.pk}/").status_code == 200
    assert f'data-batch-id="{batch.pk}"' in dana.get("/batches/").content.decode()
