"""The submit pages: Submit on the batch page, the live progress page and its JSON, access checks,
CSRF, the notification on the next page, links to the mirror's revisions, retention."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.test import Client
from django.utils import timezone

from portal.staging.models import Batch, StagedDocument, Submission
from portal.staging.tasks import remove_confirmed_files
from procore_sandbox.testing import SAM
from tests.flows import portal_user
from tests.staging.submitting import drawing, fast_pipeline, make_batch

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def eli(sandbox, media, monkeypatch, synced_project):
    fast_pipeline(monkeypatch)
    eli = synced_project()
    return eli.user, eli.project, eli.client


def test_submit_runs_the_task_and_the_progress_page_links_each_revision(eli, monkeypatch):
    from django_q.conf import Conf

    user, project, client = eli
    batch = make_batch(user, project, [drawing(800), drawing(801)])
    page = client.get(f"/batches/{batch.pk}/").content.decode()
    assert f'action="/batches/{batch.pk}/submit/"' in page and "Submit to Procore" in page
    monkeypatch.setattr(Conf, "SYNC", True)  # the real django-q2 task, inline
    answer = client.post(f"/batches/{batch.pk}/submit/")
    assert answer.status_code == 302 and answer["Location"] == f"/batches/{batch.pk}/progress/"

    report = client.get(f"/batches/{batch.pk}/progress.json").json()
    assert report["finished"] is True and report["batch_state"] == Batch.State.SUBMITTED
    assert report["steps"] == {"Landed": 2} and report["elapsed_seconds"] > 0
    page = {"Sec-Fetch-Site": "same-origin", "Sec-Fetch-Dest": "document"}  # a page the person opens
    progress = client.get(f"/batches/{batch.pk}/progress/", headers=page).content.decode()
    for document in batch.documents.all():
        assert f"/projects/{project.pk}/revisions/?container={document.container_id}" in progress
        history = client.get(f"/projects/{project.pk}/revisions/", {"container": document.container_id})
        assert f'data-revision-id="{document.revision_id}"' in history.content.decode()
    # The notification was shown once, on the next page after the batch ended.
    assert "2 document(s) landed in Procore" in progress
    assert "landed in Procore" not in client.get(f"/batches/{batch.pk}/progress/", headers=page).content.decode()
    # A second press does not start another run.
    client.post(f"/batches/{batch.pk}/submit/")
    assert Submission.objects.filter(batch=batch).count() == 1


def test_another_persons_batch_answers_404_and_posts_need_csrf(eli, sandbox):
    user, project, _ = eli
    batch = make_batch(user, project, [drawing(810)])
    sam = Client()
    sam.force_login(portal_user(sandbox, SAM))
    for url in [f"/batches/{batch.pk}/progress/", f"/batches/{batch.pk}/progress.json"]:
        assert sam.get(url).status_code == 404
    for url in [f"/batches/{batch.pk}/submit/", f"/batches/{batch.pk}/retry/"]:
        assert sam.post(url).status_code == 404
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)
    assert strict.post(f"/batches/{batch.pk}/submit/").status_code == 403
    assert not Submission.objects.filter(batch=batch).exists()
    assert Client().get(f"/batches/{batch.pk}/progress.json").status_code == 302


def test_staged_files_are_kept_until_confirmed_then_removed_after_the_retention(eli, settings):
    from tests.staging.submitting import run_task, submit

    user, project, _ = eli
    batch = make_batch(user, project, [drawing(820), drawing(821)])
    names = list(batch.documents.values_list("file", flat=True))
    unconfirmed = batch.documents.first()
    run_task(submit(batch, user))
    assert all(default_storage.exists(n) for n in names)  # 7 days by default
    # One document not confirmed yet (as if Procore's index were late): its file stays whatever the age.
    StagedDocument.objects.filter(pk=unconfirmed.pk).update(landed_at=None)
    StagedDocument.objects.filter(batch=batch, landed_at__isnull=False).update(
        landed_at=timezone.now() - timedelta(days=8)
    )
    remove_confirmed_files()  # finds the late one in the mirror now: landed today, kept
    assert [default_storage.exists(n) for n in names] == [True, False]
    settings.STAGING_RETENTION_DAYS = 0
    assert remove_confirmed_files() == 1
    assert not any(default_storage.exists(n) for n in names)
    assert batch.documents.filter(file_removed_at__isnull=True).count() == 0


def test_it_swaps_in_the_live_rows_while_the_run_goes_on_and_reloads_once_it_ends(eli):
    from tests.staging.submitting import run_task, submit

    user, project, client = eli
    batch = make_batch(user, project, [drawing(820), drawing(821)])
    submission = submit(batch, user)  # queued: no worker has taken it yet
    url = f"/batches/{batch.pk}/progress/"
    page = client.get(url).content.decode()
    assert f'hx-get="{url}" hx-trigger="every 1s"' in page

    live = client.get(url, headers={"HX-Request": "true"})
    body = live.content.decode()
    assert live.status_code == 200 and "<html" not in body and "Submit to Procore" not in body
    for document in batch.documents.all():
        assert f'id="document-{document.pk}"' in body and document.file_name in body
    assert f'hx-get="{url}"' in body  # the swapped-in part keeps asking

    run_task(submission)
    ended = client.get(url, headers={"HX-Request": "true"})
    assert ended["HX-Refresh"] == "true" and ended.content == b""
    final = client.get(url).content.decode()
    assert "Landed" in final and "hx-get" not in final  # nothing left to follow
    assert client.get(url, headers={"HX-Request": "true"}).status_code == 200
