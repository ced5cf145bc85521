"""Cell changes from the grid, many at once: parsed like typed values, checked, stored, answered.

A request carries every cell a person changed in one step or one burst (a paste of hundreds of
cells is one request)::

    {"changes": [
        {"document": 12, "version": 3, "field": "<column id>", "text": "A"},
        {"document": 13, "version": 7, "field": "<column id>", "values": ["<value id>"]}
    ]}

``text`` is what a person typed or pasted: it is read like a typed value (codes or labels for
lists, names for people, common date formats, ";" between values of a multi-value field).
``values`` are stored values as the grid received them (undo, redo, fill down, a template): they
are taken as they are, and validation says what is wrong with them, as for any stored value.

The answer says what happened to every cell, and carries the fresh row of every document whose
row changed (the ones written, and others whose problems changed with them)::

    {"cells": [{"document": 12, "field": "...", "status": "saved"},
               {"document": 13, "field": "...", "status": "invalid", "message": "..."},
               {"document": 14, "field": "...", "status": "conflict", "message": "..."}],
     "rows": [<row as grid.grid_rows gives it>, ...],
     "saved": 1}

``version`` is the row's version as the grid received it (the document's `metadata_version`).
Cells are stored through `edits.apply_edits`, THE way metadata changes: only the fields named
change. A cell that cannot be read is ``invalid`` and not stored; the other cells of the request
are. A field someone else changed after that version is a ``conflict`` and not stored: the message
says who changed it, when and to what, and the answer carries the document's current row, so the
grid shows their value; the person decides (typing the value again sends it with the new
version). A document that is being submitted is ``locked``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from portal.accounts.models import User

from .edits import EditResult, FieldEdit, apply_edits, ensure_editable
from .grid import GridColumn, GridContext, grid_columns, grid_rows, rows_json
from .validation import parse_input

SAVED, INVALID, CONFLICT, LOCKED = "saved", "invalid", "conflict", "locked"
# One request may carry a whole pasted block; more than this is refused rather than half-done.
MAX_CHANGES = 20_000


class BadRequest(ValueError):
    """The request is not a list of cell changes the grid sends."""


@dataclass(frozen=True)
class CellChange:
    document: int
    version: int  # the document's metadata_version the grid held
    field: str
    text: str | None = None
    values: tuple[str, ...] | None = None


@dataclass
class Outcome:
    cells: list[dict[str, Any]] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)

    @property
    def saved(self) -> int:
        return sum(1 for c in self.cells if c["status"] == SAVED)

    def as_json(self) -> str:
        head = json.dumps({"cells": self.cells, "saved": self.saved}, ensure_ascii=False)
        return head[:-1] + ',"rows":' + rows_json(self.rows) + "}"


def read_changes(payload: Any) -> list[CellChange]:
    """The request body's changes; BadRequest says what is malformed."""
    items = payload.get("changes") if isinstance(payload, dict) else None
    if not isinstance(items, list) or not items:
        raise BadRequest("Send {'changes': [...]} with at least one change.")
    if len(items) > MAX_CHANGES:
        raise BadRequest(f"At most {MAX_CHANGES} cells can be changed at once.")
    changes = []
    for item in items:
        if not isinstance(item, dict):
            raise BadRequest("Each change is an object.")
        document, version, column = item.get("document"), item.get("version"), item.get("field")
        if not _whole(document) or not _whole(version) or not isinstance(column, str):
            raise BadRequest("Each change names a document and its version (numbers) and a field.")
        text, values = item.get("text"), item.get("values")
        if text is not None and not isinstance(text, str):
            raise BadRequest("A change's text is a string.")
        if values is not None and (not isinstance(values, list) or not all(isinstance(v, str) for v in values)):
            raise BadRequest("A change's values are a list of strings.")
        if (text is None) == (values is None):
            raise BadRequest("A change has either text or values.")
        assert isinstance(document, int) and isinstance(version, int)  # checked by _whole above
        changes.append(CellChange(document, version, column, text, tuple(values) if values is not None else None))
    return changes


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def apply_changes(context: GridContext, user: User, changes: list[CellChange]) -> Outcome:
    """Read the changes and store them through the field-level edit service (`edits.apply_edits`),
    which writes only the fields named and returns a field someone else changed as a conflict.
    Raises BatchLocked."""
    batch = context.batch
    ensure_editable(batch)
    columns = {c.id: c for c in grid_columns(context) if c.editable}
    outcome = Outcome()
    edits: dict[tuple[int, str], FieldEdit] = {}
    for change in changes:
        column = columns.get(change.field)
        if column is None:
            outcome.cells.append(_cell(change, INVALID, "This column cannot be edited."))
            continue
        try:
            values = _read(change, column, context)
        except ValueError as exc:
            outcome.cells.append(_cell(change, INVALID, str(exc)))
            continue
        # The latest change of a cell wins; the version is the row's as the grid held it.
        edits[(change.document, change.field)] = FieldEdit(change.document, change.field, values, change.version)
    if edits:
        result = apply_edits(batch, user, list(edits.values()), context.schema, action="Edited in the grid")
    else:
        result = EditResult()
    conflicts = {(c.document_id, c.field_id): c for c in result.conflicts}
    missing = set(result.missing)
    for (document, field_id), edit in edits.items():
        change = CellChange(document, edit.base_version or 0, field_id)
        if document in missing:
            outcome.cells.append(
                _cell(change, LOCKED, "This document is being submitted or is gone; it can no longer be changed.")
            )
        elif (document, field_id) in conflicts:
            outcome.cells.append(_cell(change, CONFLICT, conflicts[(document, field_id)].sentence() + "."))
        else:
            outcome.cells.append(_cell(change, SAVED))
    touched = {document for document, _ in edits} | result.rechecked
    outcome.rows = grid_rows(context, touched) if touched else []
    return outcome


def _cell(change: CellChange, status: str, message: str = "") -> dict[str, Any]:
    cell: dict[str, Any] = {"document": change.document, "field": change.field, "status": status}
    if message:
        cell["message"] = message
    return cell


def _read(change: CellChange, column: GridColumn, context: GridContext) -> list[str]:
    """Stored values for a changed cell; ValueError says why a typed value cannot be taken."""
    if change.values is not None:
        return [v for v in change.values if v.strip()]
    text = change.text or ""
    if context.schema is None:  # a folder batch: name and description are free text
        return [text.strip()] if text.strip() else []
    return parse_input(context.schema.fields_by_id[column.id], text, context.schema)
