"""Batches for a Documents-tool folder: target chosen at creation, names and descriptions, clashes shown."""

from __future__ import annotations

import pytest

from portal.mirror.models import File, Folder
from portal.staging.models import AuditEntry, Batch, StagedDocument
from procore_sandbox.testing import SAM
from tests.flows import stage_file

pytestmark = pytest.mark.django_db(transaction=True)

OAKRIDGE = 2306  # no Document Management naming standard; a Documents tree


@pytest.fixture
def client(synced_project, media):
    return synced_project(SAM, OAKRIDGE, company_documents=True).client


def upload(client, batch, name, content=b"%PDF-1.4 x") -> dict:
    return stage_file(client, batch.pk, name, content)


def test_a_folder_batch_shows_what_each_file_becomes(client):
    folder = File.objects.filter(project_id=OAKRIDGE).exclude(folder_id=None).order_by("id").first()
    existing = File.objects.filter(project_id=OAKRIDGE, folder_id=folder.folder_id).order_by("name").first()
    client.post(
        f"/projects/{OAKRIDGE}/batches/",
        {
            "name": "Site photos",
            "target": "folder",
            "folder": f"project:{existing.folder_id}",
            "on_name_clash": "version",
        },
    )
    batch = Batch.objects.get()
    assert (batch.target, batch.folder_scope, batch.folder_id) == ("folder", "project", existing.folder_id)
    assert "Project documents /" in AuditEntry.objects.get(batch=batch).detail

    assert upload(client, batch, existing.name)["state"] == "ready"
    assert upload(client, batch, "Brand new.pdf", b"%PDF other")["state"] == "ready"
    grid = client.get(f"/batches/{batch.pk}/grid.json").json()
    landings = {row["file"]: row["cells"]["landing"][0] for row in grid["rows"]}
    assert landings[existing.name] == f"New version {(existing.latest_version_number or 1) + 1} of {existing.name}"
    assert landings["Brand new.pdf"] == "New file"

    batch.on_name_clash = Batch.NameClash.KEEP_BOTH
    batch.save()
    grid = client.get(f"/batches/{batch.pk}/grid.json").json()
    assert (
        "Procore gives it a unique name"
        in {row["file"]: row for row in grid["rows"]}[existing.name]["cells"]["landing"][0]
    )


def test_names_and_descriptions_are_edited_in_bulk_and_checked(client):
    client.post(f"/projects/{OAKRIDGE}/batches/", {"name": "Docs", "target": "folder", "folder": "project:"})
    batch = Batch.objects.get()
    ids = [upload(client, batch, f"file {n}.pdf", f"%PDF {n}".encode())["id"] for n in range(3)]
    client.post(
        f"/batches/{batch.pk}/documents/",
        {"action": "set", "field": "description", "value": "For record", "documents": ids},
    )
    assert set(StagedDocument.objects.values_list("description", flat=True)) == {"For record"}

    client.post(
        f"/batches/{batch.pk}/documents/",
        {"action": "set", "field": "title", "value": "same.pdf", "documents": ids[:2]},
    )
    states = dict(StagedDocument.objects.values_list("id", "state"))
    assert states[ids[0]] == "ready" and states[ids[1]] == "errors"
    assert "also the name of" in StagedDocument.objects.get(pk=ids[1]).problems[0]["message"]

    answer = client.post(f"/batches/{batch.pk}/documents/{ids[2]}/", {"title": "bad:name?.pdf", "description": ""})
    assert answer.status_code == 302
    assert StagedDocument.objects.get(pk=ids[2]).state == "errors"


def test_a_company_folder_and_a_new_folder_can_be_the_target(client):
    company_folder = Folder.objects.filter(company_id=8089, project=None).order_by("id").first()
    client.post(
        f"/projects/{OAKRIDGE}/batches/",
        {
            "name": "Policies",
            "target": "folder",
            "folder": f"company:{company_folder.id}",
            "new_folder_name": "2026 updates",
            "on_name_clash": "keep_both",
        },
    )
    batch = Batch.objects.get()
    assert (batch.folder_scope, batch.new_folder_name, batch.on_name_clash) == ("company", "2026 updates", "keep_both")
    page = client.get(f"/batches/{batch.pk}/").content.decode()
    assert "Company documents /" in page and "2026 updates (new folder)" in page
    assert client.get(f"/batches/{batch.pk}/export.csv").status_code == 302


def test_a_bad_new_folder_name_is_refused(client):
    answer = client.post(
        f"/projects/{OAKRIDGE}/batches/",
        {"name": "X", "target": "folder", "folder": "project:", "new_folder_name": "a/b"},
    )
    assert answer.status_code == 200 and not Batch.objects.exists()
    assert "cannot contain" in answer.content.decode()
