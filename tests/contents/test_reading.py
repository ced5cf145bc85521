"""Staged files are read by the worker: pictures stored through the storage API, the title block's
values in the project's terms beside the file name's, images and other files handled, nothing
read in the web request."""

from __future__ import annotations

import io

import pytest
from django.core.files.storage import default_storage
from django_q.models import OrmQ
from PIL import Image

from portal.mirror.models import PdmField, PdmValue
from portal.staging.contents.review import AGREE, CONFLICT, FILLS, review
from portal.staging.models import DocumentContents, StagedDocument
from portal.staging.schema import load_schema
from tests.flows import stage_file

pytestmark = pytest.mark.django_db(transaction=True)
RIVERSIDE = 2305


def field_id(name: str) -> str:
    return PdmField.objects.get(project_id=RIVERSIDE, name=name).procore_id


def value_id(field: str, code: str) -> str:
    return PdmValue.objects.get(field__project_id=RIVERSIDE, field__name=field, code=code).procore_id


def upload(client, batch, name: str, content: bytes, content_type="application/pdf"):
    answer = stage_file(client, batch.pk, name, content, content_type)
    assert answer["ok"], answer
    return StagedDocument.objects.get(pk=answer["id"])


def test_it_reads_a_staged_drawing_in_the_worker_not_in_the_request(member_client, drawings_batch, worker, sheet_pdf):
    document = upload(
        member_client, drawings_batch, "A-DRW-101_Ground Floor Plan_Rev B.pdf", sheet_pdf("A-DRW-101", ["A", "B", "C"])
    )
    contents = DocumentContents.objects.get(document=document)
    assert contents.state == DocumentContents.State.PENDING and not contents.thumbnail  # nothing read yet
    assert [q.task["func"] for q in OrmQ.objects.all()] == ["portal.staging.contents.tasks.read_contents"]

    assert worker() == [f"document {document.pk}: read"]
    contents.refresh_from_db()
    assert contents.state == DocumentContents.State.DONE and contents.kind == "pdf" and contents.pages == 1
    assert contents.fields == {
        "number": "A-DRW-101",
        "name": "GROUND FLOOR PLAN",
        "revision": "C",
        "date_authored": "2026-03-07",
    }
    for name in (contents.thumbnail, contents.preview, contents.title_block_image):
        assert name.startswith(f"previews/{RIVERSIDE}/{drawings_batch.pk}/{document.pk}/")
        picture = Image.open(io.BytesIO(default_storage.open(name).read()))
        assert picture.format == "PNG" and picture.width > 100
    assert Image.open(default_storage.open(contents.thumbnail)).width == 320

    # The number went through the naming standard, as a file name does.
    proposed = contents.proposed
    assert proposed[field_id("discipline")]["values"] == [value_id("discipline", "A")]
    assert proposed[field_id("type")]["values"] == [value_id("type", "DRW")]
    assert proposed[field_id("number")]["values"] == ["101"]
    assert proposed[field_id("revision")] == {"values": ["Rev C"], "text": "C"}
    assert proposed[field_id("date_authored")]["values"] == ["2026-03-07T00:00:00Z"]

    statuses = {r.field.name: r.status for r in review(document, contents, load_schema(drawings_batch.project))}
    assert statuses["revision"] == CONFLICT  # the name says Rev B, the sheet says Rev C
    assert statuses["discipline"] == statuses["type"] == statuses["number"] == statuses["name"] == AGREE
    assert statuses["date_authored"] == FILLS
    document.refresh_from_db()
    assert document.metadata[field_id("revision")] == ["Rev B"]  # a proposal is never applied on its own


def test_the_pictures_are_served_to_members_only(member_client, drawings_batch, worker, sheet_pdf, sandbox):
    from django.test import Client

    from procore_sandbox.testing import SAM
    from tests.flows import portal_user

    document = upload(member_client, drawings_batch, "A-DRW-101.pdf", sheet_pdf("A-DRW-101", ["A"]))
    worker()
    for what in ("thumbnail", "preview", "title-block"):
        answer = member_client.get(f"/batches/{drawings_batch.pk}/documents/{document.pk}/picture/{what}.png")
        assert answer.status_code == 200 and answer["Content-Type"] == "image/png"
        assert b"".join(answer.streaming_content).startswith(b"\x89PNG")
    assert (
        member_client.get(f"/batches/{drawings_batch.pk}/documents/{document.pk}/picture/other.png").status_code == 404
    )
    outsider = Client()
    outsider.force_login(portal_user(sandbox, SAM))  # not a member of Riverside
    assert (
        outsider.get(f"/batches/{drawings_batch.pk}/documents/{document.pk}/picture/thumbnail.png").status_code == 404
    )


def test_it_pictures_an_image_and_gives_other_files_no_preview(member_client, drawings_batch, worker):
    buffer = io.BytesIO()
    Image.new("RGB", (2000, 1000), (200, 30, 30)).save(buffer, format="JPEG")
    photo = upload(member_client, drawings_batch, "Site photo.jpg", buffer.getvalue(), "image/jpeg")
    sheet = upload(
        member_client, drawings_batch, "Schedule.xlsx", b"PK\x03\x04 spreadsheet", "application/octet-stream"
    )
    worker()
    photo_contents = DocumentContents.objects.get(document=photo)
    assert photo_contents.kind == "image" and photo_contents.state == "done"
    assert Image.open(default_storage.open(photo_contents.thumbnail)).size == (320, 160)
    other = DocumentContents.objects.get(document=sheet)
    assert other.kind == "other" and other.state == "done" and not other.thumbnail  # a .xlsx is not a zip to expand
    rows = {row["id"]: row for row in member_client.get(f"/batches/{drawings_batch.pk}/grid.json").json()["rows"]}
    assert rows[photo.pk]["cells"]["sheet"][0].endswith("picture/thumbnail.png")
    assert "sheet" not in rows[sheet.pk]["cells"]
    assert {"field": "sheet", "message": "No preview", "level": "info"} in rows[sheet.pk]["flags"]


