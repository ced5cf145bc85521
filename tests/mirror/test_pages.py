"""The project pages: access, browsing, and a fixed number of queries whatever the size."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from portal.mirror.models import Company, File, Folder, Membership, Project, SyncRun
from portal.mirror.sync import run_sync, start_sync, sync_memberships
from procore_sandbox.testing import ELI, SAM
from tests.flows import portal_user

pytestmark = pytest.mark.django_db(transaction=True)

RIVERSIDE = 2305
OAKRIDGE = 2306


@pytest.fixture
def eli_client(synced_project):
    return synced_project(ELI, RIVERSIDE).client


def test_another_persons_project_answers_404_on_every_page(eli_client, sandbox):
    sam = portal_user(sandbox, SAM)
    sync_memberships(sam)  # Oakridge now exists in the mirror, but Eli is not a member
    for url in [f"/projects/{OAKRIDGE}/", f"/projects/{OAKRIDGE}/setup/", f"/projects/{OAKRIDGE}/revisions/"]:
        assert eli_client.get(url).status_code == 404
    assert eli_client.post(f"/projects/{OAKRIDGE}/sync/").status_code == 404
    assert eli_client.get("/projects/999999/").status_code == 404


def test_pages_require_sign_in(sandbox):
    answer = Client().get(f"/projects/{RIVERSIDE}/")
    assert answer.status_code == 302 and "/accounts/login/" in answer["Location"]


def test_the_documents_page_browses_folders_and_searches_files(eli_client):
    page = eli_client.get(f"/projects/{RIVERSIDE}/")
    assert page.status_code == 200
    top = (
        Folder.objects.filter(project_id=RIVERSIDE)
        .exclude(parent_id__in=Folder.objects.filter(project_id=RIVERSIDE).values("id"))
        .order_by("name")
        .first()
    )
    assert f'data-folder-id="{top.id}"'.encode() in page.content

    inside = eli_client.get(f"/projects/{RIVERSIDE}/?folder={top.id}").content.decode()
    for file in File.objects.filter(project_id=RIVERSIDE, folder_id=top.id)[:5]:
        assert f'data-file-id="{file.id}"' in inside

    target = File.objects.filter(project_id=RIVERSIDE).order_by("id").first()
    found = eli_client.get(f"/projects/{RIVERSIDE}/", {"q": target.name}).content.decode()
    assert f'data-file-id="{target.id}"' in found


def test_the_setup_page_explains_the_rules_in_words(eli_client):
    page = eli_client.get(f"/projects/{RIVERSIDE}/setup/").content.decode()
    assert "Default rule" in page
    assert "When Type is" in page
    assert "File naming standard" in page and "Procore reads" in page
    assert 'data-field="type"' in page


def test_the_revisions_page_filters_and_shows_version_history(eli_client):
    from portal.mirror.models import Revision

    page = eli_client.get(f"/projects/{RIVERSIDE}/revisions/")
    assert page.status_code == 200
    revision = Revision.objects.filter(project_id=RIVERSIDE).exclude(type_value_id="").first()
    filtered = eli_client.get(f"/projects/{RIVERSIDE}/revisions/", {"type": revision.type_value_id}).content.decode()
    assert f'data-revision-id="{revision.procore_id}"' in filtered
    others = Revision.objects.filter(project_id=RIVERSIDE).exclude(type_value_id=revision.type_value_id)
    for other in others:
        assert f'data-revision-id="{other.procore_id}"' not in filtered
    history = eli_client.get(f"/projects/{RIVERSIDE}/revisions/", {"container": revision.container_id}).content.decode()
    for version in Revision.objects.filter(project_id=RIVERSIDE, container_id=revision.container_id):
        assert f'data-revision-id="{version.procore_id}"' in history


def test_sync_now_runs_a_sync_and_reports_its_progress(eli_client, monkeypatch):
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", True)  # run the real task function inline
    answer = eli_client.post(f"/projects/{RIVERSIDE}/sync/", {"next": f"/projects/{RIVERSIDE}/setup/"})
    assert answer.status_code == 302 and answer["Location"] == f"/projects/{RIVERSIDE}/setup/"
    run = SyncRun.objects.filter(project_id=RIVERSIDE).first()
    assert run.state == SyncRun.State.DONE and run.kind == SyncRun.Kind.INCREMENTAL
    status = eli_client.get(f"/projects/{RIVERSIDE}/sync/{run.pk}/").json()
    assert status["state"] == "done" and status["finished"] is True


def test_sync_now_refuses_an_offsite_next_url(eli_client, monkeypatch):
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", True)
    answer = eli_client.post(f"/projects/{RIVERSIDE}/sync/", {"next": "https://evil.example/"})
    assert answer["Location"] == f"/projects/{RIVERSIDE}/"


def _mirror_project_with(files: int, folders: int, user) -> Project:
    company, _ = Company.objects.get_or_create(id=1, defaults={"name": "Query Count Co"})
    project = Project.objects.create(
        id=100 + files, company=company, name=f"{files} files", last_synced_at=timezone.now()
    )
    Membership.objects.create(user=user, project=project)
    Folder.objects.bulk_create(
        [
            Folder(id=project.id * 10_000 + i, company=company, project=project, parent_id=1, name=f"Folder {i}")
            for i in range(folders)
        ]
    )
    File.objects.bulk_create(
        [
            File(
                id=project.id * 100_000 + i,
                company=company,
                project=project,
                folder_id=1,
                name=f"Sheet {i:05}.pdf",
                size=1000 + i,
                latest_version_number=1,
                procore_updated_at=timezone.now(),
            )
            for i in range(files)
        ]
    )
    return project


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("path", ["", "?q=Sheet", "?sort=-updated&page=2"])
def test_the_documents_page_costs_the_same_queries_for_10_or_2000_files(sandbox, path):
    user = portal_user(sandbox, ELI)
    small = _mirror_project_with(10, 3, user)
    large = _mirror_project_with(2000, 300, user)
    client = Client()
    client.force_login(user)
    client.get("/projects/0/")  # warm the session
    assert _queries(client, f"/projects/{small.id}/{path}") == _queries(client, f"/projects/{large.id}/{path}")


def test_a_folder_five_levels_down_shows_its_path_in_the_queries_of_a_top_folder(sandbox):
    user = portal_user(sandbox, ELI)
    project = _mirror_project_with(10, 1, user)
    company = project.company
    parent = None
    line = []
    for depth in range(5):
        parent = Folder.objects.create(
            id=900_000 + depth,
            company=company,
            project=project,
            parent_id=parent.id if parent else None,
            name=f"Level {depth}",
        )
        line.append(parent)
    elsewhere = _mirror_project_with(11, 1, user)
    Folder.objects.create(id=999_999, company=company, project=elsewhere, parent_id=line[-1].id, name="Not here")
    client = Client()
    client.force_login(user)
    client.get("/projects/0/")  # warm the session
    page = client.get(f"/projects/{project.id}/?folder={line[-1].id}").content.decode()
    crumbs = page.split('class="breadcrumbs"', 1)[1].split("</p>", 1)[0]
    assert [f"?folder={f.id}" in crumbs for f in line] == [True] * 5
    assert crumbs.index("Level 0") < crumbs.index("Level 3") < crumbs.index("Level 4")
    assert client.get(f"/projects/{project.id}/?folder=999999").content.decode().count("Not here") == 0
    assert _queries(client, f"/projects/{project.id}/?folder={line[-1].id}") == _queries(
        client, f"/projects/{project.id}/?folder={line[0].id}"
    )


def test_the_sync_panel_follows_a_running_sync_and_reloads_the_page_when_it_ends(synced_project):
    eli = synced_project(ELI, RIVERSIDE)
    run = start_sync(eli.project, eli.user)  # queued: no worker has taken it yet
    status_url = f"/projects/{RIVERSIDE}/sync/{run.pk}/"
    page = eli.client.get(f"/projects/{RIVERSIDE}/setup/").content.decode()
    assert f'hx-get="{status_url}" hx-trigger="every 1s"' in page

    htmx = {"HX-Request": "true", "HX-Current-URL": f"http://testserver/projects/{RIVERSIDE}/setup/"}
    panel = eli.client.get(status_url, headers=htmx).content.decode()
    assert "<html" not in panel and "Queued" in panel and f'hx-get="{status_url}"' in panel
    assert f'name="next" value="/projects/{RIVERSIDE}/setup/"' in panel  # Sync now comes back here

    run_sync(run.pk)
    ended = eli.client.get(status_url, headers=htmx)
    assert ended["HX-Refresh"] == "true"
    assert eli.client.get(status_url).json()["finished"] is True  # anyone else still gets JSON
    assert "hx-get" not in eli.client.get(f"/projects/{RIVERSIDE}/setup/").content.decode()


def test_a_broad_search_counts_its_matches_only_as_far_as_the_pages_near_the_one_shown(eli_client):
    project = Project.objects.get(pk=RIVERSIDE)
    File.objects.bulk_create(
        File(id=9_000_000 + n, company_id=project.company_id, project=project, name=f"Broad-{n:04}.pdf")
        for n in range(600)
    )
    first = eli_client.get(f"/projects/{RIVERSIDE}/", {"q": "broad-"}).content.decode()
    assert "Page 1 of 11+ · 550+ items" in first  # 11 pages counted of 12; more past them
    assert first.count('data-file-id="9') == 50 and 'data-file-id="9000000"' in first

    last = eli_client.get(f"/projects/{RIVERSIDE}/", {"q": "broad-", "page": 12}).content.decode()
    assert "Page 12 of 12 · 600 items" in last and 'data-file-id="9000599"' in last  # every match reachable

    few = eli_client.get(f"/projects/{RIVERSIDE}/", {"q": "broad-05"}).content.decode()
    assert "Page 1 of 2 · 100 items" in few
