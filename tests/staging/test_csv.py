"""CSV export and all-or-nothing import of a batch's metadata."""

from __future__ import annotations

import csv
import io

import pytest

from portal.mirror.models import Company, Project
from portal.staging.csv_io import CsvError, export_csv, import_csv
from portal.staging.models import Batch, StagedDocument
from tests.staging.schemas import fid, make_schema, vid

PDF = "application/pdf"


@pytest.fixture
def schema():
    return make_schema()


@pytest.fixture
def batch(db):
    company = Company.objects.create(id=8089, name="Northwind")
    project = Project.objects.create(id=2305, company=company, name="Riverside Medical Center")
    batch = Batch.objects.create(project=project, name="Ground floor")
    rows = [
        (
            "A-DRW-101_Floor Plan_Rev B.pdf",
            {
                fid("name"): ["Floor Plan"],
                fid("type"): [vid("type", "DRW")],
                fid("discipline"): [vid("discipline", "A")],
                fid("number"): ["101"],
                fid("revision"): ["Rev B"],
            },
        ),
        (
            "S-DRW-201_Foundation.pdf",
            {
                fid("name"): ["Foundation"],
                fid("type"): [vid("type", "DRW")],
                fid("discipline"): [vid("discipline", "X")],
                fid("sheets"): ["-3"],
                fid("packages"): [vid("packages", "BP1"), vid("packages", "BP2")],
            },
        ),
        ("=cmd|' /C calc'!A0.pdf", {}),
    ]
    for position, (file_name, metadata) in enumerate(rows):
        StagedDocument.objects.create(
            batch=batch,
            file=f"staged/{position}",
            file_name=file_name,
            size=1,
            sha256=f"{position:064x}",
            mime_type=PDF,
            metadata=metadata,
            position=position,
            proposals={k: {"source": "file name", "text": "x"} for k in metadata},
        )
    return batch


def table(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def write(rows: list[dict[str, str]], delimiter: str = ",") -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), delimiter=delimiter)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def snapshot(batch) -> list[tuple]:
    return list(batch.documents.order_by("id").values_list("metadata", "proposals", "problems", "state", "rule_id"))


def test_it_exports_one_row_per_document_and_one_column_per_settable_field(batch, schema):
    rows = table(export_csv(batch, schema))
    assert list(rows[0]) == [
        "batch_id",
        "document_id",
        "document_version",
        "file_name",
        "Name",
        "Type",
        "Status",
        "Revision",
        "Number",
        "Discipline",
        "Date Authored",
        "Authored By",
        "Originator",
        "Location",
        "Sheet Count",
        "Bid Packages",
    ]  # no Project: Procore fills it
    first, second, third = rows
    assert first["batch_id"] == str(batch.pk) and first["Type"] == "Drawing" and first["Discipline"] == "Architectural"
    assert second["Bid Packages"] == "Bid Package 1; Bid Package 2"
    assert second["Sheet Count"] == "'-3" and third["file_name"].startswith("'=")  # no formulas in spreadsheets
    coded = table(export_csv(batch, schema, use_codes=True))
    assert coded[0]["Type"] == "DRW" and coded[1]["Bid Packages"] == "BP1; BP2" and coded[1]["Discipline"] == "X"


@pytest.mark.parametrize("use_codes", [False, True])
def test_it_round_trips_an_unchanged_export_without_changing_anything(batch, schema, use_codes):
    before = snapshot(batch)
    assert import_csv(batch, export_csv(batch, schema, use_codes=use_codes), schema) == []
    after = snapshot(batch)
    assert [row[:2] for row in after] == [row[:2] for row in before]  # metadata and proposals kept
    assert {
        "field": fid("discipline"),
        "message": "Discipline: “Legacy” is no longer active in this project; choose another value",
    } in after[1][2]