def test_an_unreadable_pdf_says_so_and_loses_nothing(member_client, drawings_batch, worker):
    document = upload(member_client, drawings_batch, "A-DRW-102_Broken.pdf", b"%PDF-1.7 broken beyond repair")
    worker()
    contents = DocumentContents.objects.get(document=document)
    assert contents.state == "failed" and "not a readable PDF" in contents.message
    assert StagedDocument.objects.filter(pk=document.pk).exists()
    assert (
        "not a readable PDF"
        in member_client.get(f"/batches/{drawings_batch.pk}/documents/{document.pk}/").content.decode()
    )


def test_a_scanned_sheet_is_said_to_be_scanned(member_client, drawings_batch, worker, drawing_set):
    directory, _truth = drawing_set
    document = upload(member_client, drawings_batch, "A-DRW-103_Scan.pdf", (directory / "scan.pdf").read_bytes())
    worker()
    contents = DocumentContents.objects.get(document=document)
    assert contents.scanned_pages == 1 and contents.proposed == {} and contents.thumbnail
    assert any("scanned" in note for note in contents.notes)
    page = member_client.get(f"/batches/{drawings_batch.pk}/documents/{document.pk}/").content.decode()
    assert "A scanned sheet" in page


def test_two_workers_never_read_the_same_document(member_client, drawings_batch, sheet_pdf):
    from portal.staging.contents.reading import claim, read_document

    document = upload(member_client, drawings_batch, "A-DRW-104.pdf", sheet_pdf("A-DRW-104", ["A"]))
    assert claim(document.pk) is not None  # the first worker holds it
    assert read_document(document.pk) == f"document {document.pk}: already read or being read"


def test_a_reading_whose_worker_died_is_queued_again(member_client, drawings_batch, sheet_pdf, worker):
    from django.utils import timezone

    from portal.staging.contents.tasks import resume_stalled_readings

    document = upload(member_client, drawings_batch, "A-DRW-105.pdf", sheet_pdf("A-DRW-105", ["A"]))
    OrmQ.objects.all().delete()  # the queued task was lost with its worker
    DocumentContents.objects.filter(document=document).update(
        state="reading", lease_until=timezone.now() - timezone.timedelta(seconds=1)
    )
    assert resume_stalled_readings() == 1
    worker()
    assert DocumentContents.objects.get(document=document).state == "done"


def test_removing_a_document_removes_its_pictures(member_client, drawings_batch, worker, sheet_pdf):
    document = upload(member_client, drawings_batch, "A-DRW-106.pdf", sheet_pdf("A-DRW-106", ["A"]))
    worker()
    contents = DocumentContents.objects.get(document=document)
    names = [contents.thumbnail, contents.preview, contents.title_block_image]
    assert all(default_storage.exists(name) for name in names)
    member_client.post(f"/batches/{drawings_batch.pk}/documents/", {"action": "remove", "documents": [document.pk]})
    assert not StagedDocument.objects.filter(pk=document.pk).exists()
    assert not any(default_storage.exists(name) for name in names)


def test_a_batch_going_to_a_folder_gets_pictures_but_no_proposals(member_client, riverside_member, worker, sheet_pdf):
    from portal.mirror.models import File
    from portal.staging.models import Batch

    folder_id = File.objects.filter(project_id=RIVERSIDE).exclude(folder_id=None).values_list("folder_id", flat=True)[0]
    member_client.post(
        f"/projects/{RIVERSIDE}/batches/",
        {"name": "To a folder", "target": "folder", "folder": f"project:{folder_id}", "on_name_clash": "version"},
    )
    batch = Batch.objects.get(name="To a folder")
    document = upload(member_client, batch, "A-DRW-107.pdf", sheet_pdf("A-DRW-107", ["A"]))
    worker()
    contents = DocumentContents.objects.get(document=document)
    assert contents.thumbnail and contents.fields["number"] == "A-DRW-107" and contents.proposed == {}
    (row,) = member_client.get(f"/batches/{batch.pk}/grid.json").json()["rows"]
    assert row["cells"]["sheet"][0].endswith("picture/thumbnail.png")
    assert "Title block: A-DRW-107" in [flag["message"] for flag in row["flags"]]
    page = member_client.get(f"/batches/{batch.pk}/documents/{document.pk}/").content.decode()
    assert "From the sheet" in page and "Accept all title-block values" not in page


def test_the_document_page_asks_for_its_sheet_card_until_the_reading_is_done(
    member_client, drawings_batch, worker, sheet_pdf
):
    document = upload(member_client, drawings_batch, "A-DRW-108.pdf", sheet_pdf("A-DRW-108", ["A"]))
    url = f"/batches/{drawings_batch.pk}/documents/{document.pk}/sheet/"
    page = member_client.get(f"/batches/{drawings_batch.pk}/documents/{document.pk}/").content.decode()
    assert f'hx-get="{url}"' in page and "Being read" in page
    worker()
    card = member_client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert card.lstrip().startswith('<section class="card sheet-card" id="sheet"')
    assert "hx-get" not in card and "picture/title-block.png" in card and "Title block only" in card
