"""Forms and form parsing for staging pages."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.http import QueryDict

from .edits import Conflict
from .folder_target import folder_choices, name_problems
from .models import Batch, StagedDocument
from .schema import FieldInfo, Schema, ValueInfo, person_text
from .validation import DEFAULTED_BY_PROCORE, parse_input


class BatchForm(forms.Form):
    name = forms.CharField(
        max_length=200, widget=forms.TextInput(attrs={"placeholder": "e.g. Architectural set, issue 3"})
    )
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    target = forms.ChoiceField(
        choices=Batch.Target.choices, initial=Batch.Target.DOCUMENT_MANAGEMENT, widget=forms.RadioSelect, required=False
    )
    folder = forms.ChoiceField(required=False, label="Folder")
    new_folder_name = forms.CharField(required=False, max_length=255, label="New folder inside it (optional)")
    on_name_clash = forms.ChoiceField(
        choices=Batch.NameClash.choices,
        initial=Batch.NameClash.NEW_VERSION,
        label="When a file of the same name is already there",
        widget=forms.RadioSelect,
        required=False,
    )

    def __init__(self, *args: Any, project: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(f"{Batch.FolderScope.PROJECT}:", "Project documents (top level)")]
        choices += [
            (f"{c.scope}:{c.id}", f"Project documents / {c.path}")
            for c in folder_choices(project)
            if c.scope == Batch.FolderScope.PROJECT
        ]
        choices += [(f"{Batch.FolderScope.COMPANY}:", "Company documents (top level)")]
        choices += [
            (f"{c.scope}:{c.id}", f"Company documents / {c.path}")
            for c in folder_choices(project)
            if c.scope == Batch.FolderScope.COMPANY
        ]
        folder_field = self.fields["folder"]
        assert isinstance(folder_field, forms.ChoiceField)
        folder_field.choices = choices

    def clean_new_folder_name(self) -> str:
        name = self.cleaned_data.get("new_folder_name", "").strip()
        if name and name_problems(name):
            raise forms.ValidationError(name_problems(name)[0])
        return name

    def target_fields(self) -> dict[str, Any]:
        """The batch's target, as create_batch takes it."""
        data = self.cleaned_data
        if data["target"] != Batch.Target.FOLDER:
            return {"target": Batch.Target.DOCUMENT_MANAGEMENT}
        scope, _, folder_id = (data.get("folder") or f"{Batch.FolderScope.PROJECT}:").partition(":")
        return {
            "target": Batch.Target.FOLDER,
            "folder_scope": scope,
            "folder_id": int(folder_id) if folder_id else None,
            "new_folder_name": data.get("new_folder_name", ""),
            "on_name_clash": data.get("on_name_clash") or Batch.NameClash.NEW_VERSION,
        }


def editable_fields(schema: Schema) -> list[FieldInfo]:
    """Fields a person may set: visible, active and not owned by Procore."""
    return [f for f in schema.fields if f.visible and f.active and not f.readonly]


def input_kind(info: FieldInfo) -> str:
    if info.takes_users:
        return "people" if info.multiple else "person"
    return {
        "lov_entry": "select",
        "reference": "select",
        "lov_entries": "multi",
        "timestamp": "date",
        "numeric": "number",
    }.get(info.type, "text")


# Fields Procore fills with the person who submits when they are left empty (procore-api.md §7.5).
FILLED_BY_PROCORE_HELP = "Left empty, Procore fills it with the person who submits the batch."
PLACEHOLDER_PREFIX = "placeholder_"


@dataclass
class FieldInput:
    info: FieldInfo
    kind: str
    values: list[str]  # stored values: ids for lists and people, literals otherwise
    shown: list[str]  # what the inputs hold: ids for <select>, text otherwise (one per person)
    was: list[str] = field(default_factory=list)  # what they held when the page was drawn
    choices: list[ValueInfo] = field(default_factory=list)
    required: bool = False
    problem: str = ""
    error: str = ""
    help: str = ""
    source: dict[str, Any] | None = None
    conflict: Conflict | None = None

    @property
    def text(self) -> str:
        return self.shown[0] if self.shown else ""

    @property
    def group(self) -> str:
        """Where the form shows it: required first, optional after, placeholder fields folded away."""
        if self.required or self.problem or self.error or self.conflict:
            return "required" if self.required else "optional"
        if self.info.name.startswith(PLACEHOLDER_PREFIX) and not self.values:
            return "placeholder"
        return "optional"