def test_it_imports_edited_cells_and_drops_the_overwritten_proposals(batch, schema):
    rows = table(export_csv(batch, schema))
    rows[0]["Status"] = "Open"
    rows[0]["Date Authored"] = "2026-01-04"
    rows[0]["Revision"] = ""
    rows[1]["Discipline"] = "S"
    rows[1]["Bid Packages"] = "BP2"
    rows[1]["Sheet Count"] = "'-3"
    assert import_csv(batch, write(rows), schema) == []
    first, second, _ = batch.documents.order_by("position")
    assert first.metadata[fid("status")] == [vid("status", "OPN")]
    assert first.metadata[fid("date_authored")] == ["2026-01-04T00:00:00Z"]
    assert fid("revision") not in first.metadata and fid("revision") not in first.proposals
    assert first.proposals[fid("type")] == {"source": "file name", "text": "x"}  # untouched
    assert second.metadata[fid("discipline")] == [vid("discipline", "S")]
    assert second.metadata[fid("packages")] == [vid("packages", "BP2")]
    assert second.metadata[fid("sheets")] == ["-3"]
    # and the batch is re-validated: the first now misses its revision, the second has no Legacy any more
    assert {"field": fid("revision"), "message": "Revision is required by this project"} in first.problems
    assert first.state == "errors" and first.rule_id == "R1"
    assert all(p["field"] != fid("discipline") for p in second.problems)


def test_it_reads_semicolon_separated_exports_and_utf8_bytes_with_a_bom(batch, schema):
    rows = table(export_csv(batch, schema))
    rows[2]["Name"] = "Façade détail"
    data = ("\ufeff" + write(rows, delimiter=";")).encode("utf-8")
    assert import_csv(batch, data, schema) == []
    assert batch.documents.get(position=2).metadata[fid("name")] == ["Façade détail"]


def edited(batch, schema, change) -> str:
    rows = table(export_csv(batch, schema))
    change(rows)
    return write(rows)


def set_cell(row: int, column: str, value: str):
    def change(rows):
        rows[row][column] = value

    return change


@pytest.mark.parametrize(
    ("make", "errors"),
    [
        (
            lambda b, s: edited(b, s, set_cell(0, "Type", "Drawingz")),
            [CsvError(2, "Type", "Type: “Drawingz” is not one of this project's values (use one of DRW, SPC, RPT)")],
        ),
        (
            lambda b, s: edited(
                b,
                s,
                lambda rows: [
                    set_cell(0, "Sheet Count", "many")(rows),
                    set_cell(2, "Date Authored", "13/13/2026")(rows),
                ],
            ),
            [
                CsvError(2, "Sheet Count", "Sheet Count: “many” is not a number (write e.g. 42 or 3.5)"),
                CsvError(
                    4,
                    "Date Authored",
                    "Date Authored: “13/13/2026” is not a date; write it as 2025-12-15, 15/12/2025 or 15 DEC 2025",
                ),
            ],
        ),
        (
            lambda b, s: edited(b, s, set_cell(1, "Discipline", "legacy")),
            [CsvError(3, "Discipline", "Discipline: “Legacy” is no longer active in this project")],
        ),
        (
            lambda b, s: edited(b, s, set_cell(0, "file_name", "renamed.pdf")),
            [
                CsvError(
                    2, "file_name", "File names cannot be changed by CSV; this row is “A-DRW-101_Floor Plan_Rev B.pdf”"
                )
            ],
        ),
        (
            lambda b, s: edited(b, s, set_cell(0, "document_id", "999999")),
            [CsvError(2, "document_id", "“999999” is not a document of this batch (removed since the export?)")],
        ),
        (
            lambda b, s: edited(b, s, lambda rows: rows.append(dict(rows[0]))),
            [CsvError(5, "document_id", "Document {first} is already on row 2")],
        ),
        (
            lambda b, s: edited(b, s, set_cell(1, "batch_id", "77")),
            [CsvError(3, "batch_id", "This row belongs to batch 77, not to this batch ({batch})")],
        ),
        (
            lambda b, s: export_csv(b, s).replace("Sheet Count", "Sheet Countt"),
            [CsvError(1, "Sheet Countt", "“Sheet Countt” is not a field of this project")],
        ),
        (
            lambda b, s: export_csv(b, s).replace("Sheet Count", "Project"),
            [
                CsvError(
                    1, "Project", "Project cannot be set (it is filled by Procore or no longer used); remove the column"
                )
            ],
        ),
        (lambda b, s: export_csv(b, s).replace("Sheet Count", "sheets"), []),  # a field's API name is understood too
        (
            lambda b, s: export_csv(b, s).replace("Sheet Count", "Name"),
            [CsvError(1, "Name", "“Name” repeats the column “Name”")],
        ),
        (
            lambda b, s: export_csv(b, s).split("\r\n", 1)[1],
            [
                CsvError(
                    1,
                    "batch_id",
                    "The “batch_id” column is missing: the first row must be the header row of a CSV "
                    "exported from this batch",
                ),
                CsvError(
                    1,
                    "document_id",
                    "The “document_id” column is missing: the first row must be the header row of a "
                    "CSV exported from this batch",
                ),
            ],
        ),
        (
            lambda b, s: export_csv(b, s).split("\r\n", 1)[0] + "\r\n",
            [CsvError(0, "", "The file has a header but no document rows")],
        ),
        (lambda b, s: "", [CsvError(0, "", "The file is empty")]),
        (lambda b, s: " \r\n\r\n", [CsvError(0, "", "The file is empty")]),
        (
            lambda b, s: export_csv(b, s).encode("utf-16"),
            [
                CsvError(
                    0, "", "The file is not UTF-8 text: in your spreadsheet save it as “CSV UTF-8” and import it again"
                )
            ],
        ),
        (
            lambda b, s: b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256)),
            [
                CsvError(
                    0, "", "The file is not UTF-8 text: in your spreadsheet save it as “CSV UTF-8” and import it again"
                )
            ],
        ),
        (
            lambda b, s: "batch_id,document_id\x00,Name\r\n1,2,x\r\n",
            [
                CsvError(
                    0,
                    "",
                    "The file is not a readable CSV text file (binary data or a wrong encoding); save it as "
                    "“CSV UTF-8” and import it again",
                )
            ],
        ),
        (
            lambda b, s: export_csv(b, s) + '"unterminated,1,2\r\n',
            [CsvError(5, "", "The CSV is malformed at line 5: unexpected end of data")],
        ),
        (
            lambda b, s: export_csv(b, s) + f"{b.pk},1\r\n",
            [CsvError(5, "", "This row has 2 cells but the header has 16")],
        ),
    ],
)
def test_it_refuses_a_wrong_csv_and_changes_nothing(batch, schema, make, errors):
    before = snapshot(batch)
    first = batch.documents.order_by("position").first().pk
    expected = [CsvError(e.row, e.column, e.message.format(first=first, batch=batch.pk)) for e in errors]
    assert import_csv(batch, make(batch, schema), schema) == expected
    if errors:
        assert snapshot(batch) == before


