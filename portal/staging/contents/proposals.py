"""A title block's values in a project's terms: Document Management field ids and the values its
PATCH takes — the same shape the file-name proposals have (naming.py), so the two compare.

The drawing number goes through the project's naming standard exactly as a file name does
(`A-DRW-101` → discipline A, type DRW, number 101); a project without one takes the number as
written, in its Number field. Revisions are written `Rev <X>`, as naming.py writes them, so a
title block's "C" and a file name's "Rev C" agree. Dates become the start of that day, UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..naming import propose
from ..schema import Schema
from .labels import DATE, NAME, NUMBER, REVISION

SOURCE = "title block"


@dataclass
class TitleBlockProposal:
    # {"<field id>": {"values": ["<value id or literal>"], "text": "<as printed>"}}
    proposed: dict[str, dict[str, Any]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def title_block_proposal(fields: dict[str, str | None], schema: Schema) -> TitleBlockProposal:
    result = TitleBlockProposal()

    def put(name: str, value: str, text: str) -> None:
        info = schema.fields_by_name.get(name)
        if info is not None and info.settable and value:
            result.proposed[info.id] = {"values": [value], "text": text}

    number = fields.get(NUMBER)
    if number:
        _number(number, schema, result, put)
    if fields.get(NAME):
        put("name", str(fields[NAME]), str(fields[NAME]))
    if fields.get(REVISION):
        put("revision", f"Rev {str(fields[REVISION]).upper()}", str(fields[REVISION]))
    if fields.get(DATE):
        info = schema.fields_by_name.get("date_authored")
        if info is not None and info.type == "timestamp":
            put("date_authored", f"{fields[DATE]}T00:00:00Z", str(fields[DATE]))
    return result


def _number(number: str, schema: Schema, result: TitleBlockProposal, put: Any) -> None:
    if not schema.naming_fields:
        put("number", number, number)
        return
    # The number is parsed as a file name would be (an extension keeps "S.201" whole).
    parsed = propose(f"{number}.pdf", schema)
    naming_ids = {f.id for f in schema.naming_fields}
    taken = {fid: values for fid, values in parsed.metadata.items() if fid in naming_ids}
    if not taken:
        labels = "-".join(f.label for f in schema.naming_fields)
        result.notes.append(f"The drawing number {number} does not follow the project's naming standard ({labels}).")
        return
    for field_id, values in taken.items():
        info = schema.fields_by_id[field_id]
        if info.settable:
            result.proposed[field_id] = {"values": list(values), "text": parsed.sources[field_id]["text"]}
    unmatched = [u for u in parsed.unmatched if not u.startswith(f"{number}:")]
    if unmatched:
        result.notes.append(f"In the drawing number {number}: " + "; ".join(unmatched) + ".")
