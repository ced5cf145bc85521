"""What goes on a generated sheet: its identity (number, title, revisions, dates) and the drawing
area's text that a title-block reader must not mistake for the title block."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

TITLES = [
    ("GROUND FLOOR PLAN",),
    ("FIRST FLOOR PLAN", "EAST WING"),
    ("ROOF PLAN",),
    ("BUILDING SECTIONS", "A-A AND B-B"),
    ("NORTH AND SOUTH ELEVATIONS",),
    ("REFLECTED CEILING PLAN", "LEVEL 2"),
    ("FOUNDATION PLAN",),
    ("LEVEL 3 FRAMING PLAN",),
    ("TYPICAL WALL SECTIONS",),
    ("DOOR AND WINDOW SCHEDULES",),
    ("STAIR 1 DETAILS", "PLANS AND SECTIONS"),
    ("LIGHTING LAYOUT", "LEVEL 1"),
    ("POWER DISTRIBUTION", "SINGLE LINE DIAGRAM"),
    ("HVAC DUCTWORK PLAN", "LEVEL 2 WEST"),
    ("SITE DRAINAGE LAYOUT",),
    ("ENLARGED TOILET PLANS",),
    ("FIRE STRATEGY PLAN", "BASEMENT"),
    ("STRUCTURAL GENERAL NOTES",),
    ("EXTERNAL WORKS", "HARD LANDSCAPING"),
    ("PLUMBING RISER DIAGRAM",),
    ("Level 4 Floor Plan",),
    ("Curtain Wall Details", "Sheet 2"),
    ("Existing Site Survey",),
    ("Demolition Plan", "Ground Floor"),
]
DESCRIPTIONS = [
    "ISSUED FOR INFORMATION",
    "ISSUED FOR COORDINATION",
    "ISSUED FOR PLANNING",
    "REVISED PER CLIENT COMMENTS",
    "ISSUED FOR TENDER",
    "ISSUED FOR CONSTRUCTION",
    "GRID LINES AMENDED",
    "DOORS RENUMBERED",
]
INITIALS = ["JD", "MK", "RS", "AL", "TP", "CW", "NB"]
MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
MONTH_NAMES = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def format_date(day: date, style: str) -> str:
    """A date written the way drawings write it."""
    if style == "iso":
        return day.isoformat()
    if style == "dmy_slash":
        return f"{day.day:02}/{day.month:02}/{day.year}"
    if style == "dmy_dots_short":
        return f"{day.day:02}.{day.month:02}.{day.year % 100:02}"
    if style == "d_mon_y":
        return f"{day.day:02} {MONTHS[day.month - 1]} {day.year}"
    if style == "month_d_y":
        return f"{MONTH_NAMES[day.month - 1]} {day.day}, {day.year}"
    if style == "d_mon_y_dash":
        return f"{day.day}-{MONTHS[day.month - 1].title()}-{day.year % 100:02}"
    raise ValueError(style)


@dataclass
class Revision:
    mark: str
    day: date
    description: str
    by: str


@dataclass
class Sheet:
    """One sheet's identity; `revisions` oldest first, the last is current."""

    number: str
    title: tuple[str, ...]
    revisions: list[Revision]
    drawn: date
    project: str = "RIVERSIDE MEDICAL CENTER"
    project_number: str = "2024-118"
    job_number: str = "4471"
    client: str = "NORTHWIND HEALTH TRUST"
    scale: str = "1:100"
    extras: dict[str, str] = field(default_factory=dict)

    @property
    def current(self) -> Revision:
        return self.revisions[-1]

    @property
    def name(self) -> str:
        return " ".join(self.title)


def revision_marks(style: str, count: int) -> list[str]:
    if style == "letters":
        return [chr(ord("A") + i) for i in range(count)]
    if style == "numbers":
        return [str(i) for i in range(count)]
    if style == "numbers_from_one":
        return [str(i + 1) for i in range(count)]
    if style == "status":  # preliminary issues, then construction issues
        split = max(1, count - 1)
        return [f"P{i + 1:02}" for i in range(split)] + [f"C{i + 1:02}" for i in range(count - split)]
    raise ValueError(style)


