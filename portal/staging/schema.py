"""A project's Document Management schema, read once from the mirror, for staging's logic.

Everything staging decides (proposals, the applicable rule, validation, CSV) works on this
plain-Python snapshot, so checking 1,000 documents costs the same few queries as checking one.
It only holds what Procore's API exposes (procore-api.md §7.3–§7.5, §7.10): fields, values,
upload requirements with their naming standard's fields in order, and existing revisions.

Choices where the API is silent (procore-api.md marks them [gap]):

- Each upload requirement carries its own `naming_standard`; Procore projects have one. The
  schema uses the default rule's standard, else the first rule's that has one.
- The API does not expose the naming standard's separator. `naming_separator` is inferred from
  the existing revisions' original file names (the separator that most often splits their code
  part into one part per field, list codes matching); "-" when nothing tells.
- Containers (§7.13) are keyed like the sandbox's `match_criteria`: with a naming standard the
  codes of its fields (all present), else the document name; then the file format (MIME type).
  Value codes are compared for lists and references, literals for text fields.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

from portal.mirror.models import PdmField, PdmValue, Project, Revision, UploadRule
from portal.mirror.people import People, Person, project_people

VALUE_TYPES = frozenset({"lov_entry", "lov_entries", "reference"})
# Reference variants whose values Procore never lists (§7.5): Procore user ids, as strings.
USER_VARIANTS = frozenset({"procore_user", "procore_tool_user", "procore_users"})
SEPARATORS = ("-", ".", " ")
# How many recent revisions tell the naming separator.
SEPARATOR_SAMPLE = 500


@dataclass(frozen=True)
class FieldInfo:
    id: str
    name: str
    label: str
    type: str
    variant: str
    active: bool
    readonly: bool
    visible: bool

    @property
    def takes_values(self) -> bool:
        """Values are ids chosen from the mirror's value list."""
        return self.type in VALUE_TYPES and not self.takes_users

    @property
    def takes_users(self) -> bool:
        """Values are Procore user ids (the values endpoint lists none, §7.5)."""
        return self.type == "reference" and self.variant in USER_VARIANTS

    @property
    def multiple(self) -> bool:
        return self.type == "lov_entries" or self.variant == "procore_users"

    @property
    def settable(self) -> bool:
        """A person may set it through the API (§7.4: readonly, inactive, hidden fields are not)."""
        return self.active and self.visible and not self.readonly


@dataclass(frozen=True)
class ValueInfo:
    id: str
    field_id: str
    code: str
    label: str
    active: bool


@dataclass(frozen=True)
class RuleInfo:
    id: str
    position: int
    qualifiers: tuple[tuple[str, frozenset[str]], ...]
    required: tuple[str, ...]
    allow_duplicate_revisions: bool
    is_default: bool
    # The baseline fields (name, type, status, revision) required by the project itself, so a
    # message can say "required by this project" rather than "by the rule for Drawings".
    required_by_project: tuple[str, ...] = ()


# (match key, format key) → revision values already present in that container.
ContainerKey = tuple[str, str]