def shown_values(info: FieldInfo, values: list[str], schema: Schema) -> list[str]:
    """Stored values as the document form's inputs hold them."""
    kind = input_kind(info)
    if kind in {"select", "multi"}:
        return list(values)
    if kind in {"person", "people"}:
        return [person_text(schema, v) for v in values]
    text = values[0] if values else ""
    if kind == "date" and text:
        return [text[:10]]
    return [text] if text else []


def document_fields(
    document: StagedDocument,
    schema: Schema,
    posted: QueryDict | None = None,
    errors: Mapping[str, str] | None = None,
    conflicts: Mapping[str, Conflict] | None = None,
) -> list[FieldInput]:
    """The form's fields, required ones first.

    After a save refused for `errors` nothing was saved: every input keeps what the person left in
    it, and what it held before (``was:``). After a save with `conflicts`, the rest was saved: the
    inputs show what is stored now, except the conflicting ones, which keep the person's value.
    """
    errors, conflicts = errors or {}, conflicts or {}
    required: set[str] = set()
    for rule in schema.rules:
        if rule.id == document.rule_id:
            required = set(rule.required)
    problems = {p["field"]: p["message"] for p in document.problems}
    metadata = document.metadata if isinstance(document.metadata, dict) else {}
    inputs = []
    for info in editable_fields(schema):
        values = [v for v in metadata.get(info.id) or [] if v]
        shown = was = shown_values(info, values, schema)
        if posted is not None and errors:
            shown = [v for v in posted.getlist(info.id) if v.strip()]
            was = [v for v in posted.getlist(f"was:{info.id}") if v.strip()]
        elif posted is not None and info.id in conflicts:
            shown = [v for v in posted.getlist(info.id) if v.strip()]
        inputs.append(
            FieldInput(
                info=info,
                kind=input_kind(info),
                values=values,
                shown=shown,
                was=was,
                choices=[v for v in schema.values_by_field.get(info.id, []) if v.active or v.id in values],
                required=info.id in required,
                problem=problems.get(info.id, ""),
                error=errors.get(info.id, ""),
                help=FILLED_BY_PROCORE_HELP if info.name in DEFAULTED_BY_PROCORE else "",
                source=document.proposals.get(info.id),
                conflict=conflicts.get(info.id),
            )
        )
    inputs.sort(key=lambda i: (not i.required, schema.fields.index(i.info)))
    return inputs


def form_edits(
    post: QueryDict, document: StagedDocument, schema: Schema
) -> tuple[dict[str, list[str]], dict[str, str]]:
    """The fields the person changed on the document form, as stored values; a message per
    field that could not be read.

    Each input carries what it held when the page was drawn (``was:<field id>``): a field whose
    input still holds that is not changed, whatever is stored now — so a save never puts back a
    value someone else changed meanwhile, and a value the form cannot show exactly (a person the
    portal does not know, a date with a time) survives a save of another field. A field whose
    conflict the person settled as "keep theirs" (``resolve:<field id>``) is not changed either.
    """
    changed: dict[str, list[str]] = {}
    errors: dict[str, str] = {}
    for info in editable_fields(schema):
        raw = [v.strip() for v in post.getlist(info.id) if v.strip()]
        was = [v.strip() for v in post.getlist(f"was:{info.id}") if v.strip()]
        if f"was:{info.id}" not in post and not raw:
            continue  # not on the page the person saw
        if raw == was or post.get(f"resolve:{info.id}") == "theirs":
            continue
        kind = input_kind(info)
        try:
            if kind in {"select", "multi"}:
                known = {v.id for v in schema.values_by_field.get(info.id, [])}
                if any(v not in known for v in raw):
                    raise ValueError("Choose a value from the list.")
                changed[info.id] = raw if kind == "multi" else raw[:1]
            elif kind in {"person", "people"}:
                changed[info.id] = parse_input(info, "; ".join(raw) if kind == "people" else raw[0], schema)
            else:
                changed[info.id] = parse_input(info, raw[0], schema) if raw else []
        except ValueError as exc:
            errors[info.id] = str(exc)
    return changed, errors
