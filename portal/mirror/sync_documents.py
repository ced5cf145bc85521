"""Mirror a project's Documents tool (folders and files) from Procore's flat index.

A full sync reads the whole index in large pages (far fewer calls than walking the tree one
folder at a time) and removes what Procore no longer lists. An incremental sync asks only for
what changed since the cursor, recycled items included, and removes those that come back
deleted. The cursor is the newest `updated_at` Procore has shown (Procore's clock, not ours).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.utils import timezone

from portal.procore import documents
from portal.procore.http import ProcoreClient

from .models import File, Folder, Project
from .upsert import chunked, delete_ids, newest, upsert, when

FOLDER_FIELDS = ["company", "project", "parent_id", "name", "name_with_path", "private", "procore_updated_at"]
FILE_FIELDS = [
    "company",
    "project",
    "folder_id",
    "name",
    "name_with_path",
    "size",
    "file_type",
    "latest_version_id",
    "latest_version_number",
    "latest_version_url",
    "procore_created_at",
    "procore_updated_at",
]
PAGE = 1000


def _folder(project: Project, item: dict[str, Any]) -> Folder:
    return Folder(
        id=item["id"],
        company_id=project.company_id,
        project=project,
        parent_id=item.get("parent_id"),
        name=item.get("name") or "",
        name_with_path=item.get("name_with_path") or "",
        private=bool(item.get("private")),
        procore_updated_at=when(item.get("updated_at")),
    )


def _file(project: Project, item: dict[str, Any]) -> File:
    versions = item.get("file_versions") or []
    latest = max(versions, key=lambda v: v.get("number") or 0) if versions else {}
    return File(
        id=item["id"],
        company_id=project.company_id,
        project=project,
        folder_id=item.get("parent_id"),
        name=item.get("name") or "",
        name_with_path=item.get("name_with_path") or "",
        size=item.get("size") if item.get("size") is not None else latest.get("size"),
        file_type=item.get("file_type") or "",
        latest_version_id=latest.get("id"),
        latest_version_number=latest.get("number"),
        latest_version_url=latest.get("url") or "",
        procore_created_at=when(item.get("created_at")),
        procore_updated_at=when(item.get("updated_at")),
    )


def sync_documents(
    client: ProcoreClient,
    project: Project,
    *,
    full: bool,
    progress: Callable[[int, int], None] = lambda seen, removed: None,
) -> None:
    """Bring the project's folders and files up to date; calls `progress(seen, removed)` per page."""
    api = client.for_company(project.company_id)
    started = timezone.now()
    incremental = not full and project.documents_cursor is not None
    if incremental:
        # An upper bound well past now: Procore's clock may run ahead of ours.
        items = documents.project_index(
            api, project.id, updated_since=project.documents_cursor, updated_until=started + timedelta(days=1)
        )
    else:
        items = documents.project_index(api, project.id)

    cursor = project.documents_cursor
    seen_folders: set[int] = set()
    seen_files: set[int] = set()
    total_seen = total_removed = 0
    for page in chunked(items, PAGE):
        live_folders: list[dict[str, Any]] = []
        live_files: list[dict[str, Any]] = []
        gone_folders: list[dict[str, Any]] = []
        gone_files: list[dict[str, Any]] = []
        for item in page:
            cursor = newest(cursor, when(item.get("updated_at")))
            deleted = item.get("is_deleted") or item.get("is_in_recycle_bin")
            if item.get("document_type") == "folder":
                (gone_folders if deleted else live_folders).append(item)
            else:
                (gone_files if deleted else live_files).append(item)
        upsert(Folder, [_folder(project, i) for i in live_folders], ["id"], FOLDER_FIELDS)
        upsert(File, [_file(project, i) for i in live_files], ["id"], FILE_FIELDS)
        seen_folders.update(i["id"] for i in live_folders)
        seen_files.update(i["id"] for i in live_files)
        removed = delete_ids(Folder.objects.filter(project=project), [i["id"] for i in gone_folders])
        removed += delete_ids(File.objects.filter(project=project), [i["id"] for i in gone_files])
        total_seen += len(page)
        total_removed += removed
        progress(total_seen, total_removed)

    if not incremental:
        stale_folders = set(Folder.objects.filter(project=project).values_list("id", flat=True)) - seen_folders
        stale_files = set(File.objects.filter(project=project).values_list("id", flat=True)) - seen_files
        total_removed += delete_ids(Folder.objects.filter(project=project), stale_folders)
        total_removed += delete_ids(File.objects.filter(project=project), stale_files)
        progress(total_seen, total_removed)

    project.documents_cursor = cursor or started
    project.save(update_fields=["documents_cursor"])
