"""Changes to a Documents tool, as Procore users (or the API) make them.

The REST write endpoints call these, and so do tests that change the world behind the portal's
back. Every change bumps `updated_at` (so an incremental sync on `filters[updated_at]` sees it)
and announces itself through `events.emit` with Procore's v2 resource names ("Project Files",
"Project Folders", "Company Files", "Company Folders"; event_type create/update/delete) inside
the change's transaction, so the change and its event commit, or roll back, together.
"""

from __future__ import annotations

import mimetypes
import re
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from ulid import ULID

from procore_sandbox.models import DocumentFile, DocumentFileVersion, DocumentFolder, Person
from procore_sandbox.storage import sandbox_storage
from procore_sandbox.webhooks import events

STORAGE_PREFIX = "sandbox/documents"


class NameTaken(Exception):
    """A live file of that name already exists in the folder."""


def _announce(obj: DocumentFile | DocumentFolder, kind: str, event_type: str, person: Person | None) -> None:
    scope = "Project" if obj.project_id else "Company"
    payload: dict[str, Any] = {
        "company_id": obj.company_id,
        "project_id": obj.project_id,
        "resource_name": f"{scope} {kind}",
        "event_type": event_type,
        "resource_id": obj.id,
        "user_id": person.id if person else None,
    }
    events.emit(**payload)


def child_path(folder: DocumentFolder, name: str) -> str:
    return f"{folder.name_with_path}/{name}" if folder.name_with_path else name


def store_bytes(filename: str, content: bytes) -> str:
    """Save `content` in Django's default storage under sandbox/; return the storage name."""
    safe = re.sub(r"[^A-Za-z0-9._ ()-]", "_", filename) or "file"
    return sandbox_storage().save(f"{STORAGE_PREFIX}/{ULID()}/{safe}", ContentFile(content))


def unique_file_name(folder: DocumentFolder, name: str) -> str:
    """ "name.pdf" → "name (1).pdf", "name (2).pdf", … the first free in the folder."""
    taken = set(DocumentFile.objects.filter(folder=folder, is_deleted=False).values_list("name", flat=True))
    if name not in taken:
        return name
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    n = 1
    while True:
        candidate = f"{stem} ({n}).{ext}" if dot else f"{stem} ({n})"
        if candidate not in taken:
            return candidate
        n += 1


def name_taken(folder: DocumentFolder, name: str, *, except_id: int | None = None) -> bool:
    clash = DocumentFile.objects.filter(folder=folder, name=name, is_deleted=False)
    if except_id:
        clash = clash.exclude(id=except_id)
    return clash.exists()


@transaction.atomic
def create_folder(
    parent: DocumentFolder, name: str, person: Person | None, *, is_tracked: bool = False, private: bool = False
) -> DocumentFolder:
    folder = DocumentFolder.objects.create(
        company_id=parent.company_id,
        project_id=parent.project_id,
        parent=parent,
        name=name,
        name_with_path=child_path(parent, name),
        is_tracked=is_tracked,
        private=private,
        created_by=person,
    )
    _announce(folder, "Folders", "create", person)
    return folder


def _new_version(
    file: DocumentFile,
    person: Person | None,
    *,
    number: int,
    notes: str,
    size: int,
    storage_name: str,
    filename: str,
    content_type: str,
) -> DocumentFileVersion:
    return DocumentFileVersion.objects.create(
        file=file,
        number=number,
        notes=notes,
        size=size,
        storage_name=storage_name,
        filename=filename,
        content_type=content_type or mimetypes.guess_type(filename)[0] or "application/octet-stream",
        created_by=person,
    )


@transaction.atomic
def add_file(
    folder: DocumentFolder,
    name: str,
    person: Person | None,
    *,
    content: bytes | None = None,
    storage_name: str = "",
    size: int | None = None,
    content_type: str = "",
    description: str = "",
    unique_name: bool = False,
    is_tracked: bool = False,
    private: bool = False,
) -> DocumentFile:
    """Create a file with its first version, from `content` or bytes already in storage."""
    # Lock the folder so two creates of one name cannot both pass the clash check.
    folder = DocumentFolder.objects.select_for_update().get(pk=folder.pk)
    if unique_name:
        name = unique_file_name(folder, name)
    elif name_taken(folder, name):
        raise NameTaken(name)
    if content is not None:
        storage_name, size = store_bytes(name, content), len(content)
    file = DocumentFile.objects.create(
        company_id=folder.company_id,
        project_id=folder.project_id,
        folder=folder,
        name=name,
        name_with_path=child_path(folder, name),
        description=description,
        is_tracked=is_tracked,
        private=private,
        created_by=person,
    )
    _new_version(
        file,
        person,
        number=1,
        notes="",
        size=size or 0,
        storage_name=storage_name,
        filename=name,
        content_type=content_type,
    )
    _announce(file, "Files", "create", person)
    return file


@transaction.atomic
def add_version(
    file: DocumentFile,
    person: Person | None,
    *,
    content: bytes | None = None,
    storage_name: str = "",
    size: int | None = None,
    content_type: str = "",
    notes: str = "",
) -> DocumentFileVersion:
    file = DocumentFile.objects.select_for_update().get(pk=file.pk)
    if content is not None:
        storage_name, size = store_bytes(file.name, content), len(content)
    last = file.versions.order_by("-number").values_list("number", flat=True).first() or 0
    version = _new_version(
        file,
        person,
        number=last + 1,
        notes=notes,
        size=size or 0,
        storage_name=storage_name,
        filename=file.name,
        content_type=content_type,
    )
    touch(file)
    _announce(file, "Files", "update", person)
    return version


def touch(file: DocumentFile, **changes: object) -> None:
    for key, value in changes.items():
        setattr(file, key, value)
    file.updated_at = timezone.now()
    file.save(update_fields=[*changes, "updated_at"])


@transaction.atomic
def update_file(
    file: DocumentFile,
    person: Person | None,
    *,
    name: str | None = None,
    folder: DocumentFolder | None = None,
    description: str | None = None,
) -> DocumentFile:
    """Rename and/or move a file (a name clash in the target folder raises NameTaken)."""
    target = DocumentFolder.objects.select_for_update().get(pk=(folder or file.folder).pk)
    new_name = name or file.name
    if (new_name != file.name or target.id != file.folder_id) and name_taken(target, new_name, except_id=file.id):
        raise NameTaken(new_name)
    changes: dict[str, object] = {"name": new_name, "folder": target, "name_with_path": child_path(target, new_name)}
    if description is not None:
        changes["description"] = description
    touch(file, **changes)
    _announce(file, "Files", "update", person)
    return file


def rename_file(file: DocumentFile, new_name: str, person: Person | None = None) -> DocumentFile:
    return update_file(file, person, name=new_name)


@transaction.atomic
def recycle_file(file: DocumentFile, person: Person | None = None) -> DocumentFile:
    """Move to the recycle bin: hidden from folders, still listed by the index as deleted."""
    touch(file, is_deleted=True)
    _announce(file, "Files", "delete", person)
    return file
