"""Validation of staged metadata before anything is sent to Procore, in a controller's words.

A document is checked against the rule that applies to it (rules.py, procore-api.md §7.3) and
against what Procore refuses on PATCH or submit (§7.4, §7.5, §7.9, §7.11, §7.13):

- a required field left empty. `authored_by` and `uploaded_by` are exempt: Procore fills them
  with the uploader (§7.5); readonly required fields are exempt too (no one can set them);
- a value on a field that is unknown, readonly, inactive or hidden (the API refuses the write);
- a list value that is not one of the field's values, an inactive value, several values where the
  field takes one, a number that is not a number, a timestamp that is not ISO-8601;
- with `allow_duplicate_revisions: false` on the applicable rule, a revision value equal to one
  already in the target container. The container is keyed like Procore's match criteria
  (schema.py): the naming-standard codes when all are set, else the name, plus the file format.
  The mirror's revisions stand for Procore's; within a batch, a later document repeating an
  earlier one's container and revision is flagged too (Procore refuses the second).
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from time import perf_counter
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from .dates import parse_date_text, parse_instant
from .models import Batch, StagedDocument
from .persons import find_person, person_problem
from .rules import applicable_rule, rule_title
from .schema import FieldInfo, RuleInfo, Schema, ValueInfo, format_keys, load_schema, match_key, split_extension

# Procore fills these with the uploader when they are left empty (§7.5).
DEFAULTED_BY_PROCORE = frozenset({"authored_by", "uploaded_by"})
# Documents whose state validation may set; the others belong to the submit pipeline.
CHECKED_STATES = frozenset({StagedDocument.State.READY, StagedDocument.State.ERRORS})


@dataclass(frozen=True)
class Problem:
    field_id: str  # "" for a problem of the whole document
    message: str


def validate(
    metadata: Mapping[str, list[str]], *, file_name: str, mime_type: str, schema: Schema
) -> tuple[RuleInfo | None, list[Problem]]:
    """The rule that applies and every problem Procore would refuse the document for."""
    rule = applicable_rule(metadata, schema)
    problems: list[Problem] = []
    if rule is None:
        problems.append(
            Problem(
                "",
                "This project has no upload requirements in the portal's copy yet: sync the project, then check again",
            )
        )
    for field_id, raw in metadata.items():
        problems.extend(_check_values(field_id, raw, schema))
    if rule is not None:
        problems.extend(_check_required(metadata, rule, schema))
        duplicate = duplicate_revision(metadata, file_name=file_name, mime_type=mime_type, rule=rule, schema=schema)
        if duplicate is not None:
            problems.append(duplicate)
    return rule, problems


def _present(raw: list[str] | str | None) -> list[str]:
    if isinstance(raw, str):
        raw = [raw]
    return [v for v in (raw or []) if isinstance(v, str) and v.strip()]


def _check_required(metadata: Mapping[str, list[str]], rule: RuleInfo, schema: Schema) -> list[Problem]:
    problems = []
    for field_id in rule.required:
        field = schema.fields_by_id.get(field_id)
        if field is None or field.readonly or field.name in DEFAULTED_BY_PROCORE:
            continue
        if _present(metadata.get(field_id)):
            continue
        by = "this project" if field_id in rule.required_by_project else rule_title(rule, schema)
        if not field.active or not field.visible:
            problems.append(
                Problem(
                    field_id,
                    f"{field.label} is required by {by} but is turned off in this "
                    "project; ask a Procore admin to correct the requirement",
                )
            )
            continue
        problems.append(Problem(field_id, f"{field.label} is required by {by}"))
    return problems


def _check_values(field_id: str, raw: list[str], schema: Schema) -> list[Problem]:
    values = _present(raw)
    if not values:
        return []
    field = schema.fields_by_id.get(field_id)
    if field is None:
        return [Problem(field_id, "A value is set for a field this project no longer has; clear it")]
    if field.readonly:
        return [Problem(field_id, f"{field.label} is filled by Procore and cannot be set")]
    if not field.active or not field.visible:
        return [Problem(field_id, f"{field.label} is no longer used in this project; clear it")]
    if len(values) > 1 and not field.multiple:
        return [Problem(field_id, f"{field.label} takes one value, not {len(values)}")]
    problems = []
    for value in values:
        message = _value_problem(field, value, schema)
        if message:
            problems.append(Problem(field_id, message))
    return problems


def _value_problem(field: FieldInfo, raw: str, schema: Schema) -> str:
    if field.takes_users:
        return person_problem(field, raw, schema)
    if field.takes_values:
        value = schema.values_by_id.get(raw)
        if value is None or value.field_id != field.id:
            return f"{field.label}: “{raw}” is not one of this project's {field.label} values"
        if not value.active:
            return f"{field.label}: “{value.label}” is no longer active in this project; choose another value"
        return ""
    if field.type == "numeric":
        try:
            number = Decimal(raw)
        except InvalidOperation:
            number = None
        return "" if number is not None and number.is_finite() else f"{field.label} must be a number (e.g. 42)"
    if field.type == "timestamp":
        return "" if parse_instant(raw) is not None else f"{field.label} must be a date, e.g. 2025-12-15"
    return ""


def duplicate_revision(
    metadata: Mapping[str, list[str]], *, file_name: str, mime_type: str, rule: RuleInfo, schema: Schema
) -> Problem | None:
    """A revision value already in the target container, when the rule forbids duplicates."""
    revision_field = schema.fields_by_name.get("revision")
    if rule.allow_duplicate_revisions or revision_field is None:
        return None
    revision = (_present(metadata.get(revision_field.id)) or [""])[0]
    if not revision:
        return None
    key = match_key(schema, metadata)
    for fmt in format_keys(file_name, mime_type):
        if revision in schema.existing_revisions.get((key, fmt), ()):
            return Problem(
                revision_field.id,
                f"Revision {_short(revision)} already exists for "
                f"{container_label(metadata, schema)} ({format_label(file_name, mime_type)}) and this "
                "project does not allow duplicate revisions",
            )
    return None


def container_label(metadata: Mapping[str, list[str]], schema: Schema) -> str:
    codes = []
    for field in schema.naming_fields:
        raw = _present(metadata.get(field.id))
        codes.append(schema.field_code(field, raw[0]) if raw else "")
    if schema.naming_fields and all(codes):
        return schema.naming_separator.join(codes)
    name_field = schema.fields_by_name.get("name")
    name = _present(metadata.get(name_field.id)) if name_field else []
    return f"“{name[0]}”" if name else "this document"


def format_label(file_name: str, mime_type: str) -> str:
    extension = split_extension(file_name)[1]
    return extension.upper() if extension else (mime_type or "unknown format")


def _short(revision: str) -> str:
    """ "Rev B" reads "Revision B" in a sentence."""
    return re.sub(r"^rev(ision)?[ .\-]*", "", revision, flags=re.IGNORECASE) or revision


# --- typed-in and CSV input ---------------------------------------------------------------


def parse_input(field: FieldInfo, raw: str, schema: Schema) -> list[str]:
    """A cell or form input → the values Procore's PATCH takes; ValueError says what is wrong."""
    text = (raw or "").strip()
    if not text:
        return []
    if field.readonly:
        raise ValueError(f"{field.label} is filled by Procore and cannot be set")
    if not field.active or not field.visible:
        raise ValueError(f"{field.label} is no longer used in this project")
    if field.multiple:
        # Several values, as a CSV cell or the grid holds them: "Eli Navarro; Marta Quinn".
        parts = [p.strip() for p in text.split(";") if p.strip()]
    else:
        parts = [text]
    if field.takes_values:
        return list(dict.fromkeys(_find_value(field, part, schema).id for part in parts))
    if field.takes_users:
        return list(dict.fromkeys(find_person(field, part, schema) for part in parts))
    if field.type == "numeric":
        return [_number(field, text)]
    if field.type == "timestamp":
        instant = parse_date_text(text)
        if instant is None:
            raise ValueError(
                f"{field.label}: “{text}” is not a date; write it as 2025-12-15, 15/12/2025 or 15 DEC 2025"
            )
        return [instant.strftime("%Y-%m-%dT%H:%M:%SZ")]
    return [text]


