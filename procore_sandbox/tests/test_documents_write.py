"""Creating folders, files and versions in the Documents tool over HTTP (procore-api.md §5)."""

from __future__ import annotations

import pytest
import requests

from procore_sandbox.models import DocumentFolder, Event
from procore_sandbox.testing import DANA, ELI
from procore_sandbox.webhooks import events

pytestmark = pytest.mark.django_db(transaction=True)


def api(sandbox, method: str, path: str, token: str, **kwargs) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})}
    return requests.request(method, sandbox.url(path), headers=headers, timeout=30, **kwargs)


def uploaded(
    sandbox, token: str, content: bytes, name: str = "upload.pdf", base: str = "/rest/v1.1/projects/2305"
) -> str:
    """A completed non-segmented legacy upload; its uuid."""
    upload = api(sandbox, "POST", f"{base}/uploads", token, json={"response_filename": name}).json()
    stored = requests.post(upload["url"], data=upload["fields"], files={"file": (name, content)}, timeout=30)
    assert stored.status_code == 204, stored.text
    return upload["uuid"]


def content_of(sandbox, token: str, version: dict) -> bytes:
    return sandbox.get(version["url"].split("/sandbox", 1)[1], token).content


@pytest.fixture
def emitted(monkeypatch) -> list[tuple]:
    seen: list[tuple] = []
    monkeypatch.setattr(events, "emit", lambda **kw: seen.append((kw["resource_name"], kw["event_type"])))
    return seen


@pytest.fixture
def submittals() -> int:
    return DocumentFolder.objects.get(project_id=2305, name="Submittals").id


def test_it_creates_a_file_from_an_upload(sandbox, submittals, emitted):
    token = sandbox.token(ELI)
    uuid = uploaded(sandbox, token, b"%PDF mix design rev B")
    answer = api(
        sandbox,
        "POST",
        "/rest/v1.0/files?project_id=2305",
        token,
        json={
            "file": {
                "parent_id": submittals,
                "name": "033000-02 Mix Design.pdf",
                "description": "Rev B",
                "upload_uuid": uuid,
            }
        },
    )
    assert answer.status_code == 201, answer.text
    file = answer.json()
    assert file["parent_id"] == submittals and file["name_with_path"] == "Submittals/033000-02 Mix Design.pdf"
    assert file["description"] == "Rev B" and file["size"] == len(b"%PDF mix design rev B")
    assert content_of(sandbox, token, file["file_versions"][0]) == b"%PDF mix design rev B"
    folder = sandbox.get(f"/rest/v1.0/folders/{submittals}?project_id=2305", token).json()
    assert file["id"] in [f["id"] for f in folder["files"]]
    assert emitted == [("Project Files", "create")]
    # An upload is attached once.
    again = api(
        sandbox,
        "POST",
        "/rest/v1.0/files?project_id=2305",
        token,
        json={"file": {"parent_id": submittals, "name": "copy.pdf", "upload_uuid": uuid}},
    )
    assert again.status_code == 422


def test_it_refuses_a_name_clash_unless_unique_name(sandbox, submittals):
    token = sandbox.token(ELI)
    body = {"parent_id": submittals, "name": "033000-01 Concrete Mix Design.pdf"}
    clash = api(
        sandbox,
        "POST",
        "/rest/v1.0/files?project_id=2305",
        token,
        json={"file": {**body, "upload_uuid": uploaded(sandbox, token, b"one")}},
    )
    assert clash.status_code == 422 and clash.json() == {"errors": {"name": ["has already been taken"]}}
    renamed = [
        api(
            sandbox,
            "POST",
            "/rest/v1.0/files?project_id=2305",
            token,
            json={"file": {**body, "unique_name": True, "upload_uuid": uploaded(sandbox, token, b"x")}},
        ).json()["name"]
        for _ in range(2)
    ]
    assert renamed == ["033000-01 Concrete Mix Design (1).pdf", "033000-01 Concrete Mix Design (2).pdf"]


