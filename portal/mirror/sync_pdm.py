"""Mirror a project's Document Management configuration and revisions (procore-api.md §7.3–§7.5, §7.10).

Configuration (upload requirements, fields, values, naming standard) changes rarely and is
refreshed on a full sync and when older than MIRROR_CONFIG_MAX_AGE. Revisions follow Procore's
two-phase delta: ids changed in an `updated_at` window (`view=ids_only`), then hydration by id
in pages of 100, and the recycle bin for removals.

The revisions cursor is the newest `updated_at` seen plus one millisecond: Procore's timestamps
carry milliseconds and the window's lower bound is inclusive, so an unchanged project costs no
hydration call. Rows Procore's search index shows late are caught by the periodic full sync.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from portal.procore.errors import NotFound, PermissionDenied
from portal.procore.http import ProcoreClient
from portal.procore.pdm import USER_VARIANTS, Pdm, field_values, first_id, first_label

from .models import NamingStandard, PdmField, PdmValue, Project, Revision, UploadRule
from .upsert import chunked, delete_ids, newest, upsert, when

REVISION_FIELDS = [
    "container_id",
    "version",
    "name",
    "number",
    "revision",
    "type_value_id",
    "type_label",
    "status_value_id",
    "status_label",
    "file_format",
    "upload_id",
    "download_url",
    "fields",
    "procore_updated_at",
]


def config_is_stale(project: Project) -> bool:
    max_age = timedelta(seconds=settings.MIRROR_CONFIG_MAX_AGE)
    return project.config_synced_at is None or timezone.now() - project.config_synced_at >= max_age


def sync_config(client: ProcoreClient, project: Project) -> bool:
    """Refresh the project's PDM configuration. False when Procore refuses PDM for the project."""
    pdm = Pdm(client, project.company_id, project.id)
    try:
        requirements = list(pdm.upload_requirements())
    except (PermissionDenied, NotFound):
        project.pdm_enabled = False
        project.config_synced_at = timezone.now()
        project.save(update_fields=["pdm_enabled", "config_synced_at"])
        return False
    fields = list(pdm.fields())
    values = {
        f["id"]: list(pdm.values(f["id"]))
        for f in fields
        if f.get("type") in {"lov_entry", "lov_entries", "reference"} and f.get("variant") not in USER_VARIANTS
    }
    with transaction.atomic():
        _store_fields(project, fields, values)
        _store_requirements(project, requirements)
        project.pdm_enabled = True
        project.config_synced_at = timezone.now()
        project.save(update_fields=["pdm_enabled", "config_synced_at"])
    return True


def _store_fields(project: Project, fields: list[dict[str, Any]], values: dict[str, list[dict[str, Any]]]) -> None:
    upsert(
        PdmField,
        [
            PdmField(
                project=project,
                procore_id=f["id"],
                name=f.get("name") or "",
                label=f.get("label") or "",
                description=f.get("description") or "",
                type=f.get("type") or "",
                variant=f.get("variant") or "",
                position=str(f.get("position") or ""),
                active=f.get("active", True) is not False,
                visible=f.get("visible", True) is not False,
                readonly=bool(f.get("readonly")),
                custom_field_definition_id=str(f.get("custom_field_definition_id") or ""),
            )
            for f in fields
        ],
        ["project", "procore_id"],
        [
            "name",
            "label",
            "description",
            "type",
            "variant",
            "position",
            "active",
            "visible",
            "readonly",
            "custom_field_definition_id",
        ],
    )
    PdmField.objects.filter(project=project).exclude(procore_id__in=[f["id"] for f in fields]).delete()
    by_id = {f.procore_id: f for f in PdmField.objects.filter(project=project)}
    for field_id, items in values.items():
        field = by_id[field_id]
        upsert(
            PdmValue,
            [
                PdmValue(
                    field=field,
                    procore_id=str(v["id"]),
                    code=v.get("code") or "",
                    label=v.get("label") or "",
                    active=v.get("active", True) is not False,
                    tags=v.get("tags") or [],
                    position=position,
                )
                for position, v in enumerate(items)
            ],
            ["field", "procore_id"],
            ["code", "label", "active", "tags", "position"],
        )
        field.values.exclude(procore_id__in=[str(v["id"]) for v in items]).delete()


