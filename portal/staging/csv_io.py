"""A batch's metadata as CSV: export, edit in a spreadsheet, import back all-or-nothing.

Layout: `batch_id`, `document_id`, `document_version`, `file_name`, then one column per field a person can set
(active, visible, not readonly), headed by the field's label (``Label (name)`` when two fields
share a label), in the project's field order. Cells hold value labels (or codes), people's names
(with the e-mail address when two people share a name), several values of a multi-value field
separated by ";", dates as ISO-8601.

Import rules:

- `file_name` is for reading; a changed file name is refused (files are renamed on upload only).
- The `batch_id` and `document_id` columns tie every row to a document of THIS batch; a CSV of
  another batch, an unknown document, a repeated document, an unknown or non-settable column, a
  missing header, an empty, binary or non-UTF-8 file are refused with a row/column message.
- Every changed cell goes through `validation.parse_input` (codes, labels, ids or
  ``CODE – Label`` for lists; a name, an e-mail address or a Procore user id for people, an
  unknown or ambiguous person being a cell error). A cell left as exported is kept as stored even when the stored
  value is no longer valid: the document shows that problem; the import does not fail on it.
- Any error → nothing changes. Otherwise the changed cells are saved through `edits.apply_edits`
  (the file-name proposals of overwritten fields are dropped, the batch is re-validated). Columns
  left out of the CSV, cells left as stored and documents without a row keep their values.
- `document_version` is the document's version when the CSV was exported: a changed cell of a
  field someone else changed since then is an error ("Dana Whitfield changed Authored By …"),
  unless the person chooses to replace such values; a cell still holding the value that change
  replaced (the exported one) is left alone. A CSV without the column is not checked.
- Cells that would start a formula in a spreadsheet (=, +, -, @) are written with a leading "'",
  which the import removes again (CSV injection, OWASP).
- Delimiter: ",", or ";" / tab when the header row uses them (spreadsheets in many locales).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass

from portal.accounts.models import User

from .edits import FieldEdit, apply_edits
from .models import Batch, StagedDocument
from .schema import FieldInfo, Schema, person_text
from .validation import parse_input, revalidate_batch

BATCH, DOCUMENT, VERSION, FILE_NAME = "batch_id", "document_id", "document_version", "file_name"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
LOCKED_STATES = frozenset({StagedDocument.State.SUBMITTING, StagedDocument.State.SUBMITTED})


@dataclass
class CsvError:
    row: int  # spreadsheet row: the header is row 1; 0 for the file as a whole
    column: str
    message: str
    # A value someone else changed after the export (the person may choose to replace it).
    changed_since_export: bool = False


def columns(schema: Schema) -> list[tuple[str, FieldInfo]]:
    """(header, field) for every field the CSV carries, in the project's order."""
    settable = [f for f in schema.fields if f.settable]
    counts: dict[str, int] = {}
    for field in settable:
        counts[field.label.casefold()] = counts.get(field.label.casefold(), 0) + 1
    return [(f.label if counts[f.label.casefold()] == 1 else f"{f.label} ({f.name})", f) for f in settable]


def export_csv(batch: Batch, schema: Schema, *, use_codes: bool = False) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    cols = columns(schema)
    writer.writerow([BATCH, DOCUMENT, VERSION, FILE_NAME, *[header for header, _ in cols]])
    documents = (
        StagedDocument.objects.filter(batch=batch)
        .order_by("position", "id")
        .only("id", "file_name", "metadata", "metadata_version")
    )
    for document in documents.iterator(chunk_size=2000):
        metadata = document.metadata if isinstance(document.metadata, dict) else {}
        writer.writerow(
            [
                batch.pk,
                document.pk,
                document.metadata_version,
                _guard(document.file_name),
                *[_guard(cell_text(field, metadata.get(field.id) or [], schema, use_codes)) for _, field in cols],
            ]
        )
    return out.getvalue()


def cell_text(field: FieldInfo, raw: list[str], schema: Schema, use_codes: bool) -> str:
    """Stored values as a cell: labels (or codes) for lists, the literal otherwise."""
    shown = []
    for item in raw:
        if not isinstance(item, str) or not item:
            continue
        if field.takes_users:
            shown.append(person_text(schema, item))
            continue
        value = schema.values_by_id.get(item) if field.takes_values else None
        if value is None or value.field_id != field.id:
            shown.append(item)
            continue
        siblings = schema.values_by_field.get(field.id, [])
        code_unique = (
            bool(value.code)
            and value.code != "__"
            and sum(v.code.casefold() == value.code.casefold() for v in siblings) == 1
        )
        label_unique = sum(v.label.casefold() == value.label.casefold() for v in siblings) == 1
        if (use_codes and code_unique) or not label_unique:
            shown.append(value.code if code_unique else value.id)
        else:
            shown.append(value.label)
    return "; ".join(shown)


