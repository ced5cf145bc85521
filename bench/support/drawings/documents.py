"""Pages that must propose nothing: documents that are not drawings, and drawing sheets without a
title block. Several carry the very words a title block uses, in the wrong places."""

from __future__ import annotations

import io
import random

from reportlab.lib.pagesizes import A1, A2, A3, A4, LETTER, landscape
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from .content import TITLES, border, drawing_area, format_date, make_sheet


def specification(c: Canvas, rng: random.Random) -> None:
    width, height = LETTER
    c.setPageSize(LETTER)
    c.setFont("Helvetica", 8)
    c.drawString(54, height - 40, "RIVERSIDE MEDICAL CENTER — EXPANSION PHASE 2")
    c.drawRightString(width - 54, height - 40, f"Project No. {rng.randint(2019, 2026)}-{rng.randint(100, 999)}")
    c.setFont("Helvetica-Bold", 12)
    section = f"{rng.randint(3, 33):02} {rng.randint(10, 99)} 00"
    c.drawCentredString(width / 2, height - 80, f"SECTION {section}")
    c.drawCentredString(width / 2, height - 96, rng.choice(["PAINTING", "GYPSUM BOARD", "CAST-IN-PLACE CONCRETE"]))
    c.setFont("Helvetica", 9.5)
    y = height - 130
    paragraphs = [
        "PART 1 - GENERAL",
        "1.1 SUMMARY",
        "A. Section includes surface preparation and the application of paint systems.",
        "B. Related drawings: Drawing No. A-101 Rev C and A-501, dated 14 March 2026.",
        "1.2 SUBMITTALS",
        "A. Product data for each type of product, with the revision of each data sheet.",
        "B. Samples: two 200 mm square samples of each colour, for the Architect's review.",
        "1.3 QUALITY ASSURANCE",
        "A. Mock-ups: apply each system to a 10 m2 wall area designated by the Architect.",
    ]
    for text in paragraphs * rng.randint(2, 3):
        c.drawString(72, y, text)
        y -= 16
        if y < 90:
            break
    c.setFont("Helvetica", 8)
    c.drawString(
        54, 40, f"Issue date: {format_date(rng.choice([d for d in _dates(rng)]), 'iso')}   Rev {rng.randint(0, 4)}"
    )
    c.drawRightString(width - 54, 40, f"{section} - {rng.randint(1, 12)}")


def _dates(rng: random.Random):
    from datetime import date, timedelta

    base = date(2025, 3, 1)
    return [base + timedelta(days=rng.randint(0, 400)) for _ in range(3)]


def transmittal(c: Canvas, rng: random.Random) -> None:
    width, height = A4
    c.setPageSize(A4)
    c.setFont("Helvetica-Bold", 16)
    c.drawString(20 * mm, height - 30 * mm, "TRANSMITTAL")
    c.setFont("Helvetica", 9)
    lines = [
        f"Transmittal No.: T-{rng.randint(1, 99):03}",
        f"Date: {format_date(_dates(rng)[0], 'd_mon_y')}",
        "To: Northwind Builders",
        "Project: Riverside Medical Center",
        f"Job No.: {rng.randint(1000, 9999)}",
    ]
    for k, text in enumerate(lines):
        c.drawString(20 * mm, height - (42 + 6 * k) * mm, text)
    # A ruled list of drawings: the labels of a title block as column headings, many values each.
    widths = [35 * mm, 85 * mm, 15 * mm, 30 * mm]
    headers = ["DRAWING NO.", "TITLE", "REV", "DATE"]
    x0, top, rh = 20 * mm, height - 90 * mm, 7 * mm
    rows = []
    for n in range(rng.randint(6, 14)):
        sheet = make_sheet(rng, f"A-{101 + n}", revision_style="letters")
        rows.append([sheet.number, sheet.name[:40], sheet.current.mark, format_date(sheet.current.day, "dmy_slash")])
    for k, row in enumerate([headers, *rows]):
        x = x0
        c.setFont("Helvetica-Bold" if k == 0 else "Helvetica", 8)
        for w, text in zip(widths, row, strict=False):
            c.rect(x, top - (k + 1) * rh, w, rh)
            c.drawString(x + 2 * mm, top - (k + 1) * rh + 2.3 * mm, text)
            x += w
    c.setFont("Helvetica", 9)
    c.drawString(20 * mm, 30 * mm, "Please acknowledge receipt. Signed: ______________   Date: ________")