def test_it_adds_versions_by_patch_and_by_file_versions(sandbox, submittals, emitted):
    token = sandbox.token(ELI)
    created = api(
        sandbox,
        "POST",
        "/rest/v1.0/files?project_id=2305",
        token,
        json={
            "file": {
                "parent_id": submittals,
                "name": "Door Hardware.pdf",
                "upload_uuid": uploaded(sandbox, token, b"v1"),
            }
        },
    ).json()
    patched = api(
        sandbox,
        "PATCH",
        f"/rest/v1.0/files/{created['id']}?project_id=2305",
        token,
        json={"file": {"upload_uuid": uploaded(sandbox, token, b"v2")}},
    )
    assert patched.status_code == 200, patched.text
    assert [v["number"] for v in patched.json()["file_versions"]] == [2, 1]
    assert patched.json()["updated_at"] >= created["updated_at"]
    version = api(
        sandbox,
        "POST",
        f"/rest/v1.0/file_versions?project_id=2305&file_id={created['id']}",
        token,
        json={"file_version": {"notes": "Approved as noted", "upload_uuid": uploaded(sandbox, token, b"v3")}},
    )
    assert version.status_code == 201, version.text
    assert version.json()["number"] == 3 and version.json()["notes"] == "Approved as noted"
    assert content_of(sandbox, token, version.json()) == b"v3"
    shown = sandbox.get(f"/rest/v1.0/files/{created['id']}?project_id=2305", token).json()
    assert [content_of(sandbox, token, v) for v in shown["file_versions"]] == [b"v3", b"v2", b"v1"]
    assert emitted == [("Project Files", "create"), ("Project Files", "update"), ("Project Files", "update")]


def test_it_renames_moves_and_recycles_a_file(sandbox, submittals):
    token = sandbox.token(ELI)
    photos = DocumentFolder.objects.get(project_id=2305, name="Photos").id
    created = api(
        sandbox,
        "POST",
        "/rest/v1.0/files?project_id=2305",
        token,
        json={
            "file": {"parent_id": submittals, "name": "IMG_0001.jpg", "upload_uuid": uploaded(sandbox, token, b"jpg")}
        },
    ).json()
    moved = api(
        sandbox,
        "PATCH",
        f"/rest/v1.0/files/{created['id']}?project_id=2305",
        token,
        json={"file": {"name": "Slab Pour.jpg", "parent_id": photos}},
    ).json()
    assert moved["name_with_path"] == "Photos/Slab Pour.jpg" and moved["parent_id"] == photos
    deleted = api(sandbox, "DELETE", f"/rest/v1.0/files/{created['id']}?project_id=2305", token)
    assert deleted.status_code == 200 and deleted.content == b""
    assert sandbox.get(f"/rest/v1.0/files/{created['id']}?project_id=2305", token).json()["is_deleted"] is True
    assert api(sandbox, "DELETE", f"/rest/v1.0/files/{created['id']}?project_id=2305", token).status_code == 404


