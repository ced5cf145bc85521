"""Words into phrases, rulings into ruled blocks, and the question the reader asks most: does a
ruled line stand between these two pieces of text (are they in the same box)?"""

from __future__ import annotations

import bisect
from collections import defaultdict
from dataclasses import dataclass, field

from .pdfpage import Ruling, Word

# Positions closer than this (points) are one position.
SNAP = 1.5


@dataclass
class Phrase:
    """Words of one line that belong together (a label, a value, a line of a title)."""

    words: list[Word]
    text: str = ""
    x0: float = 0.0
    top: float = 0.0
    x1: float = 0.0
    bottom: float = 0.0
    size: float = 0.0

    def __post_init__(self) -> None:
        self.text = " ".join(w.text for w in self.words)
        self.x0 = min(w.x0 for w in self.words)
        self.x1 = max(w.x1 for w in self.words)
        self.top = min(w.top for w in self.words)
        self.bottom = max(w.bottom for w in self.words)
        self.size = max(w.size for w in self.words)

    @property
    def middle(self) -> float:
        return (self.top + self.bottom) / 2

    @property
    def centre(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def height(self) -> float:
        return max(self.bottom - self.top, 1.0)


@dataclass
class Box:
    x0: float
    top: float
    x1: float
    bottom: float

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.bottom - self.top

    def contains(self, phrase: Phrase, margin: float = 2.0) -> bool:
        return (
            phrase.x0 >= self.x0 - margin
            and phrase.x1 <= self.x1 + margin
            and phrase.top >= self.top - margin
            and phrase.bottom <= self.bottom + margin
        )

    def as_tuple(self) -> tuple[float, float, float, float]:
        return (self.x0, self.top, self.x1, self.bottom)


class Rulings:
    """The page's ruled lines, merged where they overlap, with the queries the reader needs."""

    def __init__(self, rulings: list[Ruling], *, merged: bool = False) -> None:
        if merged:
            self.horizontal = [r for r in rulings if r.horizontal]
            self.vertical = [r for r in rulings if not r.horizontal]
        else:
            self.horizontal = _merge([r for r in rulings if r.horizontal], horizontal=True)
            self.vertical = _merge([r for r in rulings if not r.horizontal], horizontal=False)
        self._vertical_x = [r.x0 for r in self.vertical]  # sorted: _merge orders verticals by x

    def within(self, box: Box, margin: float = 4.0) -> Rulings:
        """Only the lines that touch `box`: the reader works on one block at a time, and a busy
        drawing's thousands of lines elsewhere cost nothing there."""
        x0, top, x1, bottom = box.x0 - margin, box.top - margin, box.x1 + margin, box.bottom + margin
        kept = [
            r
            for r in self.horizontal + self.vertical
            if r.x1 >= x0 and r.x0 <= x1 and r.bottom >= top and r.top <= bottom
        ]
        return Rulings(kept, merged=True)

    def verticals_between(self, left: float, right: float) -> list[Ruling]:
        start = bisect.bisect_left(self._vertical_x, left)
        stop = bisect.bisect_right(self._vertical_x, right)
        return self.vertical[start:stop]

    def crossings(self, a: Phrase, b: Phrase) -> int:
        """How many ruled lines the straight line from the middle of `a` to the middle of `b` crosses."""
        across, down = self.crossed(a, b)
        return across + down

    def crossed(self, a: Phrase, b: Phrase) -> tuple[int, int]:
        """The horizontal and the vertical ruled lines crossed going from `a` to `b`."""
        ax, ay = a.centre, a.middle
        bx, by = b.centre, b.middle
        # Start and end at the phrases' edges facing each other, so lines touching a phrase's own
        # box (underlines, a cell edge hugging the text) do not count.
        horizontal = vertical = 0
        low_y, high_y = min(ay, by), max(ay, by)
        for line in self.horizontal:
            y = line.top
            if low_y < y < high_y and not _touches_vertically(y, a) and not _touches_vertically(y, b):
                x = ax + (bx - ax) * (y - ay) / (by - ay)
                if line.x0 - SNAP <= x <= line.x1 + SNAP:
                    horizontal += 1
        low_x, high_x = min(ax, bx), max(ax, bx)
        for line in self.vertical:
            x = line.x0
            if low_x < x < high_x and not (a.x0 < x < a.x1) and not (b.x0 < x < b.x1):
                y = ay + (by - ay) * (x - ax) / (bx - ax)
                if line.top - SNAP <= y <= line.bottom + SNAP:
                    vertical += 1
        return horizontal, vertical

    def blocks(self, width: float, height: float) -> list[Box]:
        """Groups of ruled lines that touch one another, as boxes; the sheet's frame (long lines
        hugging the page's edges) joins nothing, or every block would be the whole sheet.

        Crossings are found through a grid of cells, so a drawing with tens of thousands of short
        lines (hatching, walls) costs in proportion to its lines, not to their square."""
        lines = [r for r in self.horizontal + self.vertical if not _is_frame(r, width, height)]
        parent = list(range(len(lines)))

        def find(i: int) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        cell = max(width, height) / 64 or 1.0
        grid: dict[tuple[int, int], list[int]] = defaultdict(list)
        for i, line in enumerate(lines):
            if line.horizontal:
                row = int(line.top // cell)
                for column in range(int((line.x0 - SNAP) // cell), int((line.x1 + SNAP) // cell) + 1):
                    grid[(column, row)].append(i)
        for j, v in enumerate(lines):
            if v.horizontal:
                continue
            column = int(v.x0 // cell)
            for row in range(int((v.top - SNAP) // cell), int((v.bottom + SNAP) // cell) + 1):
                for i in grid.get((column, row), ()):
                    h = lines[i]
                    if h.x0 - SNAP <= v.x0 <= h.x1 + SNAP and v.top - SNAP <= h.top <= v.bottom + SNAP:
                        parent[find(i)] = find(j)
        groups: dict[int, list[Ruling]] = defaultdict(list)
        for i, line in enumerate(lines):
            groups[find(i)].append(line)
        boxes = []
        for members in groups.values():
            if len(members) < 4:
                continue
            boxes.append(
                Box(
                    min(r.x0 for r in members),
                    min(r.top for r in members),
                    max(r.x1 for r in members),
                    max(r.bottom for r in members),
                )
            )
        return boxes

    def inside(self, box: Box) -> tuple[int, int]:
        """How many horizontal and vertical lines lie within `box`."""
        h = sum(
            1
            for r in self.horizontal
            if box.x0 - SNAP <= r.x0 and r.x1 <= box.x1 + SNAP and box.top - SNAP <= r.top <= box.bottom + SNAP
        )
        v = sum(
            1
            for r in self.vertical
            if box.top - SNAP <= r.top and r.bottom <= box.bottom + SNAP and box.x0 - SNAP <= r.x0 <= box.x1 + SNAP
        )
        return h, v


def _touches_vertically(y: float, phrase: Phrase) -> bool:
    return phrase.top - 0.5 <= y <= phrase.bottom + 0.5


def _is_frame(line: Ruling, width: float, height: float) -> bool:
    margin_x, margin_y = 0.035 * width, 0.035 * height
    if line.horizontal:
        long = line.x1 - line.x0 > 0.7 * width
        return long and (line.top < margin_y or line.top > height - margin_y)
    long = line.bottom - line.top > 0.7 * height
    return long and (line.x0 < margin_x or line.x0 > width - margin_x)


def _merge(lines: list[Ruling], *, horizontal: bool) -> list[Ruling]:
    """Overlapping or touching collinear segments as one (a rectangle's edges drawn twice, a line
    drawn in pieces)."""
    key = (lambda r: (r.top, r.x0)) if horizontal else (lambda r: (r.x0, r.top))
    merged: list[Ruling] = []
    for line in sorted(lines, key=key):
        if merged:
            last = merged[-1]
            if horizontal and abs(last.top - line.top) <= SNAP / 2 and line.x0 <= last.x1 + SNAP:
                merged[-1] = Ruling(last.x0, last.top, max(last.x1, line.x1), last.bottom)
                continue
            if not horizontal and abs(last.x0 - line.x0) <= SNAP / 2 and line.top <= last.bottom + SNAP:
                merged[-1] = Ruling(last.x0, last.top, last.x1, max(last.bottom, line.bottom))
                continue
        merged.append(line)
    return merged


def phrases(words: list[Word], rulings: Rulings) -> list[Phrase]:
    """Words on one line, close together and with no ruled line between them, as phrases."""
    result: list[Phrase] = []
    for line in _lines(words):
        current: list[Word] = [line[0]]
        for word in line[1:]:
            last = current[-1]
            size = max(last.size, word.size, 1.0)
            gap = word.x0 - last.x1
            ratio = max(last.size, word.size) / max(min(last.size, word.size), 0.1)
            split = gap > 1.1 * size or ratio > 1.35 or _vertical_between(rulings, last, word)
            if split:
                result.append(Phrase(current))
                current = [word]
            else:
                current.append(word)
        result.append(Phrase(current))
    return result


@dataclass
class _Line:
    middle: float
    height: float
    words: list[Word] = field(default_factory=list)


def _lines(words: list[Word]) -> list[list[Word]]:
    """Words sharing a line (their middles within a fraction of their height), left to right."""
    lines: list[_Line] = []
    for word in sorted(words, key=lambda w: (w.middle, w.x0)):
        height = max(word.bottom - word.top, 1.0)
        if lines and abs(lines[-1].middle - word.middle) <= 0.35 * max(height, lines[-1].height):
            lines[-1].words.append(word)
            continue
        lines.append(_Line(word.middle, height, [word]))
    result = []
    for line in lines:
        ordered = sorted(line.words, key=lambda w: w.x0)
        # Words that share a band but not a baseline (a value beside a smaller label) are split
        # by size below; here they only need left-to-right order.
        result.append(ordered)
    return result


def _vertical_between(rulings: Rulings, left: Word, right: Word) -> bool:
    middle = (max(left.top, right.top) + min(left.bottom, right.bottom)) / 2
    for line in rulings.verticals_between(left.x1 - 0.5, right.x0 + 0.5):
        if line.top - SNAP <= middle <= line.bottom + SNAP:
            return True
    return False
