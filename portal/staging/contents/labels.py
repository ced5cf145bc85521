"""The words of title blocks: which labels name the fields we read, which name other things (so
their values are never taken for ours), and what a value of each field may look like.

Labels are compared after normalising: upper case, dots and "#" read as spaces ("DWG. NO." →
"DWG NO", "Sheet #" → "SHEET NO"), a trailing colon dropped. A label is a whole phrase or the
start of one ("DWG NO: A-101" carries its value inline).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .dates import looks_like_date
from .revisions import normalize_mark

NUMBER, NAME, REVISION, DATE = "number", "name", "revision", "date_authored"
OTHER = "other"  # a label of something else: its value must not be taken for a field's


@dataclass(frozen=True)
class Label:
    field: str
    # Lower is preferred when two labels of one field both have a value ("DRAWING NO" over "SHEET").
    rank: int


_NO = r"(?:NO|NUMBER|NR|NUM|REF)"
# (pattern, field, rank, inline): `inline` labels may carry their value in the same phrase without
# a colon ("DWG NO A-101", "REV C"); generic words ("LEVEL", "SITE", "TITLE") only with one, since
# they also start sheet titles ("LEVEL 3 FRAMING PLAN"). Other things come first, so "PROJECT NO"
# or "PLOT DATE" never reads as a field.
_PATTERNS: list[tuple[str, str, int, bool]] = [
    (
        r"(?:PROJECT|PROJ|JOB|CONTRACT|CLIENT|ORDER|PO|FILE|CAD|CAD FILE|PLOT|FRAME|GRID|ZONE|PACKAGE|ROOM"
        rf"|DETAIL|PAGE|CALC|CALCULATION|BID|PERMIT|SPEC|SECTION|KEY|MODEL|LAYOUT) ?{_NO}",
        OTHER,
        0,
        True,
    ),
    (
        r"(?:PROJECT|PROJ)(?: NAME| TITLE| DESCRIPTION)?|JOB(?: NAME| TITLE)?|CONTRACT|CLIENT|OWNER|EMPLOYER|CUSTOMER",
        OTHER,
        0,
        False,
    ),
    (r"SITE|LOCATION|ADDRESS|ARCHITECT|ENGINEER|CONSULTANT|CONTRACTOR|ORIGINATOR|AUTHOR|COMPANY|FIRM", OTHER, 0, False),
    (r"PREPARED (?:BY|FOR)", OTHER, 0, True),
    (r"SCALE(?: (?:@|AT) ?A\d)?|SCALES|SHEET SIZE|PAPER SIZE|ORIGINAL SIZE", OTHER, 0, True),
    (r"SIZE", OTHER, 0, False),
    (
        r"(?:DRAWN|DESIGNED|CHECKED|APPROVED|REVIEWED|AUTHORISED|AUTHORIZED|VERIFIED)(?: BY)?(?: DATE)?"
        r"|DRN|CHK|CHKD|APP|APPD|DES|DSN|INITIALS|SIGNED|SIGNATURE",
        OTHER,
        0,
        True,
    ),
    (r"BY|CHECK|APPROVE", OTHER, 0, False),
    (
        r"(?:PLOT|PLOTTED|PRINT|PRINTED|SAVE|SAVED|CREATED|MODIFIED|XREF|EXPORT)(?: DATE| ON| TIME)?"
        r"|DATE (?:PLOTTED|PRINTED|SAVED)|PLOT TIME",
        OTHER,
        0,
        True,
    ),
    (r"CAD FILE(?: NAME)?|FILE NAME|FILE PATH|FILENAME|XREFS?|MODEL FILE|LAYOUT NAME|CAD REF", OTHER, 0, True),
    (r"FILE|PATH|LAYER|TIME", OTHER, 0, False),
    (r"SUITABILITY(?: CODE)?|PURPOSE OF ISSUE|ISSUE PURPOSE|ISSUED FOR", OTHER, 0, True),
    (r"STATUS|STAGE|PHASE|ZONE|LEVEL|VOLUME|ROLE|TYPE|DISCIPLINE|SYSTEM|CLASSIFICATION|SECURITY", OTHER, 0, False),
    (
        r"KEY ?PLAN|SEAL|STAMP|NORTH|NOTES?|GENERAL NOTES|LEGEND|REVISIONS|REVISION HISTORY|AMENDMENTS"
        r"|ISSUES?(?: HISTORY| LOG)|COPYRIGHT|WEB|TEL|PHONE|FAX|EMAIL|E-MAIL",
        OTHER,
        0,
        False,
    ),
    (r"SHEET \d+ OF \d+|SHEET OF|SHEETS|TOTAL SHEETS|NO OF SHEETS|NUMBER OF SHEETS|PAGE", OTHER, 0, False),
    # The drawing number.
    (rf"(?:DRAWING|DWG|DRG|DRAWG|DR) ?{_NO}", NUMBER, 0, True),
    (rf"(?:DOCUMENT|DOC) ?{_NO}", NUMBER, 1, True),
    (rf"SHEET ?{_NO}|SHT ?{_NO}", NUMBER, 1, True),
    (r"SHEET|NUMBER", NUMBER, 2, False),
    # The sheet title.
    (
        r"(?:DRAWING|DWG|DRG|SHEET|SHT|DOCUMENT) ?(?:TITLE|NAME|DESCRIPTION)|TITLE OF (?:DRAWING|SHEET)"
        r"|DESCRIPTION OF DRAWING",
        NAME,
        0,
        True,
    ),
    (r"TITLE", NAME, 0, False),
    # "Drawing" alone captions the title where "Drawing No." captions the number (British blocks).
    (r"DRAWING|DWG", NAME, 1, False),
    # The revision.
    (rf"(?:CURRENT |LATEST )?(?:REV|REVISION|REVN)(?: ?{_NO}| ?LEVEL| ?MARK)?", REVISION, 0, True),
    (r"ISSUE(?: NO| NUMBER)?", REVISION, 1, False),
    # The date.
    (r"(?:REV|REVISION|ISSUE|DRAWING|DWG|SHEET) DATE|DATE OF ISSUE|DATE ISSUED|ISSUED ON", DATE, 0, True),
    (r"(?:DRAWN|ORIGINAL|FIRST ISSUE) DATE|DATE (?:DRAWN|OF DRAWING|CREATED)", DATE, 1, True),
    (r"DATE", DATE, 0, True),
]
_COMPILED = [(re.compile(rf"(?:{pattern})"), field, rank, inline) for pattern, field, rank, inline in _PATTERNS]


def normalize(text: str) -> str:
    value = (text or "").upper().replace("#", " NO ").replace(".", " ").replace("_", " ")
    return " ".join(value.split()).rstrip(":").strip()


@dataclass(frozen=True)
class LabelMatch:
    label: Label
    words: int  # how many of the phrase's words are the label
    rest: str  # what follows the label in the phrase (an inline value), as written
    colon: bool  # the label ended with ":" ("DATE: 14 MAR 2026")


def match_label(text: str) -> LabelMatch | None:
    """The label a phrase starts with (the longest), and any inline value after it."""
    words = text.split()
    best: LabelMatch | None = None
    for count in range(min(len(words), 5), 0, -1):
        head = " ".join(words[:count])
        colon = head.rstrip().endswith(":")
        key = normalize(head)
        if not key:
            continue
        for pattern, field, rank, inline in _COMPILED:
            if pattern.fullmatch(key):
                rest = " ".join(words[count:]).lstrip(":").strip()
                if rest and not (colon or inline or words[count].startswith(":")):
                    return None  # "LEVEL 3 FRAMING PLAN" is a title, not the label "LEVEL"
                best = LabelMatch(Label(field, rank), count, rest, colon)
                break
        if best is not None:
            break
    if best is None:
        # "DWG NO:A-101" or "REV:C" — a colon glued to the value.
        head, sep, tail = text.partition(":")
        if sep and tail.strip() and len(head.split()) <= 4:
            inner = match_label(head + ":")
            if inner is not None and not inner.rest:
                return LabelMatch(inner.label, inner.words, tail.strip(), True)
    return best


# --- values -----------------------------------------------------------------------------------

NUMBER_VALUE = re.compile(r"[A-Z0-9]+(?:[-._/ ][A-Z0-9]+){0,8}", re.I)
SHEET_OF = re.compile(r"\d+\s*(?:OF|/)\s*\d+", re.I)


# A revision printed after the number in the same phrase ("A-101 REV C"): not part of the number.
TRAILING_REVISION = re.compile(r"\s+REV(?:ISION)?\.?\s*[A-Z0-9]{1,4}$", re.I)


def number_value(text: str) -> str | None:
    value = TRAILING_REVISION.sub("", " ".join((text or "").split())).strip(" :")
    if not value or len(value) > 40 or value.count(" ") > 2:
        return None
    if not NUMBER_VALUE.fullmatch(value) or not re.search(r"\d", value):
        return None
    if SHEET_OF.fullmatch(value) or looks_like_date(value) or ":" in value:
        return None
    if re.fullmatch(r"\d{1,2}", value):  # "3" is a sheet count or an index, not a drawing number
        return None
    return value


def name_value(text: str) -> str | None:
    value = " ".join((text or "").split()).strip(" :")
    letters = sum(ch.isalpha() for ch in value)
    if letters < 3 or len(value) > 160 or looks_like_date(value):
        return None
    if (label := match_label(value)) is not None and not label.rest:
        return None  # a bare label is not a title
    return value


def revision_value(text: str) -> str | None:
    return normalize_mark(text)


def is_label_only(text: str) -> bool:
    """A phrase that is a label and nothing else (so it is never a value)."""
    found = match_label(text)
    return found is not None and not found.rest
