"""The flat documents index: pagination, filters, sorting, and the large tree of project 2308."""

from __future__ import annotations

import time

import pytest

from procore_sandbox.models import DocumentFile, DocumentFolder
from procore_sandbox.seed import documents as seed_documents
from procore_sandbox.testing import ELI, PRIYA

pytestmark = pytest.mark.django_db(transaction=True)

INDEX = "/rest/v1.0/projects/2305/documents"


def items(response) -> list[dict]:
    assert response.status_code == 200, response.text
    return response.json()


def test_it_lists_every_folder_and_file_with_what_a_mirror_needs(sandbox):
    listed = items(sandbox.get(INDEX, sandbox.token(ELI), params={"per_page": 1000}))
    folders = [i for i in listed if i["document_type"] == "folder"]
    files = [i for i in listed if i["document_type"] == "file"]
    assert len(folders) == DocumentFolder.objects.filter(project_id=2305, parent__isnull=False).count()
    assert len(files) == DocumentFile.objects.filter(project_id=2305).count()
    assert listed.index(folders[-1]) < listed.index(files[0])  # document_type_then_name: folders first
    file = files[0]
    for key in ["id", "name", "parent_id", "updated_at", "size", "file_type", "name_with_path", "is_deleted"]:
        assert key in file
    assert len(file["file_versions"]) == 1 and file["size"] == file["file_versions"][0]["size"]
    extended = items(sandbox.get(INDEX, sandbox.token(ELI), params={"view": "extended", "per_page": 1000}))
    multi = DocumentFile.objects.filter(project_id=2305, versions__number=2).first()
    assert len(next(i for i in extended if i["id"] == multi.id and i["document_type"] == "file")["file_versions"]) > 1


def test_it_paginates_with_link_total_and_per_page(sandbox):
    token = sandbox.token(ELI)
    first = sandbox.get(INDEX, token, params={"per_page": 7})
    total = int(first.headers["Total"])
    assert first.headers["Per-Page"] == "7" and total > 14
    assert 'rel="next"' in first.headers["Link"] and 'rel="prev"' not in first.headers["Link"]
    seen, page = [], 1
    while True:
        answer = sandbox.get(INDEX, token, params={"per_page": 7, "page": page})
        seen += [(i["document_type"], i["id"]) for i in items(answer)]
        if 'rel="next"' not in answer.headers.get("Link", ""):
            break
        page += 1
    assert len(seen) == total == len(set(seen))


def test_it_filters_by_type_folder_search_and_updated_at_window(sandbox):
    token = sandbox.token(ELI)
    only_folders = items(sandbox.get(INDEX, token, params={"filters[document_type]": "folder"}))
    assert {i["document_type"] for i in only_folders} == {"folder"}
    drawings = DocumentFolder.objects.get(project_id=2305, name="Drawings")
    subtree = items(sandbox.get(INDEX, token, params={"filters[folder_id]": drawings.id}))
    assert subtree and all(i["name_with_path"].startswith("Drawings/") for i in subtree)
    assert {i["name"] for i in subtree} >= {"Architectural", "A-101 Floor Plan Level 1.pdf"}
    found = items(sandbox.get(INDEX, token, params={"filters[search]": "foundation"}))
    assert [i["name"] for i in found] == ["S-101 Foundation Plan.pdf"]

    files = sorted(DocumentFile.objects.filter(project_id=2305), key=lambda f: f.updated_at)
    lower, upper = files[3].updated_at, files[-4].updated_at
    fmt = "%Y-%m-%dT%H:%M:%SZ"
    windowed = items(
        sandbox.get(
            INDEX,
            token,
            params={
                "filters[document_type]": "file",
                "per_page": 1000,
                "filters[updated_at]": f"{lower.strftime(fmt)}...{upper.strftime(fmt)}",
            },
        )
    )
    expected = {f.id for f in files if lower.replace(microsecond=0) <= f.updated_at <= upper.replace(microsecond=0)}
    assert {i["id"] for i in windowed} == expected and 0 < len(expected) < len(files)
    by_update = items(sandbox.get(INDEX, token, params={"sort": "-updated_at", "filters[document_type]": "file"}))
    stamps = [i["updated_at"] for i in by_update]
    assert stamps == sorted(stamps, reverse=True)


def test_it_refuses_a_malformed_window_and_an_unknown_project(sandbox):
    token = sandbox.token(ELI)
    assert sandbox.get(INDEX, token, params={"filters[updated_at]": "yesterday...now"}).status_code == 400
    assert sandbox.get("/rest/v1.0/projects/2307/documents", token).status_code == 404


def test_it_seeds_and_pages_the_large_tree_of_project_2308(sandbox, settings):
    settings.SANDBOX_SEED_LARGE = True
    started = time.monotonic()
    seed_documents.seed()
    elapsed = time.monotonic() - started
    print(f"RESULT large documents seed: {elapsed:.2f} s")
    assert DocumentFolder.objects.filter(project_id=2308).count() >= 500
    assert DocumentFile.objects.filter(project_id=2308).count() >= 10_000
    seed_documents.seed()  # idempotent
    assert DocumentFile.objects.filter(project_id=2308).count() < 10_100
    answer = sandbox.get(
        "/rest/v1.0/projects/2308/documents",
        sandbox.token(PRIYA),
        params={"per_page": 1000, "page": 3, "filters[document_type]": "file"},
    )
    assert len(items(answer)) == 1000 and int(answer.headers["Total"]) >= 10_000
    assert elapsed < 30
