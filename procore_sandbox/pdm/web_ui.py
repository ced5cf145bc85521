"""What a Procore admin or user does in the PDM web UI, as plain functions for tests and
benchmarks: change value lists and rules, recycle or edit a revision. Changes bump timestamps
and revisions announce themselves through `events.emit` (v4.0 names, procore-api.md §8.6).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from procore_sandbox.models import DocumentRevision, PdmField, PdmValue, Project, UploadRequirement
from procore_sandbox.pdm.common import new_event_id, now_ms
from procore_sandbox.webhooks import events


def field(project_id: int, name: str) -> PdmField:
    return PdmField.objects.get(project_id=project_id, name=name)


def value(project_id: int, field_name: str, code: str) -> PdmValue:
    return PdmValue.objects.get(field__project_id=project_id, field__name=field_name, code=code)


def deactivate_value(project_id: int, field_name: str, code: str) -> PdmValue:
    entry = value(project_id, field_name, code)
    entry.active = False
    entry.save(update_fields=["active"])
    return entry


def add_value(project_id: int, field_name: str, code: str, label: str, *, tags: list[str] | None = None) -> PdmValue:
    target = field(project_id, field_name)
    position = PdmValue.objects.filter(field=target).count()
    return PdmValue.objects.create(field=target, code=code, label=label, tags=tags or [], position=position)


def change_rule(
    rule_id: str, *, additional_required_fields: list[str] | None = None, qualifiers: list[dict[str, Any]] | None = None
) -> UploadRequirement:
    """Edit an upload requirement; `qualifiers` as stored (``[{"field": name, "values": [ids]}]``)."""
    rule = UploadRequirement.objects.get(id=rule_id)
    if additional_required_fields is not None:
        rule.additional_required_fields = additional_required_fields
    if qualifiers is not None:
        rule.qualifiers = qualifiers
    rule.updated_at = now_ms()
    rule.save()
    return rule


def _emit(revision: DocumentRevision, event_type: str, user_id: int | None) -> None:
    company_id = Project.objects.values_list("company_id", flat=True).get(id=revision.project_id)
    events.emit(
        company_id=company_id,
        project_id=revision.project_id,
        resource_name="Document Revision",
        event_type=event_type,
        resource_id=revision.id,
        user_id=user_id,
    )


def recycle_revision(revision_id: str, *, user_id: int | None = None, reason: str = "Recycled") -> DocumentRevision:
    with transaction.atomic():
        revision = DocumentRevision.objects.select_for_update().get(id=revision_id)
        revision.recycled_at = revision.updated_at = now_ms()
        revision.recycled_by = user_id or revision.uploaded_by
        revision.recycled_reason = reason
        revision.latest_event_id = new_event_id()
        revision.save()
    _emit(revision, "recycled", user_id)
    return revision


def update_revision(revision_id: str, *, user_id: int | None = None, **values: list[str]) -> DocumentRevision:
    """Correct a revision's metadata as a user would in the web UI (no API exists for this)."""
    with transaction.atomic():
        revision = DocumentRevision.objects.select_for_update().get(id=revision_id)
        for name, written in values.items():
            revision.metadata[name] = {"values": written, "label_source": "MANUAL"}
        revision.updated_at = now_ms()
        revision.latest_event_id = new_event_id()
        revision.save()
    _emit(revision, "updated", user_id)
    return revision
