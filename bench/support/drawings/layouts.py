"""Title-block layouts of the development set: six clearly different places, wordings and ways a
label meets its value. Each draws a whole sheet (frame, drawing area, title block) on a canvas."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from reportlab.lib.pagesizes import A1, A2, A3, landscape
from reportlab.lib.units import inch, mm
from reportlab.pdfgen.canvas import Canvas

from .content import Sheet, border, cell, drawing_area, format_date

ARCH_D = (36 * inch, 24 * inch)
ANSI_B = (17 * inch, 11 * inch)
ANSI_D = (34 * inch, 22 * inch)


@dataclass(frozen=True)
class Layout:
    name: str
    draw: Callable[[Canvas, Sheet, random.Random, tuple[float, float]], None]
    page_sizes: tuple[tuple[float, float], ...]
    number_pattern: str  # str.format with d (discipline), t (type code), n (number)
    revision_style: str
    date_style: str


def revision_table(
    c: Canvas,
    x: float,
    y: float,
    widths: list[float],
    header: list[str],
    rows: list[list[str]],
    *,
    row_height: float,
    newest_first: bool,
    grows_up: bool = False,
    size: float = 6,
) -> float:
    """A ruled revision table with its top-left at (x, y); rows oldest first unless `newest_first`.
    With `grows_up` the header is the bottom row and rows stack above it (ISO sheets).
    Returns the y of the side away from the start."""
    ordered = list(reversed(rows)) if newest_first else list(rows)
    lines = [header, *ordered]
    if grows_up:
        lines = [*reversed(ordered), header]  # drawn top to bottom
    total = sum(widths)
    for k, line in enumerate(lines):
        top = y - k * row_height
        c.rect(x, top - row_height, total, row_height)
        cx = x
        bold = line is header
        c.setFont("Helvetica-Bold" if bold else "Helvetica", size)
        for w, text in zip(widths, line, strict=False):
            c.line(cx, top, cx, top - row_height)
            c.drawString(cx + 1.2 * mm, top - row_height + (row_height - size) / 2 + 1, text)
            cx += w
    return y - len(lines) * row_height


def _newest_first(sheet: Sheet, rng: random.Random) -> bool:
    """The revision table's order: as the sheet asks (`extras["newest_first"]`), else by chance."""
    chance = rng.random() < 0.5
    wanted = sheet.extras.get("newest_first")
    return chance if wanted is None else wanted == "yes"


def _rows(sheet: Sheet, style: str, *, by: bool = True) -> list[list[str]]:
    return [[r.mark, format_date(r.day, style), r.description] + ([r.by] if by else []) for r in sheet.revisions]


# 1. ISO box at the bottom right, label small above its value, revision table growing upwards.
def iso_box(c: Canvas, sheet: Sheet, rng: random.Random, size: tuple[float, float]) -> None:
    width, height = size
    x0, y0, x1, y1 = border(c, width, height, 10 * mm, 20 * mm)
    bw = 180 * mm
    bx = x1 - bw
    rows = [12 * mm, 16 * mm, 12 * mm, 12 * mm]
    by = y0
    style = "dmy_slash"
    # bottom row: drawn / checked / date / project no.
    cell(c, bx, by, 40 * mm, rows[0], "DRAWN", sheet.current.by)
    cell(c, bx + 40 * mm, by, 40 * mm, rows[0], "CHECKED", rng.choice(["MK", "AL", "TP"]))
    cell(c, bx + 80 * mm, by, 45 * mm, rows[0], "DATE", format_date(sheet.drawn, style))
    cell(c, bx + 125 * mm, by, 55 * mm, rows[0], "PROJECT No.", sheet.project_number)
    by += rows[0]
    cell(c, bx, by, 100 * mm, rows[1], "DRAWING No.", sheet.number, value_size=14)
    cell(c, bx + 100 * mm, by, 30 * mm, rows[1], "REV", sheet.current.mark, value_size=14)
    cell(c, bx + 130 * mm, by, 50 * mm, rows[1], "SCALE @ A1", sheet.scale)
    by += rows[1]
    cell(c, bx, by, bw, rows[2] + 4 * mm, "TITLE", sheet.title, value_size=10)
    by += rows[2] + 4 * mm
    cell(c, bx, by, 110 * mm, rows[3], "PROJECT", sheet.project)
    cell(c, bx + 110 * mm, by, 70 * mm, rows[3], "CLIENT", sheet.client, value_size=7)
    by += rows[3]
    # The revision table sits on the title block, header at the bottom, newest on top (or not).
    newest_first = _newest_first(sheet, rng)
    widths = [14 * mm, 28 * mm, 118 * mm, 20 * mm]
    lines = len(sheet.revisions) + 1
    revision_table(
        c,
        bx,
        by + lines * 6 * mm,
        widths,
        ["REV", "DATE", "DESCRIPTION", "BY"],
        _rows(sheet, style),
        row_height=6 * mm,
        newest_first=newest_first,
        grows_up=newest_first,
    )
    drawing_area(c, rng, (x0, y0, bx, y1), sheet)


