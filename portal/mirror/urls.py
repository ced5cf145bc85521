from __future__ import annotations

from django.urls import path

from . import views

app_name = "mirror"

urlpatterns = [
    path("projects/<int:project_id>/", views.project_documents, name="documents"),
    path("projects/<int:project_id>/setup/", views.project_setup, name="setup"),
    path("projects/<int:project_id>/revisions/", views.project_revisions, name="revisions"),
    path("projects/<int:project_id>/sync/", views.sync_now, name="sync"),
    path("projects/<int:project_id>/sync/<int:run_id>/", views.sync_status, name="sync_status"),
    path("companies/<int:company_id>/documents/", views.company_documents, name="company_documents"),
    path("companies/<int:company_id>/sync/", views.company_sync_now, name="company_sync"),
    path("companies/<int:company_id>/sync/<int:run_id>/", views.company_sync_status, name="company_sync_status"),
]
