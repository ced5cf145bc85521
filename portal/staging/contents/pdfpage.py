"""What a PDF page holds, in the terms the title-block reader needs: words with their boxes, ruled
lines, and how much of the page is covered by raster images (a scan).

This is the one place that talks to PDFium (through pypdfium2's raw bindings, for speed: a sheet
can hold thousands of characters and path segments). Everything is returned in *display* space —
the page as a person sees it after its /Rotate, origin at the top-left, y growing downwards, in
points — so the reader never has to think about rotated pages.
"""

from __future__ import annotations

import ctypes
import math
from dataclasses import dataclass, field

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

# A sheet with more path segments than this is read with the rulings found so far: the title
# block is drawn early in almost every CAD export, and a bounded cost matters more than the rest.
MAX_SEGMENTS = 60_000
# Form XObjects nest; deeper than this is never a title block.
MAX_DEPTH = 6
# A segment counts as horizontal/vertical within this many points of slope over its length.
AXIS_TOLERANCE = 0.6
MIN_RULING = 4.0
# A path whose whole box is thinner than this (points, stroke included) is one straight line.
THIN = 2.5


@dataclass(frozen=True)
class Word:
    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    size: float

    @property
    def height(self) -> float:
        return self.bottom - self.top

    @property
    def middle(self) -> float:
        return (self.top + self.bottom) / 2


@dataclass(frozen=True)
class Ruling:
    """An axis-aligned line segment: horizontal when top == bottom, vertical when x0 == x1."""

    x0: float
    top: float
    x1: float
    bottom: float

    @property
    def horizontal(self) -> bool:
        return self.bottom - self.top <= self.x1 - self.x0


@dataclass
class PageContent:
    width: float
    height: float
    words: list[Word] = field(default_factory=list)
    rulings: list[Ruling] = field(default_factory=list)
    characters: int = 0
    image_cover: float = 0.0  # the largest share of the page one image covers
    paths: int = 0
    truncated: bool = False  # MAX_SEGMENTS reached

    @property
    def scanned(self) -> bool:
        """No text layer, and one picture covering most of the page: a scan or a photograph."""
        return self.characters < 5 and self.image_cover >= 0.5


class _Space:
    """PDF user space → display space for one page (its crop box and /Rotate)."""

    def __init__(self, page: pdfium.PdfPage) -> None:
        left, bottom, right, top = page.get_cropbox()
        self.left, self.bottom, self.right, self.top = left, bottom, right, top
        self.rotation = page.get_rotation() % 360
        if self.rotation in (90, 270):
            self.width, self.height = top - bottom, right - left
        else:
            self.width, self.height = right - left, top - bottom

    def point(self, x: float, y: float) -> tuple[float, float]:
        if self.rotation == 90:
            return y - self.bottom, x - self.left
        if self.rotation == 180:
            return self.right - x, y - self.bottom
        if self.rotation == 270:
            return self.top - y, self.right - x
        return x - self.left, self.top - y

    def box(self, x0: float, y0: float, x1: float, y1: float) -> tuple[float, float, float, float]:
        ax, ay = self.point(x0, y0)
        bx, by = self.point(x1, y1)
        return min(ax, bx), min(ay, by), max(ax, bx), max(ay, by)


def read_page(page: pdfium.PdfPage, *, text: bool = True) -> PageContent:
    space = _Space(page)
    content = PageContent(width=space.width, height=space.height)
    if text:
        textpage = page.get_textpage()
        try:
            content.words, content.characters = _words(textpage.raw, space)
        finally:
            textpage.close()
    _walk(page.raw, space, content)
    return content


# --- text -----------------------------------------------------------------------------------


