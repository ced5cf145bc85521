"""Title-block labels in their many wordings, labels of other things, and what a value may be."""

from __future__ import annotations

import pytest

from portal.staging.contents.labels import DATE, NAME, NUMBER, OTHER, REVISION, match_label, name_value, number_value


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("DRAWING No.", NUMBER),
        ("DWG. NO.", NUMBER),
        ("Dwg No", NUMBER),
        ("DRG #", NUMBER),
        ("Sheet Number", NUMBER),
        ("SHEET", NUMBER),
        ("Document No.", NUMBER),
        ("Drawing Title", NAME),
        ("SHEET NAME", NAME),
        ("TITLE:", NAME),
        ("Drawing", NAME),
        ("REV", REVISION),
        ("Rev.", REVISION),
        ("Revision", REVISION),
        ("Current Revision", REVISION),
        ("DATE", DATE),
        ("Issue Date", DATE),
        ("Date of Issue", DATE),
        ("PROJECT No.", OTHER),
        ("Job No.", OTHER),
        ("CONTRACT NO", OTHER),
        ("Scale @ A1", OTHER),
        ("PLOT DATE", OTHER),
        ("CAD FILE", OTHER),
        ("Drawn By", OTHER),
        ("Suitability", OTHER),
    ],
)
def test_it_knows_the_labels(text, field):
    found = match_label(text)
    assert found is not None and found.label.field == field and not found.rest


def test_a_label_carries_its_value_inline_only_when_it_can():
    assert match_label("DWG NO: E-201").rest == "E-201"
    assert match_label("REV C").rest == "C"
    assert match_label("DATE 14 MAR 2026").rest == "14 MAR 2026"
    assert match_label("REV:C").rest == "C"
    # Generic words start sheet titles; without a colon they are not labels.
    assert match_label("LEVEL 3 FRAMING PLAN") is None
    assert match_label("SITE DRAINAGE LAYOUT") is None
    assert match_label("TITLE: SITE PLAN").rest == "SITE PLAN"


@pytest.mark.parametrize("text", ["A-101", "A-DRW-101", "S.201", "RMC-ACM-XX-01-DR-A-1001", "M301", "E 2.01"])
def test_it_accepts_drawing_numbers(text):
    assert number_value(text) == text
    assert number_value(f"{text} REV C") == text  # a revision printed after the number is not part of it


@pytest.mark.parametrize(
    "text", ["3 OF 12", "1:100", "14/03/2026", "7", "GROUND FLOOR PLAN", "", "A-101 B-102 C-103 D-104"]
)
def test_it_refuses_what_is_not_a_drawing_number(text):
    assert number_value(text) is None


def test_a_title_has_words_and_is_not_a_label_or_a_date():
    assert name_value("GROUND FLOOR PLAN") == "GROUND FLOOR PLAN"
    assert name_value("14 MAR 2026") is None
    assert name_value("DATE") is None
    assert name_value("A1") is None
