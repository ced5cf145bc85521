"""PDM revisions, read side, over HTTP: list, ids_only, updated_at windows, selected, recycled,
download (procore-api.md §7.10)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests

from procore_sandbox.models import DocumentRevision
from procore_sandbox.pdm import web_ui as pdm_admin
from procore_sandbox.pdm.common import iso_ms
from procore_sandbox.testing import ELI, PRIYA

pytestmark = pytest.mark.django_db(transaction=True)

BASE = "/rest/{v}/companies/8089/projects/2305/document_management/document_revisions"
HEADERS = {"Procore-Company-Id": "8089"}


def revisions(sandbox, token: str, version: str = "v2.0", suffix: str = "", **params) -> requests.Response:
    return sandbox.get(BASE.format(v=version) + suffix, token, headers=HEADERS, params=params)


def selected(sandbox, token: str, version: str, body, **params) -> requests.Response:
    return requests.post(
        sandbox.url(BASE.format(v=version) + "/selected_revisions"),
        json=body,
        params=params,
        headers={"Authorization": f"Bearer {token}", **HEADERS},
        timeout=10,
    )


def field(revision: dict, name: str) -> dict:
    return next(f for f in revision["fields"] if f["name"] == name)


def test_it_lists_revisions_with_versions_and_fields(sandbox):
    answer = revisions(sandbox, sandbox.token(ELI), per_page=100)
    assert answer.status_code == 200, answer.text
    rows = answer.json()["data"]
    assert answer.headers["Total"] == str(len(rows)) == "4"  # the recycled one is not listed
    assert answer.headers["Link"] == ""
    floor = [r for r in rows if field(r, "name")["values"][0]["label"] == "Floor Plan"]
    assert sorted(field(r, "version")["values"][0]["label"] for r in floor) == ["1", "2"]
    assert floor[0]["document_container_id"] == floor[1]["document_container_id"]
    row = floor[0]
    assert field(row, "type")["values"][0]["label"] == "Drawing"
    assert field(row, "updated_at")["values"][0]["label"].endswith("Z")
    assert row["download_url"].endswith(f"/document_revisions/{row['id']}/download")
    assert row["permissions"]["allowed_actions"] and row["recycled"] is False
    assert row["latest_event_id"] and row["upload_id"]


def test_it_lists_ids_only_up_to_5000_a_page(sandbox):
    token = sandbox.token(ELI)
    answer = revisions(sandbox, token, view="ids_only", per_page=5000)
    assert answer.status_code == 200
    ids = answer.json()["data"]
    assert len(ids) == 4 and all(isinstance(i, str) and len(i) == 26 for i in ids)
    assert revisions(sandbox, token, view="ids_only", per_page=5001).status_code == 400
    assert revisions(sandbox, token, per_page=101).json()["error"]["details"][0]["reason_code"] == "INVALID_PROPERTY"


def test_it_windows_updated_at_inclusive_lower_exclusive_upper(sandbox):
    token = sandbox.token(ELI)
    target = DocumentRevision.objects.filter(project_id=2305, recycled_at__isnull=True).order_by("updated_at")[1]
    at = iso_ms(target.updated_at)
    later = iso_ms(target.updated_at + timedelta(milliseconds=1))
    inclusive = revisions(sandbox, token, view="ids_only", **{"filters[updated_at]": f"{at}...{later}"})
    assert inclusive.json()["data"] == [target.id]
    exclusive = revisions(sandbox, token, view="ids_only", **{"filters[updated_at]": f"2020-01-01T00:00:00Z...{at}"})
    assert target.id not in exclusive.json()["data"]
    one_sided = revisions(sandbox, token, **{"filters[updated_at]": f"{at}..."})
    assert one_sided.status_code == 400
    created = revisions(
        sandbox, token, view="ids_only", **{"filters[created_at]": f"{iso_ms(target.created_at)}...{later}"}
    )
    assert created.json()["data"] == [target.id]


def test_it_moves_updated_at_when_a_revision_changes(sandbox):
    token = sandbox.token(ELI)
    since = iso_ms(
        DocumentRevision.objects.filter(project_id=2305).order_by("-updated_at")[0].updated_at + timedelta(seconds=1)
    )
    target = DocumentRevision.objects.filter(project_id=2305, recycled_at__isnull=True).first()
    pdm_admin.update_revision(target.id, revision=["Rev C"])
    window = {"filters[updated_at]": f"{since}...2100-01-01T00:00:00Z"}
    assert revisions(sandbox, token, view="ids_only", **window).json()["data"] == [target.id]


def test_it_filters_by_container_and_field(sandbox):
    token = sandbox.token(ELI)
    rows = revisions(sandbox, token, per_page=100).json()["data"]
    floor = next(r for r in rows if field(r, "name")["values"][0]["label"] == "Floor Plan")
    history = revisions(sandbox, token, **{"filters[document_container_id]": floor["document_container_id"]})
    versions = [field(r, "version")["values"][0]["label"] for r in history.json()["data"]]
    assert versions == ["2", "1"]  # position within container, descending
    specs = revisions(sandbox, token, **{"filters[type]": pdm_admin.value(2305, "type", "SPC").id}).json()["data"]
    assert [field(r, "name")["values"][0]["label"] for r in specs] == ["Doors and Hardware"]


def test_it_sorts_revisions(sandbox):
    token = sandbox.token(ELI)
    rows = revisions(sandbox, token, sort="-created_at").json()["data"]
    created = [field(r, "created_at")["values"][0]["label"] for r in rows]
    assert created == sorted(created, reverse=True)


def test_it_hydrates_selected_revisions_200_on_v22_and_201_before(sandbox):
    token = sandbox.token(ELI)
    ids = revisions(sandbox, token, view="ids_only").json()["data"]
    current = selected(sandbox, token, "v2.2", {"ids": [ids[1], ids[0], ids[1], " ", "01JDXMPK0TRV0BA5K8GSSY6J0Y"]})
    assert current.status_code == 200
    assert [r["id"] for r in current.json()["data"]] == [ids[1], ids[0]]  # duplicate, blank, unknown dropped
    for version in ("v2.0", "v2.1"):
        assert selected(sandbox, token, version, {"ids": ids}).status_code == 201
    paged = selected(sandbox, token, "v2.2", {"ids": ids}, per_page=1, page=2)
    assert [r["id"] for r in paged.json()["data"]] == [ids[1]]
    assert 'rel="next"' in paged.headers["Link"]


def test_it_refuses_selected_without_ids(sandbox):
    token = sandbox.token(ELI)
    missing = selected(sandbox, token, "v2.2", {})
    assert missing.status_code == 400
    assert missing.json()["error"]["details"][0]["reason_code"] == "MISSING_REQUIRED_PROPERTY"
    for body in ({"ids": []}, {"ids": "x"}, {"ids": [1]}):
        answer = selected(sandbox, token, "v2.2", body)
        assert answer.status_code == 400
        assert answer.json()["error"]["details"][0]["reason_code"] == "INVALID_PROPERTY"
    blanks = selected(sandbox, token, "v2.2", {"ids": ["", " "]})
    assert blanks.status_code == 200 and blanks.json() == {"data": []}


def test_it_lists_recycled_revisions_and_drops_them_from_the_main_list(sandbox, monkeypatch):
    from procore_sandbox.webhooks import events

    emitted = []
    monkeypatch.setattr(events, "emit", lambda **kwargs: emitted.append(kwargs))
    token = sandbox.token(ELI)
    target = revisions(sandbox, token, view="ids_only").json()["data"][0]
    pdm_admin.recycle_revision(target, user_id=5448, reason="Wrong sheet")
    assert target not in revisions(sandbox, token, view="ids_only").json()["data"]
    recycled = revisions(sandbox, token, suffix="/recycled_revisions").json()["data"]
    assert recycled[0]["id"] == target and recycled[0]["recycled"] is True
    assert field(recycled[0], "recycled_reason")["values"][0]["label"] == "Wrong sheet"
    assert len(recycled) == 2
    assert emitted == [
        {
            "company_id": 8089,
            "project_id": 2305,
            "resource_name": "Document Revision",
            "event_type": "recycled",
            "resource_id": target,
            "user_id": 5448,
        }
    ]


def test_it_redirects_a_download_to_signed_storage(sandbox):
    token = sandbox.token(ELI)
    target = revisions(sandbox, token).json()["data"][0]
    answer = sandbox.get(target["download_url"].split("/sandbox", 1)[1], token, headers=HEADERS, allow_redirects=False)
    assert answer.status_code == 302
    location = answer.headers["Location"]
    assert "/sandbox/storage/" in location and "sig=" in location and "/rest/" not in location
    content = requests.get(location, timeout=10)
    assert content.status_code == 200
    assert content.content.startswith(b"%PDF")
    assert len(content.content) == int(field(target, "file_size")["values"][0]["label"])
    # The Procore token must never reach storage.
    assert requests.get(location, headers={"Authorization": f"Bearer {token}"}, timeout=10).status_code == 400
    tampered = location.replace("sig=", "sig=0")
    assert requests.get(tampered, timeout=10).status_code == 403


def test_it_answers_the_download_url_as_json_without_redirect(sandbox):
    token = sandbox.token(ELI)
    target = revisions(sandbox, token, view="ids_only").json()["data"][0]
    answer = revisions(sandbox, token, version="v2.1", suffix=f"/{target}/download", no_redirect="true")
    assert answer.status_code == 200
    assert requests.get(answer.json()["data"]["url"], timeout=10).status_code == 200


def test_it_hides_revisions_of_another_persons_project(sandbox):
    assert revisions(sandbox, sandbox.token(PRIYA)).status_code == 404
