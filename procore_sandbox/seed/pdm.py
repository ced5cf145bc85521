"""Demo data for the sandbox's Document Management area (idempotent, fast: it runs per test).

Each demo project is configured differently:

- 2305 Riverside Medical Center: naming standard ``<discipline>-<type>-<number>`` (file names
  like ``A-DRW-101_Floor Plan_Rev B.pdf``), conditional rules (Drawing; Specification;
  Structural Drawing, the most specific), duplicates allowed, a custom LOV and a custom user field.
- 2306 Oakridge Elementary School: no naming standard, the default rule only.
- 2307 Harbor Bridge Retrofit: naming standard ``<discipline>.<number>`` (``S.201_Deck Framing
  Plan_Rev B.pdf``), ``allow_duplicate_revisions: false`` and existing revisions to collide with.
- 2308 Metro Line Extension: naming standard ``<type>-<number>``, originator always required.

Ids are stable ULIDs derived from names. Rows are only created when missing, so re-running
changes nothing (and keeps what tests or admins changed since).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import transaction

from procore_sandbox.models import (
    DocumentContainer,
    DocumentRevision,
    PdmField,
    PdmProject,
    PdmValue,
    Project,
    UploadRequirement,
)
from procore_sandbox.pdm.common import stable_ulid

BASELINE = ["name", "type", "status", "revision"]
SEED_TIME = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

# name, label, type, variant, readonly, can_affect_permissions
STANDARD_FIELDS = [
    ("name", "Name", "string", "", False, False),
    ("type", "Type", "lov_entry", "single_select", False, True),
    ("status", "Status", "lov_entry", "single_select", False, True),
    ("revision", "Revision", "string", "", False, False),
    ("number", "Number", "string", "", False, False),
    ("description", "Description", "rich_text", "", False, False),
    ("discipline", "Discipline", "lov_entry", "single_select", False, True),
    ("classification", "Classification", "lov_entry", "single_select", False, False),
    ("document_stage", "Document Stage", "lov_entry", "single_select", False, False),
    ("volume", "Volume", "lov_entry", "single_select", False, False),
    ("date_authored", "Date Authored", "timestamp", "", False, False),
    ("authored_by", "Authored By", "reference", "procore_user", False, False),
    ("uploaded_by", "Uploaded By", "reference", "procore_user", False, False),
    ("originator", "Originator", "reference", "procore_vendor", False, False),
    ("location", "Location", "reference", "procore_location", False, False),
    ("project_stage", "Project Stage", "reference", "procore_project_stage", False, False),
    ("placeholder_due_date", "Placeholder Due Date", "timestamp", "", False, False),
    ("placeholder_assignee", "Placeholder Assignee", "reference", "procore_user", False, False),
    ("placeholder_created_by", "Placeholder Created By", "reference", "procore_user", False, False),
    ("project", "Project", "reference", "procore_project", True, False),
]

# code, label, active, tags
LOV_VALUES: dict[str, list[tuple[str, str, bool, list[str]]]] = {
    "type": [
        ("DRW", "Drawing", True, ["ML:auto-detect.type.drawing"]),
        ("SPC", "Specification", True, ["ML:auto-detect.type.specification"]),
        ("IMG", "Image", True, []),
        ("RPT", "Report", True, []),
        ("SUB", "Submittal", True, []),
        ("OTH", "Other", True, ["ML:auto-detect.type.other"]),
        ("SKT", "Sketch", False, []),
    ],
    "status": [
        ("OPN", "Open", True, []),
        ("CLS", "Closed", True, []),
        ("REV", "In Review", True, []),
        ("APP", "Approved", True, []),
        ("SUP", "Superseded", True, []),
        ("VOID", "Void", False, []),
    ],
    "discipline": [
        ("A", "Architectural", True, []),
        ("S", "Structural", True, []),
        ("M", "Mechanical", True, []),
        ("E", "Electrical", True, []),
        ("P", "Plumbing", True, []),
        ("C", "Civil", True, []),
        ("L", "Landscape", True, []),
        ("G", "General", True, []),
        ("FP", "Fire Protection", True, []),
        ("T", "Telecommunications", True, []),
        ("I", "Interiors", True, []),
        ("X", "Legacy", False, []),
    ],
    "classification": [
        ("IFC", "Issued for Construction", True, []),
        ("FR", "For Review", True, []),
        ("REC", "Record", True, []),
    ],
    "document_stage": [
        ("SD", "Schematic Design", True, []),
        ("DD", "Design Development", True, []),
        ("CD", "Construction Documents", True, []),
    ],
    "volume": [("V1", "Volume 1", True, []), ("V2", "Volume 2", True, [])],
}
REFERENCE_VALUES = {
    "location": [("L1", "Level 1"), ("L2", "Level 2"), ("RF", "Roof"), ("SITE", "Site")],
    "originator": [("ACME", "Acme Architects"), ("BRK", "Brooks Structural Engineers"), ("VLT", "Volt Electric")],
    "project_stage": [("PRE", "Pre-Construction"), ("COC", "Course of Construction"), ("CLO", "Closeout")],
}

PROJECTS: dict[int, dict[str, Any]] = {
    2305: {
        "omit": [],
        "allow_duplicates": True,
        "naming": ("Riverside Drawing Codes", ["discipline", "type", "number"], "-"),
        "custom": [
            (
                "custom_field_101",
                "Bid Package",
                "lov_entry",
                "single_select",
                "101",
                [
                    ("BP1", "Bid Package 1", True, []),
                    ("BP2", "Bid Package 2", True, []),
                    ("BP0", "Early Works", False, []),
                ],
            ),
            ("custom_field_102", "Design Reviewer", "reference", "procore_user", "102", []),
            ("custom_field_103", "Reviewers", "reference", "procore_users", "103", []),
            (
                "custom_field_104",
                "Trades",
                "lov_entries",
                "multi_select",
                "104",
                [
                    ("ARC", "Architecture", True, []),
                    ("STR", "Structure", True, []),
                    ("MEP", "Building Services", True, []),
                    ("FIN", "Finishes", True, []),
                ],
            ),
            ("custom_field_105", "Sheet Count", "numeric", "", "105", []),
        ],
        "rules": [
            ([], []),
            ([("type", ["DRW"])], ["discipline", "date_authored"]),
            ([("type", ["SPC"])], ["number", "originator"]),
            ([("type", ["DRW"]), ("discipline", ["S"])], ["discipline", "date_authored", "location"]),
        ],
    },
    2306: {
        "omit": ["volume", "document_stage", "classification"],
        "allow_duplicates": True,
        "naming": None,
        "custom": [],
        "rules": [([], [])],
    },
    2307: {
        "omit": ["volume"],
        "allow_duplicates": False,
        "naming": ("Harbor Civil Sheets", ["discipline", "number"], "."),
        "custom": [("custom_field_201", "Bridge Segment", "string", "", "201", [])],
        "rules": [([], []), ([("type", ["DRW"])], ["discipline", "number"])],
    },
    2308: {
        "omit": ["classification"],
        "allow_duplicates": True,
        "naming": ("Metro Codes", ["type", "number"], "-"),
        "custom": [("custom_field_301", "Station", "reference", "procore_location", "301", [])],
        "rules": [([], ["originator"])],
    },
}

# project, file name, metadata by code/literal, uploaded_by, recycled
REVISIONS = [
    (
        2305,
        "A-DRW-101_Floor Plan_Rev A.pdf",
        {
            "discipline": "A",
            "type": "DRW",
            "number": "101",
            "name": "Floor Plan",
            "revision": "Rev A",
            "status": "CLS",
            "date_authored": "2026-01-02T00:00:00Z",
        },
        5448,
        False,
    ),
    (
        2305,
        "A-DRW-101_Floor Plan_Rev B.pdf",
        {
            "discipline": "A",
            "type": "DRW",
            "number": "101",
            "name": "Floor Plan",
            "revision": "Rev B",
            "status": "OPN",
            "date_authored": "2026-01-04T00:00:00Z",
        },
        5448,
        False,
    ),
    (
        2305,
        "S-DRW-201_Foundation Plan_Rev A.pdf",
        {
            "discipline": "S",
            "type": "DRW",
            "number": "201",
            "name": "Foundation Plan",
            "revision": "Rev A",
            "status": "OPN",
            "date_authored": "2026-01-03T00:00:00Z",
            "location": "L1",
        },
        5448,
        False,
    ),
    (
        2305,
        "A-SPC-001_Doors and Hardware_Rev 0.docx",
        {
            "discipline": "A",
            "type": "SPC",
            "number": "001",
            "name": "Doors and Hardware",
            "revision": "Rev 0",
            "status": "APP",
            "originator": "ACME",
        },
        5447,
        False,
    ),
    (
        2305,
        "A-DRW-102_Reflected Ceiling Plan_Rev A.pdf",
        {
            "discipline": "A",
            "type": "DRW",
            "number": "102",
            "name": "Reflected Ceiling Plan",
            "revision": "Rev A",
            "status": "OPN",
            "date_authored": "2026-01-03T00:00:00Z",
        },
        5448,
        True,
    ),
    (2306, "Site Plan.pdf", {"name": "Site Plan", "type": "DRW", "status": "OPN", "revision": "1"}, 5450, False),
    (2306, "Site Plan.pdf", {"name": "Site Plan", "type": "DRW", "status": "OPN", "revision": "2"}, 5450, False),
    (
        2306,
        "Classroom Wing Report.pdf",
        {"name": "Classroom Wing Report", "type": "RPT", "status": "CLS", "revision": "1"},
        5450,
        False,
    ),
    (
        2307,
        "S.201_Deck Framing Plan_Rev A.pdf",
        {
            "discipline": "S",
            "number": "201",
            "type": "DRW",
            "name": "Deck Framing Plan",
            "revision": "Rev A",
            "status": "CLS",
        },
        5449,
        False,
    ),
    (
        2307,
        "S.201_Deck Framing Plan_Rev B.pdf",
        {
            "discipline": "S",
            "number": "201",
            "type": "DRW",
            "name": "Deck Framing Plan",
            "revision": "Rev B",
            "status": "OPN",
        },
        5449,
        False,
    ),
    (
        2307,
        "C.101_Approach Grading_Rev A.pdf",
        {
            "discipline": "C",
            "number": "101",
            "type": "DRW",
            "name": "Approach Grading",
            "revision": "Rev A",
            "status": "OPN",
        },
        5449,
        False,
    ),
    (
        2308,
        "DRW-001_Track Alignment_Rev A.pdf",
        {
            "type": "DRW",
            "number": "001",
            "name": "Track Alignment",
            "revision": "Rev A",
            "status": "OPN",
            "originator": "VLT",
        },
        5449,
        False,
    ),
    (
        2308,
        "SPC-014_Rail Fastening_Rev 1.pdf",
        {
            "type": "SPC",
            "number": "014",
            "name": "Rail Fastening",
            "revision": "Rev 1",
            "status": "APP",
            "originator": "BRK",
        },
        5449,
        False,
    ),
]

MIME = {"pdf": "application/pdf", "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


def seeded_bytes(revision_id: str, file_name: str) -> bytes:
    """The content of a seeded revision (generated, never stored)."""
    return (
        f"%PDF-1.4\n% Procore sandbox seeded revision {revision_id}\n% {file_name}\n" + "0" * 2048 + "\n%%EOF\n"
    ).encode()


def reference_value_id(project_id: int, field: str, index: int) -> str:
    offset = {"location": 100, "originator": 200, "project_stage": 300, "custom_field_301": 400}.get(field, 500)
    return str(120000 + (project_id % 1000) * 1000 + offset + index)


def seed() -> None:
    projects = set(Project.objects.filter(id__in=PROJECTS).values_list("id", flat=True))
    if (
        PdmProject.objects.filter(project_id__in=projects).count() == len(projects)
        and DocumentRevision.objects.filter(project_id__in=projects).exists()
    ):
        return  # already seeded: nothing to do (keeps the per-test seed fast)
    with transaction.atomic():
        for project_id in sorted(projects):
            _seed_project(project_id, PROJECTS[project_id])
        _seed_revisions(projects)


def _seed_project(project_id: int, spec: dict) -> None:
    naming = spec["naming"]
    PdmProject.objects.get_or_create(
        project_id=project_id,
        defaults={
            "allow_duplicate_revisions": spec["allow_duplicates"],
            "required_fields": BASELINE,
            "naming_standard_id": stable_ulid(project_id, "naming_standard") if naming else "",
            "naming_standard_name": naming[0] if naming else "",
            "naming_standard_fields": naming[1] if naming else [],
            "naming_separator": naming[2] if naming else "-",
            "naming_standard_updated_at": SEED_TIME - timedelta(days=30) if naming else None,
        },
    )
    fields, values = [], []
    rows = [s for s in STANDARD_FIELDS if s[0] not in spec["omit"]]
    rows += [(name, label, ftype, variant, False, False) for name, label, ftype, variant, _, _ in spec["custom"]]
    custom = {c[0]: c for c in spec["custom"]}
    for position, (name, label, ftype, variant, readonly, affects) in enumerate(rows, start=1):
        field_id = stable_ulid(project_id, "field", name)
        fields.append(
            PdmField(
                id=field_id,
                project_id=project_id,
                name=name,
                label=label,
                position=f"{position:03d}",
                description="Custom Field" if name in custom else f"The document {label.lower()}",
                readonly=readonly,
                can_affect_permissions=affects,
                type=ftype,
                variant=variant,
                custom_field_definition_id=custom[name][4] if name in custom else "",
            )
        )
        lov = custom[name][5] if name in custom else LOV_VALUES.get(name, [])
        for index, (code, value_label, active, tags) in enumerate(lov):
            values.append(
                PdmValue(
                    id=stable_ulid(project_id, name, code),
                    field_id=field_id,
                    code=code,
                    label=value_label,
                    active=active,
                    tags=tags,
                    position=index,
                )
            )
        refs = REFERENCE_VALUES.get("location" if name == "custom_field_301" else name, [])
        if name == "project":
            project = Project.objects.get(id=project_id)
            refs = [(project.project_number or str(project_id), project.name)]
        for index, (code, value_label) in enumerate(refs):
            values.append(
                PdmValue(
                    id=reference_value_id(project_id, name, index),
                    field_id=field_id,
                    code=code,
                    label=value_label,
                    position=index,
                )
            )
    PdmField.objects.bulk_create(fields, ignore_conflicts=True)
    PdmValue.objects.bulk_create(values, ignore_conflicts=True)
    rules = []
    for position, (qualifiers, additional) in enumerate(spec["rules"]):
        rules.append(
            UploadRequirement(
                id=stable_ulid(project_id, "rule", position),
                project_id=project_id,
                position=position,
                additional_required_fields=additional,
                updated_at=SEED_TIME - timedelta(days=7),
                qualifiers=[
                    {"field": f, "values": [stable_ulid(project_id, f, c) for c in codes]} for f, codes in qualifiers
                ],
            )
        )
    UploadRequirement.objects.bulk_create(rules, ignore_conflicts=True)


def _seed_revisions(projects: set[int]) -> None:
    from procore_sandbox.pdm.metadata import ProjectSchema

    schemas = {p: ProjectSchema(PdmProject.objects.get(project_id=p)) for p in projects}
    versions: dict[str, int] = {}
    for index, (project_id, file_name, by_code, uploaded_by, recycled) in enumerate(REVISIONS):
        if project_id not in projects:
            continue
        schema = schemas[project_id]
        metadata = {}
        for name, code in by_code.items():
            field = schema.by_name[name]
            if field.type == "reference":
                value = next(v for v in schema.values.values() if v.field_id == field.id and v.code == code)
                metadata[name] = {"values": [value.id], "label_source": "MANUAL"}
            elif field.type in ("lov_entry", "lov_entries"):
                metadata[name] = {"values": [stable_ulid(project_id, name, code)], "label_source": "MANUAL"}
            else:
                metadata[name] = {"values": [code], "label_source": "MANUAL"}
        metadata["uploaded_by"] = {"values": [str(uploaded_by)], "label_source": "SYSTEM"}
        mime = MIME[file_name.rsplit(".", 1)[1]]
        criteria = schema.match_criteria(metadata, mime)
        container, _ = DocumentContainer.objects.get_or_create(
            project_id=project_id,
            match_criteria=criteria,
            defaults={"id": stable_ulid(project_id, "container", criteria)},
        )
        versions[container.id] = versions.get(container.id, 0) + 1
        revision_id = stable_ulid(project_id, "revision", index)
        when = SEED_TIME + timedelta(hours=index)
        DocumentRevision.objects.get_or_create(
            id=revision_id,
            defaults={
                "project_id": project_id,
                "container": container,
                "version": versions[container.id],
                "position_within_container": f"a{versions[container.id]:04d}",
                "metadata": metadata,
                "upload_id": stable_ulid(project_id, "seed_upload", index),
                "original_filename": file_name,
                "mime_type": mime,
                "file_size": len(seeded_bytes(revision_id, file_name)),
                "uploaded_by": uploaded_by,
                "latest_event_id": stable_ulid(project_id, "event", index),
                "created_at": when,
                "updated_at": when,
                "recycled_at": when + timedelta(minutes=30) if recycled else None,
                "recycled_by": uploaded_by if recycled else None,
                "recycled_reason": "Issued in error" if recycled else "",
            },
        )
