"""Submitting PDM uploads as revisions over HTTP, end to end, and each documented failure
(procore-api.md §7.9, §7.13)."""

from __future__ import annotations

import pytest
import requests

from procore_sandbox.models import DocumentRevision
from procore_sandbox.pdm import switches as pdm_switches
from procore_sandbox.testing import ELI, PRIYA, SAM
from procore_sandbox.tests.pdm_uploads import create, pdm, riverside_drawing, show, staged, vid

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def setup(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    pdm_switches.set_switch("ml_delay", {"seconds": 0})


def latest_event(sandbox, token: str, upload_id: str, project: int = 2305) -> str:
    answer = show(sandbox, token, upload_id, project=project)
    assert answer.status_code == 200, answer.text
    return answer.json()["data"]["latest_event_id"]


def submit(sandbox, token: str, uploads: list[dict], project: int = 2305, v: str = "v2.1") -> requests.Response:
    return pdm(sandbox, "POST", token, "/document_revisions", project=project, v=v, json={"uploads": uploads})


def ready(sandbox, token: str, upload_id: str, project: int = 2305, **extra) -> dict:
    return {"id": upload_id, "upload_latest_event_id": latest_event(sandbox, token, upload_id, project), **extra}


def reason(answer: requests.Response) -> str:
    return answer.json()["error"]["details"][0]["reason_code"]


def oakridge_fields(name: str, revision: str) -> dict[str, list[str]]:
    return {
        "name": [name],
        "type": [vid(2306, "type", "DRW")],
        "status": [vid(2306, "status", "OPN")],
        "revision": [revision],
    }


def test_it_submits_uploads_into_containers_with_sequential_versions(sandbox, monkeypatch):
    from procore_sandbox.webhooks import events

    emitted = []
    monkeypatch.setattr(events, "emit", lambda **kwargs: emitted.append(kwargs))
    token = sandbox.token(SAM)
    first = staged(
        sandbox,
        token,
        "Gymnasium Plan.pdf",
        oakridge_fields("Gymnasium Plan", "1"),
        project=2306,
        data=b"%PDF-1.4 gym v1",
    )
    answer = submit(sandbox, token, [ready(sandbox, token, first, 2306)], project=2306)
    assert answer.status_code == 201, answer.text
    data = answer.json()["data"]
    assert data["failures"] == [] and len(data["ids"]) == 1 and "failureIds" not in data
    second = staged(
        sandbox,
        token,
        "Gymnasium Plan.pdf",
        oakridge_fields("Gymnasium Plan", "2"),
        project=2306,
        data=b"%PDF-1.4 gym v2",
    )
    again = submit(sandbox, token, [ready(sandbox, token, second, 2306)], project=2306, v="v2.0")
    assert again.status_code == 201
    assert again.json()["data"]["failureIds"] == []
    revisions = {r.id: r for r in DocumentRevision.objects.filter(id__in=data["ids"] + again.json()["data"]["ids"])}
    v1, v2 = revisions[data["ids"][0]], revisions[again.json()["data"]["ids"][0]]
    assert (v1.version, v2.version) == (1, 2) and v1.container_id == v2.container_id
    # The revision is readable and downloadable over HTTP, with the uploaded bytes.
    listed = pdm(
        sandbox,
        "GET",
        token,
        "/document_revisions",
        project=2306,
        params={"filters[document_container_id]": v2.container_id},
    ).json()["data"]
    assert [next(f for f in r["fields"] if f["name"] == "version")["values"][0]["label"] for r in listed] == ["2", "1"]
    download = pdm(
        sandbox, "GET", token, f"/document_revisions/{v2.id}/download", project=2306, params={"no_redirect": "true"}
    ).json()["data"]["url"]
    assert requests.get(download, timeout=10).content == b"%PDF-1.4 gym v2"
    # The upload is consumed.
    gone = show(sandbox, token, second, project=2306)
    assert gone.status_code == 404 and reason(gone) == "UPLOAD_NOT_FOUND"
    assert pdm(sandbox, "GET", token, "/document_uploads", project=2306).json()["data"] == []
    kinds = [(e["resource_name"], e["event_type"]) for e in emitted]
    assert kinds.count(("Document Revision", "created")) == 2
    assert kinds.count(("Document Upload", "completed")) == 2 and kinds.count(("Document Upload", "created")) == 2


def test_it_places_a_naming_standard_resubmission_as_the_next_version(sandbox):
    token = sandbox.token(ELI)
    upload_id = staged(sandbox, token, "A-DRW-101_Floor Plan_Rev C.pdf", riverside_drawing())
    answer = submit(sandbox, token, [ready(sandbox, token, upload_id)])
    revision = DocumentRevision.objects.get(id=answer.json()["data"]["ids"][0])
    assert revision.container.match_criteria == "A-DRW-101|application/pdf"
    assert revision.version == 3  # the seed holds Rev A (1) and Rev B (2)


def test_it_refuses_a_consumed_or_unknown_upload(sandbox):
    token = sandbox.token(ELI)
    upload_id = staged(sandbox, token, "A-DRW-110_Plan.pdf", riverside_drawing("Plan"))
    item = ready(sandbox, token, upload_id)
    assert submit(sandbox, token, [item]).status_code == 201
    again = submit(sandbox, token, [item])
    assert again.status_code == 422 and reason(again) == "UPLOAD_NOT_FOUND"
    unknown = submit(sandbox, token, [{"id": "01JDXMPK0MTP0H41D4PYZ62R6R", "upload_latest_event_id": "x"}])
    assert unknown.status_code == 422 and reason(unknown) == "UPLOAD_NOT_FOUND"
    assert submit(sandbox, token, [{"id": "nope", "upload_latest_event_id": "x"}]).status_code == 400
    assert pdm(sandbox, "POST", token, "/document_revisions", v="v2.1", json={}).status_code == 400


def test_it_refuses_an_upload_without_a_file(sandbox):
    token = sandbox.token(ELI)
    upload_id = create(sandbox, token, "A-DRW-111_Plan.pdf")
    answer = submit(sandbox, token, [{"id": upload_id, "upload_latest_event_id": "x"}])
    assert answer.status_code == 422 and reason(answer) == "FILE_KEY_MISMATCH"


def test_it_refuses_missing_metadata_under_the_rule_that_applies(sandbox):
    token = sandbox.token(ELI)
    # Type = Drawing needs discipline and date_authored besides the baseline four.
    fields = riverside_drawing("Sections")
    del fields["date_authored"]
    upload_id = staged(sandbox, token, "Sections.pdf", fields)
    answer = submit(sandbox, token, [ready(sandbox, token, upload_id)])
    assert answer.status_code == 422 and reason(answer) == "INVALID_INPUT"
    assert "date_authored" in answer.json()["error"]["details"][0]["message"]
    # Structural drawings match the more specific rule, which adds location.
    structural = staged(
        sandbox, token, "S-DRW-501_Framing.pdf", riverside_drawing("Framing", discipline=[vid(2305, "discipline", "S")])
    )
    answer = submit(sandbox, token, [ready(sandbox, token, structural)])
    assert reason(answer) == "INVALID_INPUT" and "location" in answer.json()["error"]["details"][0]["message"]


def test_it_refuses_a_value_deactivated_after_it_was_set(sandbox):
    from procore_sandbox.pdm import web_ui as pdm_admin

    token = sandbox.token(ELI)
    upload_id = staged(sandbox, token, "A-DRW-120_Plan.pdf", riverside_drawing("Plan 120"))
    pdm_admin.deactivate_value(2305, "status", "OPN")
    answer = submit(sandbox, token, [ready(sandbox, token, upload_id)])
    assert answer.status_code == 422 and reason(answer) == "INVALID_INPUT"


def test_it_refuses_a_duplicate_revision_where_duplicates_are_not_allowed(sandbox):
    token = sandbox.token(PRIYA)
    fields = {
        "name": ["Deck Framing Plan"],
        "type": [vid(2307, "type", "DRW")],
        "status": [vid(2307, "status", "OPN")],
        "revision": ["Rev B"],
    }
    upload_id = staged(sandbox, token, "S.201_Deck Framing Plan_Rev B.pdf", fields, project=2307)
    answer = submit(sandbox, token, [ready(sandbox, token, upload_id, 2307)], project=2307)
    assert answer.status_code == 422 and reason(answer) == "DUPLICATE_REVISION"


def test_it_reports_a_concurrency_conflict_per_upload(sandbox):
    token = sandbox.token(ELI)
    one = staged(sandbox, token, "A-DRW-130_One.pdf", riverside_drawing("One"))
    two = staged(sandbox, token, "A-DRW-131_Two.pdf", riverside_drawing("Two"))
    stale = {"id": two, "upload_latest_event_id": "01JDXMPK0REV0D87H0JVVZ8M2W"}
    answer = submit(sandbox, token, [ready(sandbox, token, one), stale], v="v2.0")
    assert answer.status_code == 201
    data = answer.json()["data"]
    assert len(data["ids"]) == 1 and data["failureIds"] == [two]
    assert data["failures"] == [
        {"upload_id": two, "reason_code": "CONCURRENCY_CONFLICT", "message": "Upload was modified since last read"}
    ]
    # Re-read, resubmit: it lands.
    assert submit(sandbox, token, [ready(sandbox, token, two)]).json()["data"]["failures"] == []


def test_it_forces_conflicts_and_unknown_failures_by_switch(sandbox):
    token = sandbox.token(ELI)
    one = staged(sandbox, token, "A-DRW-140_One.pdf", riverside_drawing("One"))
    two = staged(sandbox, token, "A-DRW-141_Two.pdf", riverside_drawing("Two"))
    pdm_switches.force_concurrency_conflict(next=1)
    pdm_switches.force_unknown_failure(uploads=[two])
    data = submit(sandbox, token, [ready(sandbox, token, one), ready(sandbox, token, two)]).json()["data"]
    assert [(f["upload_id"], f["reason_code"]) for f in data["failures"]] == [
        (one, "CONCURRENCY_CONFLICT"),
        (two, "UNKNOWN_FAILURE"),
    ]
    pdm_switches.clear("unknown_failure")
    assert (
        len(submit(sandbox, token, [ready(sandbox, token, one), ready(sandbox, token, two)]).json()["data"]["ids"]) == 2
    )


def test_it_can_stop_validating_the_event_id(sandbox):
    pdm_switches.set_switch("validate_event_id", {"on": False})
    token = sandbox.token(ELI)
    upload_id = staged(sandbox, token, "A-DRW-150_Plan.pdf", riverside_drawing("Plan 150"))
    answer = submit(sandbox, token, [{"id": upload_id, "upload_latest_event_id": "stale"}])
    assert answer.json()["data"]["failures"] == [] and len(answer.json()["data"]["ids"]) == 1


def test_it_refuses_submit_without_permission(sandbox):
    pdm_switches.set_switch("permission_denied", {"on": True})
    token = sandbox.token(ELI)
    upload_id = staged(sandbox, token, "A-DRW-160_Plan.pdf", riverside_drawing("Plan 160"))
    answer = submit(sandbox, token, [ready(sandbox, token, upload_id)])
    assert answer.status_code == 422 and reason(answer) == "PERMISSION_DENIED"


def test_it_reports_a_workflow_conflict_and_resolves_it_by_termination(sandbox, monkeypatch):
    from procore_sandbox.webhooks import events

    token = sandbox.token(ELI)
    container = DocumentRevision.objects.get(project_id=2305, version=2).container_id
    in_review = pdm_switches.force_workflow_conflict(container)
    upload_id = staged(sandbox, token, "A-DRW-101_Floor Plan_Rev C.pdf", riverside_drawing())
    answer = submit(sandbox, token, [ready(sandbox, token, upload_id)])
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert error["code"] == "VALIDATION_ERROR" and error["message"] == "Validation errors detected"
    detail = error["details"][0]
    assert detail["reason_code"] == "WORKFLOW_CONFLICT" and detail["source"] == upload_id
    assert detail["document_container_id"] == container
    assert detail["existing_revisions_with_workflows"][0]["id"] == in_review
    assert detail["conflicting_uploads_with_workflow"][0]["revision"] == "Rev C"

    pdm_switches.set_switch("workflow_insufficient_permission", {"on": True})
    superseded = vid(2305, "status", "SUP")
    terminate = {"termination_reason": "Superseded", "terminated_revision_status_id": superseded}
    denied = submit(sandbox, token, [ready(sandbox, token, upload_id, **terminate)])
    assert reason(denied) == "WORKFLOW_CONFLICT_INSUFFICIENT_PERMISSION"

    pdm_switches.clear("workflow_insufficient_permission")
    emitted = []
    monkeypatch.setattr(events, "emit", lambda **kwargs: emitted.append(kwargs))
    resolved = submit(sandbox, token, [ready(sandbox, token, upload_id, **terminate)])
    assert resolved.status_code == 201 and len(resolved.json()["data"]["ids"]) == 1
    old = DocumentRevision.objects.get(id=in_review)
    assert old.metadata["status"]["values"] == [superseded] and old.workflow["terminated"] is True
    assert {(e["event_type"], e["resource_id"]) for e in emitted} == {
        ("updated", in_review),
        ("created", resolved.json()["data"]["ids"][0]),
    }


def test_it_forces_a_workflow_conflict_over_the_control_area(sandbox):
    container = DocumentRevision.objects.get(project_id=2305, version=2).container_id
    answer = requests.post(
        sandbox.url("/_control/pdm/switches"),
        timeout=10,
        json={"name": "workflow_conflict", "value": {"container_id": container}},
    )
    assert answer.status_code == 201
    token = sandbox.token(ELI)
    upload_id = staged(sandbox, token, "A-DRW-101_Floor Plan_Rev C.pdf", riverside_drawing())
    assert reason(submit(sandbox, token, [ready(sandbox, token, upload_id)])) == "WORKFLOW_CONFLICT"
    switched = requests.post(
        sandbox.url("/_control/pdm/switches"), timeout=10, json={"name": "permission_denied", "value": {"on": True}}
    )
    assert switched.status_code == 201
    assert reason(submit(sandbox, token, [ready(sandbox, token, upload_id)])) == "PERMISSION_DENIED"
    assert requests.delete(sandbox.url("/_control/pdm/switches"), timeout=10).status_code == 204
    assert pdm_switches.get_switch("permission_denied") is None