@dataclass
class Schema:
    fields: list[FieldInfo]
    fields_by_id: dict[str, FieldInfo]
    fields_by_name: dict[str, FieldInfo]
    values_by_id: dict[str, ValueInfo]
    values_by_field: dict[str, list[ValueInfo]]
    rules: list[RuleInfo]
    naming_fields: list[FieldInfo]
    # Whom person fields may name (portal.mirror.people): ids are Procore user ids as strings.
    people: People = dataclass_field(default_factory=lambda: People(people=(), complete=False, note=""))
    # Revisions are read only when needed, and once: `limit` None = all, else the newest `limit`.
    # Rows are dicts with `fields` ({name: [value, ...]} as Procore renders them), `revision`, `file_format`.
    revision_rows: Callable[[int | None], list[Mapping[str, Any]]] | None = dataclass_field(default=None, repr=False)

    def __post_init__(self) -> None:
        self._existing: dict[ContainerKey, set[str]] | None = None
        self._separator: str | None = None
        self.people_by_id: dict[str, Person] = {p.id: p for p in self.people.people}
        self._names = Counter(p.name.casefold() for p in self.people.people)

    @property
    def existing_revisions(self) -> dict[ContainerKey, set[str]]:
        """Revision values per container; loaded only when some rule forbids duplicate revisions."""
        if self._existing is None:
            self._existing = {}
            if self.revision_rows is not None and any(not r.allow_duplicate_revisions for r in self.rules):
                for row in self.revision_rows(None):
                    if row.get("revision"):
                        self._existing.setdefault(revision_container(self, row), set()).add(row["revision"])
        return self._existing

    @property
    def naming_separator(self) -> str:
        """The naming standard's separator, as the newest revisions' file names show it."""
        if self._separator is None:
            rows = self.revision_rows(SEPARATOR_SAMPLE) if self.revision_rows and len(self.naming_fields) > 1 else []
            self._separator = _infer_separator(self, rows)
        return self._separator

    @classmethod
    def build(
        cls,
        fields: Iterable[FieldInfo],
        values: Iterable[ValueInfo],
        rules: Iterable[RuleInfo],
        naming_field_ids: Iterable[str] = (),
        revisions: Iterable[Mapping[str, Any]] | None = None,
        revision_rows: Callable[[int | None], list[Mapping[str, Any]]] | None = None,
        people: People | None = None,
    ) -> Schema:
        """Index plain rows; revisions come as a list or from a loader (see `revision_rows`)."""
        fields = list(fields)
        values = list(values)
        by_field: dict[str, list[ValueInfo]] = {f.id: [] for f in fields}
        for value in values:
            by_field.setdefault(value.field_id, []).append(value)
        by_id = {f.id: f for f in fields}
        schema = cls(
            fields=fields,
            fields_by_id=by_id,
            fields_by_name={f.name: f for f in fields},
            values_by_id={v.id: v for v in values},
            values_by_field=by_field,
            rules=sorted(rules, key=lambda r: r.position),
            naming_fields=[by_id[i] for i in naming_field_ids if i in by_id],
            revision_rows=revision_rows,
            **({"people": people} if people is not None else {}),
        )
        if revisions is not None:
            rows = list(revisions)
            schema.revision_rows = lambda limit: rows if limit is None else rows[:limit]
        return schema

    def field_code(self, field: FieldInfo, raw: str) -> str:
        """How a stored value reads in a file name or a match key: a value's code, else the literal."""
        if field.takes_values:
            value = self.values_by_id.get(raw)
            return value.code if value is not None and value.code else raw
        return raw

    def namesakes(self, name: str) -> int:
        """How many of the project's people share this name (compared without case)."""
        return self._names.get(name.casefold(), 0)

    def active_value_by_code(self, field: FieldInfo, code: str) -> ValueInfo | None:
        wanted = code.casefold()
        return next(
            (v for v in self.values_by_field.get(field.id, ()) if v.active and v.code and v.code.casefold() == wanted),
            None,
        )


def load_schema(project: Project) -> Schema:
    """The project's schema from the mirror: four queries whatever the project's size (five when
    the project's Directory was refused), plus one
    for the naming separator when names are parsed, and one for existing revisions when a rule
    forbids duplicate revisions (each at most once per schema)."""
    fields = [
        FieldInfo(
            id=f.procore_id,
            name=f.name,
            label=f.label or f.name,
            type=f.type,
            variant=f.variant,
            active=f.active,
            readonly=f.readonly,
            visible=f.visible,
        )
        for f in PdmField.objects.filter(project=project).order_by("position", "label", "id")
    ]
    values = [
        ValueInfo(id=procore_id, field_id=field_id, code=code, label=label, active=active)
        for procore_id, field_id, code, label, active in PdmValue.objects.filter(field__project=project)
        .order_by("field_id", "position", "id")
        .values_list("procore_id", "field__procore_id", "code", "label", "active")
    ]
    rules: list[RuleInfo] = []
    naming: list[str] = []
    for rule in UploadRule.objects.filter(project=project).select_related("naming_standard").order_by("position"):
        rules.append(
            RuleInfo(
                id=rule.procore_id,
                position=rule.position,
                qualifiers=tuple((q["field_id"], frozenset(q.get("value_ids") or [])) for q in rule.qualifiers),
                required=tuple(rule.required_field_ids),
                allow_duplicate_revisions=rule.allow_duplicate_revisions,
                is_default=rule.is_default,
                required_by_project=tuple(rule.required_by_project),
            )
        )
        if rule.naming_standard is not None and (rule.is_default or not naming):
            naming = list(rule.naming_standard.field_ids)

    def revision_rows(limit: int | None) -> list[Mapping[str, Any]]:
        query = Revision.objects.filter(project=project).values_list("fields", "revision", "file_format")
        query = query.order_by() if limit is None else query.order_by("-procore_updated_at", "-id")[:limit]
        return [
            {"fields": fields_json, "revision": revision, "file_format": file_format}
            for fields_json, revision, file_format in query.iterator(chunk_size=2000)
        ]

    return Schema.build(fields, values, rules, naming, revision_rows=revision_rows, people=project_people(project))


def display_value(schema: Schema, field_id: str, raw: str) -> str:
    """A stored value as people read it: "CODE – Label" for list values, a person's name (with
    the e-mail when a namesake shares it), else the literal."""
    field = schema.fields_by_id.get(field_id)
    if field is not None and field.takes_users:
        return person_text(schema, raw)
    if field is not None and field.type == "timestamp":
        return date_text(raw)
    value = schema.values_by_id.get(raw)
    if value is None or (field is not None and not field.takes_values):
        return raw
    return f"{value.code} – {value.label}" if value.code and value.code != "__" else value.label


