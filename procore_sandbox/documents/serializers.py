"""Who may read which Documents tool, and the JSON shapes of folders and files (procore-api.md §5).

Choices where the contract is silent [inferred]:

- The root folder is named "Documents", has `parent_id: null` and an empty `name_with_path`;
  every other `name_with_path` is the slash-joined path below the root ("Drawings/A-101.pdf").
- `tracked_folder` is `{"id", "name"}` of the folder itself when it is tracked, else null.
- `custom_fields` is always `{}` (the sandbox has no custom fields on documents).
- A file version's `url` and `prostore_file.url` are the same sandbox download URL; it serves the
  bytes only with the caller's bearer token (§3.7).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest
from django.urls import reverse

from procore_sandbox.core.views import company_for, visible_projects
from procore_sandbox.http import ApiError, timestamp
from procore_sandbox.models import (
    AccessToken,
    Company,
    DocumentFile,
    DocumentFileVersion,
    DocumentFolder,
    Person,
    Project,
)

ROOT_NAME = "Documents"


def project_for(request: HttpRequest, token: AccessToken, project_id: int | None) -> Project:
    """The project, if the caller may see it (404 otherwise), after the company-header rules."""
    if project_id is None:
        raise ApiError(400, "project_id is required")
    project = Project.objects.select_related("company").filter(id=project_id).first()
    if project is None:
        raise ApiError(404, "Not Found")
    company = company_for(request, token, project.company_id)
    if not visible_projects(token.person, company).filter(id=project.id).exists():
        raise ApiError(404, "Not Found")
    return project


class Scope:
    """One Documents tool: a project's, or a company's own (project None)."""

    def __init__(self, company: Company, project: Project | None):
        self.company = company
        self.project = project

    @property
    def company_id(self) -> int:
        return self.company.id

    @property
    def project_id(self) -> int | None:
        return self.project.id if self.project else None

    def folders(self) -> QuerySet[DocumentFolder]:
        return DocumentFolder.objects.filter(company=self.company, project=self.project)

    def files(self) -> QuerySet[DocumentFile]:
        return DocumentFile.objects.filter(company=self.company, project=self.project)

    def root(self) -> DocumentFolder:
        root = self.folders().filter(parent__isnull=True).first()
        if root is None:
            root = DocumentFolder.objects.create(company=self.company, project=self.project, name=ROOT_NAME)
        return root


def project_scope(request: HttpRequest, token: AccessToken, project_id: int | None) -> Scope:
    project = project_for(request, token, project_id)
    return Scope(project.company, project)


def company_scope(request: HttpRequest, token: AccessToken, company_id: int) -> Scope:
    return Scope(company_for(request, token, company_id), None)


def person_json(person: Person | None) -> dict[str, Any] | None:
    if person is None:
        return None
    return {"id": person.id, "login": person.login, "name": person.name}


@functools.cache
def _download_path_prefix() -> str:
    # reverse() once: the index serializes thousands of versions per page.
    return reverse("sandbox:file_version_download", kwargs={"version_id": 0})[:-1]


def download_url(request: HttpRequest, version: DocumentFileVersion) -> str:
    return request.build_absolute_uri(f"{_download_path_prefix()}{version.id}")


def version_json(request: HttpRequest, version: DocumentFileVersion) -> dict[str, Any]:
    url = download_url(request, version)
    return {
        "id": version.id,
        "notes": version.notes,
        "url": url,
        "size": version.size,
        "created_at": timestamp(version.created_at),
        "number": version.number,
        "created_by": person_json(version.created_by),
        "prostore_file": {"id": version.id, "name": version.filename, "url": url, "filename": version.filename},
        "file_id": version.file_id,
    }


def _tracked(obj: DocumentFolder | DocumentFile) -> dict[str, Any] | None:
    if isinstance(obj, DocumentFolder) and obj.is_tracked:
        return {"id": obj.id, "name": obj.name}
    return None


def file_json(
    request: HttpRequest, file: DocumentFile, versions: Iterable[DocumentFileVersion], *, latest_only: bool = False
) -> dict[str, Any]:
    ordered = sorted(versions, key=lambda v: v.number, reverse=True)
    if latest_only:
        ordered = ordered[:1]
    return {
        "id": file.id,
        "name": file.name,
        "parent_id": file.folder_id,
        "size": ordered[0].size if ordered else 0,
        "description": file.description,
        "updated_at": timestamp(file.updated_at),
        "created_at": timestamp(file.created_at),
        "checked_out_until": timestamp(file.checked_out_until),
        "checked_out_by": person_json(file.checked_out_by),
        "name_with_path": file.name_with_path,
        "private": file.private,
        "is_tracked": file.is_tracked,
        "tracked_folder": None,
        "file_type": file.file_type,
        "file_versions": [version_json(request, v) for v in ordered],
        "legacy_id": file.legacy_id,
        "is_deleted": file.is_deleted,
        "custom_fields": {},
    }


def with_child_flags(folders: QuerySet[DocumentFolder]) -> QuerySet[DocumentFolder]:
    live_folders = DocumentFolder.objects.filter(parent=OuterRef("pk"), is_deleted=False)
    live_files = DocumentFile.objects.filter(folder=OuterRef("pk"), is_deleted=False)
    return folders.annotate(has_folders=Exists(live_folders), has_files=Exists(live_files))


def folder_json(
    folder: DocumentFolder, *, folders: list[dict[str, Any]] | None = None, files: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    has_folders = bool(getattr(folder, "has_folders", False))
    has_files = bool(getattr(folder, "has_files", False))
    return {
        "id": folder.id,
        "name": folder.name,
        "parent_id": folder.parent_id,
        "private": folder.private,
        "updated_at": timestamp(folder.updated_at),
        "is_tracked": folder.is_tracked,
        "tracked_folder": _tracked(folder),
        "name_with_path": folder.name_with_path,
        "folders": folders or [],
        "files": files or [],
        "read_only": folder.read_only,
        "is_deleted": folder.is_deleted,
        "is_recycle_bin": False,
        "has_children": has_folders or has_files,
        "has_children_files": has_files,
        "has_children_folders": has_folders,
        "custom_fields": {},
    }


def versions_by_file(file_ids: list[int]) -> dict[int, list[DocumentFileVersion]]:
    grouped: dict[int, list[DocumentFileVersion]] = {file_id: [] for file_id in file_ids}
    for version in DocumentFileVersion.objects.filter(file_id__in=file_ids).select_related("created_by"):
        grouped[version.file_id].append(version)
    return grouped


def files_json(request: HttpRequest, files: list[DocumentFile], *, latest_only: bool) -> list[dict[str, Any]]:
    versions = versions_by_file([f.id for f in files])
    return [file_json(request, f, versions[f.id], latest_only=latest_only) for f in files]
