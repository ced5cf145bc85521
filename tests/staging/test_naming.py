"""Metadata proposed from file names: table-driven, on schemas shaped like the demo projects."""

from __future__ import annotations

import pytest

from portal.staging.naming import propose
from portal.staging.schema import FieldInfo, Schema, ValueInfo
from tests.staging.schemas import fid, make_schema, revision_row, vid


def readable(proposal) -> dict[str, str]:
    """{field name: code or literal} of a proposal, for tables."""
    shown = {}
    for field_id, values in proposal.metadata.items():
        value = values[0]
        shown[field_id.removeprefix("F-")] = value.split("-", 2)[2] if value.startswith("V-") else value
    return shown


RIVERSIDE = [
    (
        "A-DRW-101_Floor Plan_Rev B.pdf",
        {"discipline": "A", "type": "DRW", "number": "101", "name": "Floor Plan", "revision": "Rev B"},
        [],
    ),
    (
        "s-drw-201_Foundation Plan_RevA.pdf",
        {"discipline": "S", "type": "DRW", "number": "201", "name": "Foundation Plan", "revision": "Rev A"},
        [],
    ),
    (
        "FP-SPC-001_Sprinklers_R02.docx",
        {"discipline": "FP", "type": "SPC", "number": "001", "name": "Sprinklers", "revision": "Rev 02"},
        [],
    ),
    (
        "A-DRW-101 Floor Plan Rev.C.pdf",
        {"discipline": "A", "type": "DRW", "number": "101", "name": "Floor Plan", "revision": "Rev C"},
        [],
    ),
    (
        "A-DRW-101_Room R101 Finishes_R3.pdf",
        {"discipline": "A", "type": "DRW", "number": "101", "name": "Room R101 Finishes", "revision": "Rev 3"},
        [],
    ),
    (
        "A-DRW-101_Floor Plan_rev b_R3.pdf",
        {"discipline": "A", "type": "DRW", "number": "101", "name": "Floor Plan R3", "revision": "Rev B"},
        [],
    ),
    ("A-DRW-101_Design Review.pdf", {"discipline": "A", "type": "DRW", "number": "101", "name": "Design Review"}, []),
    ("A-DRW-101.pdf", {"discipline": "A", "type": "DRW", "number": "101", "name": "A-DRW-101"}, []),
    (
        "A.DRW.101_Section_Revision 3.pdf",
        {"discipline": "A", "type": "DRW", "number": "101", "name": "Section", "revision": "Rev 3"},
        [],
    ),
    ("A DRW 101_Elevations.pdf", {"discipline": "A", "type": "DRW", "number": "101", "name": "Elevations"}, []),
    (
        "ZZ-DRW-101_Floor Plan_Rev B.pdf",
        {"type": "DRW", "number": "101", "name": "Floor Plan", "revision": "Rev B"},
        ["ZZ: not a Discipline code of this project"],
    ),
    (
        "X-DRW-101_Old Plan.pdf",
        {"type": "DRW", "number": "101", "name": "Old Plan"},
        ["X: Discipline “Legacy” is inactive in this project"],
    ),
    (
        "A-SKT-7_Napkin.pdf",
        {"discipline": "A", "number": "7", "name": "Napkin"},
        ["SKT: Type “Sketch” is inactive in this project"],
    ),
    (
        "Floor Plan_Rev B.pdf",
        {"name": "Floor Plan", "revision": "Rev B"},
        ["Floor: the name does not start with the codes Discipline-Type-Number"],
    ),
    (
        "A-DRW_Floor Plan.pdf",
        {"name": "A-DRW Floor Plan"},
        ["A-DRW: the name does not start with the codes Discipline-Type-Number"],
    ),
    (
        "A--101_Floor Plan.pdf",
        {"name": "A--101 Floor Plan"},
        ["A--101: the name does not start with the codes Discipline-Type-Number"],
    ),
    ("", {}, []),
    (".pdf", {"name": "pdf"}, [".pdf: the name does not start with the codes Discipline-Type-Number"]),
]


