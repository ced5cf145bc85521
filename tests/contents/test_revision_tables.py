"""Revision tables: read whichever way they run, the latest chosen by revision order (not by where
it is written), its date taken with it, and a sheet that contradicts itself proposes no revision."""

from __future__ import annotations

from datetime import date

import pytest

from bench.support.drawings import write_sheet_pdf
from bench.support.drawings.content import Revision, Sheet
from bench.support.drawings.layouts import LAYOUTS
from portal.staging.contents.extract import read_pages
from portal.staging.contents.revisions import latest, normalize_mark, order_key

LAYOUT = {layout.name: layout for layout in LAYOUTS}


def sheet(marks: list[str], *, newest_first: bool, number: str = "A-DRW-101") -> Sheet:
    revisions = [Revision(mark, date(2026, 1, 5 + 7 * i), f"ISSUE {i + 1}", "JD") for i, mark in enumerate(marks)]
    return Sheet(
        number=number,
        title=("GROUND FLOOR PLAN",),
        revisions=revisions,
        drawn=revisions[0].day,
        extras={"newest_first": "yes" if newest_first else "no"},
    )


def read_one(tmp_path, layout: str, drawn: Sheet):
    path = tmp_path / f"{layout}.pdf"
    write_sheet_pdf(path, LAYOUT[layout], [drawn], seed=3)
    [page] = list(read_pages(str(path)))
    return page.reading


@pytest.mark.parametrize("layout", ["iso_box", "us_strip", "uk_container"])
@pytest.mark.parametrize("newest_first", [True, False])
def test_it_reads_the_latest_revision_and_its_date_in_either_order(tmp_path, layout, newest_first):
    marks = {
        "iso_box": ["A", "B", "C", "D"],
        "us_strip": ["1", "2", "3", "4"],
        "uk_container": ["P01", "P02", "P03", "C01"],
    }
    drawn = sheet(marks[layout], newest_first=newest_first)
    reading = read_one(tmp_path, layout, drawn)
    assert reading.fields["revision"] == marks[layout][-1]
    assert reading.fields["date_authored"] == drawn.revisions[-1].day.isoformat()


def test_it_chooses_the_latest_by_revision_order_not_by_position(tmp_path):
    # Rows written A, C, B: the last row is B, the latest revision is C.
    drawn = sheet(["1", "3", "2"], newest_first=False)
    reading = read_one(tmp_path, "us_strip", drawn)
    assert reading.fields["revision"] == "3"
    assert reading.fields["date_authored"] == drawn.revisions[1].day.isoformat()


def test_a_sheet_whose_revision_box_contradicts_its_table_proposes_no_revision(tmp_path):
    drawn = sheet(["A", "C", "B"], newest_first=False)  # the REV box shows the last row, B; the table's latest is C
    reading = read_one(tmp_path, "iso_box", drawn)
    assert reading.fields["number"] == "A-DRW-101"
    assert reading.fields["revision"] is None and reading.fields["date_authored"] is None
    assert "says revision B but its revision table's latest is C" in reading.notes[0]


@pytest.mark.parametrize(
    ("marks", "expected"),
    [
        (["A", "B", "C"], "C"),
        (["C", "A", "B"], "C"),
        (["0", "1", "10", "2"], "10"),
        (["Z", "AA", "B"], "AA"),
        (["P01", "P03", "P02"], "P03"),
        (["P05", "C01", "P06"], "C01"),
        (["C", "0", "A"], "0"),  # letters before construction, then numbers
        (["C01", "C02.1", "C02"], "C02.1"),
    ],
)
def test_it_orders_revision_marks(marks, expected):
    assert latest(marks) == expected
    assert order_key(expected) == max(order_key(m) for m in marks)


@pytest.mark.parametrize(
    ("text", "mark"),
    [
        ("C", "C"),
        ("Rev C", "C"),
        ("REV. 02", "02"),
        ("p03", "P03"),
        ("Revision No. 4", "4"),
        ("-", None),
        ("NO", None),
        ("ISSUED", None),
    ],
)
def test_it_reads_revision_marks_as_written(text, mark):
    assert normalize_mark(text) == mark
