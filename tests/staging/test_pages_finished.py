"""The staging pages' finishing touches: where a project opens, its first sync, the setup's words,
the revisions' discipline, the progress page's links and names, the portal's own 404 and 500, the favicon."""

from __future__ import annotations

import pytest
from django.test import Client
from django_q.models import OrmQ

from portal.mirror.models import Project, Revision, SyncRun
from portal.mirror.sync import sync_memberships
from portal.staging.pipeline.progress import full as progress
from procore_sandbox.testing import ELI
from tests.flows import portal_user
from tests.staging.submitting import drawing, make_batch

pytestmark = pytest.mark.django_db(transaction=True)

RIVERSIDE = 2305


def test_a_project_opens_on_its_batches_and_a_first_visit_starts_its_first_sync(sandbox):
    user = portal_user(sandbox, ELI)
    sync_memberships(user)
    client = Client()
    client.force_login(user)
    dashboard = client.get("/").content.decode()
    assert f'href="/projects/{RIVERSIDE}/batches/">Riverside Medical Center</a>' in dashboard

    assert not SyncRun.objects.filter(project_id=RIVERSIDE).exists()
    page = client.get(f"/projects/{RIVERSIDE}/batches/").content.decode()
    run = SyncRun.objects.get(project_id=RIVERSIDE)
    assert run.kind == SyncRun.Kind.FULL and run.state == SyncRun.State.QUEUED and run.requested_by == user
    assert OrmQ.objects.count() == 1  # queued for a worker
    assert f'hx-get="/projects/{RIVERSIDE}/sync/{run.pk}/"' in page and "Queued" in page  # the panel follows it
    client.get(f"/projects/{RIVERSIDE}/setup/")
    assert SyncRun.objects.filter(project_id=RIVERSIDE).count() == 1  # only the first visit starts one


def test_the_setup_says_which_documents_need_each_field(riverside, signed_in):
    page = signed_in(ELI).get(f"/projects/{RIVERSIDE}/setup/").content.decode()
    assert "Required for" in page and ">Yes<" not in page
    row = lambda name: page.split(f'data-field="{name}"', 1)[1].split("</tr>", 1)[0]  # noqa: E731
    assert "Every document" in row("name")
    assert "Only when Type is Drawing" in row("date_authored")
    assert "Not required" in row("volume")
    assert "A person of the project</td>" in row("authored_by")
    assert "A person of the project's Directory (6 listed)" in row("authored_by")
    assert "People of the project</td>" in row("custom_field_103")


def test_the_revisions_list_tells_two_sheets_201_apart_by_discipline(riverside, signed_in):
    page = signed_in(ELI).get(f"/projects/{RIVERSIDE}/revisions/").content.decode()
    assert '<th scope="col">Discipline</th>' in page
    foundation = Revision.objects.get(project_id=RIVERSIDE, number="201")
    row = page.split(f'data-revision-id="{foundation.procore_id}"', 1)[1].split("</tr>", 1)[0]
    assert "S – Structural" in row


def test_the_progress_page_links_a_revision_whose_container_only_the_mirror_knows(riverside, signed_in):
    client = signed_in(ELI)
    batch = make_batch(client.user, riverside, [drawing(301)])
    revision = Revision.objects.filter(project=riverside).exclude(container_id="").first()
    batch.documents.update(state="submitted", revision_id=revision.procore_id, container_id="", version=1)
    row = progress(batch)["documents"][0]
    assert row["revision_url"] == f"/projects/{RIVERSIDE}/revisions/?container={revision.container_id}"
    batch.documents.update(revision_id="01JUNKNOWNREVISION000000000")
    page = client.get(f"/batches/{batch.pk}/progress/").content.decode()
    assert "01JUNKNOWNREVISION" not in page and "In Procore; its history shows here after the next sync" in page


def test_the_portal_has_its_own_404_and_500_pages_and_a_favicon(riverside, signed_in, settings):
    client = signed_in(ELI)
    missing = client.get("/batches/999999/")
    assert missing.status_code == 404 and "Nothing here" in missing.content.decode()
    assert client.get("/favicon.ico")["Location"].endswith("portal/favicon.svg")

    from django.urls import path

    def broken(request):
        raise RuntimeError("boom")

    settings.ROOT_URLCONF = type("urls", (), {"urlpatterns": [path("broken/", broken)]})
    answer = Client(raise_request_exception=False).get("/broken/")
    assert answer.status_code == 500
    assert "Something went wrong on our side" in answer.content.decode()
    assert "Nothing you staged is lost" in answer.content.decode()


def test_project_person_choices_are_in_the_page_for_the_grid_and_sharing(riverside, signed_in):
    client = signed_in(ELI)
    batch = make_batch(client.user, riverside, [drawing(401)])
    page = client.get(f"/batches/{batch.pk}/").content.decode()
    assert '<datalist id="people-list">' in page
    assert '<option value="Jordan Lee &lt;jordan.lee@brooks-structural.example&gt;">' in page
    assert Project.objects.get(pk=RIVERSIDE).people.count() == 6