def _find_value(field: FieldInfo, text: str, schema: Schema) -> ValueInfo:
    values = schema.values_by_field.get(field.id, [])
    wanted = text.casefold()
    code, _, label = text.partition(" – ")
    tests = [
        lambda v: v.id == text,
        lambda v: (
            bool(label)
            and v.code.casefold() == code.strip().casefold()
            and v.label.casefold() == label.strip().casefold()
        ),
        lambda v: bool(v.code) and v.code.casefold() == wanted,
        lambda v: v.label.casefold() == wanted,
    ]
    for test in tests:
        found = [v for v in values if test(v)]
        active = [v for v in found if v.active]
        if len(active) == 1:
            return active[0]
        if len(active) > 1:
            raise ValueError(
                f"{field.label}: “{text}” matches several values; use the code "
                f"({', '.join(v.code or v.id for v in active)})"
            )
        if found:
            raise ValueError(f"{field.label}: “{found[0].label}” is no longer active in this project")
    choices = [v.code or v.label for v in values if v.active]
    hint = ", ".join(choices[:12]) + (", …" if len(choices) > 12 else "")
    raise ValueError(
        f"{field.label}: “{text}” is not one of this project's values" + (f" (use one of {hint})" if hint else "")
    )


def _number(field: FieldInfo, text: str) -> str:
    try:
        number = Decimal(text)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise ValueError(f"{field.label}: “{text}” is not a number (write e.g. 42 or 3.5)")
    if number == number.to_integral_value():
        return str(int(number))
    return format(number.normalize(), "f")


