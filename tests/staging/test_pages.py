"""The staging pages: batches, uploads, bulk edits, one document, CSV, templates, access and audit."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from portal.mirror.models import PdmField, PdmValue
from portal.mirror.sync import sync_memberships
from portal.staging.models import AuditEntry, Batch, MetadataTemplate, StagedDocument
from procore_sandbox.testing import ELI, SAM
from tests.flows import portal_user, stage_file

pytestmark = pytest.mark.django_db(transaction=True)

RIVERSIDE = 2305


@pytest.fixture
def eli_riverside(synced_project, media):
    return synced_project(ELI, RIVERSIDE)


@pytest.fixture
def eli(eli_riverside):
    return eli_riverside.user


@pytest.fixture
def client(eli_riverside):
    return eli_riverside.client


@pytest.fixture
def batch(client):
    client.post(f"/projects/{RIVERSIDE}/batches/", {"name": "Architectural set", "note": "Issue 3"})
    return Batch.objects.get()


def field_id(name: str) -> str:
    return PdmField.objects.get(project_id=RIVERSIDE, name=name).procore_id


def value_id(field: str, code: str) -> str:
    return PdmValue.objects.get(field__project_id=RIVERSIDE, field__name=field, code=code).procore_id


def upload(client, batch, name: str, content: bytes = b"%PDF-1.4 sheet", content_type="application/pdf") -> dict:
    return stage_file(client, batch.pk, name, content, content_type)


def test_it_creates_a_batch_and_lists_it_with_counts(client, batch):
    assert batch.name == "Architectural set" and batch.state == Batch.State.DRAFT
    upload(client, batch, "A-DRW-101_Floor Plan_Rev B.pdf")
    page = client.get(f"/projects/{RIVERSIDE}/batches/").content.decode()
    assert f'data-batch-id="{batch.pk}"' in page
    everywhere = client.get("/batches/").content.decode()
    assert f'data-batch-id="{batch.pk}"' in everywhere and "Riverside Medical Center" in everywhere


def test_an_upload_is_stored_hashed_and_given_metadata_from_its_name(client, batch):
    answer = upload(client, batch, "A-DRW-101_Floor Plan_Rev B.pdf", b"%PDF-1.4 floor plan")
    assert answer["ok"], answer
    document = StagedDocument.objects.get(pk=answer["id"])
    assert document.size == len(b"%PDF-1.4 floor plan")
    assert document.mime_type == "application/pdf"
    import hashlib

    assert document.sha256 == hashlib.sha256(b"%PDF-1.4 floor plan").hexdigest()
    assert default_storage.open(document.file.name).read() == b"%PDF-1.4 floor plan"
    assert document.metadata[field_id("type")] == [value_id("type", "DRW")]
    assert document.metadata[field_id("discipline")] == [value_id("discipline", "A")]
    assert document.proposals[field_id("type")]["text"] == "DRW"
    assert AuditEntry.objects.filter(batch=batch, action="Added a file").exists()


def test_bad_files_get_a_clear_message_and_lose_nothing(client, batch, settings):
    assert upload(client, batch, "good.pdf")["ok"]
    empty = upload(client, batch, "empty.pdf", b"")
    assert not empty["ok"] and "empty" in empty["error"]
    settings.STAGING_MAX_FILE_SIZE = 10
    big = upload(client, batch, "big.pdf", b"x" * 11)
    assert not big["ok"] and "over the limit" in big["error"]
    settings.STAGING_MAX_FILE_SIZE = 2 * 1024**3
    twice = upload(client, batch, "again.pdf")  # same bytes as good.pdf
    assert not twice["ok"] and "same file as good.pdf" in twice["error"]
    strange = upload(client, batch, "bad\x07name:*?.pdf", b"%PDF other")
    assert strange["ok"]
    assert strange["name"] == "badname___.pdf" and strange["notes"]
    assert sorted(batch.documents.values_list("file_name", flat=True)) == ["badname___.pdf", "good.pdf"]


def test_a_start_without_a_size_is_a_clear_error(client, batch):
    answer = client.post(f"/batches/{batch.pk}/uploads/", {"name": "a.pdf"}, content_type="application/json")
    assert answer.status_code == 400 and "size did not arrive" in answer.json()["error"]


def test_bulk_edit_sets_a_field_copies_down_and_fixes_errors(client, batch):
    ids = [upload(client, batch, f"Sheet {n}.pdf", f"%PDF {n}".encode())["id"] for n in range(3)]
    assert set(StagedDocument.objects.values_list("state", flat=True)) == {StagedDocument.State.ERRORS}
    status = field_id("status")
    client.post(
        f"/batches/{batch.pk}/documents/", {"action": "set", "field": status, "value": "Open", "documents": ids}
    )
    open_id = PdmValue.objects.get(field__project_id=RIVERSIDE, field__name="status", label="Open").procore_id
    assert all(d.metadata[status] == [open_id] for d in StagedDocument.objects.all())

    revision = field_id("revision")
    client.post(
        f"/batches/{batch.pk}/documents/", {"action": "set", "field": revision, "value": "A", "documents": ids[:1]}
    )
    client.post(f"/batches/{batch.pk}/documents/", {"action": "copy_down", "field": revision, "documents": ids})
    assert [StagedDocument.objects.get(pk=i).metadata.get(revision) for i in ids] == [["A"]] * 3
    assert AuditEntry.objects.filter(batch=batch, action="Copied a value down").exists()


def test_a_bad_value_in_bulk_edit_changes_nothing(client, batch):
    ids = [upload(client, batch, "Sheet.pdf")["id"]]
    before = StagedDocument.objects.get(pk=ids[0]).metadata
    page = client.post(
        f"/batches/{batch.pk}/documents/",
        {"action": "set", "field": field_id("type"), "value": "NOPE", "documents": ids},
        follow=True,
    )
    assert "Type:" in page.content.decode()
    assert StagedDocument.objects.get(pk=ids[0]).metadata == before


def test_the_document_form_saves_typed_values_and_refuses_bad_ones(client, batch):
    document_id = upload(client, batch, "A-DRW-101_Floor Plan_Rev B.pdf")["id"]
    url = f"/batches/{batch.pk}/documents/{document_id}/"
    assert client.get(url).status_code == 200
    document = StagedDocument.objects.get(pk=document_id)
    form = {k: v for k, v in document.metadata.items()}
    form[field_id("date_authored")] = "not a date"
    answer = client.post(url, form)
    assert answer.status_code == 200 and b"field-error" in answer.content
    assert StagedDocument.objects.get(pk=document_id).metadata == document.metadata
    form[field_id("date_authored")] = "2026-03-04"
    assert client.post(url, form).status_code == 302
    assert StagedDocument.objects.get(pk=document_id).metadata[field_id("date_authored")][0].startswith("2026-03-04")


def test_templates_are_saved_for_the_team_and_applied(client, batch, sandbox):
    first, second = (upload(client, batch, f"S{n}.pdf", f"%PDF {n}".encode())["id"] for n in range(2))
    status = field_id("status")
    client.post(
        f"/batches/{batch.pk}/documents/", {"action": "set", "field": status, "value": "Open", "documents": [first]}
    )
    client.post(f"/batches/{batch.pk}/templates/", {"name": "For review", "document": first, "fields": [status]})
    template = MetadataTemplate.objects.get(project_id=RIVERSIDE, name="For review")
    client.post(
        f"/batches/{batch.pk}/documents/", {"action": "template", "template": template.pk, "documents": [second]}
    )
    assert StagedDocument.objects.get(pk=second).metadata[status] == template.values[status]


def test_csv_round_trip_and_refusals(client, batch):
    ids = [upload(client, batch, f"S{n}.pdf", f"%PDF {n}".encode())["id"] for n in range(2)]
    exported = client.get(f"/batches/{batch.pk}/export.csv")
    assert exported["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert len(rows) == 2
    status_column = next(c for c in rows[0] if c.lower().startswith("status"))
    for row in rows:
        row[status_column] = "Open"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    answer = client.post(
        f"/batches/{batch.pk}/import/", {"csv": SimpleUploadedFile("b.csv", out.getvalue().encode(), "text/csv")}
    )
    assert answer.status_code == 302
    status = field_id("status")
    assert all(StagedDocument.objects.get(pk=i).metadata.get(status) for i in ids)

    before = {d.pk: d.metadata for d in StagedDocument.objects.all()}
    rows[0][status_column] = "Not a status"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    refused = client.post(
        f"/batches/{batch.pk}/import/", {"csv": SimpleUploadedFile("b.csv", out.getvalue().encode(), "text/csv")}
    )
    assert refused.status_code == 400 and b"Nothing in" in refused.content
    assert {d.pk: d.metadata for d in StagedDocument.objects.all()} == before

    other = Batch.objects.create(project_id=RIVERSIDE, name="Other", created_by=batch.created_by)
    foreign = client.post(
        f"/batches/{other.pk}/import/", {"csv": SimpleUploadedFile("b.csv", out.getvalue().encode(), "text/csv")}
    )
    assert foreign.status_code == 400

    garbage = client.post(
        f"/batches/{batch.pk}/import/",
        {"csv": SimpleUploadedFile("b.csv", b"\xff\xfe\x00garbage", "text/csv")},
        follow=True,
    )
    assert "not UTF-8" in garbage.content.decode()


def test_removing_emptying_and_deleting_remove_stored_files(client, batch):
    ids = [upload(client, batch, f"S{n}.pdf", f"%PDF {n}".encode())["id"] for n in range(3)]
    names = list(StagedDocument.objects.values_list("file", flat=True))
    client.post(f"/batches/{batch.pk}/documents/", {"action": "remove", "documents": ids[:1]})
    assert not default_storage.exists(names[0]) and default_storage.exists(names[1])
    client.post(f"/batches/{batch.pk}/empty/")
    assert not StagedDocument.objects.exists() and not default_storage.exists(names[1])
    upload(client, batch, "last.pdf", b"%PDF last")
    last = StagedDocument.objects.get().file.name
    client.post(f"/batches/{batch.pk}/delete/")
    assert not Batch.objects.exists() and not default_storage.exists(last)


def test_other_peoples_batches_answer_404(client, batch, sandbox):
    sam = portal_user(sandbox, SAM)
    sync_memberships(sam)
    other = Client()
    other.force_login(sam)
    for url in [f"/batches/{batch.pk}/", f"/batches/{batch.pk}/export.csv"]:
        assert other.get(url).status_code == 404
    for url in [
        f"/batches/{batch.pk}/uploads/",
        f"/batches/{batch.pk}/documents/",
        f"/batches/{batch.pk}/empty/",
        f"/batches/{batch.pk}/delete/",
        f"/batches/{batch.pk}/import/",
    ]:
        assert other.post(url).status_code == 404
    assert other.get(f"/projects/{RIVERSIDE}/batches/").status_code == 404
    assert Batch.objects.filter(pk=batch.pk).exists()


def _fill(batch, count: int) -> None:
    StagedDocument.objects.bulk_create(
        [
            StagedDocument(
                batch=batch,
                file=f"staged/x/{n}",
                file_name=f"A-DRW-{n:04}_Sheet_Rev A.pdf",
                size=10,
                sha256=f"{n:064x}",
                mime_type="application/pdf",
                position=n,
                problems=[{"field": "", "message": "x"}] if n % 3 else [],
            )
            for n in range(count)
        ]
    )


def test_the_batch_page_costs_the_same_queries_for_10_or_300_documents(client, eli):
    small = Batch.objects.create(project_id=RIVERSIDE, name="small", created_by=eli)
    large = Batch.objects.create(project_id=RIVERSIDE, name="large", created_by=eli)
    _fill(small, 10)
    _fill(large, 300)
    client.get(f"/batches/{small.pk}/")

    def count(batch) -> int:
        cache.clear()  # each page as its first look works it out (the submit estimate is kept a few seconds)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/batches/{batch.pk}/").status_code == 200
        return len(captured.captured_queries)

    assert count(small) == count(large)


def test_the_batch_page_reads_the_project_setup_and_people_once(client, eli):
    batch = Batch.objects.create(project_id=RIVERSIDE, name="large", created_by=eli)
    _fill(batch, 300)
    with CaptureQueriesContext(connection) as captured:
        page = client.get(f"/batches/{batch.pk}/")
    assert page.status_code == 200 and "Submit to Procore" in page.content.decode()
    tables = [
        q["sql"].split(" FROM ", 1)[-1].split()[0] for q in captured.captured_queries if q["sql"].startswith("SELECT")
    ]
    for table in ['"mirror_pdmfield"', '"mirror_pdmvalue"', '"mirror_uploadrule"', '"mirror_projectperson"']:
        assert tables.count(table) == 1, table
    assert len(captured.captured_queries) <= 22
