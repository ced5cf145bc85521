from __future__ import annotations

from django.urls import path

from . import views, views_contents, views_grid, views_incoming, views_sharing, views_submit
from .issue_control import urls as issue_control_urls

app_name = "staging"

urlpatterns = [
    path("batches/", views.all_batches, name="batches"),
    path("projects/<int:project_id>/batches/", views.project_batches, name="project_batches"),
    path("batches/<int:batch_id>/", views.batch_detail, name="batch"),
    path("batches/<int:batch_id>/uploads/", views_incoming.create, name="incoming_create"),
    path("batches/<int:batch_id>/uploads/states/", views_incoming.states, name="incoming_states"),
    path("batches/<int:batch_id>/uploads/<int:incoming_id>/sign/", views_incoming.sign, name="incoming_sign"),
    path("batches/<int:batch_id>/uploads/<int:incoming_id>/parts/", views_incoming.parts, name="incoming_parts"),
    path(
        "batches/<int:batch_id>/uploads/<int:incoming_id>/complete/", views_incoming.complete, name="incoming_complete"
    ),
    path("batches/<int:batch_id>/uploads/<int:incoming_id>/abort/", views_incoming.abort, name="incoming_abort"),
    path("uploads/parts/<str:upload_id>/<int:number>", views_incoming.put_part, name="incoming_part"),
    path("batches/<int:batch_id>/grid.json", views_grid.grid_data, name="grid_data"),
    path("batches/<int:batch_id>/grid/changes.json", views_grid.grid_changes, name="grid_changes"),
    path("batches/<int:batch_id>/grid/layout.json", views_grid.grid_layout, name="grid_layout"),
    path("batches/<int:batch_id>/documents/", views.bulk_action, name="bulk"),
    path("batches/<int:batch_id>/documents/<int:document_id>/", views.document_detail, name="document"),
    path(
        "batches/<int:batch_id>/documents/<int:document_id>/picture/<slug:what>.png",
        views_contents.picture,
        name="document_picture",
    ),
    path("batches/<int:batch_id>/documents/<int:document_id>/keep/", views_contents.keep, name="keep_values"),
    path("batches/<int:batch_id>/documents/<int:document_id>/split/", views_contents.split, name="split"),
    path("batches/<int:batch_id>/documents/<int:document_id>/sheet/", views_contents.sheet_card, name="sheet_card"),
    path("batches/<int:batch_id>/accept/", views_contents.accept, name="accept_title_block"),
    path("batches/<int:batch_id>/export.csv", views.export, name="export"),
    path("batches/<int:batch_id>/import/", views.import_metadata, name="import"),
    path("batches/<int:batch_id>/templates/", views.save_template, name="save_template"),
    path("batches/<int:batch_id>/empty/", views.empty, name="empty"),
    path("batches/<int:batch_id>/delete/", views.delete, name="delete"),
    path("batches/<int:batch_id>/sharing/", views_sharing.sharing, name="sharing"),
    path("batches/<int:batch_id>/submit/", views_submit.submit, name="submit"),
    path("batches/<int:batch_id>/progress/", views_submit.progress, name="progress"),
    path("batches/<int:batch_id>/progress.json", views_submit.progress_json, name="progress_json"),
    path("batches/<int:batch_id>/estimate/", views_submit.estimate, name="estimate"),
    path("batches/<int:batch_id>/retry/", views_submit.retry, name="retry"),
    path(
        "batches/<int:batch_id>/documents/<int:document_id>/end-workflows/",
        views_submit.end_workflows,
        name="end_workflows",
    ),
]

# Issue control: warnings before submit, compares, transmittals.
urlpatterns += issue_control_urls.urlpatterns
