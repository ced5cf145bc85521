"""Validation of staged metadata: required fields of the applicable rule, values, types, duplicates."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.mirror.models import Company, Project
from portal.staging.models import Batch, StagedDocument
from portal.staging.schema import display_value
from portal.staging.validation import Problem, parse_input, revalidate_batch, validate
from tests.staging.schemas import fid, make_schema, revision_row, rule, vid

PDF = "application/pdf"


def complete(**overrides: list[str]) -> dict[str, list[str]]:
    """A Structural Drawing with everything its rule requires."""
    base = {
        fid("name"): ["Foundation Plan"],
        fid("type"): [vid("type", "DRW")],
        fid("status"): [vid("status", "OPN")],
        fid("revision"): ["Rev A"],
        fid("discipline"): [vid("discipline", "S")],
        fid("number"): ["201"],
        fid("date_authored"): ["2026-01-03T00:00:00Z"],
        fid("location"): [vid("location", "L1")],
    }
    base.update({fid(k): v for k, v in overrides.items()})
    return {k: v for k, v in base.items() if v}


def problems(metadata, schema=None, file_name="S-DRW-201_Foundation Plan_Rev A.pdf", mime_type=PDF):
    return validate(metadata, file_name=file_name, mime_type=mime_type, schema=schema or make_schema())[1]


def test_it_accepts_a_complete_document_under_its_rule():
    rule, found = validate(complete(), file_name="x.pdf", mime_type=PDF, schema=make_schema())
    assert rule.id == "R3" and found == []


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        (
            {"location": []},
            [
                Problem(
                    fid("location"), "Location is required by the rule for Drawing documents with Discipline Structural"
                )
            ],
        ),
        ({"status": []}, [Problem(fid("status"), "Status is required by this project")]),
        ({"name": [""]}, [Problem(fid("name"), "Name is required by this project")]),
        (
            {"discipline": [vid("discipline", "A")], "date_authored": []},
            [Problem(fid("date_authored"), "Date Authored is required by the rule for Drawing documents")],
        ),
        (
            {"discipline": [vid("discipline", "X")]},
            [
                Problem(
                    fid("discipline"), "Discipline: “Legacy” is no longer active in this project; choose another value"
                )
            ],
        ),
        (
            {"type": [vid("type", "SKT")], "number": [], "location": []},
            [Problem(fid("type"), "Type: “Sketch” is no longer active in this project; choose another value")],
        ),
        (
            {"status": [vid("type", "DRW")]},
            [
                Problem(fid("status"), f"Status: “{vid('type', 'DRW')}” is not one of this project's Status values"),
            ],
        ),
        (
            {"status": [vid("status", "OPN"), vid("status", "CLS")]},
            [Problem(fid("status"), "Status takes one value, not 2")],
        ),
        ({"sheets": ["twelve"]}, [Problem(fid("sheets"), "Sheet Count must be a number (e.g. 42)")]),
        ({"sheets": ["12.5"]}, []),
        (
            {"date_authored": ["15/12/2025"]},
            [Problem(fid("date_authored"), "Date Authored must be a date, e.g. 2025-12-15")],
        ),
        ({"authored_by": ["Jane"]}, [Problem(fid("authored_by"), "Authored By must be a Procore user")]),
        ({"authored_by": ["5448"]}, []),
        (
            {"project": [vid("project", "NW-101")]},
            [Problem(fid("project"), "Project is filled by Procore and cannot be set")],
        ),
        (
            {"packages": [vid("packages", "BP1"), vid("packages", "BP0")]},
            [
                Problem(
                    fid("packages"),
                    "Bid Packages: “Early Works” is no longer active in this project; choose another value",
                )
            ],
        ),
    ],
)
def test_it_reports_what_procore_would_refuse_in_plain_words(overrides, expected):
    assert problems(complete(**overrides)) == expected


def test_it_reports_values_for_unknown_and_retired_fields():
    schema = make_schema()
    assert problems({**complete(), "F-gone": ["x"]}, schema) == [
        Problem("F-gone", "A value is set for a field this project no longer has; clear it")
    ]


def test_it_needs_a_rule_to_validate_against():
    assert problems(complete(), make_schema(rules=[])) == [
        Problem(
            "", "This project has no upload requirements in the portal's copy yet: sync the project, then check again"
        )
    ]


def test_it_says_when_a_required_field_cannot_be_filled_in_this_project():
    schema = make_schema(rules=[rule(0, [], ["originator"])])
    originator = schema.fields_by_name["originator"]
    schema.fields_by_id[originator.id] = type(originator)(**{**originator.__dict__, "active": False})
    assert problems(complete(), schema) == [
        Problem(
            originator.id,
            "Originator is required by the project's default rule but is turned off in this "
            "project; ask a Procore admin to correct the requirement",
        )
    ]


def test_it_leaves_fields_procore_fills_to_procore():
    schema = make_schema(rules=[rule(0, [], ["authored_by", "project"])])
    assert problems(complete(), schema) == []


def no_duplicates_schema(revisions=None, naming=("discipline", "number")):
    rules = [
        rule(0, [], [], duplicates=False),
        rule(1, [("type", ["DRW"])], ["discipline", "number"], duplicates=False),
    ]
    return make_schema(
        list(naming),
        rules,
        revisions
        if revisions is not None
        else [
            revision_row(
                {"discipline": "S", "number": "201", "name": "Deck Framing Plan"},
                "Rev A",
                file_name="S.201_Deck Framing Plan_Rev A.pdf",
            ),
            revision_row(
                {"discipline": "S", "number": "201", "name": "Deck Framing Plan"},
                "Rev B",
                file_name="S.201_Deck Framing Plan_Rev B.pdf",
            ),
        ],
    )


def test_it_refuses_a_revision_already_in_the_container_when_duplicates_are_not_allowed():
    schema = no_duplicates_schema()
    found = problems(complete(revision=["Rev B"]), schema, file_name="S.201_Deck.pdf")
    assert found == [
        Problem(
            fid("revision"),
            "Revision B already exists for S.201 (PDF) and this project does not allow duplicate revisions",
        )
    ]
    # Another revision, another container (number, or file format), or duplicates allowed: fine.
    assert problems(complete(revision=["Rev C"]), schema, file_name="S.201_Deck.pdf") == []
    assert problems(complete(revision=["Rev B"], number=["202"]), schema) == []
    assert problems(complete(revision=["Rev B"]), schema, file_name="S.201.dwg", mime_type="image/vnd.dwg") == []
    assert (
        problems(
            complete(revision=["Rev B"]),
            make_schema(
                ["discipline", "number"], revisions=[revision_row({"discipline": "S", "number": "201"}, "Rev B")]
            ),
        )
        == []
    )


def test_it_keys_containers_by_name_without_a_naming_standard():
    schema = no_duplicates_schema([revision_row({"name": "Site Plan"}, "1")], naming=())
    found = problems(
        {
            fid("name"): ["Site Plan"],
            fid("type"): [vid("type", "RPT")],
            fid("status"): [vid("status", "OPN")],
            fid("revision"): ["1"],
        },
        schema,
        file_name="Site Plan.pdf",
    )
    assert found == [
        Problem(
            fid("revision"),
            "Revision 1 already exists for “Site Plan” (PDF) and this project does not allow duplicate revisions",
        )
    ]
    assert (
        problems(
            {
                fid("name"): ["Site Plan v2"],
                fid("type"): [vid("type", "RPT")],
                fid("status"): [vid("status", "OPN")],
                fid("revision"): ["1"],
            },
            schema,
        )
        == []
    )


@pytest.mark.parametrize(
    ("field", "raw", "expected"),
    [
        ("type", "DRW", [vid("type", "DRW")]),
        ("type", "drawing", [vid("type", "DRW")]),
        ("type", " Drawing ", [vid("type", "DRW")]),
        ("type", "DRW – Drawing", [vid("type", "DRW")]),
        ("type", vid("type", "SPC"), [vid("type", "SPC")]),
        ("type", "", []),
        ("packages", "BP1; Bid Package 2;BP1", [vid("packages", "BP1"), vid("packages", "BP2")]),
        ("location", "Level 1", [vid("location", "L1")]),
        ("authored_by", "5448", ["5448"]),
        ("sheets", "42", ["42"]),
        ("sheets", "42.0", ["42"]),
        ("sheets", "1e2", ["100"]),
        ("sheets", "3.50", ["3.5"]),
        ("date_authored", "2025-12-15", ["2025-12-15T00:00:00Z"]),
        ("date_authored", "2025-12-15T14:30:00Z", ["2025-12-15T14:30:00Z"]),
        ("date_authored", "2025-12-15 16:30+02:00", ["2025-12-15T14:30:00Z"]),
        ("name", "  Floor Plan ", ["Floor Plan"]),
    ],
)
def test_it_parses_typed_in_values_into_procore_values(field, raw, expected):
    schema = make_schema()
    assert parse_input(schema.fields_by_name[field], raw, schema) == expected


@pytest.mark.parametrize(
    ("field", "raw", "message"),
    [
        ("type", "ZZZ", "Type: “ZZZ” is not one of this project's values (use one of DRW, SPC, RPT)"),
        ("type", "SKT", "Type: “Sketch” is no longer active in this project"),
        ("discipline", "Legacy", "Discipline: “Legacy” is no longer active in this project"),
        ("sheets", "twelve", "Sheet Count: “twelve” is not a number (write e.g. 42 or 3.5)"),
        ("sheets", "1,200", "Sheet Count: “1,200” is not a number (write e.g. 42 or 3.5)"),
        ("sheets", "NaN", "Sheet Count: “NaN” is not a number (write e.g. 42 or 3.5)"),
        (
            "date_authored",
            "15/15/2025",
            "Date Authored: “15/15/2025” is not a date; write it as 2025-12-15, 15/12/2025 or 15 DEC 2025",
        ),
        (
            "date_authored",
            "2025-02-30",
            "Date Authored: “2025-02-30” is not a date; write it as 2025-12-15, 15/12/2025 or 15 DEC 2025",
        ),
        (
            "authored_by",
            "Jane Doe",
            "Authored By: nobody called “Jane Doe” among the people the portal knows here (Procore did not "
            "list this project's people: you can also write a Procore user id)",
        ),
        ("project", "NW-101", "Project is filled by Procore and cannot be set"),
    ],
)
def test_it_explains_input_it_cannot_take(field, raw, message):
    schema = make_schema()
    with pytest.raises(ValueError) as raised:
        parse_input(schema.fields_by_name[field], raw, schema)
    assert str(raised.value) == message


def test_it_shows_stored_values_as_people_read_them():
    schema = make_schema()
    assert display_value(schema, fid("type"), vid("type", "DRW")) == "DRW – Drawing"
    assert display_value(schema, fid("type"), vid("type", "SKT")) == "SKT – Sketch"  # inactive: still named
    assert display_value(schema, fid("number"), "101") == "101"
    assert display_value(schema, fid("authored_by"), "5448") == "Procore user 5448"  # nobody known by that id
    assert display_value(schema, fid("date_authored"), "2026-11-20T00:00:00Z") == "20 Nov 2026"
    assert display_value(schema, fid("type"), "gone") == "gone"


# --- a whole batch -------------------------------------------------------------------------


@pytest.fixture
def batch(db):
    company = Company.objects.create(id=8090, name="Harbor Civil")
    project = Project.objects.create(id=2307, company=company, name="Harbor Bridge Retrofit")
    return Batch.objects.create(project=project, name="Deck sheets")


def add(batch, count, metadata, **extra):
    start = batch.documents.count()
    StagedDocument.objects.bulk_create(
        [
            StagedDocument(
                batch=batch,
                file=f"staged/{i}",
                file_name=extra.get("file_name", f"S.{i}_Sheet.pdf"),
                size=10,
                sha256=f"{i:064x}",
                mime_type=PDF,
                metadata=metadata(i),
                position=i,
                state=extra.get("state", StagedDocument.State.ERRORS),
            )
            for i in range(start, start + count)
        ]
    )


def test_it_revalidates_a_batch_in_bulk_and_counts_by_state(batch):
    add(batch, 3, lambda i: complete(number=[str(300 + i)]))
    add(batch, 2, lambda i: complete(status=[]))
    add(batch, 1, lambda i: complete(), state=StagedDocument.State.SUBMITTED)
    counts = revalidate_batch(batch, make_schema())
    assert counts == {"ready": 3, "errors": 2, "submitting": 0, "submitted": 1, "failed": 0}
    broken = batch.documents.filter(state="errors")
    required = {"field": fid("status"), "message": "Status is required by this project"}
    assert [d.problems for d in broken] == [[required]] * 2
    assert set(batch.documents.values_list("rule_id", flat=True)) == {"R3", ""}
    assert batch.documents.get(state="submitted").problems == []  # the pipeline's, untouched


def test_it_flags_a_revision_repeated_inside_the_batch(batch):
    add(batch, 3, lambda i: complete(revision=["Rev C"]))
    revalidate_batch(batch, no_duplicates_schema())
    first, second, third = batch.documents.order_by("position")
    assert first.state == "ready"
    assert second.problems == [
        {
            "field": fid("revision"),
            "message": "Revision C of S.201 is also on “S.0_Sheet.pdf” "
            "in this batch, and this project does not allow "
            "duplicate revisions",
        }
    ]
    assert third.state == "errors"


def test_it_uses_the_same_queries_for_ten_and_a_thousand_documents(batch):
    schema = make_schema()
    add(batch, 10, lambda i: complete(status=[] if i % 3 else [vid("status", "OPN")], number=[str(i)]))
    with CaptureQueriesContext(connection) as small:
        revalidate_batch(batch, schema)
    batch.documents.all().delete()
    add(batch, 1000, lambda i: complete(status=[] if i % 3 else [vid("status", "OPN")], number=[str(i)]))
    with CaptureQueriesContext(connection) as large:
        counts = revalidate_batch(batch, schema)
    assert counts["errors"] == 666 and counts["ready"] == 334
    assert len(large.captured_queries) == len(small.captured_queries) <= 5
    # Nothing changed since: reading only.
    with CaptureQueriesContext(connection) as again:
        revalidate_batch(batch, schema)
    assert len(again.captured_queries) == 1
