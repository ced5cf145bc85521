"""Demo data for the sandbox's documents area (idempotent).

Every project gets a realistic Documents tree (drawings by discipline, specifications,
submittals, photos, …) and every company a company-level tree; files have 1–3 versions whose
bytes are generated on download (documents_download.seeded_bytes). A tree is seeded only when
its Documents tool has no root folder yet, so running the seed twice changes nothing.

Project 2308 "Metro Line Extension" also gets a LARGE tree (≥ 500 folders, ≥ 10,000 files,
about 20,000 versions) for sync benchmarks. It is opt-in through `settings.SANDBOX_SEED_LARGE`
(read with a default of True, so `manage.py sandbox_seed`, the demo and benchmarks get it): the
test fixture seeds before every test and sets it False, and a test that needs the large tree
sets it True and calls `seed()` again. Everything is inserted with bulk_create, level by level.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from procore_sandbox.models import (
    Company,
    DocumentFile,
    DocumentFileVersion,
    DocumentFolder,
    Person,
    Project,
    ProjectMembership,
)

ROOT_NAME = "Documents"
LARGE_PROJECT_ID = 2308
LARGE_MARKER = "CP-01 Contract Package"

PROJECT_TREE: dict[str, list[str] | dict] = {
    "Drawings": {
        "Architectural": [
            "A-101 Floor Plan Level 1.pdf",
            "A-102 Floor Plan Level 2.pdf",
            "A-201 Building Elevations.pdf",
            "A-301 Wall Sections.pdf",
        ],
        "Structural": ["S-101 Foundation Plan.pdf", "S-201 Framing Plan Level 2.pdf", "S-501 Typical Details.pdf"],
        "MEP": ["M-101 HVAC Plan Level 1.pdf", "E-101 Lighting Plan Level 1.pdf", "P-101 Plumbing Plan.pdf"],
    },
    "Specifications": [
        "03 30 00 Cast-in-Place Concrete.pdf",
        "05 12 00 Structural Steel Framing.pdf",
        "09 91 23 Interior Painting.pdf",
        "23 05 00 Common Work Results for HVAC.pdf",
    ],
    "Submittals": [
        "033000-01 Concrete Mix Design.pdf",
        "051200-01 Steel Shop Drawings.pdf",
        "081113-01 Hollow Metal Doors Product Data.pdf",
    ],
    "Photos": ["Site Progress 2026-09-14 01.jpg", "Site Progress 2026-09-14 02.jpg", "Footing Pour 2026-10-02.jpg"],
    "Meeting Minutes": ["OAC Meeting 01.docx", "OAC Meeting 02.docx"],
    "Contracts": ["Prime Contract.pdf"],
}

COMPANY_TREE: dict[str, list[str] | dict] = {
    "Safety": ["Corporate Safety Manual.pdf", "Fall Protection Program.pdf", "Toolbox Talk Schedule.xlsx"],
    "Templates": {
        "Forms": ["RFI Template.docx", "Transmittal Template.docx", "Daily Report Template.xlsx"],
        "Title Blocks": ["Title Block 24x36.dwg"],
    },
    "Standards": ["CAD Standards.pdf", "Document Naming Standard.pdf"],
    "Insurance": ["Certificate of Insurance 2026.pdf"],
}

PRIVATE_FOLDERS = {"Contracts", "Insurance"}

DISCIPLINES = [
    "Civil",
    "Track",
    "Traction Power",
    "Signals",
    "Communications",
    "Stations Architectural",
    "Stations Structural",
    "Tunnels",
    "Bridges",
    "Utilities",
    "Drainage",
    "Landscaping",
    "Traffic",
    "Geotechnical",
    "Survey",
    "Environmental",
    "Right of Way",
    "Fire Protection",
    "Mechanical",
    "Electrical",
    "Plumbing",
    "Security",
    "Fare Collection",
    "Vertical Transportation",
]
LARGE_PACKAGES = 20
LARGE_FILES = 10_000


def _digest(text: str) -> int:
    return int(hashlib.sha256(text.encode()).hexdigest()[:8], 16)


def _first_member(project: Project | None) -> Person | None:
    if project is None:
        return None
    membership = (
        ProjectMembership.objects.filter(project=project, person__is_service_account=False)
        .select_related("person")
        .order_by("person_id")
        .first()
    )
    return membership.person if membership else None


class _Tree:
    """Bulk-inserts one Documents tree level by level (folders need their parents' ids)."""

    def __init__(self, company_id: int, project_id: int | None, person: Person | None, now: datetime):
        self.company_id = company_id
        self.project_id = project_id
        self.person = person
        self.now = now

    def folders(self, specs: list[tuple[DocumentFolder | None, str]]) -> list[DocumentFolder]:
        rows = []
        for parent, name in specs:
            path = f"{parent.name_with_path}/{name}" if parent and parent.name_with_path else (name if parent else "")
            when = self.now - timedelta(days=200 + _digest(path) % 100)
            rows.append(
                DocumentFolder(
                    company_id=self.company_id,
                    project_id=self.project_id,
                    parent=parent,
                    name=name,
                    name_with_path=path,
                    private=name in PRIVATE_FOLDERS,
                    created_by=self.person,
                    created_at=when,
                    updated_at=when,
                )
            )
        return DocumentFolder.objects.bulk_create(rows, batch_size=500)

    def files(self, specs: list[tuple[DocumentFolder, str]]) -> None:
        rows = []
        for folder, name in specs:
            path = f"{folder.name_with_path}/{name}"
            created = self.now - timedelta(days=30 + _digest(path) % 150, minutes=_digest(name) % 1440)
            rows.append(
                DocumentFile(
                    company_id=self.company_id,
                    project_id=self.project_id,
                    folder=folder,
                    name=name,
                    name_with_path=path,
                    private=folder.private,
                    created_by=self.person,
                    created_at=created,
                    updated_at=created,
                )
            )
        files = DocumentFile.objects.bulk_create(rows, batch_size=500)
        versions, touched = [], []
        for file in files:
            seed = _digest(file.name_with_path)
            count = 1 + seed % 3
            for number in range(1, count + 1):
                when = file.created_at + timedelta(days=(number - 1) * (3 + seed % 7))
                versions.append(
                    DocumentFileVersion(
                        file=file,
                        number=number,
                        notes="" if number == 1 else f"Revision {number - 1}",
                        size=20_000 + (seed * number) % 480_000,
                        filename=file.name,
                        content_type=_content_type(file.name),
                        created_by=self.person,
                        created_at=when,
                    )
                )
            if count > 1:
                file.updated_at = versions[-1].created_at
                touched.append(file)
        DocumentFileVersion.objects.bulk_create(versions, batch_size=1000)
        DocumentFile.objects.bulk_update(touched, ["updated_at"], batch_size=500)

    def tree(self, spec: dict) -> None:
        (root,) = self.folders([(None, ROOT_NAME)])
        level: list[tuple[DocumentFolder, Any]] = [(root, spec)]
        while level:
            folder_specs: list[tuple[DocumentFolder | None, str]] = []
            file_specs: list[tuple[DocumentFolder, str]] = []
            next_level: list[tuple[DocumentFolder, Any]] = []
            for parent, children in level:
                if isinstance(children, dict):
                    folder_specs += [(parent, name) for name in children]
                else:
                    file_specs += [(parent, name) for name in children]
            created = self.folders(folder_specs) if folder_specs else []
            for folder, (folder_parent, name) in zip(created, folder_specs, strict=False):
                next_level.append((folder, level_children(level, folder_parent)[name]))
            self.files(file_specs)
            level = next_level


def level_children(level: list[tuple[DocumentFolder, Any]], parent: DocumentFolder | None) -> dict:
    return next(children for folder, children in level if folder is parent)


def _content_type(name: str) -> str:
    ext = name.rsplit(".", 1)[-1].lower()
    return {
        "pdf": "application/pdf",
        "jpg": "image/jpeg",
        "dwg": "application/acad",
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }.get(ext, "application/octet-stream")


def _has_root(company_id: int, project_id: int | None) -> bool:
    roots = DocumentFolder.objects.filter(company_id=company_id, parent__isnull=True)
    if project_id is None:
        return roots.filter(project__isnull=True).exists()
    return roots.filter(project_id=project_id).exists()


@transaction.atomic
def seed() -> None:
    """Create the demo Documents trees that do not exist yet."""
    now = timezone.now()
    for project in Project.objects.order_by("id"):
        if not _has_root(project.company_id, project.id):
            _Tree(project.company_id, project.id, _first_member(project), now).tree(PROJECT_TREE)
    for company in Company.objects.order_by("id"):
        if not _has_root(company.id, None):
            _Tree(company.id, None, None, now).tree(COMPANY_TREE)
    if settings.SANDBOX_SEED_LARGE:
        seed_large(now)


def seed_large(now: datetime | None = None) -> None:
    """The large tree of project 2308: 20 contract packages × 24 disciplines, 10,000 files."""
    project = Project.objects.filter(id=LARGE_PROJECT_ID).first()
    if project is None or DocumentFolder.objects.filter(project=project, name=LARGE_MARKER).exists():
        return
    now = now or timezone.now()
    tree = _Tree(project.company_id, project.id, _first_member(project), now)
    if not _has_root(project.company_id, project.id):
        tree.tree(PROJECT_TREE)
    root = DocumentFolder.objects.get(project=project, parent__isnull=True)
    packages = tree.folders([(root, f"CP-{n:02d} Contract Package") for n in range(1, LARGE_PACKAGES + 1)])
    leaves = tree.folders([(package, discipline) for package in packages for discipline in DISCIPLINES])
    specs = []
    for n in range(LARGE_FILES):
        leaf = leaves[n % len(leaves)]
        package = leaf.name_with_path.split(" ", 1)[0]
        code = "".join(word[0] for word in leaf.name.split()).upper()
        specs.append((leaf, f"{package}-{code}-{n + 1:05d} Sheet {n // len(leaves) + 1}.pdf"))
    tree.files(specs)
