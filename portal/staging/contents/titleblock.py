"""Read a drawing sheet's title block: its number, title, current revision and that revision's date.

The reader knows no particular layout. It works on what every title block has in common:

1. **Where**: a title block is a ruled block — lines that touch one another, the sheet's frame
   aside — that reaches the bottom of the page (a bottom-right box, a bottom strip, a right-hand
   strip reaching down), or a strip down the right edge, and that is not large in both directions
   (a drawing register or a schedule is). Text elsewhere (notes, grid bubbles, stamps, detail
   titles, dimensions) is never read.
2. **What**: inside it, labels ("DRAWING No.", "Dwg. No.", "SHEET NUMBER", "Rev", "Issue Date",
   "Drawing Title" …; see labels.py) are matched to values geometrically: a value is the nearest
   text beside or below its label in the same ruled box, or, when the box holds only the label,
   in the next box to the right or below. Labels of other things (project and job numbers, scale,
   drawn by, plot date, file names) take their values too, so those are never taken for ours.
3. **Revisions**: a revision table is a header row with a revision column, a date column and a
   description column; its rows are read above or below the header, whichever way they run, and
   the latest is chosen by revision order (revisions.py), not by position. The current revision
   is the revision box's value; where there is a table, its latest row must agree (a sheet that
   contradicts itself proposes no revision and says why), and that row gives the date.
4. **Nothing rather than wrong**: no ruled block with a drawing number in it → nothing is proposed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .dates import day_first_on, parse_date
from .labels import DATE, NAME, NUMBER, OTHER, REVISION, LabelMatch, match_label, name_value, number_value
from .layout import Box, Phrase, Rulings, phrases
from .pdfpage import PageContent, Word
from .revisions import latest, normalize_mark, order_key
from .revtables import REV_COLUMN, Table, revision_tables

FIELDS = (NUMBER, NAME, REVISION, DATE)
# A revision table's heading has one of these words.
REV_HEADINGS = {word for heading in REV_COLUMN for word in heading.split()}
# The first word of every drawing-number label (labels.py); a block without one is not read.
NUMBER_WORD = re.compile(r"(?:DRAWING|DRAWG|DWG|DRG|DR|SHEET|SHT|DOCUMENT|DOC|NUMBER|NO)\b", re.I)
# A title block reaches this close to the page's bottom (or right) edge, as a share of the page.
EDGE = 0.08
# It is not wider than this share of the page *and* taller than the next at once.
MAX_WIDE, MAX_TALL = 0.62, 0.34
# A value is looked for this many label heights away at most.
REACH_ACROSS, REACH_DOWN = 16.0, 7.0


@dataclass
class Reading:
    """What one page's title block says; every field None when there is no title block."""

    fields: dict[str, str | None] = field(default_factory=lambda: dict.fromkeys(FIELDS))
    # Where each value was read: {"number": "DRAWING No. A-DRW-101", ...}.
    sources: dict[str, str] = field(default_factory=dict)
    box: tuple[float, float, float, float] | None = None  # the title block, display points
    focus: tuple[float, float, float, float] | None = None  # the labels and values read in it
    page_size: tuple[float, float] = (0.0, 0.0)
    scanned: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def found(self) -> bool:
        return self.fields.get(NUMBER) is not None


def read_title_block(content: PageContent) -> Reading:
    reading = Reading(page_size=(content.width, content.height), scanned=content.scanned)
    if content.scanned:
        reading.notes.append("A scanned sheet: it has no text to read.")
        return reading
    if not content.words:
        if content.paths:
            reading.notes.append("The page has no text layer (its lettering is drawn as lines).")
        return reading
    rulings = Rulings(content.rulings)
    blocks = rulings.blocks(content.width, content.height)
    best: tuple[tuple[float, float], Reading] | None = None
    for box in _candidate_blocks(blocks, content.width, content.height):
        words = _words_in(box, content)
        if not any(NUMBER_WORD.match(w.text) for w in words):
            continue  # no word a drawing-number label starts with: hatching, a schedule of sizes, a logo box
        local = rulings.within(box)
        inside = _phrases_of(words, box, local)
        tables = revision_tables(inside) or _nearby_tables(box, blocks, content, rulings)
        candidate = _read_block(inside, tables, local, box, reading)
        if candidate is None:
            continue
        # Two blocks with a drawing number: the one nearer the bottom-right corner.
        distance = (content.width - box.x1) + (content.height - box.bottom)
        key = (distance, box.width * box.height)
        if best is None or key < best[0]:
            best = (key, candidate)
    return best[1] if best else reading