def test_it_refuses_the_csv_of_another_batch(batch, schema):
    other = Batch.objects.create(project=batch.project, name="Roof")
    text = export_csv(batch, schema)
    before = snapshot(batch)
    assert import_csv(other, text, schema) == [
        CsvError(
            0,
            "batch_id",
            f"This CSV was exported from another batch "
            f"({batch.pk}), not from “Roof” ({other.pk}); "
            "export this batch's CSV and edit that one",
        )
    ]
    assert snapshot(batch) == before


def test_it_refuses_all_rows_when_one_row_is_wrong(batch, schema):
    rows = table(export_csv(batch, schema))
    rows[0]["Status"] = "Open"  # fine
    rows[2]["Status"] = "Opne"  # wrong
    before = snapshot(batch)
    assert import_csv(batch, write(rows), schema) == [
        CsvError(4, "Status", "Status: “Opne” is not one of this project's values (use one of OPN, CLS)")
    ]
    assert snapshot(batch) == before


def test_it_does_not_change_submitted_documents_or_a_batch_being_submitted(batch, schema):
    rows = table(export_csv(batch, schema))
    StagedDocument.objects.filter(pk=rows[0]["document_id"]).update(state=StagedDocument.State.SUBMITTED)
    rows[0]["Status"] = "Open"
    assert import_csv(batch, write(rows), schema) == [
        CsvError(2, "Status", "“A-DRW-101_Floor Plan_Rev B.pdf” is already submitted; it cannot change")
    ]
    batch.state = Batch.State.SUBMITTING
    batch.save()
    assert import_csv(batch, export_csv(batch, schema), schema) == [
        CsvError(0, "", "Batch “Ground floor” is submitting; its documents cannot be changed")
    ]
