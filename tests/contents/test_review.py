"""Two sources, one decision: conflicts flagged on the document and in the grid, title-block values
accepted per document, per column or for the whole batch, or the document's own kept — all in
the history."""

from __future__ import annotations

import pytest

from portal.mirror.models import PdmField
from portal.staging.models import AuditEntry, DocumentContents, StagedDocument
from tests.flows import stage_file

pytestmark = pytest.mark.django_db(transaction=True)
RIVERSIDE = 2305


def field_id(name: str) -> str:
    return PdmField.objects.get(project_id=RIVERSIDE, name=name).procore_id


@pytest.fixture
def staged(member_client, drawings_batch, worker, sheet_pdf):
    """Three drawings whose names say Rev B while their sheets say Rev C, and dates only on the sheets."""
    ids = []
    for n in (101, 102, 103):
        content = sheet_pdf(f"A-DRW-{n}", ["A", "B", "C"])
        ids.append(
            stage_file(member_client, drawings_batch.pk, f"A-DRW-{n}_Ground Floor Plan_Rev B.pdf", content)["id"]
        )
    worker()
    return ids


def conflicts(client, batch) -> list[str]:
    """The grid's amber marks: what a title block says against a document's own value."""
    rows = client.get(f"/batches/{batch.pk}/grid.json").json()["rows"]
    return [
        flag["message"]
        for row in rows
        for flag in row["flags"]
        if flag["level"] == "warning" and flag["message"].startswith("Title block:")
    ]


def revisions(ids):
    return [StagedDocument.objects.get(pk=i).metadata.get(field_id("revision")) for i in ids]


def test_a_conflict_is_flagged_on_the_document_and_in_the_grid(member_client, drawings_batch, staged):
    assert conflicts(member_client, drawings_batch) == ["Title block: Rev C"] * 3
    grid = member_client.get(f"/batches/{drawings_batch.pk}/").content.decode()
    assert "3 documents</strong> have a title block that disagrees" in grid
    page = member_client.get(f"/batches/{drawings_batch.pk}/documents/{staged[0]}/").content.decode()
    assert 'data-review-field="' + field_id("revision") + '"' in page
    assert '<tr class="conflict" data-review-field="' + field_id("revision") in page
    assert "file name and title block" in page and ">Agree<" in page  # the number's codes agree


def test_accepting_one_document_fills_its_fields_and_says_so_in_the_history(member_client, drawings_batch, staged):
    answer = member_client.post(
        f"/batches/{drawings_batch.pk}/accept/", {"scope": "selected", "documents": [staged[0]]}, follow=True
    )
    assert "Title-block values accepted" in answer.content.decode()
    assert revisions(staged) == [["Rev C"], ["Rev B"], ["Rev B"]]
    document = StagedDocument.objects.get(pk=staged[0])
    assert document.metadata[field_id("date_authored")] == ["2026-03-07T00:00:00Z"]
    assert document.proposals[field_id("revision")] == {"source": "title block", "text": "C"}
    entry = AuditEntry.objects.get(batch=drawings_batch, action="Accepted title-block values")
    assert entry.detail == "A-DRW-101_Ground Floor Plan_Rev B.pdf: Revision → Rev C; Date Authored → 7 Mar 2026"


def test_accepting_a_column_changes_only_that_field(member_client, drawings_batch, staged):
    member_client.post(
        f"/batches/{drawings_batch.pk}/accept/",
        {"scope": "selected", "documents": staged, "accept_field": field_id("date_authored")},
    )
    assert revisions(staged) == [["Rev B"]] * 3
    dates = [StagedDocument.objects.get(pk=i).metadata.get(field_id("date_authored")) for i in staged]
    assert dates == [["2026-03-07T00:00:00Z"]] * 3


def test_accept_all_for_the_batch_fills_every_field_and_clears_the_conflicts(member_client, drawings_batch, staged):
    member_client.post(f"/batches/{drawings_batch.pk}/accept/", {"scope": "batch"})
    assert revisions(staged) == [["Rev C"]] * 3
    grid = member_client.get(f"/batches/{drawings_batch.pk}/").content.decode()
    assert conflicts(member_client, drawings_batch) == [] and "disagrees" not in grid
    entry = AuditEntry.objects.get(action="Accepted title-block values")
    assert entry.detail == "Revision → Rev C on 3 document(s); Date Authored → 7 Mar 2026 on 3 document(s)"
    again = member_client.post(f"/batches/{drawings_batch.pk}/accept/", {"scope": "batch"}, follow=True)
    assert "Nothing to accept" in again.content.decode()


def test_keeping_the_documents_value_settles_the_conflict_until_the_sheet_says_something_else(
    member_client, drawings_batch, staged
):
    member_client.post(
        f"/batches/{drawings_batch.pk}/documents/{staged[1]}/keep/", {"keep_field": [field_id("revision")]}
    )
    assert revisions(staged)[1] == ["Rev B"]
    assert conflicts(member_client, drawings_batch) == ["Title block: Rev C"] * 2
    assert AuditEntry.objects.filter(action="Kept values over the title block", detail__contains="Revision").exists()
    # Accepting the whole batch still takes the sheet's value when asked to.
    member_client.post(f"/batches/{drawings_batch.pk}/accept/", {"scope": "batch"})
    assert revisions(staged) == [["Rev C"]] * 3
    assert DocumentContents.objects.get(document_id=staged[1]).kept == {}


def test_a_locked_batch_accepts_nothing(member_client, drawings_batch, staged):
    drawings_batch.state = "submitting"
    drawings_batch.save()
    answer = member_client.post(f"/batches/{drawings_batch.pk}/accept/", {"scope": "batch"}, follow=True)
    assert "can no longer be changed" in answer.content.decode()
    assert revisions(staged) == [["Rev B"]] * 3


def test_accepting_never_overwrites_what_someone_changed_after_the_page_was_read(member_client, drawings_batch, staged):
    from portal.staging import services
    from portal.staging.schema import load_schema

    document = StagedDocument.objects.get(pk=staged[0])
    read_version = document.metadata_version
    services.set_field(
        drawings_batch, None, [document.pk], field_id("revision"), ["Rev D"], load_schema(drawings_batch.project)
    )
    answer = member_client.post(
        f"/batches/{drawings_batch.pk}/accept/",
        {"scope": "selected", "documents": [document.pk], f"version:{document.pk}": read_version},
        follow=True,
    ).content.decode()
    assert "was changed by the portal" in answer and "Accept again" in answer
    document.refresh_from_db()
    assert document.metadata[field_id("revision")] == ["Rev D"]  # theirs stays
    assert document.metadata[field_id("date_authored")] == ["2026-03-07T00:00:00Z"]  # the untouched field is taken