def _words_in(box: Box, content: PageContent, margin: float = 2.0) -> list[Word]:
    return [
        w
        for w in content.words
        if w.x0 >= box.x0 - margin
        and w.x1 <= box.x1 + margin
        and w.top >= box.top - margin
        and w.bottom <= box.bottom + margin
    ]


def _phrases_of(words: list[Word], box: Box, rulings: Rulings) -> list[Phrase]:
    """The phrases of one block, built from its own words only (a busy drawing's thousands of
    words elsewhere are never grouped)."""
    return [p for p in phrases(words, rulings) if box.contains(p)] if words else []


def _nearby_tables(box: Box, blocks: list[Box], content: PageContent, rulings: Rulings) -> list[Table]:
    """A revision table drawn as a block of its own next to the title block (not touching it)."""
    reach = 0.03 * max(content.width, content.height)
    tables: list[Table] = []
    for other in blocks:
        if other is box or other.width * other.height > 4 * box.width * box.height:
            continue
        gap_x = max(0.0, other.x0 - box.x1, box.x0 - other.x1)
        gap_y = max(0.0, other.top - box.bottom, box.top - other.bottom)
        if gap_x <= reach and gap_y <= reach:
            words = _words_in(other, content)
            if any(w.text.upper().strip(".:#") in REV_HEADINGS for w in words):
                tables.extend(revision_tables(_phrases_of(words, other, rulings.within(other))))
    return tables


def _candidate_blocks(blocks: list[Box], width: float, height: float) -> list[Box]:
    result = []
    for box in blocks:
        reaches_bottom = box.bottom >= height * (1 - EDGE)
        right_strip = box.x1 >= width * (1 - EDGE) and box.height >= 0.5 * height
        if not (reaches_bottom or right_strip):
            continue
        if box.width > MAX_WIDE * width and box.height > MAX_TALL * height:
            continue  # a schedule, a register, a frame within the frame: not a title block
        if box.width < 0.04 * width or box.height < 0.02 * height:
            continue
        result.append(box)
    return result


def _read_block(
    inside: list[Phrase], tables: list[Table], rulings: Rulings, box: Box, template: Reading
) -> Reading | None:
    if not inside:
        return None
    used = set().union(*(t.used for t in tables)) if tables else set()
    free = [part for p in inside if id(p) not in used for part in _split_at_labels(p)]
    labelled = [(p, match) for p in free if (match := match_label(p.text)) is not None]
    labelled_ids = {id(p) for p, _ in labelled}
    values = [p for p in free if id(p) not in labelled_ids]
    day_first = day_first_on([p.text for p in inside] + [m.rest for _, m in labelled if m.rest])

    found = _associate(labelled, values, rulings, day_first)
    number = _pick(found, NUMBER)
    if number is None:
        return None
    reading = Reading(page_size=template.page_size, box=box.as_tuple())
    _use(reading, NUMBER, number)
    if (name := _pick(found, NAME)) is not None:
        _use(reading, NAME, name)
    _decide_revision(reading, found, tables, day_first)
    return reading


# --- labels and their values ------------------------------------------------------------------


def _split_at_labels(phrase: Phrase) -> list[Phrase]:
    """ "DWG NO: A-101  REV: C" set close together is two labelled phrases, split before each
    later label that ends with a colon."""
    words = phrase.words
    cuts = []
    for i in range(1, len(words)):
        for k in range(1, min(4, len(words) - i) + 1):
            head = " ".join(w.text for w in words[i : i + k])
            if head.endswith(":") or (i + k < len(words) and words[i + k].text.startswith(":")):
                found = match_label(head if head.endswith(":") else head + ":")
                if found is None or found.rest:
                    continue
                whole = match_label(" ".join(w.text for w in words[: i + k]))
                if whole is not None and not whole.rest:
                    break  # "Drawing Title:" is one label, not "Drawing" and "Title:"
                cuts.append(i)
                break
    if not cuts:
        return [phrase]
    bounds = [0, *cuts, len(words)]
    return [Phrase(words[a:b]) for a, b in zip(bounds, bounds[1:], strict=False) if b > a]


@dataclass
class _Found:
    value: str
    source: str
    rank: int
    box: tuple[float, float, float, float]


def _union(items: list[Phrase]) -> tuple[float, float, float, float]:
    return (min(p.x0 for p in items), min(p.top for p in items), max(p.x1 for p in items), max(p.bottom for p in items))