# 2. A right-hand strip on an ARCH D sheet: revisions table at the top, sheet number at the foot.
def us_strip(c: Canvas, sheet: Sheet, rng: random.Random, size: tuple[float, float]) -> None:
    width, height = size
    x0, y0, x1, y1 = border(c, width, height, 0.5 * inch)
    sw = 3.6 * inch
    sx = x1 - sw
    c.line(sx, y0, sx, y1)
    style = "month_d_y"
    top = y1
    c.setFont("Helvetica-Bold", 12)
    c.drawString(sx + 8, top - 20, "NORTHWIND ARCHITECTS")
    c.setFont("Helvetica", 7)
    c.drawString(sx + 8, top - 32, "400 HARBOR WAY, SUITE 12")
    c.drawString(sx + 8, top - 41, "TEL 555 0100")
    top -= 50
    c.line(sx, top, x1, top)
    cell(c, sx, top - 48, sw, 48, "PROJECT", (sheet.project, "EXPANSION PHASE 2"), boxed=False, value_size=9)
    top -= 48
    c.line(sx, top, x1, top)
    c.setFont("Helvetica-Bold", 8)
    c.drawString(sx + 8, top - 12, "REVISIONS")
    rows = [[r.mark, r.description, format_date(r.day, "iso")] for r in sheet.revisions]
    top = revision_table(
        c,
        sx,
        top - 16,
        [0.45 * inch, 2.1 * inch, 1.05 * inch],
        ["NO.", "DESCRIPTION", "DATE"],
        rows,
        row_height=14,
        newest_first=_newest_first(sheet, rng),
    )
    top -= 10
    # A key plan and a seal: boxes with words that are not title-block fields.
    c.rect(sx + 8, top - 110, sw - 16, 100)
    c.setFont("Helvetica", 7)
    c.drawString(sx + 12, top - 20, "KEY PLAN")
    c.rect(sx + 40, top - 90, 60, 40)
    c.drawCentredString(sx + sw / 2, top - 120 + 2, "SEAL")
    top -= 130
    c.line(sx, top, x1, top)
    foot = y0
    # Sheet number at the foot, large; above it drawn by / date / project number; above that the title.
    cell(c, sx, foot, sw, 0.9 * inch, "SHEET NUMBER", sheet.number, value_size=26, boxed=True)
    foot += 0.9 * inch
    row = 0.32 * inch
    for label, value in [
        ("SCALE:", sheet.scale),
        ("DRAWN BY:", sheet.current.by),
        ("DATE:", format_date(sheet.drawn, style)),
        ("PROJECT NUMBER:", sheet.project_number),
    ]:
        c.rect(sx, foot, sw, row)
        c.setFont("Helvetica", 7)
        c.drawString(sx + 8, foot + row / 2 - 3, label)
        c.setFont("Helvetica-Bold", 8)
        c.drawString(sx + 1.3 * inch, foot + row / 2 - 3, value)
        foot += row
    cell(c, sx, foot, sw, 0.85 * inch, "SHEET TITLE", sheet.title, value_size=12)
    foot += 0.85 * inch
    drawing_area(c, rng, (x0, y0, sx, y1), sheet)


