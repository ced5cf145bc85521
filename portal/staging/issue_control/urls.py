"""Issue control URLs, part of the staging namespace (included by portal.staging.urls)."""

from __future__ import annotations

from django.urls import path

from . import views, views_compare, views_transmittals

urlpatterns = [
    path("batches/<int:batch_id>/issue-check/", views.issue_check, name="issue_check"),
    path("batches/<int:batch_id>/issue-check/decide/", views.decide, name="issue_decide"),
    path("batches/<int:batch_id>/issue-check/panel/", views.issue_panel, name="issue_panel"),
    path("batches/<int:batch_id>/compare/", views_compare.start, name="compare_start"),
    path("batches/<int:batch_id>/documents/<int:document_id>/compare/", views_compare.sheet, name="compare_sheet"),
    path(
        "batches/<int:batch_id>/documents/<int:document_id>/compare/picture.png",
        views_compare.picture,
        name="compare_picture",
    ),
    path("projects/<int:project_id>/transmittals/", views_transmittals.project_transmittals, name="transmittals"),
    path("transmittals/<int:transmittal_id>.<str:kind>", views_transmittals.download, name="transmittal_file"),
    path("batches/<int:batch_id>/close/", views_transmittals.close, name="close_batch"),
]
