"""Sandbox URLs for the documents area (Procore's own paths, mounted under /sandbox/).

Procore serves several methods on one path (GET and POST /folders); `by_method` sends each to
its view, and anything else to the first one, which answers 405.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.urls import path, re_path
from django.views.decorators.csrf import csrf_exempt

from procore_sandbox.documents import download as documents_download
from procore_sandbox.documents import legacy_storage, legacy_uploads
from procore_sandbox.documents import views as documents
from procore_sandbox.documents import write as documents_write


def by_method(**views: Callable) -> Callable:
    first = next(iter(views.values()))

    @csrf_exempt
    def dispatch(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        return views.get((request.method or "GET").lower(), first)(request, *args, **kwargs)

    return dispatch


urlpatterns: list = [
    path(
        "rest/v1.0/folders",
        by_method(get=documents.project_root, post=documents_write.project_create_folder),
        name="folders",
    ),
    path("rest/v1.0/folders/<int:folder_id>", documents.project_folder, name="folder"),
    path("rest/v1.0/files", documents_write.project_create_file, name="files"),
    path(
        "rest/v1.0/files/<int:file_id>",
        by_method(
            get=documents.project_file,
            patch=documents_write.project_update_file,
            delete=documents_write.project_update_file,
        ),
        name="file",
    ),
    path("rest/v1.0/file_versions", documents_write.project_create_version, name="file_versions"),
    path("rest/v1.0/projects/<int:project_id>/documents", documents.project_documents, name="project_documents"),
    path(
        "rest/v1.0/companies/<int:company_id>/folders",
        by_method(get=documents.company_root, post=documents_write.company_create_folder),
        name="company_folders",
    ),
    path(
        "rest/v1.0/companies/<int:company_id>/folders/<int:folder_id>", documents.company_folder, name="company_folder"
    ),
    path("rest/v1.0/companies/<int:company_id>/files", documents_write.company_create_file, name="company_files"),
    path(
        "rest/v1.0/companies/<int:company_id>/files/<int:file_id>",
        by_method(
            get=documents.company_file,
            patch=documents_write.company_update_file,
            delete=documents_write.company_update_file,
        ),
        name="company_file",
    ),
    path(
        "rest/v1.0/companies/<int:company_id>/file_versions",
        documents_write.company_create_version,
        name="company_file_versions",
    ),
    # A file version's `url`: opaque in Procore, so outside /rest/ here; needs the bearer token.
    path("prostore_files/<int:version_id>", documents_download.download, name="file_version_download"),
    # Legacy direct uploads, v1.0 (deprecated) and v1.1.
    re_path(
        r"^rest/v1\.[01]/projects/(?P<project_id>\d+)/uploads$", legacy_uploads.project_uploads, name="project_uploads"
    ),
    re_path(
        r"^rest/v1\.[01]/projects/(?P<project_id>\d+)/uploads/(?P<uuid>[0-9A-Za-z]+)$",
        legacy_uploads.project_upload,
        name="project_upload",
    ),
    re_path(
        r"^rest/v1\.[01]/companies/(?P<company_id>\d+)/uploads$", legacy_uploads.company_uploads, name="company_uploads"
    ),
    re_path(
        r"^rest/v1\.[01]/companies/(?P<company_id>\d+)/uploads/(?P<uuid>[0-9A-Za-z]+)$",
        legacy_uploads.company_upload,
        name="company_upload",
    ),
    # The storage service the uploads point at (S3 for real Procore): outside /rest/.
    path("storage/legacy/<str:uuid>", legacy_storage.post_object, name="legacy_storage_post"),
    path("storage/legacy/<str:uuid>/segments/<int:number>", legacy_storage.put_segment, name="legacy_storage_segment"),
]