def test_it_takes_the_legacy_single_call_multipart_form(sandbox, submittals):
    token = sandbox.token(ELI)
    answer = api(
        sandbox,
        "POST",
        "/rest/v1.0/files?project_id=2305",
        token,
        data={
            "file[parent_id]": str(submittals),
            "file[name]": "Field Sketch.pdf",
            "file[description]": "From the field",
        },
        files={"file[data]": ("sketch.pdf", b"%PDF sketch", "application/pdf")},
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["name"] == "Field Sketch.pdf" and answer.json()["description"] == "From the field"
    assert content_of(sandbox, token, answer.json()["file_versions"][0]) == b"%PDF sketch"
    patched = api(
        sandbox,
        "PATCH",
        f"/rest/v1.0/files/{answer.json()['id']}?project_id=2305",
        token,
        files={"file[data]": ("sketch.pdf", b"%PDF sketch v2", "application/pdf")},
    )
    assert patched.status_code == 200, patched.text
    assert content_of(sandbox, token, patched.json()["file_versions"][0]) == b"%PDF sketch v2"


def test_it_creates_project_folders(sandbox, emitted):
    token = sandbox.token(ELI)
    root = sandbox.get("/rest/v1.0/folders?project_id=2305", token).json()
    top = api(sandbox, "POST", "/rest/v1.0/folders?project_id=2305", token, json={"folder": {"name": "Closeout"}})
    assert top.status_code == 201, top.text
    assert top.json()["parent_id"] == root["id"] and top.json()["name_with_path"] == "Closeout"
    sub = api(
        sandbox,
        "POST",
        "/rest/v1.0/folders?project_id=2305",
        token,
        json={"folder": {"name": "Warranties", "parent_id": top.json()["id"], "is_tracked": True}},
    ).json()
    assert sub["name_with_path"] == "Closeout/Warranties" and sub["is_tracked"] is True
    assert (
        api(
            sandbox, "POST", "/rest/v1.0/folders?project_id=2305", token, json={"folder": {"name": "Closeout"}}
        ).status_code
        == 422
    )
    assert api(sandbox, "POST", "/rest/v1.0/folders?project_id=2305", token, json={"folder": {}}).status_code == 422
    assert emitted == [("Project Folders", "create"), ("Project Folders", "create")]


def test_it_creates_company_folders_and_files(sandbox, emitted):
    token = sandbox.token(DANA)
    folder = api(sandbox, "POST", "/rest/v1.0/companies/8089/folders", token, json={"folder": {"name": "Bids"}})
    assert folder.status_code == 201, folder.text
    uuid = uploaded(sandbox, token, b"bid form", base="/rest/v1.1/companies/8089")
    file = api(
        sandbox,
        "POST",
        "/rest/v1.0/companies/8089/files",
        token,
        data={"file[upload_uuid]": uuid, "file[name]": "Bid Form.pdf", "file[parent_id]": str(folder.json()["id"])},
    )
    assert file.status_code == 201, file.text
    assert file.json()["name_with_path"] == "Bids/Bid Form.pdf"
    shown = sandbox.get(f"/rest/v1.0/companies/8089/folders/{folder.json()['id']}", token).json()
    assert [f["name"] for f in shown["files"]] == ["Bid Form.pdf"]
    assert content_of(sandbox, token, shown["files"][0]["file_versions"][0]) == b"bid form"
    # A project's upload cannot become a company file.
    project_upload = uploaded(sandbox, token, b"p")
    assert (
        api(
            sandbox,
            "POST",
            "/rest/v1.0/companies/8089/files",
            token,
            json={"file": {"name": "x.pdf", "upload_uuid": project_upload}},
        ).status_code
        == 422
    )
    assert emitted == [("Company Folders", "create"), ("Company Files", "create")]


def test_it_refuses_writes_to_a_project_the_person_cannot_see(sandbox):
    sam = sandbox.token("sam.okafor@subcontractor.example")
    assert (
        api(sandbox, "POST", "/rest/v1.0/folders?project_id=2305", sam, json={"folder": {"name": "Nope"}}).status_code
        == 404
    )
    assert (
        api(sandbox, "POST", "/rest/v1.1/projects/2305/uploads", sam, json={"response_filename": "x.pdf"}).status_code
        == 404
    )


def test_it_records_an_event_with_each_change_and_none_for_a_refused_one(sandbox, submittals):
    token = sandbox.token(ELI)
    created = api(
        sandbox,
        "POST",
        "/rest/v1.0/files?project_id=2305",
        token,
        json={
            "file": {"parent_id": submittals, "name": "Event Check.pdf", "upload_uuid": uploaded(sandbox, token, b"e")}
        },
    ).json()
    api(sandbox, "DELETE", f"/rest/v1.0/files/{created['id']}?project_id=2305", token)
    clash = api(
        sandbox,
        "POST",
        "/rest/v1.0/files?project_id=2305",
        token,
        json={
            "file": {
                "parent_id": submittals,
                "name": "033000-01 Concrete Mix Design.pdf",
                "upload_uuid": uploaded(sandbox, token, b"c"),
            }
        },
    )
    assert clash.status_code == 422
    events_seen = Event.objects.filter(project_id=2305, resource_name="Project Files")
    assert [(e.event_type, e.resource_id, e.user_id) for e in events_seen] == [
        ("create", str(created["id"]), 5448),
        ("delete", str(created["id"]), 5448),
    ]
