"""PDM document uploads over HTTP: create, bulk PATCH, show, list, selected, ML / filename
scraping (procore-api.md §7.6–§7.8, §7.12)."""

from __future__ import annotations

import pytest

from procore_sandbox.pdm import switches as pdm_switches
from procore_sandbox.testing import DANA, ELI
from procore_sandbox.tests.pdm_uploads import (
    create,
    fid,
    item,
    patch,
    pdm,
    riverside_drawing,
    show,
    staged,
    values_of,
    vid,
)
from procore_sandbox.tests.uploading import upload_file

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


def test_it_creates_invisible_incomplete_uploads(sandbox, monkeypatch):
    from procore_sandbox.webhooks import events

    emitted = []
    monkeypatch.setattr(events, "emit", lambda **kwargs: emitted.append(kwargs))
    token = sandbox.token(ELI)
    answer = pdm(
        sandbox,
        "POST",
        token,
        "/document_uploads",
        json={
            "uploads": [
                {"file_name": "A-DRW-101_Floor Plan_Rev C.pdf", "mime_type": "application/pdf", "file_locked": True},
                {"file_name": "notes.txt", "mime_type": "text/plain"},
            ]
        },
    )
    assert answer.status_code == 201
    data = answer.json()["data"]
    assert [set(d) for d in data] == [{"id", "file_locked"}] * 2
    assert [d["file_locked"] for d in data] == [True, False]
    assert show(sandbox, token, data[0]["id"]).status_code == 404
    assert pdm(sandbox, "GET", token, "/document_uploads").json()["data"] == []
    assert [(e["resource_name"], e["event_type"]) for e in emitted] == [("Document Upload", "created")] * 2


def test_it_creates_nothing_when_one_upload_is_invalid(sandbox):
    from procore_sandbox.models import DocumentUpload

    answer = pdm(
        sandbox,
        "POST",
        sandbox.token(ELI),
        "/document_uploads",
        json={
            "uploads": [
                {"file_name": "ok.pdf", "mime_type": "application/pdf"},
                {"file_name": 7, "mime_type": "application/pdf"},
            ]
        },
    )
    assert answer.status_code == 400
    detail = answer.json()["error"]["details"][0]
    assert detail["reason_code"] == "INVALID_PROPERTY" and detail["message"] == "uploads.1.file_name must be a string"
    assert DocumentUpload.objects.count() == 0


def test_it_completes_an_upload_and_shows_every_field(sandbox):
    pdm_switches.set_switch("ml_delay", {"seconds": 0})
    token = sandbox.token(ELI)
    upload_id = staged(sandbox, token, "A-DRW-101_Floor Plan_Rev C.pdf", riverside_drawing())
    answer = show(sandbox, token, upload_id)
    assert answer.status_code == 200
    upload = answer.json()["data"]
    assert upload["upload_status"] == "COMPLETED" and upload["latest_event_id"]
    assert len(upload["fields"]) == int(pdm(sandbox, "GET", token, "/fields").headers["Total"])
    assert values_of(upload, "type")[0]["label"] == "Drawing"
    assert values_of(upload, "revision") == [{"label": "Rev C"}]
    assert values_of(upload, "uploaded_by")[0] == {"id": "5448", "label": "Eli Navarro"}
    assert upload["match_criteria"] == "A-DRW-101|application/pdf"
    assert upload["document_container_id"]  # the seeded Floor Plan container
    assert "file_key" in upload and "file_key" not in show(sandbox, token, upload_id, v="v2.1").json()["data"]
    listed = pdm(sandbox, "GET", token, "/document_uploads", v="v2.1")
    assert [u["id"] for u in listed.json()["data"]] == [upload_id]
    assert listed.headers["Link"] == ""


def test_it_drops_unknown_ids_and_refuses_bad_values(sandbox):
    token = sandbox.token(ELI)
    upload_id = create(sandbox, token, "x.pdf")
    unknown = patch(sandbox, token, [{"id": "01JDXMPK0MTP0H41D4PYZ62R6R", "file_locked": True}])
    assert unknown.status_code == 207 and unknown.json() == {"data": {"success": [], "failed": []}}
    inactive = patch(sandbox, token, [item(upload_id, 2305, {"type": [vid(2305, "type", "SKT")]})])
    assert inactive.status_code == 400
    assert inactive.json()["error"]["details"][0]["reason_code"] == "INVALID_PROPERTY"
    for fields in (
        {"type": ["Drawing"]},
        {"date_authored": ["yesterday"]},
        {"revision": ["A", "B"]},
        {"authored_by": ["5450"]},
        {"project": [str(2305)]},
    ):
        assert patch(sandbox, token, [item(upload_id, 2305, fields)]).status_code == 400, fields
    assert patch(sandbox, token, [{"id": "not-a-ulid"}]).status_code == 400
    user = patch(sandbox, token, [item(upload_id, 2305, {"custom_field_102": ["9001"]})])
    assert user.status_code == 207


