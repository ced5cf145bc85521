"""Revision order: does a staged revision follow the ones already in its container?

Revisions are written three ways on construction projects (USERS.md): letters (A, B, C … Z, AA),
numbers (0, 1, 2 or 01, 02) and status-prefixed numbers (P01, P02 preliminary, then C01, C02 for
construction). The project's own history tells which one it uses: `infer_sequence` reads every
revision value the mirror holds and names the kind most of them follow, and whether the letters
I and O are left out (a common drawing convention, seen when later letters are used but never
those). "Rev B", "Revision B" and "B" are the same revision.

`check_order` compares one staged revision with the container's history (in version order, with
the batch's earlier revisions of the same container appended) and says when it

- repeats one already there ("B again");
- goes backwards (C after D; P04 after C01 — preliminary after construction);
- skips (A → C leaves out B; P02 → P05; P03 → C02, when construction revisions start at C01);
- is written another way than the container's (or, for a new container, the project's) revisions.

Each result is a warning a person may accept (issue_control.checks); a project that forbids
duplicate revisions refuses a repeat already, in validation.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

LETTERS = "letters"
NUMBERS = "numbers"
PREFIXED = "prefixed"
UNKNOWN = "unknown"

KIND_WORDS = {
    LETTERS: "letters (A, B, C…)",
    NUMBERS: "numbers (0, 1, 2…)",
    PREFIXED: "status-prefixed numbers (P01, P02… then C01, C02…)",
    UNKNOWN: "no single pattern",
}
# Known status prefixes, in the order a document moves through them (preliminary, then
# construction / contract, then as-built); others keep the order the project used them in.
PREFIX_ORDER = ("P", "C", "A")
PREFIX_WORDS = {"P": "preliminary", "C": "construction", "A": "as-built"}

_REV_WORD = re.compile(r"^rev(ision)?[\s.\-_:]*", re.IGNORECASE)
_LETTERS = re.compile(r"^[A-Z]{1,2}$")
_NUMBER = re.compile(r"^\d{1,4}$")
_PREFIXED = re.compile(r"^([A-Z])(\d{1,4})(?:\.(\d{1,3}))?$")

# Revisions of one kind a project (or a document type) needs before a new document written another
# way is flagged.
EVIDENCE = 3

BACKWARDS = "revision_backwards"
REPEAT = "revision_repeat"
SKIP = "revision_skip"
UNEXPECTED = "revision_unexpected"


@dataclass(frozen=True)
class Parsed:
    text: str  # normalized: "B", "02", "P01"
    kind: str
    prefix: str = ""
    ordinal: int = 0
    minor: int = 0

    @property
    def key(self) -> tuple[int, int]:
        return self.ordinal, self.minor


@dataclass(frozen=True)
class SequenceKind:
    """What the project's revisions look like, and how sure that is."""

    kind: str
    matching: int
    total: int
    prefixes: tuple[str, ...] = ()
    skipped_letters: tuple[str, ...] = ()

    def describe(self) -> str:
        if self.total == 0:
            return "This project has no revisions in the portal's copy yet, so no revision pattern is known."
        words = KIND_WORDS[self.kind]
        if self.kind == LETTERS and self.skipped_letters:
            words += f", leaving out {' and '.join(self.skipped_letters)}"
        if self.kind == PREFIXED and self.prefixes:
            words = "status-prefixed numbers (" + ", then ".join(f"{p}01, {p}02…" for p in self.prefixes) + ")"
        return f"Revisions in this project are {words}: inferred from {self.matching} of {self.total} revisions."


def normalize(value: str) -> str:
    """ "Rev b" → "B": the revision as compared (case and the word Rev do not matter)."""
    text = _REV_WORD.sub("", (value or "").strip()).strip()
    return text.upper() or (value or "").strip().upper()


def parse(value: str, skipped_letters: Iterable[str] = ()) -> Parsed | None:
    text = normalize(value)
    if not text:
        return None
    if _LETTERS.match(text):
        return Parsed(text, LETTERS, ordinal=letter_ordinal(text, tuple(skipped_letters)))
    if _NUMBER.match(text):
        return Parsed(text, NUMBERS, ordinal=int(text))
    match = _PREFIXED.match(text)
    if match:
        return Parsed(
            text, PREFIXED, prefix=match.group(1), ordinal=int(match.group(2)), minor=int(match.group(3) or 0)
        )
    return Parsed(text, UNKNOWN)


