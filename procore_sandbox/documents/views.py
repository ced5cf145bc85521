"""Reading the Documents tool: folders, files and the flat documents index (procore-api.md §5).

`GET /folders` shows the root folder with its immediate children (deeper levels as empty
arrays); `GET /folders/{id}` shows one folder the same way, so a client recurses with show.
Files in the recycle bin are left out of folder listings but `GET /files/{id}` still shows them
with `is_deleted: true`.

The flat index `GET /projects/{id}/documents` (choices where the reference is silent [inferred]):

- Items are folders and files with `document_type` "folder"/"file"; the root folder is not an
  item. Normal view: id, name, document_type, parent_id, name_with_path, created_at,
  updated_at, is_deleted, is_in_recycle_bin, private, is_tracked, created_by, and for files
  size, file_type and `file_versions` holding the latest version only. `view=extended` adds
  description, checkout fields and every version.
- Deleted items: by default the index lists live items only. `filters[is_in_recycle_bin]=true`
  lists only recycled ones, `filters[include_deleted]=with` both, `=only` only recycled
  (§3.4). Recycling bumps `updated_at`, so an incremental sync asks for
  `filters[updated_at]=<last sync>...<now>&filters[include_deleted]=with` and removes every
  item that comes back with `is_deleted: true`.
- `filters[updated_at]` / `filters[created_at]` windows `a...b` are inclusive at both ends; a
  date-only upper bound means the end of that day; an open upper bound (`a...` or `a`) means
  "since a".
- Default sort `document_type_then_name` (folders first, then files, by name); `id` breaks ties
  so pages are stable. `filters[folder_id]` covers the folder's whole subtree (depth ≤ 100),
  not the folder itself. `filters[search]` matches the name or path, case-insensitively.
- v1 pagination as every v1 list here: default 100 a page, `per_page` clamped at 1,000.
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.dateparse import parse_date, parse_datetime

from procore_sandbox.documents.serializers import (
    Scope,
    company_scope,
    file_json,
    files_json,
    folder_json,
    person_json,
    project_scope,
    version_json,
    versions_by_file,
    with_child_flags,
)
from procore_sandbox.http import ApiError, api_view, int_param, json_list, paginate, timestamp
from procore_sandbox.models import AccessToken, DocumentFile, DocumentFolder

V1_DEFAULT_PER_PAGE = 100
V1_MAX_PER_PAGE = 1000
MAX_SUBTREE_DEPTH = 100


def flag(request: HttpRequest, name: str) -> bool:
    return request.GET.get(name, "").strip().lower() in {"true", "1", "yes", "t"}


def folder_listing(request: HttpRequest, scope: Scope, folder: DocumentFolder) -> dict[str, Any]:
    folder = with_child_flags(DocumentFolder.objects.filter(pk=folder.pk)).get()
    folders: list[dict[str, Any]] = []
    files: list[dict[str, Any]] = []
    if not flag(request, "exclude_folders"):
        children = with_child_flags(scope.folders().filter(parent=folder, is_deleted=False).order_by("name", "id"))
        folders = [folder_json(child) for child in children]
    if not flag(request, "exclude_files"):
        children_files = list(
            scope.files()
            .filter(folder=folder, is_deleted=False)
            .select_related("checked_out_by")
            .order_by("name", "id")
        )
        files = files_json(request, children_files, latest_only=flag(request, "show_latest_file_version_only"))
    return folder_json(folder, folders=folders, files=files)


def _show_folder(request: HttpRequest, scope: Scope, folder_id: int | None) -> HttpResponse:
    folder: DocumentFolder | None
    if folder_id is None:
        folder = scope.root()
    else:
        folder = scope.folders().filter(id=folder_id).first()
        if folder is None:
            raise ApiError(404, "Not Found")
    return JsonResponse(folder_listing(request, scope, folder))


def _show_file(request: HttpRequest, scope: Scope, file_id: int) -> HttpResponse:
    file = scope.files().select_related("checked_out_by").filter(id=file_id).first()
    if file is None:
        raise ApiError(404, "Not Found")
    latest_only = flag(request, "show_latest_version_only")
    return JsonResponse(file_json(request, file, file.versions.select_related("created_by"), latest_only=latest_only))


@api_view(["GET"])
def project_root(request: HttpRequest, token: AccessToken) -> HttpResponse:
    return _show_folder(request, project_scope(request, token, int_param(request, "project_id")), None)


@api_view(["GET"])
def project_folder(request: HttpRequest, token: AccessToken, folder_id: int) -> HttpResponse:
    return _show_folder(request, project_scope(request, token, int_param(request, "project_id")), folder_id)


@api_view(["GET"])
def project_file(request: HttpRequest, token: AccessToken, file_id: int) -> HttpResponse:
    return _show_file(request, project_scope(request, token, int_param(request, "project_id")), file_id)


@api_view(["GET"])
def company_root(request: HttpRequest, token: AccessToken, company_id: int) -> HttpResponse:
    return _show_folder(request, company_scope(request, token, company_id), None)


@api_view(["GET"])
def company_folder(request: HttpRequest, token: AccessToken, company_id: int, folder_id: int) -> HttpResponse:
    return _show_folder(request, company_scope(request, token, company_id), folder_id)


@api_view(["GET"])
def company_file(request: HttpRequest, token: AccessToken, company_id: int, file_id: int) -> HttpResponse:
    return _show_file(request, company_scope(request, token, company_id), file_id)


# --- The flat index ---------------------------------------------------------------------------


def _instant(value: str, *, end: bool) -> datetime | None:
    parsed = parse_datetime(value.strip())
    if parsed is not None:
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    day = parse_date(value.strip())
    if day is None:
        return None
    return datetime.combine(day, time.max if end else time.min, tzinfo=UTC)


def window(request: HttpRequest, name: str) -> tuple[datetime | None, datetime | None] | None:
    raw = request.GET.get(name, "").strip()
    if not raw:
        return None
    start, sep, end = raw.partition("...")
    lower = _instant(start, end=False) if start else None
    upper = _instant(end, end=True) if end else None
    if (start and lower is None) or (end and upper is None) or (lower is None and upper is None):
        raise ApiError(400, f"{name} must be a range like 2024-01-01T00:00:00Z...2024-02-01T00:00:00Z")
    return lower, upper


def subtree_ids(scope: Scope, folder_id: int) -> set[int]:
    """Ids of the folders below `folder_id` (not itself), at most MAX_SUBTREE_DEPTH levels down."""
    children: dict[int, list[int]] = {}
    for fid, parent_id in scope.folders().values_list("id", "parent_id"):
        children.setdefault(parent_id, []).append(fid)
    found: set[int] = set()
    level = [folder_id]
    for _ in range(MAX_SUBTREE_DEPTH):
        level = [c for parent in level for c in children.get(parent, [])]
        if not level:
            break
        found.update(level)
    return found


def _filter(request: HttpRequest, scope: Scope, items: QuerySet, *, is_file: bool) -> QuerySet:
    include_deleted = request.GET.get("filters[include_deleted]", "").strip().lower()
    recycle = request.GET.get("filters[is_in_recycle_bin]", "").strip().lower()
    if recycle in {"true", "1"} or include_deleted == "only":
        items = items.filter(is_deleted=True)
    elif include_deleted != "with":
        items = items.filter(is_deleted=False)
    for name, field in (("filters[updated_at]", "updated_at"), ("filters[created_at]", "created_at")):
        bounds = window(request, name)
        if bounds:
            if bounds[0]:
                items = items.filter(**{f"{field}__gte": bounds[0]})
            if bounds[1]:
                items = items.filter(**{f"{field}__lte": bounds[1]})
    if folder_id := int_param(request, "filters[folder_id]"):
        if not scope.folders().filter(id=folder_id).exists():
            raise ApiError(404, "Not Found")
        folders = subtree_ids(scope, folder_id)
        items = items.filter(folder_id__in=folders | {folder_id}) if is_file else items.filter(id__in=folders)
    if search := request.GET.get("filters[search]", "").strip():
        items = items.filter(name_with_path__icontains=search)
    if creators := request.GET.getlist("filters[created_by_id][]") or request.GET.getlist("filters[created_by_id]"):
        try:
            items = items.filter(created_by_id__in=[int(c) for c in creators])
        except ValueError:
            raise ApiError(400, "filters[created_by_id] must be integers") from None
    if private := request.GET.get("filters[private]", "").strip().lower():
        items = items.filter(private=private in {"true", "1"})
    return items


SORTS = {"updated_at", "created_at", "name", "document_type", "document_type_then_name", "id"}


def _sort_key(sort: str, kind: str, row: tuple) -> tuple:
    _id, name, updated_at, created_at = row[:4]
    # Folders before files for document_type sorts, as the Documents tool lists them.
    type_rank = 0 if kind == "folder" else 1
    return {
        "updated_at": (updated_at,),
        "created_at": (created_at,),
        "name": (name.lower(),),
        "document_type": (type_rank,),
        "document_type_then_name": (type_rank, name.lower()),
        "id": (_id,),
    }[sort] + (type_rank, _id)


@api_view(["GET"])
def project_documents(request: HttpRequest, token: AccessToken, project_id: int) -> HttpResponse:
    scope = project_scope(request, token, project_id)
    document_type = request.GET.get("filters[document_type]", "").strip().lower()
    if document_type not in {"", "file", "folder"}:
        raise ApiError(400, "filters[document_type] must be file or folder")
    sort = request.GET.get("sort", "document_type_then_name").strip() or "document_type_then_name"
    descending = sort.startswith("-")
    if sort.lstrip("-") not in SORTS:
        raise ApiError(400, f"sort must be one of {', '.join(sorted(SORTS))}")
    keys: list[tuple] = []
    fields = ("id", "name", "updated_at", "created_at")
    if document_type in {"", "folder"}:
        folders = _filter(request, scope, scope.folders().exclude(parent__isnull=True), is_file=False)
        if request.GET.getlist("filters[file_type][]") or request.GET.get("filters[file_type]"):
            folders = folders.none()
        keys += [(_sort_key(sort.lstrip("-"), "folder", row), "folder", row[0]) for row in folders.values_list(*fields)]
    if document_type in {"", "file"}:
        files = _filter(request, scope, scope.files(), is_file=True)
        keys += [
            (_sort_key(sort.lstrip("-"), "file", row), "file", row[0])
            for row in files.values_list(*fields, "name")
            if _file_type_ok(request, row[4])
        ]
    keys.sort(key=lambda k: k[0], reverse=descending)
    page, headers = paginate(
        request, keys, default_per_page=V1_DEFAULT_PER_PAGE, max_per_page=V1_MAX_PER_PAGE, clamp=True
    )
    return json_list(_index_items(request, scope, page), headers)


def _file_type_ok(request: HttpRequest, name: str) -> bool:
    wanted = request.GET.getlist("filters[file_type][]") or request.GET.getlist("filters[file_type]")
    if not wanted:
        return True
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return ext in {w.lower().lstrip(".") for w in wanted}


def _index_items(request: HttpRequest, scope: Scope, page: list[tuple]) -> list[dict[str, Any]]:
    extended = request.GET.get("view") == "extended"
    folder_ids = [i for _, kind, i in page if kind == "folder"]
    file_ids = [i for _, kind, i in page if kind == "file"]
    folders = {f.id: f for f in scope.folders().filter(id__in=folder_ids).select_related("created_by")}
    files = {f.id: f for f in scope.files().filter(id__in=file_ids).select_related("created_by", "checked_out_by")}
    versions = versions_by_file(file_ids)
    items = []
    for _, kind, item_id in page:
        if kind == "folder":
            items.append(_index_folder(folders[item_id]))
        else:
            items.append(_index_file(request, files[item_id], versions[item_id], extended=extended))
    return items


def _index_common(item: DocumentFolder | DocumentFile, document_type: str) -> dict[str, Any]:
    return {
        "id": item.id,
        "name": item.name,
        "document_type": document_type,
        "parent_id": item.parent_id if isinstance(item, DocumentFolder) else item.folder_id,
        "name_with_path": item.name_with_path,
        "created_at": timestamp(item.created_at),
        "updated_at": timestamp(item.updated_at),
        "is_deleted": item.is_deleted,
        "is_in_recycle_bin": item.is_deleted,
        "private": item.private,
        "is_tracked": item.is_tracked,
        "created_by": person_json(item.created_by),
    }


def _index_folder(folder: DocumentFolder) -> dict[str, Any]:
    return {**_index_common(folder, "folder"), "read_only": folder.read_only}


def _index_file(request: HttpRequest, file: DocumentFile, versions: list, *, extended: bool) -> dict[str, Any]:
    ordered = sorted(versions, key=lambda v: v.number, reverse=True)
    item = {
        **_index_common(file, "file"),
        "size": ordered[0].size if ordered else 0,
        "file_type": file.file_type,
        "file_versions": [version_json(request, v) for v in (ordered if extended else ordered[:1])],
    }
    if extended:
        item.update(
            {
                "description": file.description,
                "checked_out_until": timestamp(file.checked_out_until),
                "checked_out_by": person_json(file.checked_out_by),
                "legacy_id": file.legacy_id,
            }
        )
    return item
