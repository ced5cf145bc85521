"""Two layouts written after the title-block reader was finished, to measure it on drawings it was
not developed against (bench/extract.py reports them apart). The reader is not tuned to them:
what they get wrong is reported, not fixed by special cases.

1. `rotated_captions`: a landscape sheet stored as a portrait page turned by /Rotate 90 (as many
   plotters write them); each cell's caption is *under* its value ("Document No." below the
   number); wording unlike the development set ("Sheet Description", "Revision Level", "Date
   Issued"); a revision history above the block, newest first, with its date column last.
2. `inline_strip`: a right-hand strip with Title Case "Label: value" pairs and no vertical rules
   inside it, a reference number labelled "Drawing Ref", a revision table headed "Issue | Date |
   Reason", dates written 14-Mar-26, and decoys ("Client Ref", "Drawing Status").
3. `header_row` (written after the first two had been measured and the reader corrected, so it
   is the one still unseen): labels in a ruled row of their own with the values in the row below,
   a title whose label has a box of its own to the left of a three-line value, a "No. | Revision
   | Date | By" table with numbered revisions from 0, dates written 2026.03.14, a page without a
   frame.
"""

from __future__ import annotations

import random

from reportlab.lib.pagesizes import A1, landscape
from reportlab.lib.units import inch, mm
from reportlab.pdfgen.canvas import Canvas

from .content import Sheet, border, drawing_area, format_date
from .layouts import ANSI_D, Layout, _newest_first


def rotated_captions(c: Canvas, sheet: Sheet, rng: random.Random, size: tuple[float, float]) -> None:
    width, height = size  # as displayed: landscape
    # Stored portrait and turned for display: reportlab takes the displayed size and writes the
    # MediaBox turned back (portrait) when the page has a /Rotate of 90.
    c.setPageSize((width, height))
    c.setPageRotation(90)
    c.saveState()
    c.transform(0, 1, -1, 0, height, 0)  # draw in display coordinates (x right, y up)
    x0, y0, x1, y1 = border(c, width, height, 0.5 * inch)
    bw = 6.2 * inch
    bx = x1 - bw
    style = "d_mon_y"
    row = 0.5 * inch

    def captioned(
        x: float, y: float, w: float, h: float, value: str | tuple[str, ...], caption: str, big: float = 11
    ) -> None:
        c.rect(x, y, w, h)
        lines = (value,) if isinstance(value, str) else value
        c.setFont("Helvetica-Bold", big)
        for k, line in enumerate(lines):
            c.drawString(x + 6, y + h - big - 5 - k * big * 1.2, line)
        c.setFont("Helvetica", 5.5)
        c.drawString(x + 6, y + 4, caption)

    by = y0
    captioned(bx, by, 3.4 * inch, row * 1.3, sheet.number, "Document No.", 15)
    captioned(bx + 3.4 * inch, by, 1.2 * inch, row * 1.3, sheet.current.mark, "Revision Level", 15)
    captioned(bx + 4.6 * inch, by, 1.6 * inch, row * 1.3, format_date(sheet.current.day, style), "Date Issued", 9)
    by += row * 1.3
    captioned(bx, by, bw, row * 1.6, sheet.title, "Sheet Description", 12)
    by += row * 1.6
    captioned(bx, by, 2.2 * inch, row, sheet.scale, "Scale", 9)
    captioned(bx + 2.2 * inch, by, 2.0 * inch, row, sheet.project_number, "Project No.", 9)
    captioned(bx + 4.2 * inch, by, 2.0 * inch, row, sheet.current.by, "Drawn By", 9)
    by += row
    captioned(bx, by, bw, row * 1.2, (sheet.project, sheet.client), "Project / Client", 8)
    by += row * 1.2
    # Revision history: REV | DESCRIPTION | APPR | DATE, newest first by default.
    rows = [[r.mark, r.description, "AL", format_date(r.day, style)] for r in sheet.revisions]
    newest_first = _newest_first(sheet, rng)
    ordered = list(reversed(rows)) if newest_first else rows
    widths = [0.6 * inch, 3.6 * inch, 0.6 * inch, 1.4 * inch]
    rh = 0.22 * inch
    lines = [["REV", "DESCRIPTION", "APPR", "DATE"], *ordered]
    top = by + len(lines) * rh
    for k, cells in enumerate(lines):
        y = top - (k + 1) * rh
        x = bx
        c.setFont("Helvetica-Bold" if k == 0 else "Helvetica", 6.5)
        for w, text in zip(widths, cells, strict=False):
            c.rect(x, y, w, rh)
            c.drawString(x + 4, y + rh / 2 - 2.5, text)
            x += w
    drawing_area(c, rng, (x0, y0, bx - 12, y1), sheet)
    c.restoreState()


