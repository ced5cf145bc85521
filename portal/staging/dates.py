"""Dates as document controllers write them: on drawings, in spreadsheets, typed into the grid.

Read: ISO-8601 (2026-03-14, 2026-03-14T09:30:00Z, 2026-03-14 09:30), numeric dates with "/", "." or
"-" (14/03/2026, 14.03.26), and month names or their first three letters in either order
(14 MAR 2026, 14-Mar-26, March 14, 2026). A numeric date whose order cannot be told from the
numbers (03/04/2026) is read in the order `STAGING_DATE_ORDER` names: "DMY" (day first, as on
drawings outside the US; the default) or "MDY". Two-digit years are 2000–2099.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from django.conf import settings

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
ISO = re.compile(r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?")
NUMERIC = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})")
DAY_MONTH_YEAR = re.compile(r"(\d{1,2})(?:st|nd|rd|th)?[\s\-./]+([a-z]+)\.?,?[\s\-./]+(\d{4}|\d{2})")
MONTH_DAY_YEAR = re.compile(r"([a-z]+)\.?[\s\-./]+(\d{1,2})(?:st|nd|rd|th)?,?[\s\-./]+(\d{4}|\d{2})")


def parse_instant(text: str) -> datetime | None:
    """An ISO-8601 date or instant (as Procore stores them), in UTC; None when it is not one."""
    value = text.strip()
    if not ISO.fullmatch(value):
        return None
    try:
        instant = datetime.fromisoformat(value)
    except ValueError:
        return None
    if instant.tzinfo is None:
        return instant.replace(tzinfo=UTC)
    return instant.astimezone(UTC)


def parse_date_text(text: str) -> datetime | None:
    """A date or instant as people write it (see the module docstring), in UTC; None if unreadable."""
    value = " ".join(text.strip().split()).lower()
    instant = parse_instant(value.upper())
    if instant is not None:
        return instant
    day = _numeric(value) or _named(value)
    return datetime(day.year, day.month, day.day, tzinfo=UTC) if day else None


def _year(text: str) -> int:
    return int(text) + 2000 if len(text) == 2 else int(text)


def _date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _numeric(value: str) -> date | None:
    match = NUMERIC.fullmatch(value)
    if not match:
        return None
    first, second, year = int(match.group(1)), int(match.group(2)), _year(match.group(3))
    if first > 12 or (second <= 12 and settings.STAGING_DATE_ORDER != "MDY"):
        return _date(year, second, first)
    return _date(year, first, second)


def _named(value: str) -> date | None:
    match = DAY_MONTH_YEAR.fullmatch(value)
    if match and match.group(2) in MONTHS:
        return _date(_year(match.group(3)), MONTHS[match.group(2)], int(match.group(1)))
    match = MONTH_DAY_YEAR.fullmatch(value)
    if match and match.group(1) in MONTHS:
        return _date(_year(match.group(3)), MONTHS[match.group(1)], int(match.group(2)))
    return None
