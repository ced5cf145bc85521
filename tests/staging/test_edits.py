"""No edit loses a value: every edit path changes exactly the field a person changed, for every field
type; a field someone else changed since it was read is not overwritten silently."""

from __future__ import annotations

import csv
import io
import threading
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from portal.mirror.models import PdmField, PdmValue
from portal.staging import services
from portal.staging.edits import FieldEdit, apply_edits
from portal.staging.models import AuditEntry, Batch, StagedDocument
from portal.staging.schema import load_schema
from portal.staging.sharing import share_with_project
from procore_sandbox.testing import DANA, ELI
from tests.flows import form_data, stage_file

pytestmark = pytest.mark.django_db(transaction=True)

RIVERSIDE = 2305


def fid(name: str) -> str:
    return PdmField.objects.get(project_id=RIVERSIDE, name=name).procore_id


def vid(field: str, code: str) -> str:
    return PdmValue.objects.get(field__project_id=RIVERSIDE, field__name=field, code=code).procore_id


@dataclass(frozen=True)
class Case:
    """One field type: a field of Riverside, its value before and after, and how people type the new one."""

    field: str
    label: str
    before: tuple[str, ...]  # stored values, as (field, code) for lists
    after: tuple[str, ...]
    typed: str  # in a grid cell, a bulk edit or a CSV cell
    form: tuple[str, ...]  # in the document form's inputs (ids for lists)

    def stored(self, values: tuple[str, ...]) -> list[str]:
        return [vid(self.field, v) if self.is_list else v for v in values]

    @property
    def is_list(self) -> bool:
        return self.field in {"status", "custom_field_104"}


CASES = {
    "list": Case("status", "Status", ("OPN",), ("APP",), "Approved", ("APP",)),
    "multi-list": Case(
        "custom_field_104", "Trades", ("ARC",), ("STR", "MEP"), "STR; Building Services", ("STR", "MEP")
    ),
    "person": Case("authored_by", "Authored By", ("5448",), ("5461",), "Marta Quinn", ("Marta Quinn",)),
    "multi-person": Case(
        "custom_field_103",
        "Reviewers",
        ("5448",),
        ("5461", "5463"),
        "Marta Quinn; jordan.lee@brooks-structural.example",
        ("Marta Quinn", "Jordan Lee <jordan.lee@brooks-structural.example>"),
    ),
    "date": Case(
        "date_authored",
        "Date Authored",
        ("2026-01-05T00:00:00Z",),
        ("2026-02-10T00:00:00Z",),
        "2026-02-10",
        ("2026-02-10",),
    ),
    "number": Case("custom_field_105", "Sheet Count", ("12",), ("14",), "14", ("14",)),
    "text": Case("number", "Number", ("101",), ("102",), "102", ("102",)),
}


@pytest.fixture
def eli(signed_in):
    return signed_in(ELI)


@pytest.fixture
def batch(eli, riverside):
    return services.create_batch(riverside, eli.user, name="Edits")


def add_document(client, batch, name: str) -> StagedDocument:
    """A document with every field of the table set to its value before."""
    answer = stage_file(client, batch.pk, name, name.encode())
    assert answer["ok"], answer
    document = StagedDocument.objects.get(pk=answer["id"])
    schema = load_schema(batch.project)
    values = {fid(c.field): c.stored(c.before) for c in CASES.values()}
    result = services.set_document_fields(batch, client.user, document, values, schema)
    assert not result.conflicts
    document.refresh_from_db()
    return document


# --- the edit paths: each changes one field of one document, as a person does it -----------------


def by_form(client, batch, document, case: Case) -> None:
    page = client.get(f"/batches/{batch.pk}/documents/{document.pk}/")
    assert page.status_code == 200
    pairs = [(k, v) for k, v in form_data(page.content.decode()) if k != fid(case.field)]
    typed = [vid(case.field, v) for v in case.form] if case.is_list else list(case.form)
    data: dict[str, list[str]] = {}
    for key, value in pairs + [(fid(case.field), v) for v in typed]:
        data.setdefault(key, []).append(value)
    answer = client.post(f"/batches/{batch.pk}/documents/{document.pk}/", data)
    assert answer.status_code == 302, answer.content.decode()[:3000]


def by_bulk_set(client, batch, document, case: Case) -> None:
    answer = client.post(
        f"/batches/{batch.pk}/documents/",
        {
            "action": "set",
            "field": fid(case.field),
            "value": case.typed,
            "documents": [document.pk],
            f"version:{document.pk}": document.metadata_version,
        },
    )
    assert answer.status_code == 302


def by_template(client, batch, document, case: Case) -> None:
    template = services.save_template(
        batch.project, client.user, f"Set {case.label}", {fid(case.field): case.stored(case.after)}
    )
    answer = client.post(
        f"/batches/{batch.pk}/documents/", {"action": "template", "template": template.pk, "documents": [document.pk]}
    )
    assert answer.status_code == 302


