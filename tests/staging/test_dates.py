"""Dates typed or pasted as people write them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from portal.staging.dates import parse_date_text, parse_instant

MARCH_14 = datetime(2026, 3, 14, tzinfo=UTC)


@pytest.mark.parametrize(
    "text",
    [
        "2026-03-14",
        "14/03/2026",
        "14.03.2026",
        "14-03-26",
        "03/14/2026",  # month first: the numbers tell
        "14 MAR 2026",
        "14 March 2026",
        "14-Mar-26",
        "14th Mar. 2026",
        "Mar 14, 2026",
        "march 14 2026",
        "  14   mar   2026 ",
    ],
)
def test_it_reads_the_dates_people_write(text):
    assert parse_date_text(text) == MARCH_14


def test_it_reads_instants_in_utc():
    assert parse_date_text("2026-03-14T09:30:00Z") == datetime(2026, 3, 14, 9, 30, tzinfo=UTC)
    assert parse_date_text("2026-03-14T11:30:00+02:00") == datetime(2026, 3, 14, 9, 30, tzinfo=UTC)
    assert parse_instant("14/03/2026") is None  # what is stored is ISO-8601 only


def test_it_reads_an_ambiguous_date_in_the_configured_order(settings):
    settings.STAGING_DATE_ORDER = "DMY"
    assert parse_date_text("03/04/2026") == datetime(2026, 4, 3, tzinfo=UTC)
    settings.STAGING_DATE_ORDER = "MDY"
    assert parse_date_text("03/04/2026") == datetime(2026, 3, 4, tzinfo=UTC)
    assert parse_date_text("14/03/2026") == MARCH_14  # unambiguous either way


@pytest.mark.parametrize("text", ["", "soon", "31/02/2026", "13/13/2026", "14 Smarch 2026", "2026-13-01", "14/03"])
def test_it_refuses_what_is_not_a_date(text):
    assert parse_date_text(text) is None