# 3. A bottom strip across the whole width; label beside its value in each cell; one REV cell.
def bottom_strip(c: Canvas, sheet: Sheet, rng: random.Random, size: tuple[float, float]) -> None:
    width, height = size
    x0, y0, x1, y1 = border(c, width, height, 12 * mm)
    sh = 22 * mm
    style = "dmy_dots_short"
    total = x1 - x0
    parts = [0.16, 0.2, 0.22, 0.14, 0.07, 0.09, 0.12]
    xs = [x0]
    for p in parts:
        xs.append(xs[-1] + p * total)
    xs[-1] = x1
    c.rect(x0, y0, total, sh)
    for x in xs[1:-1]:
        c.line(x, y0, x, y0 + sh)
    c.setFont("Helvetica-Bold", 11)
    c.drawString(xs[0] + 6, y0 + sh / 2 + 2, "HARBOR CIVIL")
    c.setFont("Helvetica", 6)
    c.drawString(xs[0] + 6, y0 + sh / 2 - 8, "CONSULTING ENGINEERS")

    def beside(i: int, label: str, lines: tuple[str, ...] | str, big: float = 9) -> None:
        lines = (lines,) if isinstance(lines, str) else lines
        c.setFont("Helvetica", 6)
        c.drawString(xs[i] + 4, y0 + sh - 10, label)
        c.setFont("Helvetica-Bold", big)
        start = y0 + sh / 2 + (len(lines) - 1) * big * 0.6 - big / 2
        for k, line in enumerate(lines):
            c.drawString(xs[i] + 4 + c.stringWidth(label, "Helvetica", 6) + 8, start - k * big * 1.2, line)

    beside(1, "Project:", (sheet.project,), 8)
    beside(2, "Drawing Title:", sheet.title, 8)
    beside(3, "Dwg. No.", sheet.number, 12)
    beside(4, "Rev.", sheet.current.mark, 12)
    beside(5, "Date", format_date(sheet.current.day, style), 8)
    beside(6, "Job No.", sheet.job_number, 9)
    area_bottom = y0 + sh
    if rng.random() < 0.6:  # a revision table above the strip's right end, newest first or last
        widths = [12 * mm, 22 * mm, 70 * mm]
        lines = len(sheet.revisions) + 1
        area_bottom += lines * 5.5 * mm + 4 * mm
        revision_table(
            c,
            x1 - sum(widths),
            y0 + sh + lines * 5.5 * mm,
            widths,
            ["Rev", "Date", "Amendment"],
            _rows(sheet, style, by=False),
            row_height=5.5 * mm,
            newest_first=_newest_first(sheet, rng),
        )
    drawing_area(c, rng, (x0, area_bottom, x1, y1), sheet)


# 4. A UK information-container block: Title Case labels, status-prefixed revisions (P01, C01).
def uk_container(c: Canvas, sheet: Sheet, rng: random.Random, size: tuple[float, float]) -> None:
    width, height = size
    x0, y0, x1, y1 = border(c, width, height, 10 * mm)
    bw = 170 * mm
    bx = x1 - bw
    style = "d_mon_y"
    by = y0
    cell(c, bx, by, bw, 14 * mm, "Drawing Number", sheet.number, value_size=13, label_size=6)
    by += 14 * mm
    cell(c, bx, by, 42 * mm, 11 * mm, "Suitability", rng.choice(["S2", "S3", "S4", "A1"]), label_size=6)
    cell(c, bx + 42 * mm, by, 42 * mm, 11 * mm, "Revision", sheet.current.mark, label_size=6, value_size=11)
    cell(c, bx + 84 * mm, by, 43 * mm, 11 * mm, "Date", format_date(sheet.current.day, style), label_size=6)
    cell(c, bx + 127 * mm, by, 43 * mm, 11 * mm, "Scale at A1", sheet.scale, label_size=6)
    by += 11 * mm
    cell(c, bx, by, bw, 18 * mm, "Drawing Title", sheet.title, label_size=6, value_size=11)
    by += 18 * mm
    cell(c, bx, by, 85 * mm, 11 * mm, "Project", sheet.project.title(), label_size=6, value_size=8)
    cell(c, bx + 85 * mm, by, 85 * mm, 11 * mm, "Project Number", sheet.project_number, label_size=6)
    by += 11 * mm
    cell(c, bx, by, 56 * mm, 9 * mm, "Drawn", sheet.current.by, label_size=6, value_size=8)
    cell(c, bx + 56 * mm, by, 57 * mm, 9 * mm, "Checked", "MK", label_size=6, value_size=8)
    cell(c, bx + 113 * mm, by, 57 * mm, 9 * mm, "Approved", "AL", label_size=6, value_size=8)
    by += 9 * mm
    widths = [14 * mm, 26 * mm, 100 * mm, 15 * mm, 15 * mm]
    rows = [[r.mark, format_date(r.day, style), r.description.capitalize(), r.by, "MK"] for r in sheet.revisions]
    lines = len(rows) + 1
    revision_table(
        c,
        bx,
        by + lines * 6 * mm,
        widths,
        ["Rev", "Date", "Description", "Drn", "Chk"],
        rows,
        row_height=6 * mm,
        newest_first=_newest_first(sheet, rng),
    )
    drawing_area(c, rng, (x0, y0, bx, y1), sheet)


