"""Sandbox URLs for Document Management and unified uploads (Procore's own paths, mounted under
/sandbox/), the signed storage URLs behind them, and the PDM failure switches under
/sandbox/_control/pdm/ (sandbox-only)."""

from __future__ import annotations

from django.urls import path

from procore_sandbox.pdm import config as pdm_config
from procore_sandbox.pdm import control as pdm_control
from procore_sandbox.pdm import revisions as pdm_revisions
from procore_sandbox.pdm import submit as pdm_submit
from procore_sandbox.pdm import uploads as pdm_uploads
from procore_sandbox.pdm.common import pdm_route
from procore_sandbox.uploads import storage as pdm_storage
from procore_sandbox.uploads import unified as uu

V20 = ("2.0",)
V20_21 = ("2.0", "2.1")
V20_22 = ("2.0", "2.1", "2.2")

urlpatterns: list = [
    *pdm_route(V20, "upload_requirements", pdm_config.upload_requirements, "upload_requirements"),
    *pdm_route(V20, "fields", pdm_config.fields_list, "fields"),
    *pdm_route(V20, "fields/<str:field_key>/values", pdm_config.field_values, "field_values"),
    *pdm_route(V20_21, "document_uploads", pdm_uploads.uploads_collection, "uploads"),
    *pdm_route(V20_22, "document_uploads/selected_uploads", pdm_uploads.selected_uploads, "selected_uploads"),
    *pdm_route(V20_21, "document_uploads/<str:upload_id>", pdm_uploads.upload_detail, "upload"),
    *pdm_route(V20_21, "document_revisions", pdm_submit.revisions_collection, "revisions"),
    *pdm_route(V20_22, "document_revisions/selected_revisions", pdm_revisions.selected_revisions, "selected_revisions"),
    *pdm_route(V20, "document_revisions/recycled_revisions", pdm_revisions.recycled_revisions, "recycled_revisions"),
    *pdm_route(
        V20,
        "document_revisions/recycled_revisions/<str:revision_id>/download",
        pdm_revisions.recycled_revision_download,
        "recycled_revision_download",
    ),
    *pdm_route(
        V20_21, "document_revisions/<str:revision_id>/download", pdm_revisions.revision_download, "revision_download"
    ),
    path("storage/pdm/revisions/<str:revision_id>", pdm_storage.revision_bytes, name="pdm_storage_revision"),
    path(
        "rest/v2.1/companies/<int:company_id>/projects/<int:project_id>/uploads",
        uu.project_create,
        name="unified_project_create",
    ),
    path(
        "rest/v2.1/companies/<int:company_id>/projects/<int:project_id>/uploads/<str:upload_id>",
        uu.project_upload,
        name="unified_project_upload",
    ),
    path("rest/v2.1/companies/<int:company_id>/uploads", uu.company_create, name="unified_company_create"),
    path(
        "rest/v2.1/companies/<int:company_id>/uploads/<str:upload_id>", uu.company_upload, name="unified_company_upload"
    ),
    path("storage/unified/<str:upload_id>", uu.put_part, name="unified_storage_single"),
    path("storage/unified/<str:upload_id>/parts/<int:number>", uu.put_part, name="unified_storage_part"),
    path("_control/pdm/switches", pdm_control.switches, name="control_pdm_switches"),
]