def test_it_answers_500_for_completed_without_a_file_or_a_file_linked_twice(sandbox):
    token = sandbox.token(ELI)
    first, second = create(sandbox, token, "a.pdf"), create(sandbox, token, "b.pdf")
    no_file = patch(sandbox, token, [{"id": first, "upload_status": "COMPLETED"}])
    assert no_file.status_code == 500
    file_upload_id = upload_file(sandbox, token, b"bytes")
    assert patch(sandbox, token, [{"id": first, "file_upload_id": file_upload_id}]).status_code == 207
    twice = patch(sandbox, token, [{"id": second, "file_upload_id": file_upload_id}])
    assert twice.status_code == 500


def test_it_lists_storage_verification_failures(sandbox):
    token = sandbox.token(ELI)
    good, bad = create(sandbox, token, "a.pdf"), create(sandbox, token, "b.pdf")
    good_file, bad_file = upload_file(sandbox, token, b"good"), upload_file(sandbox, token, b"bad")
    pdm_switches.force_storage_failure(file_upload_ids=[bad_file])
    answer = patch(
        sandbox,
        token,
        [
            {"id": good, "file_upload_id": good_file, "upload_status": "COMPLETED"},
            {"id": bad, "file_upload_id": bad_file, "upload_status": "COMPLETED"},
        ],
    )
    assert answer.status_code == 207
    assert answer.json()["data"] == {
        "success": [{"id": good}],
        "failed": [{"id": bad, "code": 404, "message": "File not found in storage"}],
    }
    assert show(sandbox, token, bad).status_code == 404  # still INCOMPLETE
    pdm_switches.force_storage_failure(next=1, mode="500")
    assert (
        patch(sandbox, token, [{"id": bad, "file_upload_id": bad_file, "upload_status": "COMPLETED"}]).status_code
        == 500
    )
    pdm_switches.clear("storage_verification")
    retried = patch(sandbox, token, [{"id": bad, "file_upload_id": bad_file, "upload_status": "COMPLETED"}])
    assert retried.json()["data"] == {"success": [{"id": bad}], "failed": []}


def test_it_refuses_another_users_file(sandbox):
    token = sandbox.token(ELI)
    upload_id = create(sandbox, token, "a.pdf")
    foreign = upload_file(sandbox, sandbox.token(DANA), b"dana's")
    answer = patch(sandbox, token, [{"id": upload_id, "file_upload_id": foreign, "upload_status": "COMPLETED"}])
    assert answer.json()["data"]["failed"][0]["code"] == 403


def test_it_scrapes_the_file_name_and_runs_ml_after_a_delay(sandbox):
    pdm_switches.set_switch("ml_delay", {"seconds": 30})
    token = sandbox.token(ELI)
    upload_id = staged(sandbox, token, "S-DRW-305_Roof Framing_Rev B.pdf", {"status": [vid(2305, "status", "OPN")]})
    pending = show(sandbox, token, upload_id).json()["data"]
    assert pending["integration_statuses"]["ml"] == "in_progress"
    assert pending["integration_statuses"]["filename_scraping"] == "in_progress"
    pdm_switches.set_switch("clock", {"offset_seconds": 31})
    done = show(sandbox, token, upload_id).json()["data"]
    assert done["integration_statuses"]["ml"] == "completed"
    assert done["integration_statuses"]["filename_scraping"] == "completed"
    assert done["latest_event_id"] != pending["latest_event_id"]
    discipline = next(f for f in done["fields"] if f["name"] == "discipline")
    assert discipline["values"][0]["code"] == "S" and discipline["label_source"] == "FILENAME_SCRAPING"
    assert values_of(done, "number") == [{"label": "305"}]
    assert values_of(done, "type")[0]["label"] == "Drawing"
    revision = next(f for f in done["fields"] if f["name"] == "revision")
    assert revision["values"] == [{"label": "Rev B"}] and revision["label_source"] == "ML"
    assert done["integration_statuses"]["integration_response"]["number_scraping"]["value_name"] == "305"