def register(c: Canvas, rng: random.Random) -> None:
    """A drawing register on an A3 landscape sheet: ruled, dense, full of numbers, revisions and dates."""
    size = landscape(A3)
    c.setPageSize(size)
    width, height = size
    c.setFont("Helvetica-Bold", 14)
    c.drawString(15 * mm, height - 18 * mm, "DRAWING REGISTER — RIVERSIDE MEDICAL CENTER")
    widths = [40 * mm, 120 * mm, 18 * mm, 30 * mm, 40 * mm, 40 * mm]
    headers = ["DWG NO.", "DRAWING TITLE", "REV", "DATE", "STATUS", "SCALE"]
    x0, top, rh = 15 * mm, height - 28 * mm, 7 * mm
    count = int((top - 15 * mm) / rh) - 1
    for k in range(count + 1):
        if k == 0:
            row = headers
        else:
            sheet = make_sheet(rng, f"S-{200 + k}", revision_style="numbers")
            row = [
                sheet.number,
                sheet.name,
                sheet.current.mark,
                format_date(sheet.current.day, "iso"),
                rng.choice(["FOR CONSTRUCTION", "FOR TENDER"]),
                sheet.scale,
            ]
        x = x0
        c.setFont("Helvetica-Bold" if k == 0 else "Helvetica", 8)
        for w, text in zip(widths, row, strict=False):
            c.rect(x, top - (k + 1) * rh, w, rh)
            c.drawString(x + 2 * mm, top - (k + 1) * rh + 2.3 * mm, text)
            x += w


def calculation(c: Canvas, rng: random.Random) -> None:
    """A calculation sheet: its ruled header box (project, calc no, rev, date) is at the top."""
    width, height = A4
    c.setPageSize(A4)
    x0, top = 15 * mm, height - 15 * mm
    cells = [
        ("Project", "Riverside Medical Center", 90 * mm),
        ("Calc No.", f"CALC-{rng.randint(1, 99):03}", 40 * mm),
        ("Rev", str(rng.randint(0, 3)), 20 * mm),
        ("Date", format_date(_dates(rng)[0], "dmy_slash"), 30 * mm),
    ]
    x = x0
    for label, value, w in cells:
        c.rect(x, top - 14 * mm, w, 14 * mm)
        c.setFont("Helvetica", 6)
        c.drawString(x + 2 * mm, top - 4 * mm, label)
        c.setFont("Helvetica-Bold", 9)
        c.drawString(x + 2 * mm, top - 10 * mm, value)
        x += w
    c.setFont("Helvetica", 9)
    y = top - 30 * mm
    for k in range(30):
        c.drawString(
            25 * mm, y, f"{k + 1}. M = w L^2 / 8 = {rng.randint(10, 90)}.{rng.randint(0, 9)} kNm  (beam B{k + 1})"
        )
        y -= 7 * mm
        if y < 25 * mm:
            break


def no_title_block_sheet(c: Canvas, rng: random.Random) -> None:
    """A drawing sheet with a frame and a busy drawing area, but no title block at all."""
    size = rng.choice([landscape(A3), landscape(A1)])
    c.setPageSize(size)
    width, height = size
    box = border(c, width, height, 10 * mm)
    sheet = make_sheet(rng, "SK-01", revision_style="letters")
    drawing_area(c, rng, box, sheet)
    c.setFont("Helvetica", 7)
    c.drawString(
        box[0] + 4 * mm, box[1] + 4 * mm, f"Sketch {rng.randint(1, 40)} — printed {format_date(sheet.drawn, 'iso')}"
    )