def make_sheet(rng: random.Random, number: str, *, revision_style: str, max_revisions: int = 5) -> Sheet:
    count = rng.randint(1, max_revisions)
    marks = revision_marks(revision_style, count)
    day = date(2025, 1, 6) + timedelta(days=rng.randint(0, 300))
    drawn = day
    revisions = []
    for mark in marks:
        revisions.append(Revision(mark, day, rng.choice(DESCRIPTIONS), rng.choice(INITIALS)))
        day = day + timedelta(days=rng.randint(5, 60))
    return Sheet(
        number=number,
        title=rng.choice(TITLES),
        revisions=revisions,
        drawn=drawn,
        project_number=f"{rng.randint(2019, 2026)}-{rng.randint(100, 999)}",
        job_number=str(rng.randint(1000, 9999)),
        scale=rng.choice(["1:100", "1:50", "1:200", "AS SHOWN", '1/8" = 1\'-0"']),
    )


# --- the drawing area: what a reader must ignore -------------------------------------------------


def border(c: Canvas, width: float, height: float, margin: float, binding: float | None = None) -> tuple:
    """The sheet frame; returns its box (x0, y0, x1, y1) in PDF points (origin bottom-left)."""
    left = binding if binding is not None else margin
    c.setLineWidth(1.2)
    c.rect(left, margin, width - left - margin, height - 2 * margin)
    c.setLineWidth(0.5)
    return left, margin, width - margin, height - margin


