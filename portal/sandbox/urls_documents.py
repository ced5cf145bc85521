"""Sandbox URLs for the documents area (Procore's own paths, mounted under /sandbox/)."""

from __future__ import annotations

from django.urls import path

from . import documents, documents_download

urlpatterns: list = [
    path("rest/v1.0/folders", documents.project_root, name="folders"),
    path("rest/v1.0/folders/<int:folder_id>", documents.project_folder, name="folder"),
    path("rest/v1.0/files/<int:file_id>", documents.project_file, name="file"),
    path("rest/v1.0/projects/<int:project_id>/documents", documents.project_documents, name="project_documents"),
    path("rest/v1.0/companies/<int:company_id>/folders", documents.company_root, name="company_folders"),
    path("rest/v1.0/companies/<int:company_id>/folders/<int:folder_id>", documents.company_folder,
         name="company_folder"),
    path("rest/v1.0/companies/<int:company_id>/files/<int:file_id>", documents.company_file, name="company_file"),
    path("rest/v1.0/file_versions/<int:version_id>/download", documents_download.download,
         name="file_version_download"),
]