def logo_box_sheet(c: Canvas, rng: random.Random) -> None:
    """A frame with a ruled box at the bottom right that holds only a firm's name and a scale bar."""
    size = landscape(A2)
    c.setPageSize(size)
    width, height = size
    x0, y0, x1, y1 = border(c, width, height, 10 * mm)
    c.rect(x1 - 120 * mm, y0, 120 * mm, 30 * mm)
    c.line(x1 - 120 * mm, y0 + 15 * mm, x1, y0 + 15 * mm)
    c.line(x1 - 60 * mm, y0, x1 - 60 * mm, y0 + 15 * mm)
    c.setFont("Helvetica-Bold", 12)
    c.drawString(x1 - 115 * mm, y0 + 20 * mm, "ALPINE STRUCTURES")
    c.setFont("Helvetica", 7)
    c.drawString(x1 - 115 * mm, y0 + 6 * mm, "0    5    10    20 m")
    c.drawString(x1 - 55 * mm, y0 + 6 * mm, f"{rng.choice(TITLES)[0]}")
    sheet = make_sheet(rng, "X-1", revision_style="letters")
    drawing_area(c, rng, (x0, y0 + 30 * mm, x1, y1), sheet)


def schedule_sheet(c: Canvas, rng: random.Random) -> None:
    """A door schedule drawn against the bottom-right corner of a framed sheet: ruled, full of
    numbers under a "NUMBER" heading — and no title block."""
    size = landscape(A3)
    c.setPageSize(size)
    width, height = size
    x0, y0, x1, y1 = border(c, width, height, 8 * mm)
    widths = [18 * mm, 28 * mm, 30 * mm, 40 * mm]
    rows = [["MARK", "NUMBER", "SIZE", "FINISH"]] + [
        [f"{n}", f"D-{101 + n}", rng.choice(["926 x 2040", "826 x 2040"]), rng.choice(["PAINT", "STAIN"])]
        for n in range(rng.randint(5, 9))
    ]
    rh = 6 * mm
    top = y0 + len(rows) * rh
    for k, row in enumerate(rows):
        x = x1 - sum(widths)
        c.setFont("Helvetica-Bold" if k == 0 else "Helvetica", 7)
        for w, text in zip(widths, row, strict=False):
            c.rect(x, top - (k + 1) * rh, w, rh)
            c.drawString(x + 2 * mm, top - (k + 1) * rh + 2 * mm, text)
            x += w
    sheet = make_sheet(rng, "X-2", revision_style="letters")
    drawing_area(c, rng, (x0, y0, x1 - sum(widths) - 12, y1), sheet)


def scanned_page(c: Canvas, rng: random.Random) -> None:
    """A page that is one raster image (a scan): no text layer at all."""
    from PIL import Image, ImageDraw
    from reportlab.lib.utils import ImageReader

    size = landscape(A3)
    c.setPageSize(size)
    image = Image.new("L", (1190, 842), 255)
    draw = ImageDraw.Draw(image)
    for _ in range(60):
        x, y = rng.randrange(1190), rng.randrange(842)
        draw.line((x, y, x + rng.randint(-200, 200), y + rng.randint(-200, 200)), fill=0, width=2)
    draw.rectangle((900, 700, 1180, 830), outline=0, width=3)
    draw.text((920, 720), "DRAWING No. A-101  REV C", fill=0)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    buffer.seek(0)
    c.drawImage(ImageReader(buffer), 0, 0, width=size[0], height=size[1])


NON_DRAWINGS = {
    "specification": specification,
    "transmittal": transmittal,
    "register": register,
    "calculation": calculation,
}
NO_TITLE_BLOCK = {
    "sketch": no_title_block_sheet,
    "logo_box": logo_box_sheet,
    "schedule": schedule_sheet,
}