def drawing_area(c: Canvas, rng: random.Random, box: tuple, sheet: Sheet, *, stamp: bool = True) -> None:
    """Grid lines with bubbles, walls, dimensions, room names, a detail title, notes and a stamp."""
    x0, y0, x1, y1 = box
    if x1 - x0 < 80 or y1 - y0 < 80:
        return
    c.saveState()
    c.setLineWidth(0.25)
    c.setDash(6, 3)
    columns = rng.randint(4, 8)
    rows = rng.randint(3, 5)
    gx = [x0 + 30 + i * (x1 - x0 - 60) / (columns - 1) for i in range(columns)]
    gy = [y0 + 30 + j * (y1 - y0 - 60) / (rows - 1) for j in range(rows)]
    for x in gx:
        c.line(x, y0 + 14, x, y1 - 14)
    for y in gy:
        c.line(x0 + 14, y, x1 - 14, y)
    c.setDash()
    c.setFont("Helvetica", 9)
    for i, x in enumerate(gx):  # grid bubbles top and bottom: letters
        for y in (y0 + 8, y1 - 8):
            c.circle(x, y, 6)
            c.drawCentredString(x, y - 3, chr(ord("A") + i))
    for j, y in enumerate(gy):  # and numbers left and right
        for x in (x0 + 8, x1 - 8):
            c.circle(x, y, 6)
            c.drawCentredString(x, y - 3, str(j + 1))
    # Walls and rooms.
    c.setLineWidth(1.0)
    for _ in range(rng.randint(3, 7)):
        i = rng.randrange(columns - 1)
        j = rng.randrange(rows - 1)
        c.rect(gx[i], gy[j], gx[i + 1] - gx[i], gy[j + 1] - gy[j])
        c.setFont("Helvetica", 7)
        room = rng.choice(["OFFICE", "STORE", "WC", "PLANT", "CORRIDOR", "LOBBY", "STAIR 1", "RISER"])
        c.drawCentredString((gx[i] + gx[i + 1]) / 2, (gy[j] + gy[j + 1]) / 2, f"{room} {rng.randint(100, 399)}")
    # Dimension strings along the first grid row.
    c.setLineWidth(0.25)
    c.setFont("Helvetica", 6)
    dim_y = gy[-1] + 14 if gy[-1] + 14 < y1 - 20 else gy[0] - 14
    for i in range(columns - 1):
        c.line(gx[i], dim_y, gx[i + 1], dim_y)
        c.drawCentredString((gx[i] + gx[i + 1]) / 2, dim_y + 2, str(rng.choice([3600, 4200, 6000, 7200, 8400])))
    # A detail title in the drawing area (a decoy "A-A" and a scale).
    c.setFont("Helvetica-Bold", 10)
    tx = x0 + 40 + rng.random() * max(1, (x1 - x0) / 3)
    ty = y0 + 40 + rng.random() * max(1, (y1 - y0) / 3)
    c.drawString(tx, ty, f"SECTION {rng.choice('ABCD')}-{rng.choice('ABCD')}")
    c.setFont("Helvetica", 7)
    c.drawString(tx, ty - 10, f"SCALE 1:{rng.choice([20, 25, 50])}")
    c.line(tx, ty - 2, tx + 90, ty - 2)
    # General notes naming other drawings and revisions.
    c.setFont("Helvetica-Bold", 7)
    nx, ny = x0 + 40, y1 - 40
    c.drawString(nx, ny, "GENERAL NOTES")
    c.setFont("Helvetica", 6)
    notes = [
        "1. DO NOT SCALE FROM THIS DRAWING.",
        f"2. REFER TO DWG {sheet.number[:1]}-501 REV B FOR DETAILS.",
        f"3. ALL DIMENSIONS IN MM. PROJECT No. {sheet.project_number}.",
        "4. CONTRACTOR TO VERIFY ALL LEVELS ON SITE.",
    ]
    for k, note in enumerate(notes):
        c.drawString(nx, ny - 9 * (k + 1), note)
    # A north arrow.
    ax, ay = x1 - 60, y1 - 60
    c.circle(ax, ay, 14)
    c.line(ax, ay - 12, ax, ay + 12)
    c.setFont("Helvetica-Bold", 8)
    c.drawCentredString(ax, ay + 16, "N")
    if stamp:
        c.saveState()
        c.setFont("Helvetica-Bold", 22)
        c.setFillGray(0.6)
        cx = x0 + (x1 - x0) * rng.uniform(0.3, 0.5)
        cy = y0 + (y1 - y0) * rng.uniform(0.4, 0.6)
        c.translate(cx, cy)
        c.rotate(rng.choice([0, 20, 30]))
        c.drawCentredString(0, 0, rng.choice(["PRELIMINARY", "NOT FOR CONSTRUCTION", "FOR APPROVAL"]))
        c.restoreState()
    c.restoreState()


def cell(
    c: Canvas,
    x: float,
    y: float,
    w: float,
    h: float,
    label: str | None,
    value: str | tuple[str, ...] | None,
    *,
    label_size: float = 5.5,
    value_size: float = 9,
    value_font: str = "Helvetica-Bold",
    label_font: str = "Helvetica",
    align: str = "left",
    boxed: bool = True,
) -> None:
    """A title-block cell: a small label at its top-left and the value below it."""
    if boxed:
        c.rect(x, y, w, h)
    if label:
        c.setFont(label_font, label_size)
        c.drawString(x + 1.5 * mm, y + h - label_size - 1.2 * mm, label)
    if value:
        lines = (value,) if isinstance(value, str) else value
        c.setFont(value_font, value_size)
        top = y + h - (label_size + 2.5 * mm if label else 1.5 * mm) - value_size
        for k, line in enumerate(lines):
            ly = top - k * value_size * 1.25
            if align == "center":
                c.drawCentredString(x + w / 2, ly, line)
            else:
                c.drawString(x + 1.5 * mm, ly, line)


def polar(cx: float, cy: float, r: float, angle: float) -> tuple[float, float]:
    return cx + r * math.cos(math.radians(angle)), cy + r * math.sin(math.radians(angle))
