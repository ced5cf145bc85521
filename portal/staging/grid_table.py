"""The server-rendered rows of the former batch table, still served by `views_contents.rows` (the
batch page itself shows the grid of `grid.py`, whose rows come from the grid endpoint)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .forms import editable_fields, input_kind
from .models import StagedDocument
from .schema import FieldInfo, Schema, display_value


@dataclass
class Cell:
    field_id: str
    text: str
    source: str
    problem: str


def grid_columns(schema: Schema) -> list[FieldInfo]:
    """The naming standard's fields, then every field some rule requires, in Procore's order."""
    wanted = {f.id for f in schema.naming_fields}
    for rule in schema.rules:
        wanted.update(rule.required)
    name = schema.fields_by_name.get("name")
    columns = [f for f in schema.fields if f.id in wanted and f.visible]
    if name is not None and name in columns:
        columns.remove(name)
        columns.insert(0, name)
    return columns


def grid_context(schema: Schema, documents: Any) -> dict[str, Any]:
    columns = grid_columns(schema)
    rules = {r.id: r for r in schema.rules}
    rows = []
    for document in documents:
        problems = {p["field"]: p["message"] for p in document.problems}
        cells = [
            Cell(
                c.id,
                ", ".join(display_value(schema, c.id, v) for v in document.metadata.get(c.id, [])),
                f"from the {document.proposals[c.id].get('source') or 'file name'}"
                if c.id in document.proposals
                else "",
                problems.get(c.id, ""),
            )
            for c in columns
        ]
        rule = rules.get(document.rule_id)
        rows.append(
            {
                "document": document,
                "cells": cells,
                "rule": "Default rule" if rule is None or rule.is_default else "Conditional rule",
                "other_problems": [
                    p["message"] for p in document.problems if p["field"] not in {c.id for c in columns}
                ],
            }
        )
    settable = editable_fields(schema)
    return {
        "columns": columns,
        "rows": rows,
        "settable": [
            {"info": f, "kind": input_kind(f), "values": [v for v in schema.values_by_field.get(f.id, []) if v.active]}
            for f in settable
        ],
        "states": StagedDocument.State,
    }


@dataclass(frozen=True)
class Column:
    id: str
    label: str


def folder_grid_context(batch: Any, documents: Any) -> dict[str, Any]:
    """The grid of a batch going to a Documents folder: name, description, and what each becomes."""
    from .folder_target import existing_files, landing, target_label

    existing = existing_files(batch)
    columns = [Column("title", "Name in Procore"), Column("description", "Description"), Column("landing", "Lands as")]
    rows = []
    for document in documents:
        problems = {p["field"]: p["message"] for p in document.problems}
        cells = [
            Cell("title", document.title or document.file_name, "", problems.get("title", "")),
            Cell("description", document.description, "", ""),
            Cell("landing", landing(document, batch, existing), "", ""),
        ]
        rows.append(
            {
                "document": document,
                "cells": cells,
                "rule": "",
                "other_problems": [p["message"] for p in document.problems if p["field"] != "title"],
            }
        )
    settable = [
        {"info": Column("title", "Name in Procore"), "kind": "text", "values": []},
        {"info": Column("description", "Description"), "kind": "text", "values": []},
    ]
    return {
        "columns": columns,
        "rows": rows,
        "settable": settable,
        "states": StagedDocument.State,
        "folder_target": target_label(batch),
    }
