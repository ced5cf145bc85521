from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path

from portal import health
from portal.mirror import views as mirror_views


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers (and pages that name no icon, such as admin's) ask for /favicon.ico."""
    return redirect(static("portal/favicon.svg"), permanent=True)


urlpatterns = [
    path("", mirror_views.dashboard, name="dashboard"),
    path("favicon.ico", favicon),
    path("healthz", health.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("", include("portal.mirror.urls")),
    path("", include("portal.staging.urls")),
    path("", include("portal.webhooks.urls")),
]

# The sandbox's URLs exist only while it is enabled; in production they do not.
if settings.PROCORE_SANDBOX:
    urlpatterns.append(path("sandbox/", include("procore_sandbox.urls")))
