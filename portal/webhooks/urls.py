from __future__ import annotations

from django.urls import path

from . import receiver, views

app_name = "webhooks"

urlpatterns = [
    path("webhooks/procore/<int:hook_id>/", receiver.receive, name="receive"),
    path("projects/<int:project_id>/settings/", views.project_settings, name="settings"),
    path("projects/<int:project_id>/settings/webhooks/register/", views.register, name="register"),
    path("projects/<int:project_id>/settings/webhooks/<int:hook_id>/rotate/", views.rotate, name="rotate"),
]