def date_text(raw: str) -> str:
    """An ISO-8601 instant as people read it: "20 Nov 2026", with the time when it is not midnight UTC."""
    match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::\d{2}(?:\.\d+)?)?)?(Z|[+-]00:?00)?", raw)
    if not match:
        return raw
    year, month, day, hour, minute, _ = match.groups()
    if not 1 <= int(month) <= 12:
        return raw
    text = f"{int(day)} {MONTHS[int(month) - 1]} {year}"
    return text if hour is None or (hour, minute) == ("00", "00") else f"{text} {hour}:{minute} UTC"


MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def person_text(schema: Schema, user_id: str) -> str:
    """A person as a cell or a form shows them: the name, or "Name <e-mail>" when the project has
    namesakes; an id the portal does not know reads "Procore user 1234"."""
    person = schema.people_by_id.get(user_id)
    if person is None:
        return f"Procore user {user_id}"
    if schema.namesakes(person.name) > 1:
        return f"{person.name} <{person.email}>" if person.email else f"{person.name} (#{person.id})"
    return person.name


# --- containers (§7.13) --------------------------------------------------------------------------


def match_key(schema: Schema, metadata: Mapping[str, list[str]]) -> str:
    """The part of Procore's match criteria that comes from metadata (file format aside)."""
    codes = {}
    for field in schema.naming_fields:
        raw = metadata.get(field.id) or []
        codes[field.id] = schema.field_code(field, raw[0]) if raw and raw[0] else ""
    name_field = schema.fields_by_name.get("name")
    name = (metadata.get(name_field.id) or []) if name_field else []
    return _key(schema, codes, name[0] if name else "")


def _key(schema: Schema, codes: Mapping[str, str], name: str) -> str:
    if schema.naming_fields and all(codes.get(f.id) for f in schema.naming_fields):
        return "codes:" + "\x1f".join(codes[f.id] for f in schema.naming_fields)
    return "name:" + name


def format_keys(file_name: str, mime_type: str) -> tuple[str, ...]:
    """Keys a staged file's format may be known by: its MIME type, and its extension."""
    keys = [f"mime:{mime_type.lower()}"] if mime_type else []
    extension = file_extension(file_name)
    if extension:
        keys.append(f"ext:{extension}")
    return tuple(keys)


def split_extension(file_name: str) -> tuple[str, str]:
    """(stem, extension): an extension is a short run of letters and digits after the last dot,
    so the dot of a code such as "S.201_Deck" is not mistaken for one."""
    match = re.search(r"\.([A-Za-z0-9]{1,8})$", file_name)
    if match and match.start() > 0:
        return file_name[: match.start()], match.group(1).lower()
    return file_name, ""


def file_extension(file_name: str) -> str:
    return split_extension(file_name)[1]


def revision_container(schema: Schema, row: Mapping[str, Any]) -> ContainerKey:
    """The container of a mirrored revision, keyed as staged documents are."""
    rendered: dict[str, list[Any]] = row.get("fields") or {}

    def first(name: str) -> dict[str, Any]:
        items = rendered.get(name) or []
        if not items:
            return {}
        return items[0] if isinstance(items[0], dict) else {"label": str(items[0])}

    codes = {}
    for field in schema.naming_fields:
        item = first(field.name)
        if field.takes_values:
            value = schema.values_by_id.get(str(item.get("id") or ""))
            codes[field.id] = str(item.get("code") or (value.code if value else "") or "")
        else:
            codes[field.id] = str(item.get("label") or "")
    key = _key(schema, codes, str(first("name").get("label") or ""))
    mime = first("format").get("code")
    if mime:
        return key, f"mime:{str(mime).lower()}"
    return key, f"ext:{str(row.get('file_format') or '').lower()}"


def _infer_separator(schema: Schema, revisions: list[Mapping[str, Any]]) -> str:
    count = len(schema.naming_fields)
    if count < 2:
        return "-"
    votes: Counter[str] = Counter()
    for row in revisions:
        names = (row.get("fields") or {}).get("original_filename") or []
        name = str(names[0].get("label") or "") if names and isinstance(names[0], dict) else ""
        code_part = re.split(r"[_ ]", split_extension(name)[0], maxsplit=1)[0]
        for separator in ("-", "."):
            tokens = code_part.split(separator)
            if len(tokens) == count and all(
                schema.active_value_by_code(f, t) is not None
                for f, t in zip(schema.naming_fields, tokens, strict=False)
                if f.takes_values
            ):
                votes[separator] += 1
    return votes.most_common(1)[0][0] if votes else "-"