def _use(reading: Reading, field_name: str, found: _Found) -> None:
    """Take a value, and widen the part of the block worth showing a person to include it."""
    reading.fields[field_name] = found.value
    reading.sources[field_name] = found.source
    if reading.focus is None:
        reading.focus = found.box
    else:
        a, b = reading.focus, found.box
        reading.focus = (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))


def _associate(
    labelled: list[tuple[Phrase, LabelMatch]], values: list[Phrase], rulings: Rulings, day_first: bool
) -> dict[str, list[_Found]]:
    """Each label's value: inline, else the nearest fitting text beside or below it, each value
    going to the label it is nearest to (so a project number's value is the project number's)."""
    found: dict[str, list[_Found]] = {}
    edges: list[tuple[float, float, int, int]] = []
    for li, (label, match) in enumerate(labelled):
        if match.rest:
            value = _fit(match.label.field, match.rest, day_first)
            if value is not None:
                found.setdefault(match.label.field, []).append(
                    _Found(value, label.text, match.label.rank, _union([label]))
                )
            continue
        if match.label.field in {NUMBER, REVISION, DATE} and _heads_a_column(label, match, values, day_first):
            continue  # a schedule's or register's column heading, not a title block's label
        for vi, candidate in enumerate(values):
            score = _score(label, candidate, rulings)
            if score is None:
                continue
            if _fit(match.label.field, candidate.text, day_first) is None:
                continue
            edges.append((score, candidate.top, li, vi))  # equals: the upper first (reading order)
    edges.sort()
    taken_labels: set[int] = {li for li, (_, m) in enumerate(labelled) if m.rest}
    taken_values: set[int] = set()
    for _distance, _top, li, vi in edges:
        if li in taken_labels or vi in taken_values:
            continue
        taken_labels.add(li)
        taken_values.add(vi)
        label, match = labelled[li]
        candidate = values[vi]
        lines = [candidate]
        if match.label.field == NAME:
            lines = _continue_lines(candidate, values, taken_values, rulings, upward=candidate.bottom <= label.top)
        text = " ".join(p.text for p in lines)
        value = _fit(match.label.field, text, day_first)
        if value is not None and match.label.field != OTHER:
            found.setdefault(match.label.field, []).append(
                _Found(value, f"{label.text} {text}", match.label.rank, _union([label, *lines]))
            )
    return found


def _heads_a_column(label: Phrase, match: LabelMatch, values: list[Phrase], day_first: bool) -> bool:
    """Three or more values of the label's kind stacked under it: a table's column heading (a door
    schedule's "NUMBER", a register's "DWG NO"). A title block has one drawing number."""
    tops = sorted(
        v.top
        for v in values
        if v.top >= label.bottom - 1
        and abs(v.x0 - label.x0) <= 2 * label.size
        and _fit(match.label.field, v.text, day_first) is not None
    )
    if len(tops) < 3:
        return False
    gaps = [b - a for a, b in zip(tops, tops[1:], strict=False)]
    # Rows at a steady pitch, close together, starting right under the heading.
    return tops[0] - label.bottom < 4 * label.height and max(gaps[:2]) <= 1.5 * min(gaps[:2]) + 1


def _score(label: Phrase, candidate: Phrase, rulings: Rulings) -> float | None:
    """How far `candidate` is from `label` as its value (lower is nearer); None: not its value."""
    unit = max(label.height, 2.0)
    beside = (
        candidate.x0 >= label.x1 - 1
        and candidate.top < label.bottom + 0.6 * unit
        and candidate.bottom > label.top - 0.6 * unit
    )
    below = candidate.top >= label.bottom - 0.3 * unit
    if not (beside or below):
        return _score_above(label, candidate, rulings, unit)
    dx = max(0.0, candidate.x0 - label.x1) / unit
    dy = max(0.0, candidate.top - label.bottom) / unit
    if below and not beside:
        # Below: under the label, or starting a little to its right (a value beside a small
        # label but lower, as in a tall box), never far to its left.
        if candidate.x1 < label.x0 - 2 * unit or candidate.x0 > label.x1 + 6 * unit:
            return None
        if candidate.x0 < label.x0 - 2 * unit and candidate.x1 < label.x1:
            return None
        dx = max(0.0, candidate.x0 - label.x1) / unit
    if dx > REACH_ACROSS or dy > REACH_DOWN:
        return None
    horizontal, vertical = rulings.crossed(label, candidate)
    crossings = horizontal + vertical
    if crossings > 1:
        return None
    if crossings == 1:
        # The next box: to the right in the same band of rows, or below in the same column.
        overlap_x = min(candidate.x1, label.x1) - max(candidate.x0, label.x0)
        next_right = vertical == 1 and candidate.x0 >= label.x1 - 1
        next_below = horizontal == 1 and below and overlap_x > 0
        if not (next_right or next_below):
            return None
    return crossings * 100.0 + dx + 1.5 * dy