def inline_strip(c: Canvas, sheet: Sheet, rng: random.Random, size: tuple[float, float]) -> None:
    width, height = size
    x0, y0, x1, y1 = border(c, width, height, 10 * mm)
    sw = 95 * mm
    sx = x1 - sw
    c.line(sx, y0, sx, y1)
    style = "d_mon_y_dash"
    top = y1
    c.setFont("Helvetica-Bold", 14)
    c.drawString(sx + 5 * mm, top - 12 * mm, "Alpine Structures")
    c.setFont("Helvetica", 7)
    c.drawString(sx + 5 * mm, top - 17 * mm, "Consulting Structural Engineers")
    top -= 22 * mm
    c.line(sx, top, x1, top)
    # Issue table: Issue | Date | Reason, oldest first unless asked otherwise.
    rows = [[r.mark, format_date(r.day, style), r.description.title()] for r in sheet.revisions]
    if _newest_first(sheet, rng):
        rows.reverse()
    rh = 5.5 * mm
    widths = [14 * mm, 22 * mm, sw - 36 * mm]
    for k, line in enumerate([["Issue", "Date", "Reason"], *rows]):
        y = top - (k + 1) * rh
        x = sx
        c.setFont("Helvetica-Bold" if k == 0 else "Helvetica", 6.5)
        for w, text in zip(widths, line, strict=False):
            c.rect(x, y, w, rh)
            c.drawString(x + 2 * mm, y + 1.8 * mm, text)
            x += w
    pairs = [
        ("Client Ref:", f"CR-{sheet.job_number}"),
        ("Drawing Status:", "FOR CONSTRUCTION"),
        ("Scale:", sheet.scale),
        ("Date:", format_date(sheet.current.day, style)),
        ("Revision:", sheet.current.mark),
        ("Drawing Ref:", sheet.number),
    ]
    y = y0
    for label, value in pairs:
        h = 9 * mm
        c.line(sx, y + h, x1, y + h)
        c.setFont("Helvetica", 7)
        c.drawString(sx + 4 * mm, y + 3.2 * mm, label)
        c.setFont("Helvetica-Bold", 10 if label != "Drawing Ref:" else 13)
        c.drawString(sx + 32 * mm, y + 3.2 * mm, value)
        y += h
    h = 9 * mm + 5 * mm * len(sheet.title)
    c.line(sx, y + h, x1, y + h)
    c.setFont("Helvetica", 7)
    c.drawString(sx + 4 * mm, y + h - 6 * mm, "Title:")
    c.setFont("Helvetica-Bold", 10)
    for k, title_line in enumerate(sheet.title):
        c.drawString(sx + 32 * mm, y + h - 6 * mm - k * 5 * mm, title_line)
    drawing_area(c, rng, (x0, y0, sx - 12, y1), sheet)


def header_row(c: Canvas, sheet: Sheet, rng: random.Random, size: tuple[float, float]) -> None:
    width, height = size
    x1, y0 = width - 8 * mm, 8 * mm  # no frame: the block sits near the paper's corner
    bw = 200 * mm
    bx = x1 - bw
    style = "iso_dots"
    heads = ["drawing number", "revision", "date", "scale", "sheet size"]
    values = [sheet.number, sheet.current.mark, sheet.current.day.strftime("%Y.%m.%d"), sheet.scale, "A1"]
    widths = [70 * mm, 25 * mm, 40 * mm, 35 * mm, 30 * mm]
    label_h, value_h = 6 * mm, 11 * mm
    x = bx
    for head, value, w in zip(heads, values, widths, strict=False):
        c.rect(x, y0 + value_h, w, label_h)
        c.rect(x, y0, w, value_h)
        c.setFont("Helvetica", 6)
        c.drawCentredString(x + w / 2, y0 + value_h + 2 * mm, head.upper())
        c.setFont("Helvetica-Bold", 12 if head == "drawing number" else 9)
        c.drawCentredString(x + w / 2, y0 + 3.5 * mm, value)
        x += w
    by = y0 + value_h + label_h
    title_h = 8 * mm + 5 * mm * len(sheet.title)
    c.rect(bx, by, 30 * mm, title_h)
    c.rect(bx + 30 * mm, by, bw - 30 * mm, title_h)
    c.setFont("Helvetica", 7)
    c.drawString(bx + 3 * mm, by + title_h / 2 - 2, "TITLE")
    c.setFont("Helvetica-Bold", 11)
    for k, line in enumerate(sheet.title):
        c.drawString(bx + 34 * mm, by + title_h - 7 * mm - k * 5 * mm, line)
    by += title_h
    c.rect(bx, by, bw, 10 * mm)
    c.setFont("Helvetica-Bold", 9)
    c.drawString(bx + 3 * mm, by + 6 * mm, f"{sheet.project}  ·  CONTRACT: C-{sheet.job_number}")
    c.setFont("Helvetica", 6)
    c.drawString(bx + 3 * mm, by + 2 * mm, f"PLOT: {format_date(sheet.current.day, 'iso')}")
    by += 10 * mm
    rows = [[r.mark, r.description, r.day.strftime("%Y.%m.%d"), r.by] for r in sheet.revisions]
    if _newest_first(sheet, rng):
        rows.reverse()
    widths = [15 * mm, 115 * mm, 40 * mm, 30 * mm]
    rh = 5.5 * mm
    lines = [["No.", "Revision", "Date", "By"], *rows]
    top = by + len(lines) * rh
    for k, cells in enumerate(lines):
        y = top - (k + 1) * rh
        x = bx
        c.setFont("Helvetica-Bold" if k == 0 else "Helvetica", 6.5)
        for w, text in zip(widths, cells, strict=False):
            c.rect(x, y, w, rh)
            c.drawString(x + 2 * mm, y + 1.8 * mm, text)
            x += w
    del style
    drawing_area(c, rng, (8 * mm, y0, bx - 12, height - 8 * mm), sheet)


HELD_OUT = [
    Layout("rotated_captions", rotated_captions, (ANSI_D,), "{d}-{n}", "letters", "d_mon_y"),
    Layout("inline_strip", inline_strip, (landscape(A1),), "{d}{t}-{n}", "status", "d_mon_y_dash"),
    Layout("header_row", header_row, (landscape(A1),), "{d}-{n}", "numbers", "iso"),
]