# --- a whole batch --------------------------------------------------------------------------


def revalidate_batch(
    batch: Batch, schema: Schema | None = None, *, changed_ids: set[int] | None = None
) -> dict[str, int]:
    """Check every document of the batch and store problems, rule and state in bulk.

    Documents being submitted or submitted keep their state; a failed one keeps its state (the
    submit pipeline owns it) but gets fresh problems. Returns the number of documents by state;
    `changed_ids`, when given, receives the ids of documents whose problems, rule or state changed.
    Rows are read as tuples, not model instances: building 1,000 models costs more than checking them.
    """
    schema = schema if schema is not None else load_schema(batch.project)
    rows = list(
        StagedDocument.objects.filter(batch=batch)
        .order_by("position", "id")
        .values_list("id", "file_name", "mime_type", "metadata", "problems", "rule_id", "state", "revision_key")
    )
    seen: dict[str, str] = {}
    changed: list[dict[str, Any]] = []
    shown: list[int] = []  # documents whose problems, rule or state changed (a key alone is not shown)
    counts = {state: 0 for state in StagedDocument.State.values}
    for pk, file_name, mime_type, metadata, old_problems, old_rule_id, state, old_key in rows:
        if state not in {StagedDocument.State.SUBMITTING, StagedDocument.State.SUBMITTED}:
            metadata = metadata if isinstance(metadata, dict) else {}
            rule, problems = validate(metadata, file_name=file_name, mime_type=mime_type, schema=schema)
            key = revision_key(metadata, file_name, mime_type, rule, schema)
            if not any(p.field_id == revision_field_id(schema) for p in problems):
                twin = _batch_duplicate(metadata, key, schema, seen, file_name)
                if twin:
                    problems.append(twin)
            stored = [{"field": p.field_id, "message": p.message} for p in problems]
            new_state = state
            if state in CHECKED_STATES:
                new_state = StagedDocument.State.ERRORS if problems else StagedDocument.State.READY
            rule_id = rule.id if rule else ""
            if (stored, rule_id, new_state) != (old_problems, old_rule_id, state):
                shown.append(pk)
            if (stored, rule_id, new_state, key) != (old_problems, old_rule_id, state, old_key):
                changed.append(
                    {"id": pk, "problems": stored, "rule_id": rule_id, "state": new_state, "revision_key": key}
                )
            state = new_state
        counts[state] = counts.get(state, 0) + 1
    if changed:
        _store(changed)
    if changed_ids is not None:
        changed_ids.update(shown)
    return counts