def _score_above(label: Phrase, candidate: Phrase, rulings: Rulings, unit: float) -> float | None:
    """A caption under its value, in the same box (some title blocks letter the label last): only
    when nothing is beside or below it, which the higher score leaves to the others first."""
    if candidate.bottom > label.top + 0.3 * unit:
        return None
    overlap_x = min(candidate.x1, label.x1 + 2 * unit) - max(candidate.x0, label.x0 - 2 * unit)
    dy = (label.top - candidate.bottom) / unit
    if overlap_x <= 0 or dy > REACH_DOWN or rulings.crossings(label, candidate):
        return None
    return 50.0 + dy


def _continue_lines(
    first: Phrase, values: list[Phrase], taken: set[int], rulings: Rulings, *, upward: bool = False
) -> list[Phrase]:
    """A title written on two or three lines: the lines right under the first, alike in size (or
    right above it, when the value sits above its caption), returned top to bottom."""
    lines = [first]
    current = first
    for _ in range(3):
        following = None
        for vi, candidate in enumerate(values):
            if vi in taken or candidate is current:
                continue
            gap = current.top - candidate.bottom if upward else candidate.top - current.bottom
            if not -0.2 * current.height <= gap <= 1.2 * current.size:
                continue
            ratio = candidate.size / max(current.size, 0.1)
            if not 0.7 <= ratio <= 1.43:
                continue
            aligned = (
                abs(candidate.x0 - current.x0) <= 1.5 * current.size
                or abs(candidate.centre - current.centre) <= 1.5 * current.size
            )
            if not aligned or rulings.crossings(current, candidate):
                continue
            if name_value(candidate.text) is None:
                continue
            following = (vi, candidate)
            break
        if following is None:
            break
        taken.add(following[0])
        lines.append(following[1])
        current = following[1]
    return list(reversed(lines)) if upward else lines


def _fit(field_name: str, text: str, day_first: bool) -> str | None:
    """The value as the field takes it, or None when the text cannot be that field's value."""
    if field_name == NUMBER:
        return number_value(text)
    if field_name == NAME:
        return name_value(text)
    if field_name == REVISION:
        return normalize_mark(text)
    if field_name == DATE:
        day = parse_date(text, day_first=day_first)
        return day.isoformat() if day else None
    return text.strip() or None


def _pick(found: dict[str, list[_Found]], field_name: str) -> _Found | None:
    """The value of the best-ranked label; None when equally ranked labels disagree."""
    options = found.get(field_name, [])
    if not options:
        return None
    best_rank = min(o.rank for o in options)
    best = [o for o in options if o.rank == best_rank]
    if len({o.value for o in best}) > 1:
        return None
    return best[0]


def _decide_revision(reading: Reading, found: dict[str, list[_Found]], tables: list[Table], day_first: bool) -> None:
    boxed = _pick(found, REVISION)
    boxed_date = _pick(found, DATE)
    rows = [row for table in tables for row in table.rows]
    table_latest = latest([row.mark for row in rows])
    if rows and len({row.mark for row in rows if order_key(row.mark) == order_key(table_latest or "")}) > 1:
        table_latest = None
    revision = boxed.value if boxed else table_latest
    if boxed and table_latest and boxed.value != table_latest:
        reading.notes.append(
            f"The title block says revision {boxed.value} but its revision table's latest is {table_latest}; "
            "no revision was proposed."
        )
        revision = None
    if revision is None:
        if boxed_date and not rows:
            _use(reading, DATE, boxed_date)
        return
    if boxed:
        _use(reading, REVISION, boxed)
    else:
        reading.fields[REVISION] = revision
        reading.sources[REVISION] = f"revision table: {revision}"
    row = next((r for r in rows if r.mark == revision), None)
    if row is not None and row.date:
        day = parse_date(row.date, day_first=day_first)
        if day is not None:
            reading.fields[DATE] = day.isoformat()
            reading.sources[DATE] = f"revision table: {row.text}"
            return
    if boxed_date:
        _use(reading, DATE, boxed_date)
