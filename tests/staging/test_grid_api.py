"""The grid's JSON endpoint: rows for the whole batch, cell changes in bulk, the server as the judge."""

from __future__ import annotations

import gzip
import html
import json
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from portal.staging import grid, views_grid
from portal.staging.grid import GridColumn
from portal.staging.models import AuditEntry, Batch, StagedDocument
from procore_sandbox.testing import SAM
from tests.flows import portal_user

pytestmark = pytest.mark.django_db(transaction=True)

NAMES = ["A-DRW-101_Floor Plan_Rev B.pdf", "S-DRW-201_Framing_Rev A.pdf", "Sheet 7.pdf"]


def rows_of(client: Client, batch: Batch) -> dict:
    answer = client.get(f"/batches/{batch.pk}/grid.json")
    assert answer.status_code == 200, answer.content
    return answer.json()


def send(client: Client, batch: Batch, changes: list[dict], **extra):
    return client.post(
        f"/batches/{batch.pk}/grid/changes.json", json.dumps({"changes": changes}), "application/json", **extra
    )


def versions(client: Client, batch: Batch) -> dict[int, object]:
    return {row["id"]: row["version"] for row in rows_of(client, batch)["rows"]}


def test_it_serves_every_document_with_columns_rule_and_problems(
    person_client, stage, riverside_field, riverside_value
):
    batch = stage(NAMES)
    payload = rows_of(person_client, batch)

    columns = {c["id"]: c for c in payload["columns"]}
    status = columns[riverside_field("status")]
    assert status["kind"] == "choice" and status["editable"] is True
    assert {"id": riverside_value("status", "OPN"), "text": "OPN – Open", "code": "OPN"} in status["choices"]
    assert columns[riverside_field("date_authored")]["kind"] == "date"
    assert columns[riverside_field("description")].get("shown") is False  # offered, not shown until chosen
    assert payload["columns"][0]["id"] == riverside_field("name")

    assert [row["file"] for row in payload["rows"]] == NAMES
    first = payload["rows"][0]
    assert first["cells"][riverside_field("type")] == [riverside_value("type", "DRW")]
    assert first["proposed"][riverside_field("type")] == "file name"  # where the value came from
    assert first["state"] == "errors"
    assert {p["field"] for p in first["problems"]} >= {riverside_field("status")}
    assert payload["rules"][first["rule"]] == "the rule for Drawing documents"


def test_it_reads_ten_or_a_thousand_rows_with_the_same_queries(person_client, stage):
    small, large = stage(NAMES * 4), stage([f"A-DRW-{n:04}_Plan_Rev B.pdf" for n in range(1000)])
    counts = []
    for batch in (small, large):
        rows_of(person_client, batch)
        with CaptureQueriesContext(connection) as captured:
            payload = rows_of(person_client, batch)
        counts.append(len(captured.captured_queries))
        assert len(payload["rows"]) == batch.documents.count()
    assert counts[0] == counts[1]


def test_it_reads_typed_and_pasted_text_as_the_form_does(person_client, stage, riverside_field, riverside_value):
    batch = stage(NAMES)
    first, second, third = batch.documents.order_by("position")
    version = versions(person_client, batch)
    answer = send(
        person_client,
        batch,
        [
            {"document": first.pk, "version": version[first.pk], "field": riverside_field("status"), "text": "open"},
            {
                "document": first.pk,
                "version": version[first.pk],
                "field": riverside_field("date_authored"),
                "text": "2026-03-14",
            },
            {"document": second.pk, "version": version[second.pk], "field": riverside_field("status"), "text": "APP"},
            {
                "document": third.pk,
                "version": version[third.pk],
                "field": riverside_field("name"),
                "text": " Site plan ",
            },
        ],
    )
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert [c["status"] for c in body["cells"]] == ["saved"] * 4 and body["saved"] == 4

    first.refresh_from_db()
    assert first.metadata[riverside_field("status")] == [riverside_value("status", "OPN")]
    assert first.metadata[riverside_field("date_authored")] == ["2026-03-14T00:00:00Z"]
    assert riverside_field("status") not in first.proposals
    third.refresh_from_db()
    assert third.metadata[riverside_field("name")] == ["Site plan"]

    # The answer carries the rows as they now are: problems re-checked by the server.
    rows = {row["id"]: row for row in body["rows"]}
    assert set(rows) == {first.pk, second.pk, third.pk}
    assert riverside_field("status") not in {p["field"] for p in rows[first.pk]["problems"]}
    assert rows[first.pk]["version"] != version[first.pk]
    assert AuditEntry.objects.filter(batch=batch, action="Edited in the grid").exists()
    assert rows[first.pk]["version"] == version[first.pk] + 1


