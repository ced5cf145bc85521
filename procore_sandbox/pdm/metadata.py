"""PDM metadata: rendering ``fields[]``, validating written values, choosing the upload
requirement that applies, match criteria, and filename scraping / ML (procore-api.md §7.3,
§7.11–§7.13).

Metadata is stored per document as ``{field_name: {"values": [...], "label_source": ...,
"confidence_score": ...}}`` where values are what a PATCH writes (value ids, user ids as strings,
or one literal).

Choices where the docs are silent ([gap]/[inferred]):

- Tie between equally specific conditional rules: the first in response order wins.
- ``match_criteria``: with a naming standard, the codes of its fields joined by its separator,
  then ``|<mime type>`` (``A-DRW-101|application/pdf``); without one, ``<name>|<mime type>``.
- Filename scraping reads the codes before the first ``_`` or space of the file name, split by
  the naming standard's separator; it only fills empty fields.
- ML (PDFs only) fills an empty ``type`` (Specification when the name says "spec", else
  Drawing) and, for drawings, empty ``description`` and ``revision`` (from ``Rev X`` in the name).
- Writing to an inactive or readonly field, or an inactive value, is refused with 400.
"""

from __future__ import annotations

import re
from typing import Any

from django.utils.dateparse import parse_datetime

from procore_sandbox.http import ApiError
from procore_sandbox.models import PdmField, PdmProject, PdmValue, Person, UploadRequirement
from procore_sandbox.pdm.common import USER_VARIANTS, VALUE_LIST_TYPES, value_json

Metadata = dict[str, dict[str, Any]]