def _store_requirements(project: Project, requirements: list[dict[str, Any]]) -> None:
    standards: dict[str, NamingStandard] = {}
    for rule in requirements:
        standard = rule.get("naming_standard")
        if standard and standard["id"] not in standards:
            standards[standard["id"]], _ = NamingStandard.objects.update_or_create(
                project=project,
                procore_id=standard["id"],
                defaults={
                    "name": standard.get("name") or "",
                    "field_ids": [f["id"] for f in standard.get("fields") or []],
                    "procore_updated_at": when(standard.get("updated_at")),
                },
            )
    NamingStandard.objects.filter(project=project).exclude(procore_id__in=standards).delete()
    for position, rule in enumerate(requirements):
        standard = rule.get("naming_standard")
        UploadRule.objects.update_or_create(
            project=project,
            procore_id=rule["id"],
            defaults={
                "position": position,
                "naming_standard": standards.get(standard["id"]) if standard else None,
                "required_by_project": [f["id"] for f in rule.get("fields_required_by_project") or []],
                "additional_required": [f["id"] for f in rule.get("additional_required_fields") or []],
                "qualifiers": [
                    {"field_id": q["field"]["id"], "value_ids": [v["id"] for v in q.get("acceptable_values") or []]}
                    for q in rule.get("rule_qualifiers") or []
                ],
                "allow_duplicate_revisions": rule.get("allow_duplicate_revisions", True) is not False,
                "procore_updated_at": when(rule.get("updated_at")),
            },
        )
    UploadRule.objects.filter(project=project).exclude(procore_id__in=[r["id"] for r in requirements]).delete()


def revision_from(project: Project, item: dict[str, Any]) -> Revision:
    values = field_values(item)
    version = first_label(values.get("version", []))
    return Revision(
        project=project,
        procore_id=item["id"],
        container_id=item.get("document_container_id") or "",
        version=int(version) if version.isdigit() else None,
        name=first_label(values.get("name", [])),
        number=first_label(values.get("number", [])),
        revision=first_label(values.get("revision", [])),
        type_value_id=first_id(values.get("type", [])),
        type_label=first_label(values.get("type", [])),
        status_value_id=first_id(values.get("status", [])),
        status_label=first_label(values.get("status", [])),
        file_format=first_label(values.get("format", []) or values.get("file_format", [])),
        upload_id=item.get("upload_id") or "",
        download_url=item.get("download_url") or "",
        fields={name: vals for name, vals in values.items()},
        procore_updated_at=when(first_label(values.get("updated_at", []))) or when(item.get("index_updated_at")),
    )


def sync_revisions(
    client: ProcoreClient,
    project: Project,
    *,
    full: bool,
    progress: Callable[[int, int], None] = lambda seen, removed: None,
) -> None:
    pdm = Pdm(client, project.company_id, project.id)
    started = timezone.now()
    incremental = not full and project.revisions_cursor is not None
    if incremental:
        # An upper bound well past now: Procore's clock may run ahead of ours (§7.10).
        ids = list(pdm.revision_ids(updated_since=project.revisions_cursor, updated_until=started + timedelta(days=1)))
    else:
        ids = list(pdm.revision_ids())
    cursor = project.revisions_cursor
    seen = removed = 0
    for chunk in chunked(ids, 100):
        rows = [revision_from(project, item) for item in pdm.selected_revisions(chunk)]
        # Masked rows (no permission to view) carry no fields: keep what we had.
        rows = [r for r in rows if r.fields]
        upsert(Revision, rows, ["project", "procore_id"], REVISION_FIELDS)
        for row in rows:
            cursor = newest(cursor, row.procore_updated_at)
        seen += len(chunk)
        progress(seen, removed)

    if incremental:
        gone = []
        for item in pdm.recycled_revisions():
            recycled_at = when(item.get("recycled_at")) or when(first_label(field_values(item).get("recycled_at", [])))
            if recycled_at is not None and project.revisions_cursor and recycled_at < project.revisions_cursor:
                break
            gone.append(item["id"])
        removed = delete_ids(Revision.objects.filter(project=project), gone, "procore_id")
    else:
        stale = set(Revision.objects.filter(project=project).values_list("procore_id", flat=True)) - set(ids)
        removed = delete_ids(Revision.objects.filter(project=project), stale, "procore_id")
    progress(seen, removed)
    if cursor is not None and cursor != project.revisions_cursor:
        cursor += timedelta(milliseconds=1)
    project.revisions_cursor = cursor or started
    project.save(update_fields=["revisions_cursor"])
