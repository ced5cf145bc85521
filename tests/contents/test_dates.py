"""Dates in the formats drawings use, and numeric dates read day-first unless the page shows
month-first."""

from __future__ import annotations

from datetime import date

import pytest

from portal.staging.contents.dates import day_first_on, parse_date

MARCH_14 = date(2026, 3, 14)


@pytest.mark.parametrize(
    "text",
    [
        "2026-03-14",
        "2026/03/14",
        "14/03/2026",
        "14.03.26",
        "14-03-2026",
        "14 MAR 2026",
        "14 Mar 26",
        "14-Mar-26",
        "14th March 2026",
        "March 14, 2026",
        "Mar. 14, 2026",
        "MARCH 14 2026",
        " 14/03/2026 ",
    ],
)
def test_it_reads_the_formats_drawings_use(text):
    assert parse_date(text) == MARCH_14


@pytest.mark.parametrize(
    "text", ["", "1:100", "A-101", "2026", "32/01/2026", "14/13/2026", "March 2026", "DATE", "3 OF 12"]
)
def test_it_refuses_what_is_not_a_date(text):
    assert parse_date(text) is None


def test_an_ambiguous_numeric_date_is_day_first_unless_the_page_says_otherwise():
    assert parse_date("03/04/2026") == date(2026, 4, 3)
    assert parse_date("03/04/2026", day_first=False) == date(2026, 3, 4)
    assert parse_date("03/14/2026") == MARCH_14  # only month-first makes sense
    assert day_first_on(["03/14/2026", "03/04/2026"]) is False
    assert day_first_on(["14/03/2026", "03/04/2026"]) is True
    assert day_first_on(["03/04/2026", "2026-01-02", "A-101"]) is True


def test_two_digit_years_are_this_century_until_seventy():
    assert parse_date("14.03.69") == date(2069, 3, 14)
    assert parse_date("14.03.70") == date(1970, 3, 14)
