"""The title-block reader on the generated set: every layout read right, nothing proposed where
there is no title block, scanned sheets recognised, and the decoys left alone."""

from __future__ import annotations

import pytest

from bench.support.drawings import FIELDS
from bench.support.drawings.layouts import LAYOUTS
from portal.staging.contents.extract import UnreadablePdf, read_pages


def readings(directory, truth, kind):
    """(truth, reading) for every page of that kind in the set."""
    pairs = []
    files = sorted({t.file for t in truth if t.kind == kind})
    assert files, f"no page of kind {kind} in the set"
    for name in files:
        by_page = {t.page: t for t in truth if t.file == name}
        with open(directory / name, "rb") as handle:
            for page in read_pages(handle):
                pairs.append((by_page[page.page], page))
    return pairs


@pytest.mark.parametrize("layout", [layout.name for layout in LAYOUTS])
def test_it_reads_every_field_of_each_layout(drawing_set, layout):
    directory, truth = drawing_set
    pairs = readings(directory, truth, layout)
    assert len(pairs) >= 5  # single sheets and a set
    for expected, page in pairs:
        got = {name: page.reading.fields[name] for name in FIELDS}
        assert got == expected.fields, f"{expected.file} page {expected.page}: {page.reading.sources}"
        assert page.reading.box is not None and page.reading.focus is not None


@pytest.mark.parametrize(
    "kind", ["specification", "transmittal", "register", "calculation", "sketch", "logo_box", "schedule"]
)
def test_it_proposes_nothing_where_there_is_no_title_block(drawing_set, kind):
    directory, truth = drawing_set
    for _expected, page in readings(directory, truth, kind):
        assert page.reading.fields == dict.fromkeys(FIELDS), f"{kind}: {page.reading.sources}"
        assert page.reading.box is None and not page.reading.scanned


def test_it_says_a_scanned_sheet_is_scanned_and_reads_nothing_from_it(drawing_set):
    directory, truth = drawing_set
    [(expected, page)] = readings(directory, truth, "scanned")
    assert expected.scanned and page.reading.scanned
    assert page.reading.fields == dict.fromkeys(FIELDS)
    assert "scanned" in page.reading.notes[0]


def test_it_reads_a_set_page_by_page(drawing_set):
    directory, truth = drawing_set
    pages = list(read_pages(str(directory / "iso_box-set.pdf")))
    assert [p.page for p in pages] == [1, 2, 3, 4] and {p.pages for p in pages} == {4}
    assert len({p.reading.fields["number"] for p in pages}) == 4  # four different sheets
    assert [p.page for p in read_pages(str(directory / "iso_box-set.pdf"), first=2, last=3)] == [2, 3]


def test_it_never_takes_a_project_job_or_contract_number_for_the_drawing_number(drawing_set):
    directory, truth = drawing_set
    for layout in LAYOUTS:
        for _expected, page in readings(directory, truth, layout.name):
            sources = " ".join(page.reading.sources.values()).upper()
            assert "PROJECT" not in sources and "JOB" not in sources and "CONTRACT" not in sources
            assert "PLOT" not in sources and "CAD FILE" not in sources


def test_it_refuses_a_file_that_is_not_a_pdf_with_a_sentence(tmp_path):
    path = tmp_path / "not.pdf"
    path.write_bytes(b"%PDF-1.4 this is not really a PDF")
    with pytest.raises(UnreadablePdf, match="not a readable PDF"):
        list(read_pages(str(path)))