def test_it_takes_people_by_name(person_client, stage, riverside_field):
    batch = stage(NAMES[:1])
    document = batch.documents.get()
    authored_by = riverside_field("authored_by")
    column = next(c for c in rows_of(person_client, batch)["columns"] if c["id"] == authored_by)
    assert column["kind"] == "person"
    assert {"id": "5448", "text": "Eli Navarro"} in column["choices"]
    version = versions(person_client, batch)[document.pk]
    change = {"document": document.pk, "version": version, "field": authored_by, "text": "eli navarro"}
    assert send(person_client, batch, [change]).json()["saved"] == 1
    document.refresh_from_db()
    assert document.metadata[authored_by] == ["5448"]


def test_it_marks_cells_it_cannot_read_and_saves_the_others(person_client, stage, riverside_field, riverside_value):
    batch = stage(NAMES[:2])
    first, second = batch.documents.order_by("position")
    version = versions(person_client, batch)
    status, date = riverside_field("status"), riverside_field("date_authored")
    body = send(
        person_client,
        batch,
        [
            {"document": first.pk, "version": version[first.pk], "field": status, "text": "Closed"},
            {"document": first.pk, "version": version[first.pk], "field": date, "text": "someday"},
            {"document": second.pk, "version": version[second.pk], "field": status, "text": "XX"},
        ],
    ).json()
    outcome = {(c["document"], c["field"]): c for c in body["cells"]}
    assert outcome[(first.pk, status)]["status"] == "saved"
    assert outcome[(first.pk, date)]["status"] == "invalid"
    assert "is not a date" in outcome[(first.pk, date)]["message"]
    assert outcome[(second.pk, status)]["status"] == "invalid"
    assert "is not one of this project's values" in outcome[(second.pk, status)]["message"]

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.metadata[status] == [riverside_value("status", "CLS")]
    assert date not in first.metadata
    assert status not in second.metadata


def test_it_puts_stored_values_back_for_undo(person_client, stage, riverside_field, riverside_value):
    batch = stage(NAMES[:1])
    document = batch.documents.get()
    type_field = riverside_field("type")
    before = document.metadata[type_field]
    version = versions(person_client, batch)[document.pk]
    body = send(
        person_client, batch, [{"document": document.pk, "version": version, "field": type_field, "text": "SPC"}]
    ).json()
    document.refresh_from_db()
    assert document.metadata[type_field] == [riverside_value("type", "SPC")]

    undo = {"document": document.pk, "version": body["rows"][0]["version"], "field": type_field, "values": before}
    assert send(person_client, batch, [undo]).json()["cells"][0]["status"] == "saved"
    document.refresh_from_db()
    assert document.metadata[type_field] == before

    cleared = {"document": document.pk, "version": versions(person_client, batch)[document.pk], "field": type_field}
    assert send(person_client, batch, [{**cleared, "values": []}]).json()["saved"] == 1
    document.refresh_from_db()
    assert type_field not in document.metadata


def test_it_does_not_overwrite_what_someone_else_changed_meanwhile(
    person_client, stage, riverside_field, riverside_value
):
    batch = stage(NAMES[:1])
    document = batch.documents.get()
    status = riverside_field("status")
    stale = versions(person_client, batch)[document.pk]
    # Someone else sets the status through the grid first.
    colleague = send(
        person_client, batch, [{"document": document.pk, "version": stale, "field": status, "text": "APP"}]
    )
    assert colleague.json()["saved"] == 1

    body = send(
        person_client, batch, [{"document": document.pk, "version": stale, "field": status, "text": "CLS"}]
    ).json()
    assert body["cells"][0]["status"] == "conflict"
    assert "was changed by Eli Navarro" in body["cells"][0]["message"]
    assert "“APP – Approved”" in body["cells"][0]["message"]
    assert body["rows"][0]["cells"][status] == [riverside_value("status", "APP")]  # shown as it now is
    document.refresh_from_db()
    assert document.metadata[status] == [riverside_value("status", "APP")]


