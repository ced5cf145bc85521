"""The sandbox's URLs: Procore's own paths under /sandbox/, one module per area."""

from __future__ import annotations

from django.urls import include, path, re_path

from procore_sandbox.core import directory
from procore_sandbox.core import permissions as rest_permissions
from procore_sandbox.core import views as rest_core
from procore_sandbox.http import not_found
from procore_sandbox.oauth import views as oauth

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
    path("rest/v1.0/projects/<int:project_id>/users", directory.project_users, name="project_users"),
    path("rest/v1.0/settings/permissions", rest_permissions.permissions, name="permissions"),
    path("", include("procore_sandbox.documents.urls")),
    path("", include("procore_sandbox.pdm.urls")),
    path("", include("procore_sandbox.webhooks.urls")),
    path("", include("procore_sandbox.limits.control")),
    # Last: whatever no endpoint above serves answers a JSON 404, as Procore's API does.
    re_path(r"", not_found, name="not_found"),
]