class ProjectSchema:
    """A project's fields and values, loaded once per request."""

    def __init__(self, pdm: PdmProject):
        self.pdm = pdm
        self.fields = list(PdmField.objects.filter(project_id=pdm.project_id).order_by("position"))
        self.by_id = {f.id: f for f in self.fields}
        self.by_name = {f.name: f for f in self.fields}
        self.values = {v.id: v for v in PdmValue.objects.filter(field__project_id=pdm.project_id)}
        self._people: dict[str, Person] | None = None

    @property
    def people(self) -> dict[str, Person]:
        if self._people is None:
            people = Person.objects.filter(project_memberships__project_id=self.pdm.project_id).distinct()
            self._people = {str(p.id): p for p in people}
        return self._people

    def value_by_code(self, field: PdmField, code: str) -> PdmValue | None:
        for value in self.values.values():
            if value.field_id == field.id and value.code == code and value.active:
                return value
        return None

    def value_by_label(self, field: PdmField, label: str) -> PdmValue | None:
        for value in self.values.values():
            if value.field_id == field.id and value.label.lower() == label.lower() and value.active:
                return value
        return None

    def read_values(self, field: PdmField, raw: list[Any]) -> list[dict[str, Any]]:
        if field.type in ("lov_entry", "lov_entries") or (
            field.type == "reference" and field.variant not in USER_VARIANTS
        ):
            shown = []
            for item in raw:
                value = self.values.get(str(item))
                if value is None:
                    continue
                data = value_json(value, field)
                if field.type == "reference":
                    data = {"id": data["id"], "code": data["code"], "label": data["label"]}
                shown.append(data)
            return shown
        if field.type == "reference":
            return [
                {"id": str(item), "label": self.people[str(item)].name if str(item) in self.people else ""}
                for item in raw
            ]
        return [{"label": str(item)} for item in raw]

    def render_fields(self, metadata: Metadata, *, all_fields: bool) -> list[dict[str, Any]]:
        """``fields[]`` of an upload or revision: every project field (`all_fields`) or only set ones."""
        rendered = []
        for field in self.fields:
            entry = metadata.get(field.name) or {}
            raw = entry.get("values") or []
            if not raw and not all_fields:
                continue
            data: dict[str, Any] = {
                "id": field.id,
                "name": field.name,
                "type": field.type,
                "values": self.read_values(field, raw),
                "label_source": entry.get("label_source", "NONE") if raw else "NONE",
                "label": field.label,
                "description": field.description,
            }
            if field.variant:
                data["variant"] = field.variant
            if entry.get("confidence_score") is not None and raw:
                data["confidence_score"] = entry["confidence_score"]
            rendered.append(data)
        return rendered

    def validate_write(self, field_id: Any, values: Any, where: str) -> tuple[PdmField, list[str]]:
        """Check one ``{"id", "values"}`` of a PATCH; return the field and normalised values."""
        field = self.by_id.get(field_id) if isinstance(field_id, str) else None
        if field is None:
            raise _invalid(f"{where}.id must be the id of a field of this project", where)
        if field.readonly or not field.active:
            raise _invalid(f"{where}: field {field.name} cannot be set", where)
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise _invalid(f"{where}.values must be an array of strings", where)
        if not values:
            return field, []
        if field.type in ("lov_entry", "lov_entries") or field.type == "reference":
            # Several values: multi-select lists and multi-person references (`procore_users`).
            if field.type != "lov_entries" and field.variant != "procore_users" and len(values) > 1:
                raise _invalid(f"{where}.values accepts one value for {field.name}", where)
            for value_id in values:
                self._check_value(field, value_id, where)
            return field, list(dict.fromkeys(values))
        if len(values) != 1:
            raise _invalid(f"{where}.values must hold exactly one {field.type}", where)
        literal = values[0]
        if field.type == "numeric":
            try:
                float(literal)
            except ValueError:
                raise _invalid(f"{where}.values must be a number for {field.name}", where) from None
        if field.type == "timestamp" and parse_datetime(literal) is None:
            raise _invalid(f"{where}.values must be an ISO-8601 timestamp for {field.name}", where)
        return field, [literal]

    def _check_value(self, field: PdmField, value_id: str, where: str) -> None:
        if field.type == "reference" and field.variant in USER_VARIANTS:
            if value_id not in self.people:
                raise _invalid(f"{where}: {value_id} is not a user of this project", where)
            return
        value = self.values.get(value_id)
        if value is None or value.field_id != field.id:
            raise _invalid(f"{where}: {value_id} is not a value of {field.name}", where)
        if not value.active:
            raise _invalid(f"{where}: value {value.label} of {field.name} is inactive", where)

    def inactive_values(self, metadata: Metadata) -> list[str]:
        """Names of fields whose stored values have since been deactivated."""
        names = []
        for name, entry in metadata.items():
            field = self.by_name.get(name)
            if field is None or field.type not in VALUE_LIST_TYPES or field.variant in USER_VARIANTS:
                continue
            if any(v in self.values and not self.values[v].active for v in entry.get("values") or []):
                names.append(name)
        return names

    def applicable_rule(self, metadata: Metadata) -> UploadRequirement | None:
        return applicable_rule(list(UploadRequirement.objects.filter(project_id=self.pdm.project_id)), metadata)

    def missing_required(self, metadata: Metadata) -> list[str]:
        rule = self.applicable_rule(metadata)
        required = list(self.pdm.required_fields) + list(rule.additional_required_fields if rule else [])
        return [name for name in dict.fromkeys(required) if not (metadata.get(name) or {}).get("values")]

    def code_of(self, name: str, metadata: Metadata) -> str | None:
        field = self.by_name.get(name)
        raw = (metadata.get(name) or {}).get("values") or []
        if field is None or not raw:
            return None
        if field.type in ("lov_entry", "lov_entries"):
            value = self.values.get(raw[0])
            return value.code if value else None
        return str(raw[0])

    def match_criteria(self, metadata: Metadata, mime_type: str) -> str:
        if self.pdm.has_naming_standard:
            codes = [self.code_of(n, metadata) for n in self.pdm.naming_standard_fields]
            if all(codes):
                return self.pdm.naming_separator.join(codes) + "|" + mime_type  # type: ignore[arg-type]
        name = (metadata.get("name") or {}).get("values") or [""]
        return f"{name[0]}|{mime_type}"