def _store(rows: list[dict[str, Any]]) -> None:
    """Write problems, rule, state and revision key of many documents in ONE statement (a JSON
    list joined to the table), so the query count does not grow with the batch; bulk_update elsewhere."""
    now = timezone.now()
    payload = json.dumps([{**row, "problems": json.dumps(row["problems"])} for row in rows])
    table = connection.ops.quote_name(StagedDocument._meta.db_table)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {table} AS d SET problems = x.problems::jsonb, rule_id = x.rule_id, state = x.state, "
                    "revision_key = x.revision_key, updated_at = %s "
                    "FROM jsonb_to_recordset(%s::jsonb) "
                    "AS x(id bigint, problems text, rule_id text, state text, revision_key text) WHERE d.id = x.id",
                    [now, payload],
                )
        elif connection.vendor == "sqlite" and sqlite3.sqlite_version_info >= (3, 33):
            with connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {table} SET problems = x.problems, rule_id = x.rule_id, state = x.state, "
                    "revision_key = x.revision_key, updated_at = %s "
                    "FROM (SELECT json_extract(value, '$.id') AS id, json_extract(value, '$.problems') AS problems, "
                    "json_extract(value, '$.rule_id') AS rule_id, json_extract(value, '$.state') AS state, "
                    "json_extract(value, '$.revision_key') AS revision_key "
                    f"FROM json_each(%s)) AS x WHERE {table}.id = x.id",
                    [now, payload],
                )
        else:
            StagedDocument.objects.bulk_update(
                [StagedDocument(**row, updated_at=now) for row in rows],
                ["problems", "rule_id", "state", "revision_key", "updated_at"],
                batch_size=500,
            )


def revision_field_id(schema: Schema) -> str:
    field = schema.fields_by_name.get("revision")
    return field.id if field else ""


def revision_key(
    metadata: Mapping[str, list[str]], file_name: str, mime_type: str, rule: RuleInfo | None, schema: Schema
) -> str:
    """What two documents of a batch share when they would be the same revision of the same
    document in Procore ("" when the rule allows duplicates or there is no revision). Stored on
    each document (indexed), so a new document finds its twin with one lookup."""
    revision_id = revision_field_id(schema)
    revision = (_present(metadata.get(revision_id)) or [""])[0] if revision_id else ""
    if not revision or rule is None or rule.allow_duplicate_revisions:
        return ""
    formats = format_keys(file_name, mime_type)
    raw = "\x1f".join((match_key(schema, metadata), formats[0] if formats else "", revision))
    return hashlib.sha256(raw.encode()).hexdigest()


def duplicate_problem(metadata: Mapping[str, list[str]], schema: Schema, twin_name: str) -> Problem:
    revision_id = revision_field_id(schema)
    revision = (_present(metadata.get(revision_id)) or [""])[0]
    return Problem(
        revision_id,
        f"Revision {_short(revision)} of {container_label(metadata, schema)} is also on "
        f"{twin_name} in this batch, and this project does not allow duplicate revisions",
    )


def _batch_duplicate(
    metadata: Mapping[str, list[str]], key: str, schema: Schema, seen: dict[str, str], file_name: str
) -> Problem | None:
    if not key:
        return None
    if key in seen:
        return duplicate_problem(metadata, schema, seen[key])
    seen[key] = f"“{file_name}”"
    return None


def time_validation(batch: Batch) -> float:
    """Seconds to re-check every document of the batch (for benchmarks)."""
    started = perf_counter()
    revalidate_batch(batch)
    return perf_counter() - started
