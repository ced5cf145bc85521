"""Revision marks as drawings print them, and their order.

Marks are letters (A, B, … Z, AA), numbers (0, 1, 2), or status-prefixed (P01 preliminary, then
C01 for construction; T01, D01 and the like sort between P and C). In one table, letters come
before numbers (A, B, C for issues before construction, then 0, 1, 2) — the common US practice.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

MARK = re.compile(r"(?:REV(?:ISION)?\.?\s*(?:NO\.?)?\s*)?([A-Z]{1,2}|\d{1,3}|[A-Z]{1,2}\d{1,3}(?:\.\d{1,2})?)", re.I)
STATUS = re.compile(r"([A-Z]{1,2})(\d{1,3})(?:\.(\d{1,2}))?")
# Prefixes of status-prefixed marks, in the order a drawing goes through them.
PREFIX_ORDER = {"P": 0, "D": 1, "T": 2, "S": 2, "C": 3, "A": 4}
# Words that look like marks but are not (a "-" for "no revision" is refused by MARK already).
NOT_MARKS = {"NO", "NA", "OF", "BY", "TO", "AS", "AT", "ON", "IN", "IS", "IT", "OK"}


def normalize_mark(text: str) -> str | None:
    """The revision mark in `text` ("Rev. C" → "C", "p03" → "P03"), or None when it is not one."""
    value = " ".join((text or "").split()).strip(" .:")
    found = MARK.fullmatch(value)
    if not found:
        return None
    mark = found.group(1).upper()
    if mark in NOT_MARKS:
        return None
    return mark


def order_key(mark: str) -> tuple[int, int, int, int]:
    """A sort key: later revisions sort higher."""
    mark = mark.upper()
    if mark.isdigit():
        return (2, int(mark), 0, 0)
    if mark.isalpha():
        value = 0
        for char in mark:  # A=1 … Z=26, AA=27: bijective base 26
            value = value * 26 + (ord(char) - 64)
        return (1, value, 0, 0)
    found = STATUS.fullmatch(mark)
    if found:
        prefix, number, minor = found.group(1), int(found.group(2)), int(found.group(3) or 0)
        return (3 + PREFIX_ORDER.get(prefix[0], 2), number, minor, 0)
    return (0, 0, 0, 0)


def latest(marks: Sequence[str]) -> str | None:
    """The latest of `marks` by revision order (not by where they are written)."""
    valid = [m for m in marks if m]
    return max(valid, key=order_key) if valid else None