def test_it_never_overwrites_given_values_and_skips_ml_for_non_pdfs(sandbox):
    pdm_switches.set_switch("ml_delay", {"seconds": 0})
    token = sandbox.token(ELI)
    given = {"discipline": [vid(2305, "discipline", "M")], "revision": ["Rev 9"]}
    upload_id = staged(sandbox, token, "A-DRW-101_Floor Plan_Rev B.pdf", given)
    done = show(sandbox, token, upload_id).json()["data"]
    assert values_of(done, "discipline")[0]["code"] == "M" and values_of(done, "revision") == [{"label": "Rev 9"}]
    docx = staged(sandbox, token, "notes.docx", {}, mime="application/msword")
    statuses = show(sandbox, token, docx).json()["data"]["integration_statuses"]
    assert statuses["ml"] == "not_applicable" and statuses["filename_scraping"] == "error"
    oakridge = staged(sandbox, sandbox.token("sam.okafor@subcontractor.example"), "Gym.pdf", {}, project=2306)
    statuses = show(sandbox, sandbox.token("sam.okafor@subcontractor.example"), oakridge, project=2306).json()["data"][
        "integration_statuses"
    ]
    assert statuses["filename_scraping"] == "not_applicable" and statuses["ml"] == "completed"


def test_it_keeps_existing_values_with_only_update_empty_fields(sandbox):
    token = sandbox.token(ELI)
    upload_id = create(sandbox, token, "a.pdf")
    patch(sandbox, token, [item(upload_id, 2305, {"revision": ["Rev A"]})])
    patch(
        sandbox, token, [item(upload_id, 2305, {"revision": ["Rev Z"], "number": ["7"]})], only_update_empty_fields=True
    )
    file_upload_id = upload_file(sandbox, token, b"x")
    patch(sandbox, token, [{"id": upload_id, "file_upload_id": file_upload_id, "upload_status": "COMPLETED"}])
    upload = show(sandbox, token, upload_id).json()["data"]
    assert values_of(upload, "revision") == [{"label": "Rev A"}] and values_of(upload, "number") == [{"label": "7"}]


def test_it_changes_latest_event_id_on_every_patch(sandbox):
    pdm_switches.set_switch("ml_delay", {"seconds": 0})
    token = sandbox.token(ELI)
    upload_id = staged(sandbox, token, "a.pdf", {})
    first = show(sandbox, token, upload_id).json()["data"]["latest_event_id"]
    patch(sandbox, token, [item(upload_id, 2305, {"name": ["Renamed"]})])
    assert show(sandbox, token, upload_id).json()["data"]["latest_event_id"] != first


def test_it_hydrates_selected_uploads(sandbox):
    pdm_switches.set_switch("ml_delay", {"seconds": 0})
    token = sandbox.token(ELI)
    one, two = staged(sandbox, token, "a.pdf", {}), staged(sandbox, token, "b.pdf", {})
    hidden = create(sandbox, token, "c.pdf")
    current = pdm(
        sandbox, "POST", token, "/document_uploads/selected_uploads", v="v2.2", json={"ids": [two, hidden, one]}
    )
    assert current.status_code == 200
    assert [u["id"] for u in current.json()["data"]] == [two, one]
    old = pdm(sandbox, "POST", token, "/document_uploads/selected_uploads", v="v2.1", json={"ids": [one]})
    assert old.status_code == 201
    assert (
        pdm(sandbox, "POST", token, "/document_uploads/selected_uploads", v="v2.2", json={"ids": []}).status_code == 400
    )


def test_it_refuses_uploads_when_access_is_denied(sandbox):
    pdm_switches.set_switch("access_denied", {"on": True})
    answer = pdm(
        sandbox,
        "POST",
        sandbox.token(ELI),
        "/document_uploads",
        json={"uploads": [{"file_name": "a.pdf", "mime_type": "application/pdf"}]},
    )
    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "FORBIDDEN"
    assert answer.json()["error"]["details"][0]["reason_code"] == "ACCESS_DENIED"


def test_it_filters_and_sorts_the_upload_list(sandbox):
    pdm_switches.set_switch("ml_delay", {"seconds": 0})
    token = sandbox.token(ELI)
    drawing = staged(sandbox, token, "a.pdf", {"type": [vid(2305, "type", "DRW")], "number": ["200"]})
    report = staged(sandbox, token, "b.pdf", {"type": [vid(2305, "type", "RPT")], "number": ["100"]})
    by_name = pdm(sandbox, "GET", token, "/document_uploads", params={"filters[type]": vid(2305, "type", "RPT")})
    assert [u["id"] for u in by_name.json()["data"]] == [report]
    by_id = pdm(
        sandbox,
        "GET",
        token,
        "/document_uploads",
        params={f"filters[{fid(2305, 'type')}][]": [vid(2305, "type", "DRW")]},
    )
    assert [u["id"] for u in by_id.json()["data"]] == [drawing]
    ordered = pdm(sandbox, "GET", token, "/document_uploads", params={"sort": fid(2305, "number"), "view": "ids_only"})
    assert ordered.json()["data"] == [report, drawing]
    assert pdm(sandbox, "GET", token, "/document_uploads", params={"sort": "nonsense"}).status_code == 400
