"""The batch grid's columns and rows, as the grid's JSON endpoint serves them.

The grid in the browser (static/portal/grid/, on Tabulator) only shows what this module says:
which columns exist, how each is edited, every document's stored values, its state, the rule that
applies and its problems. Validation stays on the server (validation.py); the grid marks the cells
it names.

Columns are data. Each comes from a *column source*: an object with

- ``columns(context) -> list[GridColumn]`` — the columns it offers for this batch;
- ``fill(context, rows) -> None`` — puts the cell of each of its columns into every row
  (``row["cells"][column.id] = [...]``) and may add flags (``row["flags"].append({"field": column_id,
  "message": ..., "level": "warning"})``), shown on the cell like problems but in amber. A row
  dict has ``id``, ``version``, ``file``, ``state``, ``rule``, ``title``, ``description``, ``cells``
  and ``flags``; the stored metadata is joined to ``cells`` when the answer is written. A source
  sets ``row["pending"] = True`` when the server is still working on the row (e.g. reading the
  document): the grid asks for that row again until it is not pending.

A source must read what it needs for all rows at once (one query for the batch, not one per
row): the grid serves 10,000 rows. Register one with ``register_column_source``; sources run in
registration order after the built-in ones (the metadata or folder columns). A cell is always a
list of strings; how the browser shows it depends on the column's kind:

==========  ============================================================================
kind        cell and editing
==========  ============================================================================
text        literal text; typed
number      a number as text; typed
date        ISO-8601 instant; typed (common date formats are read) or picked
choice      one value id; typed with completion on codes and labels (``choices``)
multi       value ids, shown as chips; typed with ";" between values
person      one Procore user id; chosen by name or e-mail (``choices``: the project's people)
people      Procore user ids, shown as chips; names separated by ";"
readonly    text the server computes (e.g. what a file lands as); not editable
image       an image URL (e.g. a thumbnail); not editable
==========  ============================================================================
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.db import connection
from django.db.models import TextField
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast

from .folder_target import existing_files, landing, target_label
from .forms import editable_fields
from .models import Batch, StagedDocument
from .rules import rule_title
from .schema import FieldInfo, Schema, load_schema, person_text

# What the file column and the state column are called in the JSON (not field ULIDs).
FILE, STATE = "file", "state"


@dataclass(frozen=True)
class Choice:
    id: str
    text: str  # how people read it: "A – Architectural", a label, a person's name
    code: str = ""
    active: bool = True

    def as_json(self) -> dict[str, Any]:
        item: dict[str, Any] = {"id": self.id, "text": self.text}
        if self.code:
            item["code"] = self.code
        if not self.active:
            item["active"] = False
        return item


@dataclass(frozen=True)
class GridColumn:
    id: str
    label: str
    kind: str = "text"
    editable: bool = False
    # Shown when the person has not chosen columns yet.
    shown: bool = True
    choices: tuple[Choice, ...] = ()
    width: int | None = None
    help: str = ""

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "label": self.label, "kind": self.kind, "editable": self.editable}
        if not self.shown:
            data["shown"] = False
        if self.choices:
            data["choices"] = [c.as_json() for c in self.choices]
        if self.width:
            data["width"] = self.width
        if self.help:
            data["help"] = self.help
        return data


@dataclass
class GridContext:
    batch: Batch
    schema: Schema | None  # None for a batch going to a Documents folder
    # What sources computed once for this request (e.g. the target folder's files), by name.
    cache: dict[str, Any] = field(default_factory=dict)

    @property
    def is_folder(self) -> bool:
        return self.batch.target == Batch.Target.FOLDER


class ColumnSource(Protocol):
    def columns(self, context: GridContext) -> list[GridColumn]: ...

    def fill(self, context: GridContext, rows: list[dict[str, Any]]) -> None: ...


# --- the built-in sources ------------------------------------------------------------------------

KINDS = {"lov_entry": "choice", "reference": "choice", "lov_entries": "multi", "timestamp": "date", "numeric": "number"}


def field_kind(info: FieldInfo) -> str:
    if info.takes_users:
        return "people" if info.multiple else "person"
    return KINDS.get(info.type, "text")


def default_fields(schema: Schema) -> set[str]:
    """Fields shown until a person chooses: the naming standard's and every field a rule requires."""
    wanted = {f.id for f in schema.naming_fields}
    for rule in schema.rules:
        wanted.update(rule.required)
    return wanted


