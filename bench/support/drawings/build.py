"""Write the generated set to a folder, with `truth.json` beside it."""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path

from reportlab.pdfgen.canvas import Canvas

from .content import Sheet, make_sheet
from .documents import NO_TITLE_BLOCK, NON_DRAWINGS, scanned_page
from .layouts import LAYOUTS, Layout

FIELDS = ("number", "name", "revision", "date_authored")
DISCIPLINES = ["A", "S", "M", "E", "C", "P"]


@dataclass
class PageTruth:
    file: str
    page: int
    kind: str  # the layout's name, or what the page is when it has no title block
    fields: dict[str, str] | None  # None: nothing may be proposed
    scanned: bool = False


def _truth_fields(sheet: Sheet) -> dict[str, str]:
    return {
        "number": sheet.number,
        "name": sheet.name,
        "revision": sheet.current.mark,
        "date_authored": sheet.current.day.isoformat(),
    }


def _number(layout: Layout, discipline: str, n: int) -> str:
    digits = f"{n:04}" if "{n}" in layout.number_pattern and layout.name == "uk_container" else f"{n:03}"
    return layout.number_pattern.format(d=discipline, t="DRW", n=digits)


PagePainter = Callable[[Canvas], None]


def write_pages(path: Path, painters: Sequence[PagePainter]) -> None:
    canvas = Canvas(str(path))
    for paint in painters:
        paint(canvas)
        canvas.showPage()
    canvas.save()


def _paint_seeded(draw: Callable[[Canvas, random.Random], None], seed: float, canvas: Canvas) -> None:
    """Paint one page with its own random source, so each page is the same on every run."""
    draw(canvas, random.Random(seed))


def sheet_painter(layout: Layout, sheet: Sheet, rng: random.Random) -> PagePainter:
    size = rng.choice(layout.page_sizes)
    seed = rng.random()

    def paint(canvas: Canvas) -> None:
        canvas.setPageSize(size)
        layout.draw(canvas, sheet, random.Random(seed), size)

    return paint


def write_sheet_pdf(path: Path, layout: Layout, sheets: Iterable[Sheet], seed: int = 0) -> None:
    rng = random.Random(seed)
    write_pages(path, [sheet_painter(layout, sheet, rng) for sheet in sheets])


def build_set(
    directory: Path,
    *,
    seed: int = 2026,
    singles: int = 3,
    set_size: int = 5,
    others: int = 2,
    layouts: Sequence[Layout] = LAYOUTS,
) -> list[PageTruth]:
    """Per layout `singles` one-sheet files and one `set_size`-sheet set; `others` of each kind of
    page without a title block; one scanned page. Returns the truth, page by page."""
    directory.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    truth: list[PageTruth] = []
    for layout in layouts:
        for k in range(singles):
            discipline = rng.choice(DISCIPLINES)
            sheet = make_sheet(
                rng, _number(layout, discipline, rng.randint(100, 699)), revision_style=layout.revision_style
            )
            name = f"{layout.name}-{k + 1}.pdf"
            write_pages(directory / name, [sheet_painter(layout, sheet, rng)])
            truth.append(PageTruth(name, 1, layout.name, _truth_fields(sheet)))
        if set_size:
            discipline = rng.choice(DISCIPLINES)
            start = rng.randint(100, 600)
            sheets = [
                make_sheet(rng, _number(layout, discipline, start + n), revision_style=layout.revision_style)
                for n in range(set_size)
            ]
            name = f"{layout.name}-set.pdf"
            write_pages(directory / name, [sheet_painter(layout, s, rng) for s in sheets])
            truth.extend(PageTruth(name, n + 1, layout.name, _truth_fields(s)) for n, s in enumerate(sheets))
    for kinds in (NON_DRAWINGS, NO_TITLE_BLOCK):
        for kind, draw in kinds.items():
            for k in range(others):
                name = f"{kind}-{k + 1}.pdf"
                page_seed = rng.random()
                write_pages(directory / name, [partial(_paint_seeded, draw, page_seed)])
                truth.append(PageTruth(name, 1, kind, None))
    write_pages(directory / "scan.pdf", [lambda c: scanned_page(c, random.Random(seed))])
    truth.append(PageTruth("scan.pdf", 1, "scanned", None, scanned=True))
    (directory / "truth.json").write_text(json.dumps([asdict(t) for t in truth], indent=1))
    return truth


def big_set(path: Path, sheets: int = 200, seed: int = 7, layouts: Sequence[Layout] = LAYOUTS) -> list[PageTruth]:
    """One PDF of `sheets` sheets in turn of every layout (the memory check), and its truth."""
    rng = random.Random(seed)
    painters = []
    truth = []
    for n in range(sheets):
        layout = layouts[n % len(layouts)]
        sheet = make_sheet(rng, _number(layout, "A", 100 + n), revision_style=layout.revision_style)
        painters.append(sheet_painter(layout, sheet, rng))
        truth.append(PageTruth(path.name, n + 1, layout.name, _truth_fields(sheet)))
    write_pages(path, painters)
    return truth


def busy_sheet(path: Path, *, lines: int = 15_000, numbers: int = 3_000, seed: int = 11) -> PageTruth:
    """One sheet whose drawing area is as busy as a real plan's (hatching, thousands of short
    lines and dimension figures) around an ordinary title block: the reader's cost on it."""
    rng = random.Random(seed)
    layout = LAYOUTS[0]
    sheet = make_sheet(rng, _number(layout, "A", 101), revision_style=layout.revision_style)
    size = layout.page_sizes[0]

    def paint(canvas: Canvas) -> None:
        canvas.setPageSize(size)
        layout.draw(canvas, sheet, random.Random(seed), size)
        width, height = size
        for i in range(lines):
            x, y = rng.uniform(0.05, 0.7) * width, rng.uniform(0.25, 0.95) * height
            length = rng.uniform(5, 40)
            canvas.line(x, y, x + length, y) if i % 2 else canvas.line(x, y, x, y + length)
        canvas.setFont("Helvetica", 5)
        for _ in range(numbers):
            canvas.drawString(
                rng.uniform(0.05, 0.7) * width, rng.uniform(0.25, 0.95) * height, str(rng.randint(100, 9999))
            )

    write_pages(path, [paint])
    return PageTruth(path.name, 1, "busy", _truth_fields(sheet))
