"""Metadata proposed from a file name (procore-api.md §7.12), before anything is sent.

Procore scrapes the codes of the naming standard's fields from the file name after upload; the
portal does the same first, so people see and fix proposals while staging. The API exposes the
standard's fields in order but not its separator, so the split is inferred:

1. The stem (file name without its extension) is cut at the first "_" or space: the code part
   (``A-DRW-101``) and the rest (``Floor Plan_Rev B``).
2. The code part is split by the schema's inferred separator, then "-", "."; spaces are tried
   too, taking the first words before any "_" (``A DRW 101_Floor Plan``). A split counts only
   when it yields one part per naming-standard field; among several, the one matching most list
   codes wins (ties: the order above). When not one list code matches, the name has no code part.
3. List and reference fields take the ACTIVE value whose code equals the part (case-insensitive);
   an inactive value's code or an unknown code is reported in `unmatched`. Text fields take the
   part as written; number fields only a number.
4. In the rest, ``Rev B``, ``RevB``, ``Rev.02``, ``Revision C`` (anywhere) or ``R02`` (only as a
   part of its own between underscores) gives the ``revision`` field, written ``Rev <X>`` with X
   upper-cased — the form Procore's ML and the seeded revisions use, so the duplicate-revision
   check compares like with like.
5. The remaining words, underscores read as spaces, give ``name``; when nothing remains (or the
   project has no naming standard) ``name`` is the whole stem as written, since without a
   standard the name is what names the container (§7.13).

Without a naming standard only ``name`` is proposed: scraping is "not applicable" there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

from .schema import SEPARATORS, FieldInfo, Schema, split_extension

SOURCE = "file name"
REVISION = re.compile(
    r"(?<![A-Za-z0-9])Rev(?:ision)?[ .\-]?([A-Za-z]{1,2}|\d{1,3}|[A-Za-z]\d{1,3})(?![A-Za-z0-9])", re.IGNORECASE
)
# "R02" only as a part of its own ("_R02"): inside words it is too often a room or grid ("Room R101").
SHORT_REVISION = re.compile(r"R(\d{1,3})", re.IGNORECASE)


@dataclass
class Proposal:
    metadata: dict[str, list[str]] = dataclass_field(default_factory=dict)
    # {field id: {"source": "file name", "text": "<the part of the name it came from>"}}
    sources: dict[str, dict[str, Any]] = dataclass_field(default_factory=dict)
    # Parts of the name that matched nothing, each with why: ["ZZ: not a Discipline code", ...].
    unmatched: list[str] = dataclass_field(default_factory=list)


def propose(file_name: str, schema: Schema) -> Proposal:
    """Proposed metadata for a staged file; never raises (a bad name proposes less)."""
    proposal = Proposal()
    try:
        _propose(file_name or "", schema, proposal)
    except Exception as exc:  # a proposal is a convenience: never lose a file over it
        proposal.unmatched.append(f"{file_name}: the name could not be read ({exc.__class__.__name__})")
    return proposal


def _propose(file_name: str, schema: Schema, proposal: Proposal) -> None:
    stem = split_extension(file_name.strip())[0].strip()
    if not stem:
        return
    if not schema.naming_fields:
        _set(proposal, schema.fields_by_name.get("name"), stem, stem)
        return

    parts = re.split(r"[_ ]", stem, maxsplit=1)
    code_part, rest = parts[0], (parts[1] if len(parts) > 1 else "")
    split = _best_split(stem, code_part, rest, schema)
    if split is None:
        labels = "-".join(f.label for f in schema.naming_fields)
        proposal.unmatched.append(f"{code_part}: the name does not start with the codes {labels}")
        rest = stem
    else:
        tokens, rest = split
        for field, token in zip(schema.naming_fields, tokens, strict=False):
            _take_code(proposal, schema, field, token)

    parts = rest.split("_")
    revision_field = schema.fields_by_name.get("revision")
    if revision_field is not None:
        _take_revision(proposal, revision_field, parts)
    name = " ".join(" ".join(parts).split()).strip(" -.")
    _set(proposal, schema.fields_by_name.get("name"), name or stem, name or stem)


def _best_split(stem: str, code_part: str, rest: str, schema: Schema) -> tuple[list[str], str] | None:
    """The split of the code part with one part per naming field and most codes matched."""
    count = len(schema.naming_fields)
    candidates: list[tuple[list[str], str]] = []
    for separator in dict.fromkeys((schema.naming_separator, *SEPARATORS)):
        if separator == " ":
            # Codes separated by spaces: the first `count` words, up to the first "_".
            words = stem.split("_", 1)
            tokens = words[0].split()
            if len(tokens) >= count:
                after = " ".join(tokens[count:])
                candidates.append(
                    (tokens[:count], " ".join(p for p in (after, words[1] if len(words) > 1 else "") if p))
                )
            continue
        tokens = code_part.split(separator)
        if len(tokens) == count and all(tokens):
            candidates.append((tokens, rest))
    if not candidates:
        return None

    def matched(candidate: tuple[list[str], str]) -> int:
        return sum(
            1
            for f, t in zip(schema.naming_fields, candidate[0], strict=False)
            if f.takes_values and schema.active_value_by_code(f, t) is not None
        )

    best = max(candidates, key=matched)  # max keeps the first of equals: the preferred separator
    if any(f.takes_values for f in schema.naming_fields) and matched(best) == 0:
        return None  # not one code matched: these are words, not codes (e.g. "Floor Plan")
    return best


def _take_revision(proposal: Proposal, field: FieldInfo, parts: list[str]) -> None:
    """Find the revision in the "_"-separated parts; blank out what it took."""
    for index, part in enumerate(parts):
        found = REVISION.search(part)
        if found:
            _set(proposal, field, f"Rev {found.group(1).upper()}", found.group(0))
            parts[index] = part[: found.start()] + " " + part[found.end() :]
            return
    for index in reversed(range(len(parts))):
        found = SHORT_REVISION.fullmatch(parts[index].strip())
        if found:
            _set(proposal, field, f"Rev {found.group(1)}", parts[index].strip())
            parts[index] = ""
            return


def _take_code(proposal: Proposal, schema: Schema, field: FieldInfo, token: str) -> None:
    if field.takes_values:
        value = schema.active_value_by_code(field, token)
        if value is not None:
            _set(proposal, field, value.id, token)
            return
        wanted = token.casefold()
        inactive = next(
            (v for v in schema.values_by_field.get(field.id, ()) if v.code and v.code.casefold() == wanted), None
        )
        if inactive is not None:
            proposal.unmatched.append(f"{token}: {field.label} “{inactive.label}” is inactive in this project")
        else:
            proposal.unmatched.append(f"{token}: not a {field.label} code of this project")
        return
    if field.type == "numeric" and not re.fullmatch(r"-?\d+(\.\d+)?", token):
        proposal.unmatched.append(f"{token}: {field.label} must be a number")
        return
    if field.type == "timestamp" or field.takes_users:
        proposal.unmatched.append(f"{token}: {field.label} cannot be read from a file name")
        return
    _set(proposal, field, token, token)


def _set(proposal: Proposal, field: FieldInfo | None, value: str, text: str) -> None:
    if field is None or not field.settable or not value:
        return
    proposal.metadata[field.id] = [value]
    proposal.sources[field.id] = {"source": SOURCE, "text": text}
