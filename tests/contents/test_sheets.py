"""A set split on request into one staged document per sheet, each read on its own; the set kept
until the split is confirmed, and the batch not submitted meanwhile."""

from __future__ import annotations

import pytest

from portal.mirror.models import PdmField, PdmValue
from portal.staging.models import AuditEntry, DocumentContents, StagedDocument
from tests.flows import stage_file

pytestmark = pytest.mark.django_db(transaction=True)
RIVERSIDE = 2305


def field_id(name: str) -> str:
    return PdmField.objects.get(project_id=RIVERSIDE, name=name).procore_id


@pytest.fixture
def the_set(member_client, drawings_batch, worker, sheet_pdf):
    content = sheet_pdf("A-DRW-101", ["A", "B"], pages=4)
    answer = stage_file(member_client, drawings_batch.pk, "Architectural set.pdf", content)
    worker()
    document = StagedDocument.objects.get(pk=answer["id"])
    open_id = PdmValue.objects.get(field__project_id=RIVERSIDE, field__name="status", label="Open").procore_id
    member_client.post(
        f"/batches/{drawings_batch.pk}/documents/",
        {"action": "set", "field": field_id("status"), "value": "Open", "documents": [document.pk]},
    )
    return document, open_id


def test_a_set_becomes_one_document_per_sheet_each_read_on_its_own(member_client, drawings_batch, worker, the_set):
    document, open_id = the_set
    page = member_client.get(f"/batches/{drawings_batch.pk}/documents/{document.pk}/").content.decode()
    assert "4 sheets in this PDF" in page and "Split into 4 documents" in page and "A-DRW-104" in page

    answer = member_client.post(
        f"/batches/{drawings_batch.pk}/documents/{document.pk}/split/", {"action": "split"}, follow=True
    )
    assert "Splitting Architectural set.pdf" in answer.content.decode()
    worker()
    sheets = StagedDocument.objects.filter(contents__split_from=document).order_by("contents__split_page")
    assert [s.file_name for s in sheets] == [f"A-DRW-10{n}_GROUND FLOOR PLAN.pdf" for n in (1, 2, 3, 4)]
    for n, sheet in enumerate(sheets, start=1):
        assert sheet.contents.state == "done" and sheet.contents.thumbnail and sheet.contents.pages == 1
        assert sheet.contents.fields["number"] == f"A-DRW-10{n}" and sheet.contents.split_page == n
        assert sheet.metadata[field_id("status")] == [open_id]  # what the person set on the set
        assert sheet.metadata[field_id("number")] == [f"10{n}"]
        assert sheet.proposals[field_id("number")]["source"] == "title block"
    assert StagedDocument.objects.filter(pk=document.pk).exists()  # the set is kept until confirmed
    assert DocumentContents.objects.get(document=document).split == "awaiting"

    # Nothing is submitted while a set and its own sheets are both in the batch.
    member_client.post(f"/batches/{drawings_batch.pk}/accept/", {"scope": "batch"})
    StagedDocument.objects.filter(batch=drawings_batch).update(state="ready", problems=[])
    # The issue check's warnings (a set and its sheets look alike) are kept, so the split is what stops it.
    member_client.post(f"/batches/{drawings_batch.pk}/issue-check/decide/", {"action": "keep_all"})
    refused = member_client.post(f"/batches/{drawings_batch.pk}/submit/", follow=True).content.decode()
    assert "was split into sheets: confirm or undo the split first" in refused
    assert drawings_batch.submissions.count() == 0

    confirmed = member_client.post(
        f"/batches/{drawings_batch.pk}/documents/{document.pk}/split/", {"action": "confirm"}, follow=True
    )
    assert "was replaced by its 4 sheet(s)" in confirmed.content.decode()
    assert not StagedDocument.objects.filter(pk=document.pk).exists()
    assert StagedDocument.objects.filter(batch=drawings_batch).count() == 4
    actions = list(AuditEntry.objects.filter(batch=drawings_batch).values_list("action", flat=True))
    assert {"Asked to split a set", "Split a set into sheets", "Confirmed a split"} <= set(actions)


def test_undoing_a_split_keeps_the_set_and_removes_its_sheets(member_client, drawings_batch, worker, the_set):
    document, _ = the_set
    member_client.post(f"/batches/{drawings_batch.pk}/documents/{document.pk}/split/", {"action": "split"})
    worker()
    assert StagedDocument.objects.filter(batch=drawings_batch).count() == 5
    member_client.post(f"/batches/{drawings_batch.pk}/documents/{document.pk}/split/", {"action": "undo"})
    assert list(StagedDocument.objects.filter(batch=drawings_batch).values_list("pk", flat=True)) == [document.pk]
    assert DocumentContents.objects.get(document=document).split == ""


def test_a_split_that_stopped_half_way_resumes_without_making_a_sheet_twice(
    member_client, drawings_batch, worker, the_set, drawing_set
):
    from portal.staging.contents.sheets import split_document

    document, _ = the_set
    member_client.post(f"/batches/{drawings_batch.pk}/documents/{document.pk}/split/", {"action": "split"})
    worker()
    # As if the worker had died after two sheets: the last two are gone and the split is queued again.
    StagedDocument.objects.filter(contents__split_from=document, contents__split_page__gt=2).delete()
    DocumentContents.objects.filter(document=document).update(split="queued", lease_until=None)
    assert split_document(document.pk, None) == f"document {document.pk}: split into 4 sheet(s)"
    pages = sorted(DocumentContents.objects.filter(split_from=document).values_list("split_page", flat=True))
    assert pages == [1, 2, 3, 4]


def test_only_a_read_pdf_of_several_pages_can_be_split(member_client, drawings_batch, worker, sheet_pdf):
    answer = stage_file(member_client, drawings_batch.pk, "A-DRW-201.pdf", sheet_pdf("A-DRW-201", ["A"]))
    worker()
    refused = member_client.post(
        f"/batches/{drawings_batch.pk}/documents/{answer['id']}/split/", {"action": "split"}, follow=True
    )
    assert "cannot be split" in refused.content.decode()
    assert StagedDocument.objects.filter(batch=drawings_batch).count() == 1