# 5. A small two-column block: a label column and a value column, no revision table.
def label_column(c: Canvas, sheet: Sheet, rng: random.Random, size: tuple[float, float]) -> None:
    width, height = size
    x0, y0, x1, y1 = border(c, width, height, 8 * mm)
    lw, vw, rh = 28 * mm, 62 * mm, 8 * mm
    bx = x1 - lw - vw
    style = "iso"
    entries = [
        ("JOB NO", sheet.job_number),
        ("SCALE", sheet.scale),
        ("ISSUE DATE", format_date(sheet.current.day, style)),
        ("REVISION", sheet.current.mark),
        ("SHEET NAME", sheet.title),
        ("SHEET NO", sheet.number),
    ]
    by = y0
    for label, value in entries:
        lines = (value,) if isinstance(value, str) else value
        h = rh * max(1, len(lines) * 0.75)
        c.rect(bx, by, lw, h)
        c.rect(bx + lw, by, vw, h)
        c.setFont("Helvetica-Bold", 6.5)
        c.drawString(bx + 2 * mm, by + h / 2 - 2, label)
        c.setFont("Helvetica", 9)
        for k, line in enumerate(lines):
            c.drawString(bx + lw + 2 * mm, by + h - 5 * mm - k * 11, line)
        by += h
    c.setFont("Helvetica-Bold", 9)
    c.rect(bx, by, lw + vw, 12 * mm)
    c.drawString(bx + 2 * mm, by + 7 * mm, "VOLT ELECTRIC LTD")
    c.setFont("Helvetica", 6)
    c.drawString(bx + 2 * mm, by + 3 * mm, f"CLIENT: {sheet.client}")
    drawing_area(c, rng, (x0, y0, bx - 12, y1), sheet)


# 6. An inline block: "LABEL: value" on each ruled line, with decoy dates and numbers between.
def inline_rows(c: Canvas, sheet: Sheet, rng: random.Random, size: tuple[float, float]) -> None:
    width, height = size
    x0, y0, x1, y1 = border(c, width, height, 0.4 * inch)
    bw, rh = 3.9 * inch, 0.24 * inch
    bx = x1 - bw
    style = "d_mon_y"
    plot = sheet.current.day.replace(day=min(28, sheet.current.day.day))
    entries = [
        f"PLOT DATE: {format_date(plot, 'iso')}",
        f"CAD FILE: {sheet.number}.dwg",
        f"CONTRACT NO: C-{sheet.job_number}",
        f"DATE: {format_date(sheet.current.day, style)}",
        f"REV: {sheet.current.mark}",
        f"DWG NO: {sheet.number}",
    ]
    by = y0
    c.setFont("Helvetica", 8)
    for text in entries:
        c.rect(bx, by, bw, rh)
        c.drawString(bx + 6, by + rh / 2 - 3, text)
        by += rh
    title_h = rh * (1 + len(sheet.title) * 0.8)
    c.rect(bx, by, bw, title_h)
    c.drawString(bx + 6, by + title_h - 12, "TITLE:")
    c.setFont("Helvetica-Bold", 10)
    for k, line in enumerate(sheet.title):
        c.drawString(bx + 0.7 * inch, by + title_h - 12 - k * 12, line)
    by += title_h
    c.rect(bx, by, bw, rh * 2)
    c.setFont("Helvetica-Bold", 9)
    c.drawString(bx + 6, by + rh + 3, sheet.project)
    c.setFont("Helvetica", 7)
    c.drawString(bx + 6, by + 6, "OAKRIDGE, WA")
    drawing_area(c, rng, (x0, y0, bx - 12, y1), sheet, stamp=False)


LAYOUTS = [
    Layout("iso_box", iso_box, (landscape(A1), landscape(A2)), "{d}-{t}-{n}", "letters", "dmy_slash"),
    Layout("us_strip", us_strip, (ARCH_D, ANSI_D), "{d}-{n}", "numbers_from_one", "month_d_y"),
    Layout("bottom_strip", bottom_strip, (landscape(A1), landscape(A2)), "{d}.{n}", "letters", "dmy_dots_short"),
    Layout("uk_container", uk_container, (landscape(A1),), "RMC-ACM-XX-01-DR-{d}-{n}", "status", "d_mon_y"),
    Layout("label_column", label_column, (landscape(A3),), "{d}{n}", "numbers", "iso"),
    Layout("inline_rows", inline_rows, (ANSI_B, ANSI_D), "{d}-{t}-{n}", "letters", "d_mon_y"),
]