def _alphabet(skipped: tuple[str, ...]) -> str:
    return "".join(c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" if c not in skipped)


def letter_ordinal(text: str, skipped: tuple[str, ...] = ()) -> int:
    """A=1 … Z=26, AA=27 (fewer letters when some are left out); a left-out letter counts as 0."""
    alphabet = _alphabet(skipped)
    ordinal = 0
    for char in text:
        position = alphabet.find(char)
        if position < 0:
            return 0
        ordinal = ordinal * len(alphabet) + position + 1
    return ordinal


def letter_of(ordinal: int, skipped: tuple[str, ...] = ()) -> str:
    alphabet = _alphabet(skipped)
    text = ""
    while ordinal > 0:
        ordinal, rest = divmod(ordinal - 1, len(alphabet))
        text = alphabet[rest] + text
    return text


def infer_sequence(values: Iterable[str]) -> SequenceKind:
    """The kind most of the project's revisions follow (ties: letters, numbers, prefixed)."""
    parsed = [p for p in (parse(v) for v in values) if p is not None]
    if not parsed:
        return SequenceKind(UNKNOWN, 0, 0)
    counts = Counter(p.kind for p in parsed)
    ranked = sorted((LETTERS, NUMBERS, PREFIXED), key=lambda k: -counts.get(k, 0))
    kind = ranked[0] if counts.get(ranked[0], 0) * 2 > len(parsed) else UNKNOWN
    matching = counts.get(kind, 0) if kind != UNKNOWN else max(counts.values())
    prefixes: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()
    if kind == PREFIXED:
        prefixes = order_prefixes(p.prefix for p in parsed if p.kind == PREFIXED)
    if kind == LETTERS:
        letters = {c for p in parsed if p.kind == LETTERS for c in p.text}
        # Only evidence counts: a later letter used while I (or O) never is.
        skipped = tuple(c for c in ("I", "O") if c not in letters and any(x > c for x in letters))
    return SequenceKind(kind, matching, len(parsed), prefixes, skipped)


@dataclass(frozen=True)
class ProjectSequences:
    """The project's revision pattern, overall and per document type (drawings are often lettered
    while specifications are numbered)."""

    overall: SequenceKind
    by_type: dict[str, SequenceKind]
    type_labels: dict[str, str]

    @classmethod
    def infer(cls, rows: Iterable[tuple[str, str]], type_labels: dict[str, str]) -> ProjectSequences:
        """`rows`: (type value id, revision) of every revision of the project."""
        grouped: dict[str, list[str]] = {}
        everything: list[str] = []
        for type_id, value in rows:
            grouped.setdefault(type_id or "", []).append(value)
            everything.append(value)
        return cls(
            infer_sequence(everything),
            {t: infer_sequence(values) for t, values in grouped.items() if t},
            type_labels,
        )

    def for_type(self, type_id: str) -> SequenceKind:
        found = self.by_type.get(type_id)
        return found if found is not None and found.kind != UNKNOWN else self.overall

    @property
    def total(self) -> int:
        return self.overall.total

    def describe(self) -> str:
        kinds = {s.kind for s in self.by_type.values() if s.kind != UNKNOWN}
        if len(kinds) <= 1 or self.overall.total == 0:
            return self.overall.describe()
        parts = [
            f"{KIND_WORDS[s.kind]} for {self.type_labels.get(type_id, 'other documents')} ({s.matching} of {s.total})"
            for type_id, s in sorted(self.by_type.items(), key=lambda item: -item[1].total)
            if s.kind != UNKNOWN
        ]
        return "Revisions in this project are " + ", ".join(parts[:-1]) + f" and {parts[-1]}: inferred from them."


def order_prefixes(prefixes: Iterable[str]) -> tuple[str, ...]:
    seen = list(dict.fromkeys(prefixes))
    known = [p for p in PREFIX_ORDER if p in seen]
    return tuple(known + [p for p in seen if p not in PREFIX_ORDER])


def _prefix_rank(prefix: str, order: Sequence[str]) -> int:
    return order.index(prefix) if prefix in order else len(order)


@dataclass(frozen=True)
class OrderFinding:
    kind: str
    message: str
    subject: str  # what the warning is about, so a decision covers exactly this


def check_order(staged: str, history: Sequence[str], sequence: SequenceKind, *, container: str) -> OrderFinding | None:
    """A warning when `staged` does not follow `history` (the container's revisions, oldest first)."""
    skipped = sequence.skipped_letters
    new = parse(staged, skipped)
    if new is None:
        return None
    earlier = [p for p in (parse(v, skipped) for v in history) if p is not None]
    if any(p.text == new.text for p in earlier):
        return OrderFinding(
            REPEAT,
            f"Revision {new.text} is already in {container}: this would repeat it",
            f"{new.text} again",
        )
    if not earlier:
        # A new container: only a pattern the history shows several times is worth a warning.
        if (
            sequence.kind in {LETTERS, NUMBERS, PREFIXED}
            and sequence.matching >= EVIDENCE
            and new.kind != sequence.kind
        ):
            return OrderFinding(
                UNEXPECTED,
                f"Revision {new.text} is not written like this project's revisions, which are "
                f"{KIND_WORDS[sequence.kind]}",
                f"{new.text} not {sequence.kind}",
            )
        return None
    latest = earlier[-1]
    if new.kind != latest.kind or new.kind == UNKNOWN:
        if new.kind == latest.kind:
            return None  # free text on both sides: no order to check
        return OrderFinding(
            UNEXPECTED,
            f"Revision {new.text} is written differently from {latest.text}, the current revision of {container} "
            f"({KIND_WORDS[latest.kind].split(' (')[0]})",
            f"{new.text} after {latest.text}",
        )
    if new.kind == PREFIXED:
        return _check_prefixed(new, earlier, sequence, container)
    if new.key < latest.key:
        return OrderFinding(
            BACKWARDS,
            f"Revision {new.text} comes before {latest.text}, the current revision of {container}: the order goes backwards",
            f"{new.text} after {latest.text}",
        )
    gap = _missing(latest, new, skipped)
    if gap:
        return OrderFinding(
            SKIP,
            f"Revision {new.text} follows {latest.text} in {container}, skipping {_list(gap)}",
            f"{new.text} after {latest.text}",
        )
    return None


def _check_prefixed(new: Parsed, earlier: list[Parsed], sequence: SequenceKind, container: str) -> OrderFinding | None:
    latest = next((p for p in reversed(earlier) if p.kind == PREFIXED), earlier[-1])
    order = order_prefixes([*sequence.prefixes, *(p.prefix for p in earlier), new.prefix])
    new_rank, latest_rank = _prefix_rank(new.prefix, order), _prefix_rank(latest.prefix, order)
    if new_rank < latest_rank:
        return OrderFinding(
            BACKWARDS,
            f"Revision {new.text} is {_stage(new.prefix)} but {container} is already at {latest.text} "
            f"({_stage(latest.prefix)}): the order goes backwards",
            f"{new.text} after {latest.text}",
        )
    same_prefix = [p for p in earlier if p.prefix == new.prefix]
    if new_rank == latest_rank:
        if new.key < latest.key:
            return OrderFinding(
                BACKWARDS,
                f"Revision {new.text} comes before {latest.text}, the current revision of {container}: "
                "the order goes backwards",
                f"{new.text} after {latest.text}",
            )
        if new.ordinal > latest.ordinal + 1:
            gap = [_prefixed(new.prefix, n, new.text) for n in range(latest.ordinal + 1, new.ordinal)]
            return OrderFinding(
                SKIP,
                f"Revision {new.text} follows {latest.text} in {container}, skipping {_list(gap)}",
                f"{new.text} after {latest.text}",
            )
        return None
    # A later stage starts again from 01 (or continues where an earlier issue of it stopped).
    start = max((p.ordinal for p in same_prefix), default=0) + 1
    if new.ordinal > max(start, 1):
        gap = [_prefixed(new.prefix, n, new.text) for n in range(max(start, 1), new.ordinal)]
        return OrderFinding(
            SKIP,
            f"Revision {new.text} follows {latest.text} in {container}, skipping {_list(gap)}",
            f"{new.text} after {latest.text}",
        )
    return None


def _missing(latest: Parsed, new: Parsed, skipped: tuple[str, ...]) -> list[str]:
    if new.ordinal <= latest.ordinal + 1:
        return []
    if new.kind == LETTERS:
        return [letter_of(n, skipped) for n in range(latest.ordinal + 1, new.ordinal)]
    width = len(new.text) if new.text.startswith("0") else 0
    return [str(n).zfill(width) for n in range(latest.ordinal + 1, new.ordinal)]


def _prefixed(prefix: str, ordinal: int, like: str) -> str:
    digits = len(re.sub(r"\..*$", "", like)) - len(prefix)
    return f"{prefix}{str(ordinal).zfill(digits)}"


def _stage(prefix: str) -> str:
    word = PREFIX_WORDS.get(prefix, prefix)
    return f"{'an' if word[0] in 'AEIOUaeiou' else 'a'} {word} revision"


def _list(values: list[str]) -> str:
    if len(values) > 4:
        return f"{', '.join(values[:3])} and {len(values) - 3} more"
    if len(values) > 1:
        return f"{', '.join(values[:-1])} and {values[-1]}"
    return values[0]