class MetadataColumns:
    """One column per Document Management field a person may set, in Procore's order (the name first)."""

    def columns(self, context: GridContext) -> list[GridColumn]:
        if context.is_folder or context.schema is None:
            return []
        schema = context.schema
        shown = default_fields(schema)
        fields = editable_fields(schema)
        name = schema.fields_by_name.get("name")
        if name is not None and name in fields:
            fields.remove(name)
            fields.insert(0, name)
        return [
            GridColumn(
                id=info.id,
                label=info.label,
                kind=field_kind(info),
                editable=True,
                shown=info.id in shown,
                choices=_choices(info, schema),
            )
            for info in fields
        ]

    def fill(self, context: GridContext, rows: list[dict[str, Any]]) -> None:
        """Nothing to add: the stored metadata is every row's cells already (keyed by field id)."""


def _choices(info: FieldInfo, schema: Schema) -> tuple[Choice, ...]:
    if info.takes_users:  # the project's people, by name (with the e-mail for namesakes)
        return tuple(Choice(p.id, person_text(schema, p.id)) for p in schema.people.people)
    if not info.takes_values:
        return ()
    return tuple(
        Choice(v.id, f"{v.code} – {v.label}" if v.code and v.code != "__" else v.label, v.code, v.active)
        for v in schema.values_by_field.get(info.id, [])
    )


class FolderColumns:
    """A batch going to a Documents folder: the file's name there, its description, what it becomes."""

    def columns(self, context: GridContext) -> list[GridColumn]:
        if not context.is_folder:
            return []
        return [
            GridColumn("title", "Name in Procore", "text", editable=True, width=260),
            GridColumn("description", "Description", "text", editable=True, width=300),
            GridColumn(
                "landing",
                "Lands as",
                "readonly",
                width=260,
                help=f"Goes to {target_label(context.batch)}",
            ),
        ]

    def fill(self, context: GridContext, rows: list[dict[str, Any]]) -> None:
        if not context.is_folder:
            return
        existing = context.cache.setdefault("existing_files", existing_files(context.batch))
        for row in rows:
            title, description = row["title"], row["description"]
            document = StagedDocument(file_name=row[FILE], title=title)
            row["cells"].update(
                {
                    "title": [title or row[FILE]],
                    "description": [description] if description else [],
                    "landing": [landing(document, context.batch, existing)],
                }
            )


_SOURCES: list[ColumnSource] = [MetadataColumns(), FolderColumns()]


def register_column_source(source: ColumnSource) -> None:
    """Add columns to every batch grid (see the module docstring for the contract)."""
    if not any(type(s) is type(source) for s in _SOURCES):
        _SOURCES.append(source)


def column_sources() -> list[ColumnSource]:
    return list(_SOURCES)


# --- the endpoint's answer -----------------------------------------------------------------------
#
# 10,000 rows must come out fast. Stored JSON (metadata, problems, names' unmatched parts) is read
# as text and written into the answer as it is, never parsed and serialised again; the fields a
# value was proposed for come from the database as a JSON list too. Column sources work on small
# row dicts and their cells are joined to the stored ones.


def _as_text(column: str) -> Cast:
    return Cast(column, output_field=TextField())


def _proposed_fields() -> Any:
    """Where each proposed value came from, `{"<field id>": "file name" | "title block" | ...}` as
    JSON text, computed by the database."""
    if connection.vendor == "postgresql":
        return RawSQL(
            "(SELECT coalesce(json_object_agg(k, coalesce(v->>'source', 'file name')), '{}'::json)::text "
            "FROM jsonb_each(proposals) AS e(k, v))",
            (),
        )
    if connection.vendor == "sqlite":
        return RawSQL(
            "(SELECT json_group_object(key, coalesce(json_extract(value, '$.source'), 'file name')) "
            "FROM json_each(proposals))",
            (),
        )
    return _as_text("proposals")  # other databases: read in Python (see _proposed_in_python)


def _proposed_in_python(raw: str | None) -> str:
    proposals = json.loads(raw or "{}")
    return json.dumps(
        {k: (v.get("source") if isinstance(v, dict) else None) or "file name" for k, v in proposals.items()}
    )


def grid_for(batch: Batch, schema: Schema | None = None) -> GridContext:
    """What the grid of a batch is built from (read once per request: a view that has read the
    project's schema already passes it)."""
    if batch.target == Batch.Target.FOLDER:
        return GridContext(batch=batch, schema=None)
    return GridContext(batch=batch, schema=schema if schema is not None else load_schema(batch.project))