@pytest.mark.parametrize(("file_name", "expected", "unmatched"), RIVERSIDE)
def test_it_proposes_codes_name_and_revision_from_a_naming_standard(file_name, expected, unmatched):
    proposal = propose(file_name, make_schema())
    assert readable(proposal) == expected
    assert proposal.unmatched == unmatched


@pytest.mark.parametrize(
    ("file_name", "expected"),
    [
        (
            "S.201_Deck Framing Plan_Rev B.pdf",
            {"discipline": "S", "number": "201", "name": "Deck Framing Plan", "revision": "Rev B"},
        ),
        ("S-201_Deck Framing Plan.pdf", {"discipline": "S", "number": "201", "name": "Deck Framing Plan"}),
        ("S.201.pdf", {"discipline": "S", "number": "201", "name": "S.201"}),
    ],
)
def test_it_infers_the_separator_of_a_two_part_standard(file_name, expected):
    assert readable(propose(file_name, make_schema(["discipline", "number"]))) == expected


def test_it_prefers_the_separator_existing_revisions_use():
    schema = make_schema(
        ["discipline", "number"],
        revisions=[revision_row({"discipline": "S", "number": "2-1"}, "Rev A", file_name="S.2-1_Deck.pdf")],
    )
    assert schema.naming_separator == "."
    assert readable(propose("S.2-1_Deck.pdf", schema))["number"] == "2-1"
    # Without that history the split whose parts are codes still wins over "-" coming first.
    assert readable(propose("S.2-1_Deck.pdf", make_schema(["discipline", "number"])))["number"] == "2-1"
    assert make_schema(["discipline", "number"]).naming_separator == "-"


@pytest.mark.parametrize(
    ("file_name", "name"),
    [
        ("Site Plan.pdf", "Site Plan"),
        ("Classroom_Wing Report_Rev 2.pdf", "Classroom_Wing Report_Rev 2"),
        ("archive.tar.gz", "archive.tar"),
        ("README", "README"),
    ],
)
def test_it_proposes_only_the_name_without_a_naming_standard(file_name, name):
    proposal = propose(file_name, make_schema([]))
    assert readable(proposal) == {"name": name}
    assert proposal.unmatched == []


def test_it_records_where_every_proposed_value_came_from():
    proposal = propose("A-DRW-101_Floor Plan_Rev B.pdf", make_schema())
    assert proposal.sources == {
        fid("discipline"): {"source": "file name", "text": "A"},
        fid("type"): {"source": "file name", "text": "DRW"},
        fid("number"): {"source": "file name", "text": "101"},
        fid("revision"): {"source": "file name", "text": "Rev B"},
        fid("name"): {"source": "file name", "text": "Floor Plan"},
    }
    assert set(proposal.sources) == set(proposal.metadata)


def test_it_never_raises_on_strange_names():
    schema = make_schema()
    for name in ["\x00\x01", "_", " ", "-.-", "A-DRW-101_" + "x" * 5000, "名前-図面-1_平面図.pdf", "a/b\\c.pdf"]:
        proposal = propose(name, schema)
        assert isinstance(proposal.unmatched, list)


def test_it_takes_a_numeric_naming_field_only_when_it_is_a_number():
    fields = [
        ("name", "Name", "string", "", False),
        ("sheets", "Sheet Count", "numeric", "", False),
        ("discipline", "Discipline", "lov_entry", "single_select", False),
    ]
    schema = Schema.build(
        [FieldInfo(fid(n), n, label, t, v, True, ro, True) for n, label, t, v, ro in fields],
        [ValueInfo(vid("discipline", "A"), fid("discipline"), "A", "Architectural", True)],
        [],
        [fid("discipline"), fid("sheets")],
    )
    assert readable(propose("A-12_Plan.pdf", schema)) == {"discipline": "A", "sheets": "12", "name": "Plan"}
    proposal = propose("A-XII_Plan.pdf", schema)
    assert readable(proposal) == {"discipline": "A", "name": "Plan"}
    assert proposal.unmatched == ["XII: Sheet Count must be a number"]
