"""A zip dropped into a batch becomes its documents, folder names kept in the history; zip bombs,
unsafe paths, password-protected and nested zips are refused with a sentence, and nothing of
them is staged."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.storage import default_storage

from portal.staging.contents.zips import Limits, ZipRefused, _unpack
from portal.staging.models import AuditEntry, DocumentContents, StagedDocument
from tests.flows import stage_file

pytestmark = pytest.mark.django_db(transaction=True)


def make_zip(members: dict[str, bytes], *, compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def drop(client, batch, name: str, content: bytes):
    answer = stage_file(client, batch.pk, name, content, "application/zip")
    assert answer["ok"], answer
    return StagedDocument.objects.get(pk=answer["id"])


def test_a_zip_becomes_its_documents_with_their_folders_in_the_history(
    member_client, drawings_batch, worker, sheet_pdf
):
    zipped = drop(
        member_client,
        drawings_batch,
        "Issue 3.zip",
        make_zip(
            {
                "Issue 3/Architecture/A-DRW-101_Floor Plan_Rev B.pdf": sheet_pdf("A-DRW-101", ["A", "B"]),
                "Issue 3/Structure/S-DRW-201_Framing_Rev A.pdf": sheet_pdf("S-DRW-201", ["A"]),
                "Issue 3/Structure/": b"",
                "__MACOSX/Issue 3/._A-DRW-101_Floor Plan_Rev B.pdf": b"junk",
                "Issue 3/.DS_Store": b"junk",
            }
        ),
    )
    stored = zipped.file.name
    worker()
    assert not StagedDocument.objects.filter(pk=zipped.pk).exists() and not default_storage.exists(stored)
    documents = {d.file_name: d for d in StagedDocument.objects.filter(batch=drawings_batch)}
    assert set(documents) == {"A-DRW-101_Floor Plan_Rev B.pdf", "S-DRW-201_Framing_Rev A.pdf"}
    floor = documents["A-DRW-101_Floor Plan_Rev B.pdf"]
    assert floor.contents.zip_path == "Issue 3/Architecture/A-DRW-101_Floor Plan_Rev B.pdf"
    assert floor.contents.state == "done" and floor.contents.thumbnail  # read like any upload
    assert floor.proposals  # metadata proposed from its name
    expanded = AuditEntry.objects.get(batch=drawings_batch, action="Expanded a zip file")
    assert "Issue 3.zip: 2 document(s)" in expanded.detail
    assert "Issue 3/Architecture/ (1)" in expanded.detail and "Issue 3/Structure/ (1)" in expanded.detail
    page = member_client.get(f"/batches/{drawings_batch.pk}/documents/{floor.pk}/").content.decode()
    assert "Issue 3/Architecture/A-DRW-101_Floor Plan_Rev B.pdf" in page


def refused(client, batch, worker, name, content) -> str:
    zipped = drop(client, batch, name, content)
    worker()
    contents = DocumentContents.objects.get(document=zipped)
    assert contents.state == "refused"
    assert StagedDocument.objects.filter(batch=batch).count() == 1  # only the zip: nothing of it was staged
    assert AuditEntry.objects.filter(batch=batch, action="Refused a zip file", detail=contents.message).exists()
    page = client.get(f"/batches/{batch.pk}/").content.decode()
    assert contents.message.split(":")[0] in page  # the sentence is on the batch page
    return contents.message


def test_a_zip_bomb_is_refused(member_client, drawings_batch, worker):
    message = refused(
        member_client, drawings_batch, worker, "bomb.zip", make_zip({"sheet.pdf": b"\0" * (8 * 1024 * 1024)})
    )
    assert message.startswith("bomb.zip was not expanded: sheet.pdf is compressed") and "zip bomb" in message
    StagedDocument.objects.filter(batch=drawings_batch).update(state="ready", problems=[])
    answer = member_client.post(f"/batches/{drawings_batch.pk}/submit/", follow=True).content.decode()
    assert "is a zip file that was not expanded: remove it first" in answer


def test_a_zip_with_too_many_files_or_too_many_bytes_is_refused(member_client, drawings_batch, worker, settings):
    settings.STAGING_ZIP_MAX_FILES = 3
    message = refused(
        member_client, drawings_batch, worker, "many.zip", make_zip({f"{n}.pdf": b"%PDF" for n in range(5)})
    )
    assert (
        message
        == "many.zip was not expanded: it holds 5 files, more than the 3 a zip may hold. Split it into smaller zips."
    )
    StagedDocument.objects.all().delete()
    settings.STAGING_ZIP_MAX_TOTAL = 1000
    message = refused(member_client, drawings_batch, worker, "big.zip", make_zip({"a.pdf": bytes(range(256)) * 8}))
    assert "its files come to 2.0 KiB, over the limit of 1,000 bytes" in message


@pytest.mark.parametrize("path", ["../../outside.pdf", "/etc/passwd", "C:/Windows/win.ini", "a/../../b.pdf"])
def test_a_zip_with_a_path_leading_outside_the_batch_is_refused(member_client, drawings_batch, worker, path):
    message = refused(
        member_client, drawings_batch, worker, "unsafe.zip", make_zip({"fine.pdf": b"%PDF", path: b"%PDF"})
    )
    assert "holds a path that leads outside the batch" in message


def test_a_zip_inside_a_zip_is_not_expanded(member_client, drawings_batch, worker):
    inner = make_zip({"deep.pdf": b"%PDF-1.4 deep"})
    drop(member_client, drawings_batch, "outer.zip", make_zip({"inner.zip": inner, "top.pdf": b"%PDF-1.4 top"}))
    worker()
    names = set(StagedDocument.objects.filter(batch=drawings_batch).values_list("file_name", flat=True))
    assert names == {"inner.zip", "top.pdf"}
    contents = DocumentContents.objects.get(document__file_name="inner.zip")
    assert (
        contents.state == "refused"
        and contents.message == "inner.zip was not expanded: it was itself inside a zip file."
    )


def test_a_member_that_unpacks_to_more_than_it_says_is_refused():
    archive = zipfile.ZipFile(io.BytesIO(make_zip({"sheet.pdf": b"%PDF" + b"x" * 5000})))
    info = archive.getinfo("sheet.pdf")
    info.file_size = 100  # the zip's own record lies
    with pytest.raises(ZipRefused, match="not expanded"):
        _unpack(archive, [info], "liar.zip", Limits(members=10, total=10**9, ratio=100))


def test_a_file_named_zip_that_is_not_one_is_refused(member_client, drawings_batch, worker):
    message = refused(member_client, drawings_batch, worker, "notes.zip", b"PK\x03\x04 not really a zip at all")
    assert message == "notes.zip is not a readable zip file. Nothing was added."