def _guard(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_START) else text


def _unguard(text: str) -> str:
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_START) else text


def import_csv(
    batch: Batch, text: str | bytes, schema: Schema, user: User | None = None, *, replace_newer: bool = False
) -> list[CsvError]:
    """Apply an edited CSV to the batch, or change nothing and say what is wrong.

    A cell that differs from what is stored, in a field someone changed after the CSV was
    exported (its `document_version`), is an error too — unless `replace_newer`, chosen by the
    person after seeing those errors.
    """
    rows, errors = _read(text)
    if errors:
        return errors
    if not batch.is_editable:
        return [
            CsvError(
                0, "", f"Batch “{batch.name}” is {batch.get_state_display().lower()}; its documents cannot be changed"
            )
        ]
    header = [h.strip() for h in rows[0]]
    mapping, errors = _map_header(header, schema)
    if errors:
        return errors
    documents = {
        d.pk: d
        for d in StagedDocument.objects.filter(batch=batch).only(
            "id", "file_name", "metadata", "proposals", "state", "metadata_version", "field_stamps"
        )
    }
    updates, errors = _parse_rows(batch, rows, header, mapping, documents, schema)
    if errors:
        return errors
    edits = []
    for document_id, (_row, version, values) in updates.items():
        document = documents[document_id]
        metadata = document.metadata if isinstance(document.metadata, dict) else {}
        stamps = document.field_stamps if isinstance(document.field_stamps, dict) else {}
        for field_id, parsed in values.items():
            if [v for v in metadata.get(field_id) or [] if v] == parsed:
                continue
            stamp = stamps.get(field_id) or {}
            if version is not None and int(stamp.get("v") or 0) > version and parsed == stamp.get("was"):
                continue  # the cell holds the exported value, which someone changed since: theirs stays
            edits.append(FieldEdit(document_id, field_id, parsed, None if replace_newer else version))
    if not edits:
        revalidate_batch(batch, schema)  # nothing to change; the batch is checked all the same
        return []
    result = apply_edits(batch, user, edits, schema, all_or_nothing=True, action="Imported metadata from CSV")
    headers = {field.id: header[index] for index, field in mapping.items()}
    return [
        CsvError(
            updates[c.document_id][0],
            headers.get(c.field_id, c.field_label),
            f"{c.changed_by} changed {c.field_label} to “{c.theirs_text or '(empty)'}” after this CSV was exported; "
            f"this cell says “{c.yours_text or '(empty)'}”. Write their value to keep it, or import again "
            "choosing to replace values changed since the export",
            changed_since_export=True,
        )
        for c in result.conflicts
    ]


def _read(text: str | bytes) -> tuple[list[list[str]], list[CsvError]]:
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            return [], [
                CsvError(
                    0, "", "The file is not UTF-8 text: in your spreadsheet save it as “CSV UTF-8” and import it again"
                )
            ]
    text = text.removeprefix("\ufeff")
    if "\x00" in text or "\ufffd" in text:
        return [], [
            CsvError(
                0,
                "",
                "The file is not a readable CSV text file (binary data or a wrong "
                "encoding); save it as “CSV UTF-8” and import it again",
            )
        ]
    if not text.strip():
        return [], [CsvError(0, "", "The file is empty")]
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=lambda d: first_line.count(d))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[list[str]] = []
    try:
        for row in reader:
            rows.append(row)
    except csv.Error as exc:
        return [], [CsvError(len(rows) + 1, "", f"The CSV is malformed at line {reader.line_num}: {exc}")]
    return rows, []


def _map_header(header: list[str], schema: Schema) -> tuple[dict[int, FieldInfo], list[CsvError]]:
    errors: list[CsvError] = []
    lowered = [h.casefold() for h in header]
    for required in (BATCH, DOCUMENT):
        if required not in lowered:
            errors.append(
                CsvError(
                    1,
                    required,
                    f"The “{required}” column is missing: the first row must be the "
                    "header row of a CSV exported from this batch",
                )
            )
    if errors:
        return {}, errors
    by_header: dict[str, FieldInfo] = {}
    for title, info in columns(schema):
        by_header.setdefault(title.casefold(), info)
    all_by_name = {f.name.casefold(): f for f in schema.fields}
    all_by_label: dict[str, FieldInfo] = {}
    for info in schema.fields:
        all_by_label.setdefault(info.label.casefold(), info)
    mapping: dict[int, FieldInfo] = {}
    seen: dict[str, str] = {}
    for index, title in enumerate(header):
        key = title.casefold()
        if key in (BATCH, DOCUMENT, VERSION, FILE_NAME):
            field_key = key
        else:
            field = by_header.get(key) or all_by_name.get(key) or all_by_label.get(key)
            if field is None:
                errors.append(
                    CsvError(
                        1,
                        title or f"column {index + 1}",
                        f"“{title}” is not a field of this project" if title else "A column has no header",
                    )
                )
                continue
            if not field.settable:
                errors.append(
                    CsvError(
                        1,
                        title,
                        f"{field.label} cannot be set (it is filled by Procore or no longer used); remove the column",
                    )
                )
                continue
            mapping[index] = field
            field_key = field.id
        if field_key in seen:
            errors.append(CsvError(1, title, f"“{title}” repeats the column “{seen[field_key]}”"))
        seen[field_key] = title
    return mapping, errors


