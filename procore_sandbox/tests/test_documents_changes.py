"""Changes made behind the portal's back show up in the index an incremental sync reads."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from procore_sandbox.documents import ops as documents_ops
from procore_sandbox.models import DocumentFile, DocumentFolder, Person
from procore_sandbox.testing import ELI
from procore_sandbox.webhooks import events

pytestmark = pytest.mark.django_db(transaction=True)

INDEX = "/rest/v1.0/projects/2305/documents"


@pytest.fixture
def emitted(monkeypatch) -> list[dict]:
    """The events the documents area announces (the webhooks area delivers them)."""
    seen: list[dict] = []
    monkeypatch.setattr(events, "emit", lambda **kwargs: seen.append(kwargs))
    return seen


def since(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") + "..."


def changed(sandbox, token: str, moment: datetime, **params) -> dict[int, dict]:
    answer = sandbox.get(
        INDEX, token, params={"filters[updated_at]": since(moment), "filters[document_type]": "file", **params}
    )
    assert answer.status_code == 200, answer.text
    return {item["id"]: item for item in answer.json()}


def test_it_shows_added_renamed_and_versioned_files_with_later_updated_at(sandbox, emitted):
    token = sandbox.token(ELI)
    eli = Person.objects.get(login=ELI)
    before = datetime.now(UTC).replace(microsecond=0)
    assert changed(sandbox, token, before) == {}
    folder = DocumentFolder.objects.get(project_id=2305, name="Submittals")
    added = documents_ops.add_file(folder, "092900-01 Gypsum Board.pdf", eli, content=b"%PDF-1.4 gypsum")
    renamed = DocumentFile.objects.get(project_id=2305, name="Prime Contract.pdf")
    documents_ops.rename_file(renamed, "Prime Contract (executed).pdf", eli)
    versioned = DocumentFile.objects.get(project_id=2305, name="OAC Meeting 01.docx")
    old_count = versioned.versions.count()
    documents_ops.add_version(versioned, eli, content=b"minutes, revised", notes="Corrected attendees")

    seen = changed(sandbox, token, before)
    assert set(seen) == {added.id, renamed.id, versioned.id}
    assert seen[renamed.id]["name_with_path"] == "Contracts/Prime Contract (executed).pdf"
    assert seen[versioned.id]["file_versions"][0]["number"] == old_count + 1
    assert seen[added.id]["size"] == len(b"%PDF-1.4 gypsum")
    assert all(item["updated_at"] >= before.strftime("%Y-%m-%dT%H:%M:%SZ") for item in seen.values())
    url = seen[added.id]["file_versions"][0]["url"].split("/sandbox", 1)[1]
    assert sandbox.get(url, token).content == b"%PDF-1.4 gypsum"
    assert [(e["resource_name"], e["event_type"], e["resource_id"]) for e in emitted] == [
        ("Project Files", "create", added.id),
        ("Project Files", "update", renamed.id),
        ("Project Files", "update", versioned.id),
    ]
    assert emitted[0]["company_id"] == 8089 and emitted[0]["project_id"] == 2305 and emitted[0]["user_id"] == eli.id


def test_it_keeps_deleted_files_discoverable_for_a_sync(sandbox, emitted):
    token = sandbox.token(ELI)
    before = datetime.now(UTC).replace(microsecond=0)
    file = DocumentFile.objects.get(project_id=2305, name="Footing Pour 2026-10-02.jpg")
    documents_ops.recycle_file(file)

    assert changed(sandbox, token, before) == {}  # the default index lists live items only
    with_deleted = changed(sandbox, token, before, **{"filters[include_deleted]": "with"})
    assert list(with_deleted) == [file.id] and with_deleted[file.id]["is_deleted"] is True
    recycled = sandbox.get(INDEX, token, params={"filters[is_in_recycle_bin]": "true"}).json()
    assert [i["id"] for i in recycled] == [file.id]
    assert [i["id"] for i in sandbox.get(INDEX, token, params={"filters[include_deleted]": "only"}).json()] == [file.id]
    folder = sandbox.get(f"/rest/v1.0/folders/{file.folder_id}?project_id=2305", token).json()
    assert file.id not in [f["id"] for f in folder["files"]]
    shown = sandbox.get(f"/rest/v1.0/files/{file.id}?project_id=2305", token).json()
    assert shown["is_deleted"] is True
    assert emitted == [
        {
            "company_id": 8089,
            "project_id": 2305,
            "resource_name": "Project Files",
            "event_type": "delete",
            "resource_id": file.id,
            "user_id": None,
        }
    ]


def test_it_announces_company_folder_and_file_changes(sandbox, emitted):
    root = DocumentFolder.objects.get(company_id=8089, project__isnull=True, parent__isnull=True)
    folder = documents_ops.create_folder(root, "Estimating", None)
    file = documents_ops.add_file(folder, "Unit Prices.xlsx", None, content=b"prices")
    assert [(e["resource_name"], e["event_type"], e["project_id"]) for e in emitted] == [
        ("Company Folders", "create", None),
        ("Company Files", "create", None),
    ]
    shown = sandbox.get(f"/rest/v1.0/companies/8089/files/{file.id}", sandbox.token("dana.whitfield@northwind.example"))
    assert shown.json()["name_with_path"] == "Estimating/Unit Prices.xlsx"
