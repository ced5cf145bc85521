"""Writing to the Documents tool: folders, files and file versions (procore-api.md §5).

- `POST /folders?project_id=` `{"folder": {parent_id, name, is_tracked, ...}}` → 201 folder;
  no `parent_id` means the root.
- `POST /files?project_id=` with JSON `{"file": {parent_id, name, description, upload_uuid,
  unique_name, ...}}` → 201 file; or the legacy single-call multipart form (`file[data]`,
  `file[name]`, `file[parent_id]`, `file[description]`, also `file[upload_uuid]`).
- `PATCH /files/{id}?project_id=` renames, moves or describes a file; `upload_uuid` (or
  multipart `file[data]`) adds a new version. `DELETE` moves it to the recycle bin → 200, no body.
- `POST /file_versions?project_id=&file_id=` `{"file_version": {notes, upload_uuid}}` → 201 version.
- Company equivalents under `/companies/{company_id}/...`.

Choices [inferred]: PATCH or DELETE of a file in the recycle bin → 404 (show still finds it);
a live file of the same name in the target folder → 422
`{"errors": {"name": ["has already been taken"]}}` unless `unique_name: true`, which names it
"name (1).pdf", "name (2).pdf", …; a folder name clash → 422 the same way. A file's name
defaults to the upload's `response_filename` or the multipart file's name. Each change emits its
event (documents_ops).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse

from procore_sandbox.documents import ops
from procore_sandbox.documents.legacy_uploads import claim, invalid, json_body
from procore_sandbox.documents.serializers import (
    Scope,
    company_scope,
    file_json,
    folder_json,
    project_scope,
    version_json,
    with_child_flags,
)
from procore_sandbox.http import ApiError, api_view, int_param
from procore_sandbox.models import AccessToken, DocumentFile, DocumentFolder


def truthy(value: Any) -> bool:
    return value is True or str(value).strip().lower() in {"true", "1", "yes", "t"}


def _payload(request: HttpRequest, key: str) -> tuple[dict[str, Any], Any]:
    """The `key` object of a JSON body, or the `key[...]` fields of a multipart form, and the
    multipart `key[data]` file if any."""
    content_type = request.content_type or ""
    if content_type.startswith("multipart/") or content_type == "application/x-www-form-urlencoded":
        if request.method != "POST":
            # Django parses form bodies for POST only; Procore takes them on PATCH too.
            method, request.method = request.method, "POST"
            request._load_post_and_files()
            request.method = method
        prefix = f"{key}["
        fields = {
            name[len(prefix) : -1]: value
            for name, value in request.POST.items()
            if name.startswith(prefix) and name.endswith("]")
        }
        return fields, request.FILES.get(f"{key}[data]")
    body = json_body(request).get(key)
    if not isinstance(body, dict):
        raise ApiError(400, f"The request body must be an object with a {key!r} key")
    return body, None


def _folder(scope: Scope, parent_id: Any) -> DocumentFolder:
    if parent_id in (None, ""):
        return scope.root()
    try:
        folder = scope.folders().filter(id=int(parent_id), is_deleted=False).first()
    except (TypeError, ValueError):
        folder = None
    if folder is None:
        raise invalid("parent_id", "does not reference a folder")
    return folder


def _bytes(scope: Scope, token: AccessToken, fields: dict[str, Any], data: Any) -> dict[str, Any]:
    """Where a new version's bytes come from: a completed upload, or a multipart part."""
    if fields.get("upload_uuid"):
        upload = claim(scope, token.person, fields["upload_uuid"])
        return {
            "storage_name": upload.storage_name,
            "size": upload.size,
            "content_type": upload.response_content_type,
            "filename": upload.response_filename,
        }
    if data is not None:
        return {"content": data.read(), "content_type": data.content_type or "", "filename": data.name}
    return {}


def _create_folder(request: HttpRequest, token: AccessToken, scope: Scope) -> HttpResponse:
    fields, _ = _payload(request, "folder")
    name = str(fields.get("name") or "").strip()
    if not name:
        raise invalid("name", "can't be blank")
    parent = _folder(scope, fields.get("parent_id"))
    if scope.folders().filter(parent=parent, name=name, is_deleted=False).exists():
        raise invalid("name", "has already been taken")
    folder = ops.create_folder(
        parent,
        name,
        token.person,
        is_tracked=truthy(fields.get("is_tracked")),
        private=truthy(fields.get("explicit_permissions")),
    )
    return JsonResponse(folder_json(with_child_flags(DocumentFolder.objects.filter(pk=folder.pk)).get()), status=201)