def _parse_rows(
    batch: Batch,
    rows: list[list[str]],
    header: list[str],
    mapping: Mapping[int, FieldInfo],
    documents: dict[int, StagedDocument],
    schema: Schema,
) -> tuple[dict[int, tuple[int, int | None, dict[str, list[str]]]], list[CsvError]]:
    """Each row's document → (row number, the document_version it was exported at, cell values)."""
    lowered = [h.casefold() for h in header]
    batch_col, document_col = lowered.index(BATCH), lowered.index(DOCUMENT)
    version_col = lowered.index(VERSION) if VERSION in lowered else None
    data = [(number, row) for number, row in enumerate(rows[1:], start=2) if any(cell.strip() for cell in row)]
    if not data:
        return {}, [CsvError(0, "", "The file has a header but no document rows")]
    others = {row[batch_col].strip() for _, row in data if len(row) > batch_col} - {str(batch.pk)}
    if others and all(len(row) > batch_col and row[batch_col].strip() != str(batch.pk) for _, row in data):
        shown = ", ".join(sorted(others)[:3])
        return {}, [
            CsvError(
                0,
                BATCH,
                f"This CSV was exported from another batch ({shown}), not from "
                f"“{batch.name}” ({batch.pk}); export this batch's CSV and edit that one",
            )
        ]
    errors: list[CsvError] = []
    updates: dict[int, tuple[int, int | None, dict[str, list[str]]]] = {}
    first_row: dict[int, int] = {}
    for number, row in data:
        if len(row) != len(header):
            errors.append(CsvError(number, "", f"This row has {len(row)} cells but the header has {len(header)}"))
            continue
        if row[batch_col].strip() != str(batch.pk):
            errors.append(
                CsvError(
                    number,
                    BATCH,
                    f"This row belongs to batch {row[batch_col].strip() or '(empty)'}, not to this batch ({batch.pk})",
                )
            )
            continue
        raw_id = row[document_col].strip()
        document = documents.get(int(raw_id)) if raw_id.isdigit() else None
        if document is None:
            errors.append(
                CsvError(number, DOCUMENT, f"“{raw_id}” is not a document of this batch (removed since the export?)")
            )
            continue
        if document.pk in first_row:
            errors.append(CsvError(number, DOCUMENT, f"Document {raw_id} is already on row {first_row[document.pk]}"))
            continue
        first_row[document.pk] = number
        if FILE_NAME in lowered:
            shown = _unguard(row[lowered.index(FILE_NAME)].strip())
            if shown and shown != document.file_name.strip():
                errors.append(
                    CsvError(
                        number,
                        header[lowered.index(FILE_NAME)],
                        f"File names cannot be changed by CSV; this row is “{document.file_name}”",
                    )
                )
        version: int | None = None
        if version_col is not None:
            raw_version = row[version_col].strip()
            if not raw_version.isdigit():
                errors.append(CsvError(number, VERSION, "The document_version column must keep the exported number"))
                continue
            version = int(raw_version)
        updates[document.pk] = (number, version, _parse_cells(number, row, header, mapping, document, schema, errors))
    return updates, errors


def _parse_cells(
    number: int,
    row: list[str],
    header: list[str],
    mapping: Mapping[int, FieldInfo],
    document: StagedDocument,
    schema: Schema,
    errors: list[CsvError],
) -> dict[str, list[str]]:
    metadata = document.metadata if isinstance(document.metadata, dict) else {}
    values: dict[str, list[str]] = {}
    for index, field in mapping.items():
        cell = _unguard(row[index].strip())
        stored = [v for v in metadata.get(field.id) or [] if v]
        if cell in {cell_text(field, stored, schema, False), cell_text(field, stored, schema, True)}:
            values[field.id] = stored  # as exported: kept as is, problems or not
            continue
        if document.state in LOCKED_STATES:
            errors.append(
                CsvError(
                    number,
                    header[index],
                    f"“{document.file_name}” is already {document.get_state_display().lower()}; it cannot change",
                )
            )
            continue
        try:
            values[field.id] = parse_input(field, cell, schema)
        except ValueError as exc:
            errors.append(CsvError(number, header[index], str(exc)))
    return values