def _words(textpage: object, space: _Space) -> tuple[list[Word], int]:
    """Characters grouped into words: a word ends at a space, a jump along the line or a new line.
    Text that is not upright on the displayed page (stamps, rotated notes) is left out.

    Loose character boxes (from the font's ascent and descent) are used: every letter of a line
    gets the same top and bottom, so a quote mark or a small "a" does not look like a new line.
    The angle and the font size are read once per word, which keeps this to two PDFium calls per
    character on pages that hold thousands."""
    count = pdfium_c.FPDFText_CountChars(textpage)
    rect = pdfium_c.FS_RECTF()
    rect_ref = ctypes.byref(rect)
    get_unicode = pdfium_c.FPDFText_GetUnicode
    get_box = pdfium_c.FPDFText_GetLooseCharBox
    upright = math.radians(space.rotation)
    plain = space.rotation == 0
    words: list[Word] = []
    chars: list[str] = []
    x0 = top = x1 = bottom = 0.0
    size = 0.0
    characters = 0
    skipping = False  # inside a word that is not upright

    def flush() -> None:
        if chars:
            words.append(Word("".join(chars), x0, top, x1, bottom, size))
            chars.clear()

    for index in range(count):
        code = get_unicode(textpage, index)
        if code in (0, 0xFFFE, 0xFFFF) or code <= 32 or code == 0xA0 or chr(code).isspace():
            flush()
            skipping = False
            continue
        characters += 1
        if not get_box(textpage, index, rect_ref):
            continue
        if plain:
            cx0, ctop, cx1, cbottom = (
                rect.left - space.left,
                space.top - rect.top,
                rect.right - space.left,
                space.top - rect.bottom,
            )
        else:
            cx0, ctop, cx1, cbottom = space.box(rect.left, rect.bottom, rect.right, rect.top)
        height = cbottom - ctop
        if chars or skipping:
            gap = cx0 - x1
            moved = abs(cbottom - bottom) > 0.3 * max(height, bottom - top, 1.0)
            if gap > 0.35 * size or gap < -0.5 * size or moved:
                flush()
                skipping = False
            elif skipping:
                x1 = cx1
                continue
        if not chars:
            angle = pdfium_c.FPDFText_GetCharAngle(textpage, index)
            # PDFium gives the angle clockwise in user space; the page's /Rotate turns it clockwise
            # again for display, so text is upright when the two add up to a full turn.
            turn = (angle + upright) % (2 * math.pi)
            if min(turn, 2 * math.pi - turn) > 0.05:
                skipping = True
                x1, bottom, top = cx1, cbottom, ctop
                continue
            size = pdfium_c.FPDFText_GetFontSize(textpage, index)
            if not 0.4 * height <= size <= 3 * height:  # a font scaled by its text matrix: trust the box
                size = height / 1.17
            x0, top, x1, bottom = cx0, ctop, cx1, cbottom
        else:
            x0, top, x1, bottom = min(x0, cx0), min(top, ctop), max(x1, cx1), max(bottom, cbottom)
        chars.append(chr(code))
    flush()
    return words, characters


# --- rulings and images ---------------------------------------------------------------------

_Matrix = tuple[float, float, float, float, float, float]
IDENTITY: _Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


def _multiply(inner: _Matrix, outer: _Matrix) -> _Matrix:
    """The matrix applying `inner` first, then `outer` (PDF's row-vector convention)."""
    a, b, c, d, e, f = inner
    A, B, C, D, E, F = outer
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


def _object_matrix(obj: object) -> _Matrix:
    matrix = pdfium_c.FS_MATRIX()
    if not pdfium_c.FPDFPageObj_GetMatrix(obj, ctypes.byref(matrix)):
        return IDENTITY
    return (matrix.a, matrix.b, matrix.c, matrix.d, matrix.e, matrix.f)


def _walk(page: object, space: _Space, content: PageContent) -> None:
    state = {"segments": 0}
    stack: list[tuple[object, bool, _Matrix, int]] = [(page, True, IDENTITY, 0)]
    page_area = max(space.width * space.height, 1.0)
    while stack:
        parent, is_page, outer, depth = stack.pop()
        count = pdfium_c.FPDFPage_CountObjects(parent) if is_page else pdfium_c.FPDFFormObj_CountObjects(parent)
        for index in range(count):
            obj = (
                pdfium_c.FPDFPage_GetObject(parent, index) if is_page else pdfium_c.FPDFFormObj_GetObject(parent, index)
            )
            if not obj:
                continue
            kind = pdfium_c.FPDFPageObj_GetType(obj)
            if kind == pdfium_c.FPDF_PAGEOBJ_PATH:
                content.paths += 1
                if state["segments"] < MAX_SEGMENTS:
                    _path_rulings(obj, outer, space, content, state)
                else:
                    content.truncated = True
            elif kind == pdfium_c.FPDF_PAGEOBJ_IMAGE:
                bounds = _bounds(obj, outer, space)
                if bounds is not None:
                    x0, y0, x1, y1 = bounds
                    cover = max(0.0, min(x1, space.width) - max(x0, 0.0)) * max(
                        0.0, min(y1, space.height) - max(y0, 0.0)
                    )
                    content.image_cover = max(content.image_cover, cover / page_area)
            elif kind == pdfium_c.FPDF_PAGEOBJ_FORM and depth < MAX_DEPTH:
                stack.append((obj, False, _multiply(_object_matrix(obj), outer), depth + 1))


