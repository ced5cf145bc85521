from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from portal import health
from portal.mirror import views as mirror_views

urlpatterns = [
    path("", mirror_views.dashboard, name="dashboard"),
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