def _invalid(message: str, source: str) -> ApiError:
    return ApiError(400, message, reason_code="INVALID_PROPERTY", source=source)


def applicable_rule(rules: list[UploadRequirement], metadata: Metadata) -> UploadRequirement | None:
    """§7.3: the matching conditional rule with most qualifiers (first on a tie), else the default."""
    best: UploadRequirement | None = None
    for rule in rules:
        if not rule.qualifiers:
            continue
        if all(set((metadata.get(q["field"]) or {}).get("values") or []) & set(q["values"]) for q in rule.qualifiers):
            if best is None or len(rule.qualifiers) > len(best.qualifiers):
                best = rule
    if best is not None:
        return best
    return next((r for r in rules if not r.qualifiers), None)


def scrape_filename(schema: ProjectSchema, file_name: str, metadata: Metadata) -> tuple[str, dict[str, Any]]:
    """Fill empty naming-standard fields from the file name. Returns (status, integrations part)."""
    pdm = schema.pdm
    if not pdm.has_naming_standard:
        return "not_applicable", {"errors": [], "success": []}
    stem = file_name.rsplit(".", 1)[0]
    code_part = re.split(r"[_ ]", stem, maxsplit=1)[0]
    tokens = code_part.split(pdm.naming_separator)
    success, errors = [], []
    for index, name in enumerate(pdm.naming_standard_fields):
        field = schema.by_name.get(name)
        if field is None:
            continue
        token = tokens[index] if index < len(tokens) and len(tokens) == len(pdm.naming_standard_fields) else ""
        value: str | None = None
        if token and field.type in ("lov_entry", "lov_entries", "reference"):
            found = schema.value_by_code(field, token)
            value = found.id if found else None
        elif token:
            value = token
        if value is None:
            errors.append(
                {
                    "source": "FILENAME_SCRAPING",
                    "message": f"File name does not contain a {field.label} code",
                    "field_id": field.id,
                    "reason_code": "FILENAME_NOT_CONTAINS_CODE",
                }
            )
            if not (metadata.get(name) or {}).get("values"):
                metadata[name] = {"values": [], "label_source": "SCRAPING_FAILED"}
            continue
        success.append({"source": "FILENAME_SCRAPING", "field_id": field.id})
        if not (metadata.get(name) or {}).get("values"):
            metadata[name] = {"values": [value], "label_source": "FILENAME_SCRAPING"}
    return ("completed" if success else "error"), {"errors": errors, "success": success}


def run_ml(schema: ProjectSchema, file_name: str, mime_type: str, metadata: Metadata) -> tuple[str, dict[str, Any]]:
    """Fill gaps the way Procore's ML would for a PDF; never overwrite."""
    if mime_type != "application/pdf":
        return "not_applicable", {"errors": [], "success": []}
    success: list[dict[str, Any]] = []
    stem = file_name.rsplit(".", 1)[0]

    def fill(name: str, value: str | None) -> None:
        field = schema.by_name.get(name)
        if field is None or value is None or (metadata.get(name) or {}).get("values"):
            return
        metadata[name] = {"values": [value], "label_source": "ML", "confidence_score": 0.87}
        success.append({"source": "ML", "field_id": field.id})

    type_field = schema.by_name.get("type")
    if type_field is not None:
        label = "Specification" if "spec" in stem.lower() else "Drawing"
        guess = schema.value_by_label(type_field, label)
        fill("type", guess.id if guess else None)
    type_value = schema.values.get(((metadata.get("type") or {}).get("values") or [""])[0])
    if type_value is not None and type_value.label == "Drawing":
        parts = re.split(r"_", stem)
        fill("description", parts[1] if len(parts) > 1 else None)
        revision = re.search(r"(?<![A-Za-z])Rev[ .-]?([A-Za-z0-9]+)(?![A-Za-z0-9])", stem)
        fill("revision", f"Rev {revision.group(1).upper()}" if revision else None)
    return "completed", {"errors": [], "success": success}