def test_it_refuses_changes_to_a_batch_being_submitted(person_client, stage, riverside_field):
    batch = stage(NAMES[:1])
    document = batch.documents.get()
    version = versions(person_client, batch)[document.pk]
    Batch.objects.filter(pk=batch.pk).update(state=Batch.State.SUBMITTING)
    answer = send(
        person_client,
        batch,
        [{"document": document.pk, "version": version, "field": riverside_field("status"), "text": "OPN"}],
    )
    assert answer.status_code == 409
    assert "can no longer be changed" in answer.json()["error"]
    assert rows_of(person_client, batch)["batch"]["editable"] is False


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        json.dumps({"changes": []}),
        json.dumps({"changes": [{"document": "1", "version": 0, "field": "f", "text": "a"}]}),
        json.dumps({"changes": [{"document": 1, "version": 0, "field": "f", "text": "a", "values": ["a"]}]}),
        json.dumps({"changes": [{"document": 1, "version": 0, "field": "f", "values": [1]}]}),
    ],
)
def test_it_refuses_requests_that_are_not_cell_changes(person_client, stage, body):
    batch = stage(NAMES[:1])
    answer = person_client.post(f"/batches/{batch.pk}/grid/changes.json", body, "application/json")
    assert answer.status_code == 400
    assert answer.json()["error"]


def test_it_refuses_a_column_that_cannot_be_edited(person_client, stage):
    batch = stage(NAMES[:1])
    document = batch.documents.get()
    version = versions(person_client, batch)[document.pk]
    body = send(
        person_client, batch, [{"document": document.pk, "version": version, "field": "state", "text": "ready"}]
    ).json()
    assert body["cells"] == [
        {"document": document.pk, "field": "state", "status": "invalid", "message": "This column cannot be edited."}
    ]


def test_it_shows_batches_only_to_people_of_the_project(sandbox, person_client, stage, riverside_field):
    batch = stage(NAMES[:1])
    outsider = Client()
    outsider.force_login(portal_user(sandbox, SAM))
    assert outsider.get(f"/batches/{batch.pk}/grid.json").status_code == 404
    change = {"document": batch.documents.get().pk, "version": 0, "field": riverside_field("status"), "text": "OPN"}
    assert send(outsider, batch, [change]).status_code == 404
    assert outsider.post(f"/batches/{batch.pk}/grid/layout.json", "{}", "application/json").status_code == 404
    assert Client().get(f"/batches/{batch.pk}/grid.json").status_code == 302  # signed out: to sign-in


def test_it_needs_the_csrf_token_to_change_cells(riverside_person, stage, riverside_field):
    batch = stage(NAMES[:1])
    client = Client(enforce_csrf_checks=True)
    client.force_login(riverside_person)
    change = {"document": batch.documents.get().pk, "version": 0, "field": riverside_field("status"), "text": "OPN"}
    assert send(client, batch, [change]).status_code == 403


def test_it_serves_and_saves_a_batch_going_to_a_folder(person_client, stage):
    batch = stage(["Site photo.jpg", "Minutes.pdf"], target=Batch.Target.FOLDER)
    payload = rows_of(person_client, batch)
    assert [(c["id"], c["kind"], c["editable"]) for c in payload["columns"]] == [
        ("title", "text", True),
        ("description", "text", True),
        ("landing", "readonly", False),
    ]
    assert payload["rows"][0]["cells"] == {"title": ["Site photo.jpg"], "description": [], "landing": ["New file"]}
    assert payload["templates"] == []

    first, second = batch.documents.order_by("position")
    version = {row["id"]: row["version"] for row in payload["rows"]}
    body = send(
        person_client,
        batch,
        [
            {"document": first.pk, "version": version[first.pk], "field": "title", "text": "Minutes.pdf"},
            {"document": second.pk, "version": version[second.pk], "field": "description", "text": "Weekly meeting"},
        ],
    ).json()
    assert body["saved"] == 2
    second.refresh_from_db()
    assert second.description == "Weekly meeting"
    # Two files of the same name: the server says so on both rows' name cells.
    rows = {row["id"]: row for row in rows_of(person_client, batch)["rows"]}
    assert any(p["field"] == "title" for p in rows[second.pk]["problems"])
    assert rows[second.pk]["state"] == "errors"


