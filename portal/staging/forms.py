"""Forms and form parsing for staging pages."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.http import QueryDict

from .folder_target import folder_choices, name_problems
from .models import Batch, StagedDocument
from .schema import FieldInfo, Schema, ValueInfo
from .validation import parse_input


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
        self.fields["folder"].choices = choices

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
    return {
        "lov_entry": "select",
        "reference": "select",
        "lov_entries": "multi",
        "timestamp": "date",
        "numeric": "number",
    }.get(info.type, "text")


@dataclass
class FieldInput:
    info: FieldInfo
    kind: str
    values: list[str]
    choices: list[ValueInfo] = field(default_factory=list)
    text: str = ""
    required: bool = False
    problem: str = ""
    source: dict[str, Any] | None = None


def document_fields(document: StagedDocument, schema: Schema, posted: QueryDict | None = None) -> list[FieldInput]:
    required = set()
    for rule in schema.rules:
        if rule.id == document.rule_id:
            required = set(rule.required)
    problems = {p["field"]: p["message"] for p in document.problems}
    inputs = []
    for info in editable_fields(schema):
        values = posted.getlist(info.id) if posted is not None else document.metadata.get(info.id, [])
        kind = input_kind(info)
        text = values[0] if values else ""
        if kind == "date" and text:
            text = text[:10]
        inputs.append(
            FieldInput(
                info=info,
                kind=kind,
                values=values,
                text=text,
                choices=[v for v in schema.values_by_field.get(info.id, []) if v.active or v.id in values],
                required=info.id in required,
                problem=problems.get(info.id, ""),
                source=document.proposals.get(info.id),
            )
        )
    inputs.sort(key=lambda i: (not i.required, schema.fields.index(i.info)))
    return inputs


def metadata_from_post(post: QueryDict, schema: Schema) -> tuple[dict[str, list[str]], dict[str, str]]:
    """The edit form's values as stored metadata, and a message per field that could not be read."""
    metadata: dict[str, list[str]] = {}
    errors: dict[str, str] = {}
    for info in editable_fields(schema):
        raw = [v for v in post.getlist(info.id) if v.strip()]
        if not raw:
            continue
        kind = input_kind(info)
        if kind in {"select", "multi"}:
            known = {v.id for v in schema.values_by_field.get(info.id, [])}
            unknown = [v for v in raw if v not in known]
            if unknown:
                errors[info.id] = "Choose a value from the list."
                continue
            metadata[info.id] = raw if kind == "multi" else raw[:1]
        else:
            try:
                metadata[info.id] = parse_input(info, raw[0], schema)
            except ValueError as exc:
                errors[info.id] = str(exc)
    return metadata, errors
