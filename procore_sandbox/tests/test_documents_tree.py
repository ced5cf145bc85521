"""Walking a Documents tree over HTTP: root → show every folder, as procore-api.md §5 recurses."""

from __future__ import annotations

import pytest

from procore_sandbox.models import DocumentFile, DocumentFolder
from procore_sandbox.testing import DANA, ELI, PRIYA

pytestmark = pytest.mark.django_db(transaction=True)

FOLDER_FIELDS = {
    "id",
    "name",
    "parent_id",
    "private",
    "updated_at",
    "is_tracked",
    "tracked_folder",
    "name_with_path",
    "folders",
    "files",
    "read_only",
    "is_deleted",
    "is_recycle_bin",
    "has_children",
    "has_children_files",
    "has_children_folders",
    "custom_fields",
}
FILE_FIELDS = {
    "id",
    "name",
    "parent_id",
    "size",
    "description",
    "updated_at",
    "created_at",
    "checked_out_until",
    "checked_out_by",
    "name_with_path",
    "private",
    "is_tracked",
    "tracked_folder",
    "file_type",
    "file_versions",
    "legacy_id",
    "is_deleted",
    "custom_fields",
}
VERSION_FIELDS = {"id", "notes", "url", "size", "created_at", "number", "created_by", "prostore_file", "file_id"}


def walk(sandbox, token: str, base: str, query: str) -> tuple[set[str], set[str]]:
    """Every folder and file path reachable from the root by show calls."""
    folders: set[str] = set()
    files: set[str] = set()
    pending = [sandbox.get(f"{base}/folders{query}", token).json()]
    while pending:
        folder = pending.pop()
        for child in folder["folders"]:
            assert child["folders"] == [] and child["files"] == []  # deeper levels come back empty
            folders.add(child["name_with_path"])
            shown = sandbox.get(f"{base}/folders/{child['id']}{query}", token)
            assert shown.status_code == 200, shown.text
            pending.append(shown.json())
        files.update(f["name_with_path"] for f in folder["files"])
    return folders, files


def test_it_walks_a_project_tree_that_matches_the_seed(sandbox):
    folders, files = walk(sandbox, sandbox.token(ELI), "/rest/v1.0", "?project_id=2305")
    seeded = DocumentFolder.objects.filter(project_id=2305, parent__isnull=False)
    assert folders == set(seeded.values_list("name_with_path", flat=True))
    assert files == set(DocumentFile.objects.filter(project_id=2305).values_list("name_with_path", flat=True))
    assert "Drawings/Architectural" in folders and "Specifications" in folders
    assert "Drawings/Structural/S-101 Foundation Plan.pdf" in files


def test_it_walks_a_company_tree_that_matches_the_seed(sandbox):
    folders, files = walk(sandbox, sandbox.token(DANA), "/rest/v1.0/companies/8089", "")
    assert folders == set(
        DocumentFolder.objects.filter(company_id=8089, project__isnull=True, parent__isnull=False).values_list(
            "name_with_path", flat=True
        )
    )
    assert "Templates/Forms/RFI Template.docx" in files


def test_it_shows_the_root_with_documented_folder_and_file_fields(sandbox):
    root = sandbox.get("/rest/v1.0/folders?project_id=2305", sandbox.token(ELI)).json()
    assert set(root) == FOLDER_FIELDS
    assert root["parent_id"] is None and root["is_recycle_bin"] is False
    assert {f["name"] for f in root["folders"]} >= {"Drawings", "Specifications", "Submittals", "Photos"}
    drawings = next(f for f in root["folders"] if f["name"] == "Drawings")
    assert drawings["has_children_folders"] and not drawings["has_children_files"] and drawings["has_children"]
    specs = sandbox.get(
        f"/rest/v1.0/folders/{next(f['id'] for f in root['folders'] if f['name'] == 'Specifications')}?project_id=2305",
        sandbox.token(ELI),
    ).json()
    file = specs["files"][0]
    assert set(file) == FILE_FIELDS
    assert file["parent_id"] == specs["id"] and file["file_type"] == "pdf"
    assert set(file["file_versions"][0]) == VERSION_FIELDS
    assert set(file["file_versions"][0]["prostore_file"]) == {"id", "name", "url", "filename"}
    assert set(file["file_versions"][0]["created_by"]) == {"id", "login", "name"}


def test_it_honours_exclude_and_latest_version_flags(sandbox):
    token = sandbox.token(ELI)
    file = next(f for f in DocumentFile.objects.filter(project_id=2305) if f.versions.count() > 1)
    base = f"/rest/v1.0/folders/{file.folder_id}?project_id=2305"
    full = sandbox.get(base, token).json()
    listed = next(f for f in full["files"] if f["id"] == file.id)
    assert [v["number"] for v in listed["file_versions"]] == sorted(
        (v["number"] for v in listed["file_versions"]), reverse=True
    )
    assert len(listed["file_versions"]) == file.versions.count()
    latest = sandbox.get(base + "&show_latest_file_version_only=true", token).json()
    assert [len(f["file_versions"]) for f in latest["files"]] == [1] * len(latest["files"])
    assert sandbox.get(base + "&exclude_files=true", token).json()["files"] == []
    root = sandbox.get("/rest/v1.0/folders?project_id=2305&exclude_folders=true", token).json()
    assert root["folders"] == []
    shown = sandbox.get(f"/rest/v1.0/files/{file.id}?project_id=2305&show_latest_version_only=true", token).json()
    assert len(shown["file_versions"]) == 1 and shown["file_versions"][0]["number"] == file.versions.count()


def test_it_serves_version_bytes_only_with_the_token(sandbox):
    file = DocumentFile.objects.filter(project_id=2305).first()
    shown = sandbox.get(f"/rest/v1.0/files/{file.id}?project_id=2305", sandbox.token(ELI)).json()
    version = shown["file_versions"][0]
    body = sandbox.get(version["url"].split("/sandbox", 1)[1], sandbox.token(ELI))
    assert body.status_code == 200 and len(body.content) == version["size"]
    assert sandbox.get(version["url"].split("/sandbox", 1)[1], "").status_code == 401
    assert sandbox.get(version["url"].split("/sandbox", 1)[1], sandbox.token(PRIYA)).status_code == 404