def _bounds(obj: object, outer: _Matrix, space: _Space) -> tuple[float, float, float, float] | None:
    left, bottom, right, top = ctypes.c_float(), ctypes.c_float(), ctypes.c_float(), ctypes.c_float()
    if not pdfium_c.FPDFPageObj_GetBounds(
        obj, ctypes.byref(left), ctypes.byref(bottom), ctypes.byref(right), ctypes.byref(top)
    ):
        return None
    # Bounds already include the object's own matrix; a form's children also need the form's.
    if outer is IDENTITY and space.rotation == 0:
        return left.value - space.left, space.top - top.value, right.value - space.left, space.top - bottom.value
    corners = [_apply(outer, x, y) for x in (left.value, right.value) for y in (bottom.value, top.value)]
    xs = [space.point(x, y)[0] for x, y in corners]
    ys = [space.point(x, y)[1] for x, y in corners]
    return min(xs), min(ys), max(xs), max(ys)


def _apply(m: _Matrix, x: float, y: float) -> tuple[float, float]:
    return m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]


def _path_rulings(obj: object, outer: _Matrix, space: _Space, content: PageContent, state: dict[str, int]) -> None:
    fill, stroke = ctypes.c_int(), ctypes.c_int()
    if (
        pdfium_c.FPDFPath_GetDrawMode(obj, ctypes.byref(fill), ctypes.byref(stroke))
        and not fill.value
        and not stroke.value
    ):
        return  # a clipping path: draws nothing
    if stroke.value and pdfium_c.FPDFPageObj_GetDashCount(obj) > 0:
        return  # dashed: grid and hidden lines, never the edge of a box
    bounds = _bounds(obj, outer, space)
    if bounds is not None:
        x0, y0, x1, y1 = bounds
        if x1 - x0 < MIN_RULING and y1 - y0 < MIN_RULING:
            return  # a dot, an arrowhead, a tick: no ruled line
        # Most lines of a drawing are paths of their own whose box is a line already (the box
        # includes the stroke's width): one call instead of walking the segments.
        if y1 - y0 <= THIN:
            content.rulings.append(Ruling(x0, (y0 + y1) / 2, x1, (y0 + y1) / 2))
            return
        if x1 - x0 <= THIN:
            content.rulings.append(Ruling((x0 + x1) / 2, y0, (x0 + x1) / 2, y1))
            return
    matrix = _multiply(_object_matrix(obj), outer)
    segments = pdfium_c.FPDFPath_CountSegments(obj)
    state["segments"] += max(segments, 0)
    x, y = ctypes.c_float(), ctypes.c_float()
    start: tuple[float, float] | None = None
    previous: tuple[float, float] | None = None
    for index in range(segments):
        segment = pdfium_c.FPDFPath_GetPathSegment(obj, index)
        if not segment or not pdfium_c.FPDFPathSegment_GetPoint(segment, ctypes.byref(x), ctypes.byref(y)):
            continue
        point = space.point(*_apply(matrix, x.value, y.value))
        kind = pdfium_c.FPDFPathSegment_GetType(segment)
        if kind == pdfium_c.FPDF_SEGMENT_MOVETO or previous is None:
            start = point
        elif kind == pdfium_c.FPDF_SEGMENT_LINETO:
            _add_ruling(content, previous, point)
        if pdfium_c.FPDFPathSegment_GetClose(segment) and start is not None:
            _add_ruling(content, point, start)
        previous = point


def _add_ruling(content: PageContent, a: tuple[float, float], b: tuple[float, float]) -> None:
    dx, dy = abs(a[0] - b[0]), abs(a[1] - b[1])
    if dy <= AXIS_TOLERANCE and dx >= MIN_RULING:
        y = (a[1] + b[1]) / 2
        content.rulings.append(Ruling(min(a[0], b[0]), y, max(a[0], b[0]), y))
    elif dx <= AXIS_TOLERANCE and dy >= MIN_RULING:
        x = (a[0] + b[0]) / 2
        content.rulings.append(Ruling(x, min(a[1], b[1]), x, max(a[1], b[1])))
