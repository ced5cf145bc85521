"""Mirror a company's own Documents tool (company folders and files, procore-api.md §5).

Procore has no flat index for company documents, so this walks the tree as the docs describe:
the root folder, then each folder once (one call per folder), and removes what is gone.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any

from django.utils import timezone

from portal.procore import documents
from portal.procore.http import ProcoreClient

from .models import Company, File, Folder
from .sync_documents import FILE_FIELDS, FOLDER_FIELDS
from .upsert import delete_ids, upsert, when

# A guard against a cyclic or absurdly deep tree answered by a misbehaving server.
MAX_FOLDERS = 100_000


def _folder(company: Company, item: dict[str, Any]) -> Folder:
    return Folder(
        id=item["id"],
        company=company,
        project=None,
        parent_id=item.get("parent_id"),
        name=item.get("name") or "",
        name_with_path=item.get("name_with_path") or "",
        private=bool(item.get("private")),
        procore_updated_at=when(item.get("updated_at")),
    )


def _file(company: Company, item: dict[str, Any], folder_id: int) -> File:
    versions = item.get("file_versions") or []
    latest = max(versions, key=lambda v: v.get("number") or 0) if versions else {}
    return File(
        id=item["id"],
        company=company,
        project=None,
        folder_id=folder_id,
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


def sync_company_documents(
    client: ProcoreClient, company: Company, progress: Callable[[int, int], None] = lambda seen, removed: None
) -> None:
    root = documents.company_folder(client, company.id)
    queue: deque[dict[str, Any]] = deque([root])
    seen_folders: set[int] = set()
    seen_files: set[int] = set()
    while queue:
        listing = queue.popleft()
        # The root itself is Procore's container, not a folder people see; its children are the top level.
        children = [f for f in listing.get("folders") or [] if f["id"] not in seen_folders]
        upsert(Folder, [_folder(company, f) for f in children], ["id"], FOLDER_FIELDS)
        files = [f for f in listing.get("files") or [] if not f.get("is_deleted")]
        upsert(File, [_file(company, f, listing["id"]) for f in files], ["id"], FILE_FIELDS)
        seen_folders.update(f["id"] for f in children)
        seen_files.update(f["id"] for f in files)
        if len(seen_folders) > MAX_FOLDERS:
            break
        for child in children:
            queue.append(documents.company_folder(client, company.id, child["id"]))
        progress(len(seen_folders) + len(seen_files), 0)

    own_folders = Folder.objects.filter(company=company, project=None)
    own_files = File.objects.filter(company=company, project=None)
    removed = delete_ids(own_folders, set(own_folders.values_list("id", flat=True)) - seen_folders)
    removed += delete_ids(own_files, set(own_files.values_list("id", flat=True)) - seen_files)
    progress(len(seen_folders) + len(seen_files), removed)
    Company.objects.filter(pk=company.pk).update(documents_synced_at=timezone.now())
