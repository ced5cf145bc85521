"""Revision tables: a header row with a revision column, a date column and a description or
sign-off column; rows read above or below it (tables grow either way), by the revision column
alone, at a steady pitch, so text beside the table neither makes nor breaks a row."""

from __future__ import annotations

from dataclasses import dataclass

from .labels import normalize
from .layout import Phrase
from .revisions import normalize_mark

REV_COLUMN = {"REV", "REVISION", "REV NO", "REVISION NO", "NO", "ISSUE", "MARK", "REVN", "RV", "ISS", "NO REV"}
DESCRIPTION_COLUMN = {
    "DESCRIPTION",
    "DESC",
    "AMENDMENT",
    "AMENDMENTS",
    "REMARKS",
    "DETAILS",
    "CHANGE",
    "CHANGES",
    "REVISION DESCRIPTION",
    "REVISIONS",
    "PURPOSE",
    "PURPOSE OF ISSUE",
    "NOTES",
    "COMMENTS",
    "REASON",
}
# Who issued, drew, checked or approved each revision: a column only revision tables have.
SIGN_OFF_COLUMN = {"BY", "DRN", "DRAWN", "CHK", "CHKD", "CKD", "CHECKED", "APP", "APPD", "APPR", "APPROVED", "INITIALS"}


@dataclass
class Row:
    mark: str
    date: str | None
    text: str


@dataclass
class Table:
    header: list[Phrase]
    rows: list[Row]
    used: set[int]  # ids of the phrases the table holds


def _lines_of(items: list[Phrase]) -> list[list[Phrase]]:
    lines: list[list[Phrase]] = []
    for phrase in sorted(items, key=lambda p: (p.middle, p.x0)):
        if lines and abs(lines[-1][0].middle - phrase.middle) <= 0.5 * max(phrase.height, lines[-1][0].height):
            lines[-1].append(phrase)
        else:
            lines.append([phrase])
    return [sorted(line, key=lambda p: p.x0) for line in lines]


def revision_tables(inside: list[Phrase]) -> list[Table]:
    lines = _lines_of(inside)
    tables = []
    for index, line in enumerate(lines):
        names = [normalize(p.text) for p in line]
        rev_at = next((i for i, n in enumerate(names) if n in REV_COLUMN), None)
        date_at = next(
            (i for i, n in enumerate(names) if n in {"DATE", "REV DATE", "ISSUE DATE", "REVISION DATE"}), None
        )
        # A third column says what the revision was or who signed it ("No. | Revision | Date":
        # the revision column is the mark, "Revision" its description).
        others = [n for i, n in enumerate(names) if i not in {rev_at, date_at}]
        described = any(n in DESCRIPTION_COLUMN | SIGN_OFF_COLUMN | REV_COLUMN for n in others)
        if rev_at is None or date_at is None or not described:
            continue
        table = _read_rows(lines, index, line, rev_at, date_at)
        if table is not None:
            tables.append(table)
    return tables


def _column_bounds(header: list[Phrase], index: int) -> tuple[float, float]:
    """A column runs from halfway after the previous heading to halfway before the next."""
    heading = header[index]
    left = heading.x0 - 1.5 * heading.size if index == 0 else (header[index - 1].x1 + heading.x0) / 2
    right = (heading.x1 + header[index + 1].x0) / 2 if index + 1 < len(header) else heading.x1 + 40 * heading.size
    return left, right


def _in_column(phrase: Phrase, bounds: tuple[float, float]) -> bool:
    return bounds[0] <= phrase.x0 + 0.5 and phrase.x1 <= bounds[1] + 2 * phrase.size


def _read_rows(lines: list[list[Phrase]], index: int, header: list[Phrase], rev_at: int, date_at: int) -> Table | None:
    """The table's rows: marks down (or up) the revision column at a steady pitch from the header;
    text that is not in the revision column (a grid bubble beside the table) neither makes nor
    breaks a row."""
    rev_bounds = _column_bounds(header, rev_at)
    date_bounds = _column_bounds(header, date_at)
    heading = header[rev_at]
    best: list[tuple[list[Phrase], Row]] = []
    for step in (1, -1):  # rows below the header, or above it (tables that grow upwards)
        rows: list[tuple[list[Phrase], Row]] = []
        previous = heading.middle
        pitch: float | None = None
        cursor = index + step
        while 0 <= cursor < len(lines):
            line = lines[cursor]
            cursor += step
            marks = [p for p in line if _in_column(p, rev_bounds)]
            if not marks:
                continue
            distance = abs(marks[0].middle - previous)
            if distance > (1.6 * pitch if pitch else 4 * max(heading.height, marks[0].height)):
                break
            mark = normalize_mark(marks[0].text)
            if mark is None:
                break
            dates = [p for p in line if _in_column(p, date_bounds)]
            left = rev_bounds[0]
            cells = [p for p in line if p.x0 >= left - 1]
            rows.append((cells, Row(mark, dates[0].text if dates else None, " ".join(p.text for p in cells))))
            pitch = pitch or distance
            previous = marks[0].middle
        if len(rows) > len(best):
            best = rows
    if not best:
        return None
    used = {id(p) for p in header}
    for cells, _ in best:
        used.update(id(p) for p in cells)
    return Table(header=header, rows=[row for _, row in best], used=used)
