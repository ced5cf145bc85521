"""Dates as drawings write them: 2026-03-14, 14/03/2026, 14.03.26, 14 MAR 2026, March 14, 2026.

Numeric dates are day-first (14/03/2026) unless the page itself shows otherwise: a date whose
second number is over 12 (03/14/2026) makes every numeric date on that page month-first. A
string that could be a date in two ways with nothing to tell is still read day-first, as the
formats drawings use outside the United States are.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("JAN", "JANUARY"),
            ("FEB", "FEBRUARY"),
            ("MAR", "MARCH"),
            ("APR", "APRIL"),
            ("MAY",),
            ("JUN", "JUNE"),
            ("JUL", "JULY"),
            ("AUG", "AUGUST"),
            ("SEP", "SEPT", "SEPTEMBER"),
            ("OCT", "OCTOBER"),
            ("NOV", "NOVEMBER"),
            ("DEC", "DECEMBER"),
        ],
        start=1,
    )
    for name in names
}
_MONTH = "(" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
ISO = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")
NUMERIC = re.compile(r"(\d{1,2})([-/.])(\d{1,2})\2(\d{4}|\d{2})")
DAY_MONTH_YEAR = re.compile(r"(\d{1,2})(?:ST|ND|RD|TH)?[ \-./]*" + _MONTH + r"[ \-./,]*(\d{4}|\d{2})")
MONTH_DAY_YEAR = re.compile(_MONTH + r"[ \-./]*(\d{1,2})(?:ST|ND|RD|TH)?[ ,.\-/]+(\d{4})")


def _year(text: str) -> int:
    year = int(text)
    if len(text) == 2:
        year += 2000 if year < 70 else 1900
    return year


def _make(year: int, month: int, day: int) -> date | None:
    if not 1900 <= year <= 2200:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def parse_date(text: str, *, day_first: bool = True) -> date | None:
    """The date `text` is, as a whole (surrounding words are not skipped); None if it is not one."""
    value = " ".join((text or "").upper().split()).strip(" .,;:")
    if not value or len(value) > 30:
        return None
    if found := ISO.fullmatch(value):
        return _make(int(found.group(1)), int(found.group(2)), int(found.group(3)))
    if found := NUMERIC.fullmatch(value):
        first, second, year = int(found.group(1)), int(found.group(3)), _year(found.group(4))
        if first > 12 or (day_first and second <= 12):
            return _make(year, second, first)
        return _make(year, first, second)
    if found := DAY_MONTH_YEAR.fullmatch(value):
        return _make(_year(found.group(3)), MONTHS[found.group(2)], int(found.group(1)))
    if found := MONTH_DAY_YEAR.fullmatch(value):
        return _make(_year(found.group(3)), MONTHS[found.group(1)], int(found.group(2)))
    return None


def day_first_on(texts: Iterable[str]) -> bool:
    """Whether the numeric dates among `texts` (one page's) are day-first: false only when one of
    them can only be month-first (its second number is over 12) and none can only be day-first."""
    month_first_seen = day_first_seen = False
    for text in texts:
        found = NUMERIC.fullmatch(" ".join((text or "").split()).strip(" .,;:"))
        if not found:
            continue
        first, second = int(found.group(1)), int(found.group(3))
        if first > 12 and second <= 12:
            day_first_seen = True
        elif second > 12 and first <= 12:
            month_first_seen = True
    return not (month_first_seen and not day_first_seen)


def looks_like_date(text: str) -> bool:
    return parse_date(text) is not None or parse_date(text, day_first=False) is not None