@transaction.atomic
def _create_file(request: HttpRequest, token: AccessToken, scope: Scope) -> HttpResponse:
    fields, data = _payload(request, "file")
    parent = _folder(scope, fields.get("parent_id"))
    source = _bytes(scope, token, fields, data)
    if not source:
        raise invalid("upload_uuid", "can't be blank (or send the bytes as file[data])")
    name = str(fields.get("name") or source.pop("filename", "") or "").strip()
    source.pop("filename", None)
    if not name:
        raise invalid("name", "can't be blank")
    try:
        file = ops.add_file(
            parent,
            name,
            token.person,
            description=str(fields.get("description") or ""),
            unique_name=truthy(fields.get("unique_name")),
            is_tracked=truthy(fields.get("is_tracked")),
            private=truthy(fields.get("explicit_permissions")),
            **source,
        )
    except ops.NameTaken:
        raise invalid("name", "has already been taken") from None
    return JsonResponse(file_json(request, file, file.versions.all()), status=201)


def _scoped_file(scope: Scope, file_id: int) -> DocumentFile:
    file = scope.files().filter(id=file_id).first()
    if file is None:
        raise ApiError(404, "Not Found")
    return file


@transaction.atomic
def _update_file(request: HttpRequest, token: AccessToken, scope: Scope, file_id: int) -> HttpResponse:
    file = _scoped_file(scope, file_id)
    if file.is_deleted:
        # In the recycle bin: still shown, no longer changed through the API.
        raise ApiError(404, "Not Found")
    if request.method == "DELETE":
        ops.recycle_file(file, token.person)
        return HttpResponse(status=200)
    fields, data = _payload(request, "file")
    if file.checked_out_by_id and file.checked_out_by_id != token.person.id:
        raise ApiError(409, "The file is checked out by another user")
    target = _folder(scope, fields["parent_id"]) if fields.get("parent_id") not in (None, "") else None
    try:
        if "name" in fields or target or "description" in fields:
            ops.update_file(
                file,
                token.person,
                name=str(fields.get("name") or "").strip() or None,
                folder=target,
                description=fields.get("description"),
            )
    except ops.NameTaken:
        raise invalid("name", "has already been taken") from None
    source = _bytes(scope, token, fields, data)
    if source:
        source.pop("filename", None)
        ops.add_version(file, token.person, notes=str(fields.get("notes") or ""), **source)
    file.refresh_from_db()
    return JsonResponse(file_json(request, file, file.versions.select_related("created_by")))


@transaction.atomic
def _create_version(request: HttpRequest, token: AccessToken, scope: Scope) -> HttpResponse:
    file = _scoped_file(scope, int_param(request, "file_id", required=True))
    fields, data = _payload(request, "file_version")
    source = _bytes(scope, token, fields, data)
    if not source:
        raise invalid("upload_uuid", "can't be blank")
    source.pop("filename", None)
    version = ops.add_version(file, token.person, notes=str(fields.get("notes") or ""), **source)
    return JsonResponse(version_json(request, version), status=201)


def _project(request: HttpRequest, token: AccessToken) -> Scope:
    return project_scope(request, token, int_param(request, "project_id"))


@api_view(["POST"])
def project_create_folder(request: HttpRequest, token: AccessToken) -> HttpResponse:
    return _create_folder(request, token, _project(request, token))


@api_view(["POST"])
def project_create_file(request: HttpRequest, token: AccessToken) -> HttpResponse:
    return _create_file(request, token, _project(request, token))


@api_view(["PATCH", "DELETE"])
def project_update_file(request: HttpRequest, token: AccessToken, file_id: int) -> HttpResponse:
    return _update_file(request, token, _project(request, token), file_id)


@api_view(["POST"])
def project_create_version(request: HttpRequest, token: AccessToken) -> HttpResponse:
    return _create_version(request, token, _project(request, token))


@api_view(["POST"])
def company_create_folder(request: HttpRequest, token: AccessToken, company_id: int) -> HttpResponse:
    return _create_folder(request, token, company_scope(request, token, company_id))


@api_view(["POST"])
def company_create_file(request: HttpRequest, token: AccessToken, company_id: int) -> HttpResponse:
    return _create_file(request, token, company_scope(request, token, company_id))


@api_view(["PATCH", "DELETE"])
def company_update_file(request: HttpRequest, token: AccessToken, company_id: int, file_id: int) -> HttpResponse:
    return _update_file(request, token, company_scope(request, token, company_id), file_id)


@api_view(["POST"])
def company_create_version(request: HttpRequest, token: AccessToken, company_id: int) -> HttpResponse:
    return _create_version(request, token, company_scope(request, token, company_id))
