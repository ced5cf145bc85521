"""The sandbox's URLs: Procore's own paths under /sandbox/, one module per area."""

from __future__ import annotations

from django.urls import include, path

from . import oauth, rest_core

app_name = "sandbox"

urlpatterns = [
    path("oauth/authorize", oauth.authorize, name="authorize"),
    path("oauth/token", oauth.token, name="token"),
    path("oauth/token/info", oauth.token_info, name="token_info"),
    path("oauth/revoke", oauth.revoke, name="revoke"),
    path("rest/v1.0/me", rest_core.me, name="me"),
    path("rest/v1.0/companies", rest_core.companies, name="companies"),
    path("rest/v1.0/projects", rest_core.projects_v10, name="projects"),
    path("rest/v1.1/projects", rest_core.projects_v11, name="projects_v11"),
    path("rest/v1.0/projects/<int:project_id>", rest_core.project_detail, name="project"),
    path("", include("portal.sandbox.urls_documents")),
    path("", include("portal.sandbox.urls_pdm")),
    path("", include("portal.sandbox.urls_webhooks")),
    path("", include("portal.sandbox.urls_control")),
]