def by_copy_down(client, batch, document, case: Case) -> None:
    source = add_document(client, batch, f"source {case.field} {document.pk}.pdf")
    services.set_document_fields(
        batch, client.user, source, {fid(case.field): case.stored(case.after)}, load_schema(batch.project)
    )
    answer = client.post(
        f"/batches/{batch.pk}/documents/",
        {"action": "copy_down", "field": fid(case.field), "documents": [source.pk, document.pk]},
    )
    assert answer.status_code == 302


def by_csv(client, batch, document, case: Case) -> None:
    rows = list(csv.DictReader(io.StringIO(client.get(f"/batches/{batch.pk}/export.csv").content.decode())))
    for row in rows:
        if row["document_id"] == str(document.pk):
            row[case.label] = case.typed
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    upload = SimpleUploadedFile("edited.csv", out.getvalue().encode(), "text/csv")
    answer = client.post(f"/batches/{batch.pk}/import/", {"csv": upload})
    assert answer.status_code == 302, answer.content.decode()[:3000]


PATHS = {"form": by_form, "bulk set": by_bulk_set, "template": by_template, "copy down": by_copy_down, "CSV": by_csv}


@pytest.mark.parametrize("path", PATHS)
def test_it_changes_exactly_the_field_a_person_changed(eli, batch, path):
    """Every field type × this edit path: one field changes, every other keeps its value."""
    for kind, case in CASES.items():
        document = add_document(eli, batch, f"{path} {kind}.pdf")
        before, version = dict(document.metadata), document.metadata_version
        PATHS[path](eli, batch, document, case)
        document.refresh_from_db()
        expected = {**before, fid(case.field): case.stored(case.after)}
        assert document.metadata == expected, f"{path} × {kind}"
        assert document.metadata_version == version + 1, f"{path} × {kind}"
        stamps = document.field_stamps
        assert {f for f, s in stamps.items() if s["v"] == version + 1} == {fid(case.field)}, f"{path} × {kind}"
        assert stamps[fid(case.field)]["name"] == "Eli Navarro"


def test_the_form_saved_with_one_field_changed_keeps_a_value_it_cannot_show(eli, batch, riverside):
    """A person the portal does not know (not in the directory) survives a save of Status."""
    document = add_document(eli, batch, "unknown author.pdf")
    StagedDocument.objects.filter(pk=document.pk).update(
        metadata={**document.metadata, fid("authored_by"): ["8972757"]}
    )
    page = eli.get(f"/batches/{batch.pk}/documents/{document.pk}/").content.decode()
    assert 'value="Procore user 8972757"' in page
    data: dict[str, list[str]] = {}
    for key, value in form_data(page):
        data.setdefault(key, []).append(vid("status", "APP") if key == fid("status") else value)
    assert eli.post(f"/batches/{batch.pk}/documents/{document.pk}/", data).status_code == 302
    document.refresh_from_db()
    assert document.metadata[fid("authored_by")] == ["8972757"]
    assert document.metadata[fid("status")] == [vid("status", "APP")]


def form_post(page_html: str, changes: dict[str, list[str]]) -> dict[str, list[str]]:
    data: dict[str, list[str]] = {}
    for key, value in form_data(page_html):
        if key not in changes:
            data.setdefault(key, []).append(value)
    return {**data, **changes}


def test_two_people_editing_one_document_lose_nothing_and_a_clash_is_shown(signed_in, batch):
    eli, dana = signed_in(ELI), signed_in(DANA)
    share_with_project(batch, eli.user, True)  # Dana is on the Riverside team
    document = add_document(eli, batch, "shared.pdf")
    url = f"/batches/{batch.pk}/documents/{document.pk}/"
    elis_page, danas_page = eli.get(url).content.decode(), dana.get(url).content.decode()
    author, status = fid("authored_by"), fid("status")

    # Dana changes Authored By; Eli, on the page he opened before, changes Status: both stay.
    assert dana.post(url, form_post(danas_page, {author: ["Marta Quinn"]})).status_code == 302
    assert eli.post(url, form_post(elis_page, {status: [vid("status", "APP")]})).status_code == 302
    document.refresh_from_db()
    assert document.metadata[author] == ["5461"] and document.metadata[status] == [vid("status", "APP")]

    # Eli, still on that page, changes Authored By too: not applied, he sees Dana's change and chooses.
    answer = eli.post(url, form_post(elis_page, {author: ["jordan.lee@northwind.example"]}))
    assert answer.status_code == 200
    shown = answer.content.decode()
    assert "Dana Whitfield</strong> changed Authored By to “Marta Quinn”" in shown
    assert "Use mine: “Jordan Lee &lt;jordan.lee@northwind.example&gt;”" in shown
    document.refresh_from_db()
    assert document.metadata[author] == ["5461"]

    keep = eli.post(url, form_post(shown, {f"resolve:{author}": ["theirs"]}))
    assert keep.status_code == 302
    document.refresh_from_db()
    assert document.metadata[author] == ["5461"]

    again = eli.post(url, form_post(elis_page, {author: ["jordan.lee@northwind.example"]})).content.decode()
    assert eli.post(url, form_post(again, {f"resolve:{author}": ["mine"]})).status_code == 302
    document.refresh_from_db()
    assert document.metadata[author] == ["5462"]
    assert document.metadata[status] == [vid("status", "APP")]
    assert AuditEntry.objects.filter(batch=batch, user=dana.user, detail__contains="Authored By → Marta Quinn").exists()


