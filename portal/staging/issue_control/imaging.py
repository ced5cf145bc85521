"""Comparing two PDFs page by page: PDFium renders, numpy finds what changed, Pillow draws it.

No Django here: paths in, page results out through a callback, one page in memory at a time.

- Both pages are rendered in grey at one scale: `dpi`, lowered so the larger page holds at most
  `max_pixels` (an A1 sheet at 100 dpi is 7.7 million pixels, about 8 MB a page), then padded
  to the same size from the top-left corner. Memory stays bounded whatever the sheet size.
- A pixel changed when the two renders differ by more than THRESHOLD grey levels. Changed pixels
  are pooled into CELL×CELL blocks, blocks within GAP cells of each other are joined (a changed
  note and its leader are one change), and the joined groups are labelled as connected
  components (scipy.ndimage); each region is the tight box of its changed pixels, given as
  fractions of the page so any picture size can show it.
- The overlay is drawn at display size (the render reduced by a whole factor to at most
  DISPLAY_WIDTH): ink on both pages grey, ink only on the current revision red, ink only on the
  staged file blue, each changed region outlined; the side-by-side picture shows the current
  revision left and the staged file right with the same outlines. Pictures are 8-bit palette
  PNGs (one palette), which compress three times faster than RGB.
- A page only in the staged file is "new", a page only in the current revision "removed".
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pypdfium2 as pdfium
from PIL import Image, ImageDraw, ImageFont
from scipy import ndimage

THRESHOLD = 40  # grey levels: anti-aliasing of the same line never differs this much
CELL = 8  # pixels pooled into one block before labelling
GAP = 2  # blocks: changes this close together are one region
DISPLAY_WIDTH = 2000  # pixels: the stored overlay's width at most
SIDE_WIDTH = 1000  # pixels: each half of the side-by-side picture at most
OUTLINE = (229, 161, 0)  # amber: visible on grey, red and blue ink
OLD_INK = (215, 38, 30)
NEW_INK = (31, 95, 209)


class NotAPdf(Exception):
    """A file PDFium cannot open as a PDF."""


@dataclass
class PageResult:
    number: int  # 1-based
    status: str  # changed | unchanged | new | removed
    regions: list[tuple[float, float, float, float]] = field(default_factory=list)  # x0, y0, x1, y1 in 0..1
    overlay_png: bytes | None = None
    side_png: bytes | None = None
    note: str = ""


@dataclass
class CompareSummary:
    pages: int
    changed: int
    regions: int


@contextmanager
def open_pdf(path: str) -> Iterator[pdfium.PdfDocument]:
    try:
        document = pdfium.PdfDocument(path)
    except pdfium.PdfiumError as exc:
        raise NotAPdf(str(exc)) from exc
    try:
        yield document
    finally:
        document.close()


def render_scale(sizes: list[tuple[float, float]], dpi: float, max_pixels: int) -> float:
    """Pixels per point: `dpi`, or less when the largest page would exceed `max_pixels`."""
    width = max(w for w, _ in sizes)
    height = max(h for _, h in sizes)
    scale = dpi / 72.0
    if width * height * scale * scale > max_pixels:
        scale = math.sqrt(max_pixels / (width * height))
    return scale


def render(page: pdfium.PdfPage, scale: float, shape: tuple[int, int]) -> np.ndarray:
    """The page in grey (0 ink … 255 paper), padded with paper to `shape` (rows, columns)."""
    bitmap = page.render(scale=scale, grayscale=True, may_draw_forms=True)
    try:
        pixels = bitmap.to_numpy()
        if pixels.ndim == 3:  # some builds give one channel as a third axis
            pixels = pixels[:, :, 0]
        canvas = np.full(shape, 255, dtype=np.uint8)
        rows, cols = min(shape[0], pixels.shape[0]), min(shape[1], pixels.shape[1])
        canvas[:rows, :cols] = pixels[:rows, :cols]
        return canvas
    finally:
        bitmap.close()


def changed_mask(old: np.ndarray, new: np.ndarray) -> np.ndarray:
    return (np.maximum(old, new) - np.minimum(old, new)) > THRESHOLD


def find_regions(changed: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Boxes (x0, y0, x1, y1, in pixels, end exclusive) around connected groups of changes."""
    rows, cols = changed.shape
    padded_rows, padded_cols = -(-rows // CELL) * CELL, -(-cols // CELL) * CELL
    if (padded_rows, padded_cols) != (rows, cols):
        grid = np.zeros((padded_rows, padded_cols), dtype=bool)
        grid[:rows, :cols] = changed
    else:
        grid = changed
    blocks = np.any(grid.reshape(padded_rows // CELL, CELL, padded_cols // CELL, CELL), axis=(1, 3), keepdims=False)
    blocks = np.asarray(blocks, dtype=bool)
    joined = ndimage.binary_dilation(blocks, iterations=GAP) if GAP else blocks
    labels, count = ndimage.label(joined, structure=np.ones((3, 3), dtype=bool))
    boxes = []
    for index, found in enumerate(ndimage.find_objects(labels), start=1):
        if found is None:
            continue
        row_slice, col_slice = found
        # Only this group's own changed blocks (the dilation may reach into a neighbour's box).
        own = np.logical_and(labels[found] == index, blocks[found])
        if not own.any():
            continue
        y0 = (row_slice.start) * CELL
        x0 = (col_slice.start) * CELL
        y1 = min(rows, row_slice.stop * CELL)
        x1 = min(cols, col_slice.stop * CELL)
        ys, xs = np.nonzero(changed[y0:y1, x0:x1])
        if ys.size == 0:
            continue
        boxes.append((x0 + int(xs.min()), y0 + int(ys.min()), x0 + int(xs.max()) + 1, y0 + int(ys.max()) + 1))
    boxes.sort(key=lambda b: (b[1], b[0]))
    return boxes


def _display(pixels: np.ndarray, width: int) -> Image.Image:
    """The render made at most `width` wide by an integer reduction (fast, averages blocks)."""
    image = Image.fromarray(pixels, mode="L")
    factor = -(-image.width // width)
    return image.reduce(factor) if factor > 1 else image


# One palette for every picture: pictures are 8-bit indices (a third of RGB's bytes to compress).
GREYS = 32  # 0 paper … 31 black
RED, BLUE = GREYS, GREYS + 8  # eight strengths each
AMBER, INK = GREYS + 16, GREYS + 17


def _palette() -> list[int]:
    colours: list[tuple[int, int, int]] = [(255 - i * 255 // (GREYS - 1),) * 3 for i in range(GREYS)]
    for target in (OLD_INK, NEW_INK):
        colours += [tuple(255 - (255 - c) * (i + 1) // 8 for c in target) for i in range(8)]  # type: ignore[misc]
    colours += [OUTLINE, (29, 36, 48)]
    return [channel for colour in colours for channel in colour]


PALETTE = _palette()
# Unchanged ink is drawn lighter (at most 150 of 255) than the ink that changed.
_SHARED = (np.arange(256, dtype=np.uint16) * 150 // 255 // 8).astype(np.uint8)


def _paletted(indices: np.ndarray) -> Image.Image:
    image = Image.fromarray(indices, mode="P")
    image.putpalette(PALETTE)
    return image


def overlay_image(old: Image.Image, new: Image.Image) -> Image.Image:
    """Grey where both pages have ink, red for the current revision only, blue for the staged file only.

    The shared part of a pixel's ink is the smaller darkness of the two, so at each pixel at most
    one of the "only" inks is above zero; a pixel with enough of it takes that colour."""
    old_dark = 255 - np.asarray(old, dtype=np.uint8)
    new_dark = 255 - np.asarray(new, dtype=np.uint8)
    common = np.minimum(old_dark, new_dark)
    only_old = old_dark - common
    only_new = new_dark - common
    indices = _SHARED[common]
    visible = THRESHOLD // 2
    indices = np.where(only_old > visible, RED + (only_old >> 5), indices)
    indices = np.where(only_new > visible, BLUE + (only_new >> 5), indices).astype(np.uint8)
    return _paletted(indices)


def _greys(image: Image.Image) -> Image.Image:
    return _paletted(((255 - np.asarray(image, dtype=np.uint8)) >> 3).astype(np.uint8))


def _outline(draw: ImageDraw.ImageDraw, regions, size: tuple[int, int], offset: tuple[int, int] = (0, 0)) -> None:
    width, height = size
    line = max(2, width // 600)
    pad = line * 2
    for x0, y0, x1, y1 in regions:
        box = (
            offset[0] + max(0, int(x0 * width) - pad),
            offset[1] + max(0, int(y0 * height) - pad),
            offset[0] + min(width - 1, int(math.ceil(x1 * width)) + pad),
            offset[1] + min(height - 1, int(math.ceil(y1 * height)) + pad),
        )
        draw.rectangle(box, outline=AMBER, width=line)


@lru_cache(maxsize=1)
def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, OSError):  # Pillow without FreeType: the bitmap font
        return ImageFont.load_default()


def side_by_side(old: Image.Image | None, new: Image.Image | None, regions, labels: tuple[str, str]) -> Image.Image:
    """The current revision left, the staged file right (grey pictures), each under its label,
    regions outlined."""
    panels = [old, new]
    width = max(p.width for p in panels if p is not None)
    height = max(p.height for p in panels if p is not None)
    header = 36
    gap = 16
    canvas = _paletted(np.zeros((height + header, width * 2 + gap), dtype=np.uint8))
    draw = ImageDraw.Draw(canvas)
    font = _font(20)
    for index, (panel, label) in enumerate(zip(panels, labels, strict=True)):
        left = index * (width + gap)
        draw.text((left + 4, 8), label, fill=INK, font=font)
        if panel is None:
            draw.rectangle((left, header, left + width - 1, header + height - 1), outline=8, width=2)
            draw.text((left + 16, header + 16), "No such page", fill=INK, font=font)
            continue
        canvas.paste(_greys(panel), (left, header))
        _outline(draw, regions, panel.size, (left, header))
    return canvas


def png(image: Image.Image) -> bytes:
    """Fast compression: 8-bit line drawings on white compress well even so, and time matters more."""
    buffer = io.BytesIO()
    image.save(buffer, "PNG", compress_level=1)
    return buffer.getvalue()


def compare_pdfs(
    old_path: str,
    new_path: str,
    *,
    dpi: float,
    max_pixels: int,
    labels: tuple[str, str] = ("Current revision", "Staged file"),
    on_page: Callable[[PageResult], None],
) -> CompareSummary:
    """Compare every page; `on_page` gets each page's result (and its pictures) as it is done."""
    with open_pdf(old_path) as old_pdf, open_pdf(new_path) as new_pdf:
        pages = max(len(old_pdf), len(new_pdf))
        changed_pages = regions_found = 0
        for index in range(pages):
            old_page = old_pdf[index] if index < len(old_pdf) else None
            new_page = new_pdf[index] if index < len(new_pdf) else None
            try:
                result = _compare_page(index + 1, old_page, new_page, dpi, max_pixels, labels)
            finally:
                for page in (old_page, new_page):
                    if page is not None:
                        page.close()
            if result.status != "unchanged":
                changed_pages += 1
            regions_found += len(result.regions)
            on_page(result)
        return CompareSummary(pages, changed_pages, regions_found)


def _compare_page(
    number: int,
    old_page: pdfium.PdfPage | None,
    new_page: pdfium.PdfPage | None,
    dpi: float,
    max_pixels: int,
    labels: tuple[str, str],
) -> PageResult:
    present = [p for p in (old_page, new_page) if p is not None]
    sizes = [p.get_size() for p in present]
    scale = render_scale(sizes, dpi, max_pixels)
    shape = (
        max(1, round(max(h for _, h in sizes) * scale)),
        max(1, round(max(w for w, _ in sizes) * scale)),
    )
    note = ""
    if old_page is not None and new_page is not None:
        if [round(v) for v in old_page.get_size()] != [round(v) for v in new_page.get_size()]:
            note = (
                f"The sheet size changed ({_mm(old_page.get_size())} → {_mm(new_page.get_size())}); "
                "pages are compared from their top-left corner."
            )
    old = render(old_page, scale, shape) if old_page is not None else None
    new = render(new_page, scale, shape) if new_page is not None else None
    if old is None or new is None:
        status = "new" if old is None else "removed"
        pixels = new if new is not None else old
        assert pixels is not None  # one of the two pages exists
        only = _display(pixels, SIDE_WIDTH)
        side = side_by_side(None if old is None else only, None if new is None else only, [], labels)
        return PageResult(number, status, [], None, png(side), note)
    changed = changed_mask(old, new)
    if not changed.any():
        del changed
        side = side_by_side(_display(old, SIDE_WIDTH), _display(new, SIDE_WIDTH), [], labels)
        return PageResult(number, "unchanged", [], None, png(side), note)
    boxes = find_regions(changed)
    del changed
    rows, cols = shape
    regions = [(x0 / cols, y0 / rows, x1 / cols, y1 / rows) for x0, y0, x1, y1 in boxes]
    old_display, new_display = _display(old, DISPLAY_WIDTH), _display(new, DISPLAY_WIDTH)
    del old, new
    overlay = overlay_image(old_display, new_display)
    _outline(ImageDraw.Draw(overlay), regions, overlay.size)
    overlay_png = png(overlay)
    del overlay
    # The side-by-side halves come from the display pictures (already small), not the renders.
    factor = -(-old_display.width // SIDE_WIDTH)
    halves = (old_display.reduce(factor), new_display.reduce(factor)) if factor > 1 else (old_display, new_display)
    side = side_by_side(*halves, regions, labels)
    return PageResult(number, "changed", regions, overlay_png, png(side), note)


def _mm(size: tuple[float, float]) -> str:
    width, height = (round(v * 25.4 / 72) for v in size)
    return f"{width}×{height} mm"