def grid_columns(context: GridContext) -> list[GridColumn]:
    return [column for source in _SOURCES for column in source.columns(context)]


def grid_rows(
    context: GridContext, document_ids: Iterable[int] | None = None, limit: int | None = None
) -> list[dict[str, Any]]:
    """Every document of the batch (or the chosen ones, or the first `limit`) as the grid shows it:
    one query for the documents, whatever their number, plus what each column source reads once.
    Write them with `rows_json`."""
    query = StagedDocument.objects.filter(batch=context.batch)
    if document_ids is not None:
        query = query.filter(pk__in=list(document_ids))
    proposed_parsed_here = connection.vendor not in {"postgresql", "sqlite"}
    values = query.annotate(
        landed_text=_as_text("landed_at"),
        metadata_text=_as_text("metadata"),
        problems_text=_as_text("problems"),
        unmatched_text=_as_text("unmatched"),
        proposed_text=_proposed_fields(),
    ).values_list(
        "id",
        "metadata_version",
        "file_name",
        "state",
        "landed_text",
        "rule_id",
        "title",
        "description",
        "metadata_text",
        "problems_text",
        "unmatched_text",
        "proposed_text",
    )
    values = values.order_by("position", "id")
    if limit is not None:
        values = values[:limit]
    rows: list[dict[str, Any]] = [
        {
            "id": pk,
            "version": version,
            FILE: file_name,
            STATE: "landed" if landed_at else state,
            "rule": rule_id,
            "title": title,
            "description": description,
            "cells": {},
            "flags": [],
            "_stored": metadata if context.schema is not None else "{}",
            "_problems": problems or "[]",
            "_unmatched": unmatched or "[]",
            "_proposed": _proposed_in_python(proposed) if proposed_parsed_here else proposed or "{}",
        }
        for (
            pk,
            version,
            file_name,
            state,
            landed_at,
            rule_id,
            title,
            description,
            metadata,
            problems,
            unmatched,
            proposed,
        ) in values
    ]
    for source in _SOURCES:
        source.fill(context, rows)
    return rows


def rows_json(rows: list[dict[str, Any]]) -> str:
    """The rows as the JSON list the grid reads; stored JSON goes in as it was read."""
    return "[" + ",".join(_row_json(row) for row in rows) + "]"


_encode = json.JSONEncoder(ensure_ascii=False).encode
PENDING = ',"pending":true'


def _row_json(row: dict[str, Any]) -> str:
    return (
        f'{{"id":{int(row["id"])},"version":{int(row["version"])},"file":{_encode(row[FILE])},'
        f'"state":{_encode(row[STATE])},"rule":{_encode(row["rule"])},'
        f'"cells":{_join_objects(row["_stored"], row["cells"])},"problems":{row["_problems"]},'
        f'"proposed":{row["_proposed"]},"unmatched":{row["_unmatched"]},'
        f'"flags":{_encode(row["flags"]) if row["flags"] else "[]"}{PENDING if row.get("pending") else ""}}}'
    )


def _join_objects(stored: str, more: dict[str, Any]) -> str:
    """One JSON object from a stored one (text) and the column sources' cells."""
    if not more:
        return stored or "{}"
    extra = json.dumps(more, ensure_ascii=False)
    body = (stored or "{}").strip()
    return extra if body in {"{}", ""} else body[:-1] + "," + extra[1:]


def rule_titles(context: GridContext) -> dict[str, str]:
    """Every rule's name, once (rows carry only the rule's id)."""
    if context.schema is None:
        return {}
    return {rule.id: rule_title(rule, context.schema) for rule in context.schema.rules}


def grid_payload_json(
    context: GridContext, extra: dict[str, Any], document_ids: list[int] | None = None, limit: int | None = None
) -> str:
    """The grid endpoint's whole answer as JSON text: the batch, its columns, rules and rows (all
    of them, the documents asked for, or the first `limit`)."""
    head = {
        "batch": {
            "id": context.batch.pk,
            "editable": context.batch.is_editable,
            "target": context.batch.target,
        },
        "columns": [c.as_json() for c in grid_columns(context)],
        "rules": rule_titles(context),
        **extra,
    }
    rows = grid_rows(context, document_ids, limit)
    return json.dumps(head, ensure_ascii=False)[:-1] + ',"rows":' + rows_json(rows) + "}"