def test_it_lets_other_features_add_columns(person_client, stage, monkeypatch):
    class Thumbnails:
        def columns(self, context):
            return [GridColumn("thumbnail", "Preview", "image", width=60)]

        def fill(self, context, rows):
            for row in rows:
                row["cells"]["thumbnail"] = [f"/thumbs/{row['id']}.png"]
                row["flags"].append({"field": "thumbnail", "message": "Title block says S-201", "level": "warning"})

    monkeypatch.setattr(grid, "_SOURCES", list(grid._SOURCES))
    grid.register_column_source(Thumbnails())
    batch = stage(NAMES[:1])
    payload = rows_of(person_client, batch)
    assert payload["columns"][-1] == {
        "id": "thumbnail",
        "label": "Preview",
        "kind": "image",
        "editable": False,
        "width": 60,
    }
    row = payload["rows"][0]
    assert row["cells"]["thumbnail"] == [f"/thumbs/{row['id']}.png"]
    assert len(row["cells"]) > 1  # joined to the stored metadata
    assert row["flags"] == [{"field": "thumbnail", "message": "Title block says S-201", "level": "warning"}]
    assert StagedDocument.objects.filter(batch=batch).count() == 1


def first_rows_of(page: str) -> dict:
    """The grid's first rows as the batch page carries them (JSON in an attribute)."""
    found = re.search(r'<div hidden data-grid-first="([^"]*)">', page)
    assert found, "no first rows on the page"
    return json.loads(html.unescape(found.group(1)))


def test_the_batch_page_carries_the_first_rows_and_asks_for_the_others(person_client, stage, monkeypatch):
    monkeypatch.setattr(views_grid, "FIRST_ROWS", 2)
    large, small = stage(NAMES), stage(NAMES[:1])

    page = person_client.get(f"/batches/{large.pk}/").content.decode()
    first = first_rows_of(page)
    assert [row["file"] for row in first["rows"]] == NAMES[:2]  # in the grid's order
    assert first["limit"] == 2 and first["columns"] == rows_of(person_client, large)["columns"]
    assert f'<link rel="preload" href="/batches/{large.pk}/grid.json"' in page  # the others, asked for early

    page = person_client.get(f"/batches/{small.pk}/").content.decode()
    assert [row["file"] for row in first_rows_of(page)["rows"]] == NAMES[:1]
    assert 'grid.json" as="fetch"' not in page  # all of it is on the page already


def test_the_rows_on_the_page_cannot_break_out_of_their_attribute(person_client, stage):
    name = '"><script>alert(1)</script>.pdf'
    page = person_client.get(f"/batches/{stage([name]).pk}/").content.decode()
    assert "<script>alert(1)" not in page
    assert first_rows_of(page)["rows"][0]["file"] == name


def test_it_sends_the_rows_compressed_to_a_browser_that_takes_gzip(person_client, stage):
    batch = stage([f"A-DRW-{n:03}_Plan_Rev B.pdf" for n in range(60)])
    answer = person_client.get(f"/batches/{batch.pk}/grid.json", HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert answer["Content-Encoding"] == "gzip"
    body = gzip.decompress(answer.content)
    assert len(answer.content) * 5 < len(body)  # the rows repeat field ids and messages
    assert [row["file"] for row in json.loads(body)["rows"]][:2] == [
        "A-DRW-000_Plan_Rev B.pdf",
        "A-DRW-001_Plan_Rev B.pdf",
    ]