def test_a_bulk_edit_leaves_a_value_changed_since_the_page_was_drawn(signed_in, batch):
    eli, dana = signed_in(ELI), signed_in(DANA)
    first, second = add_document(eli, batch, "one.pdf"), add_document(eli, batch, "two.pdf")
    seen = {d.pk: d.metadata_version for d in (first, second)}
    services.set_field(batch, dana.user, [second.pk], fid("authored_by"), ["5464"], load_schema(batch.project))
    answer = eli.post(
        f"/batches/{batch.pk}/documents/",
        {
            "action": "set",
            "field": fid("authored_by"),
            "value": "Marta Quinn",
            "documents": [first.pk, second.pk],
            **{f"version:{pk}": v for pk, v in seen.items()},
        },
        follow=True,
    )
    page = answer.content.decode()
    assert "Authored By set on 1 document(s)." in page
    assert "Authored By of two.pdf was changed by Dana Whitfield" in page and "Ravi Shah" in page
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.metadata[fid("authored_by")] == ["5461"] and second.metadata[fid("authored_by")] == ["5464"]


def test_a_csv_import_refuses_a_cell_someone_changed_since_the_export_unless_asked(signed_in, batch):
    eli, dana = signed_in(ELI), signed_in(DANA)
    document = add_document(eli, batch, "exported.pdf")
    exported = eli.get(f"/batches/{batch.pk}/export.csv").content.decode()
    services.set_field(batch, dana.user, [document.pk], fid("authored_by"), ["5464"], load_schema(batch.project))
    services.set_field(batch, dana.user, [document.pk], fid("number"), ["777"], load_schema(batch.project))

    rows = list(csv.DictReader(io.StringIO(exported)))
    rows[0]["Authored By"] = "Marta Quinn"  # Eli's change, over Dana's
    rows[0]["Status"] = "Approved"  # fine on its own
    # rows[0]["Number"] still holds the exported 101: left alone, Dana's 777 stays
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    text = out.getvalue().encode()
    answer = eli.post(f"/batches/{batch.pk}/import/", {"csv": SimpleUploadedFile("mine.csv", text, "text/csv")})
    assert answer.status_code == 400
    page = answer.content.decode()
    assert "Dana Whitfield changed Authored By to “Ravi Shah” after this CSV was exported" in page
    assert "replacing their values" in page
    document.refresh_from_db()
    assert document.metadata[fid("authored_by")] == ["5464"] and document.metadata[fid("status")] == [
        vid("status", "OPN")
    ]

    replaced = eli.post(
        f"/batches/{batch.pk}/import/", {"csv": SimpleUploadedFile("mine.csv", text, "text/csv"), "replace_newer": "1"}
    )
    assert replaced.status_code == 302
    document.refresh_from_db()
    assert document.metadata[fid("authored_by")] == ["5461"]
    assert document.metadata[fid("status")] == [vid("status", "APP")]
    assert document.metadata[fid("number")] == ["777"]


def test_two_saves_at_the_same_moment_both_land_or_one_is_told(eli, batch):
    """Two threads save the same document at once: different fields both land; the same field once."""
    document = add_document(eli, batch, "race.pdf")
    base = document.metadata_version
    schema = load_schema(batch.project)
    start = threading.Barrier(2)
    results = {}

    def save(name: str, field: str, values: list[str]) -> None:
        try:
            start.wait()
            results[name] = apply_edits(batch, eli.user, [FieldEdit(document.pk, fid(field), values, base)], schema)
        finally:
            connection.close()

    for pair in (
        [("a", "number", ["201"]), ("b", "authored_by", ["5461"])],
        [("c", "revision", ["C"]), ("d", "revision", ["D"])],
    ):
        threads = [threading.Thread(target=save, args=args) for args in pair]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        document.refresh_from_db()
        base = document.metadata_version if pair[0][0] == "a" else base
    assert results["a"].changed and results["b"].changed and not results["a"].conflicts and not results["b"].conflicts
    assert document.metadata[fid("number")] == ["201"] and document.metadata[fid("authored_by")] == ["5461"]
    landed = [r for r in (results["c"], results["d"]) if r.changed]
    told = [r for r in (results["c"], results["d"]) if r.conflicts]
    assert len(landed) == 1 and len(told) == 1
    assert told[0].conflicts[0].theirs == document.metadata[fid("revision")]
    assert document.metadata_version == base + 1


def test_the_batch_must_be_editable(eli, batch):
    document = add_document(eli, batch, "locked.pdf")
    Batch.objects.filter(pk=batch.pk).update(state=Batch.State.SUBMITTING)
    batch.refresh_from_db()
    with pytest.raises(services.BatchLocked):
        apply_edits(batch, eli.user, [FieldEdit(document.pk, fid("number"), ["9"])], load_schema(batch.project))
