"""A company's own Documents tool in the mirror: synced by walking the tree, shown to its people."""

from __future__ import annotations

import pytest
from django.test import Client

from portal.mirror.models import Company, File, Folder, SyncRun
from portal.mirror.sync import run_company_sync, start_company_sync, sync_memberships
from procore_sandbox.documents import ops as documents_ops
from procore_sandbox.models import DocumentFile, DocumentFolder
from procore_sandbox.testing import ELI
from tests.flows import portal_user

pytestmark = pytest.mark.django_db(transaction=True)

NORTHWIND = 8089


@pytest.fixture
def eli(sandbox):
    user = portal_user(sandbox, ELI)
    sync_memberships(user)
    return user


def sandbox_tree() -> tuple[set[int], set[int]]:
    folders = DocumentFolder.objects.filter(company_id=NORTHWIND, project=None, is_deleted=False).exclude(parent=None)
    files = DocumentFile.objects.filter(company_id=NORTHWIND, project=None, is_deleted=False)
    return set(folders.values_list("id", flat=True)), set(files.values_list("id", flat=True))


def sync(user) -> SyncRun:
    run = run_company_sync(start_company_sync(Company.objects.get(pk=NORTHWIND), user).pk)
    assert run.state == SyncRun.State.DONE, run.error
    return run


def test_it_mirrors_the_company_tree_and_removes_what_is_gone(eli):
    folders, files = sandbox_tree()
    assert folders and files
    run = sync(eli)
    assert set(Folder.objects.filter(company_id=NORTHWIND, project=None).values_list("id", flat=True)) == folders
    assert set(File.objects.filter(company_id=NORTHWIND, project=None).values_list("id", flat=True)) == files
    assert run.api_calls == len(folders) + 1  # the documented walk: the root, then each folder once

    gone = DocumentFile.objects.filter(id__in=files).order_by("id").first()
    documents_ops.recycle_file(gone)
    sync(eli)
    assert not File.objects.filter(pk=gone.pk).exists()
    assert Company.objects.get(pk=NORTHWIND).documents_synced_at is not None


def test_the_company_page_shows_the_tree_to_its_people_only(eli, monkeypatch):
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", True)
    client = Client()
    client.force_login(eli)
    answer = client.post(f"/companies/{NORTHWIND}/sync/")
    assert answer.status_code == 302
    page = client.get(f"/companies/{NORTHWIND}/documents/").content.decode()
    top = (
        Folder.objects.filter(company_id=NORTHWIND, project=None)
        .exclude(parent_id__in=Folder.objects.filter(company_id=NORTHWIND, project=None).values("id"))
        .first()
    )
    assert f'data-folder-id="{top.id}"' in page
    assert client.get("/companies/8090/documents/").status_code == 404
    assert client.post("/companies/8090/sync/").status_code == 404
