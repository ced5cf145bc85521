"""Sandbox URLs for the webhooks area (Procore's own paths, mounted under /sandbox/), §8.3–§8.4."""

from __future__ import annotations

from django.urls import path

from procore_sandbox.webhooks import api_v1 as v1
from procore_sandbox.webhooks import api_v2 as v2

_COMPANY = "rest/v2.0/companies/<int:company_id>/webhooks"
_PROJECT = "rest/v2.0/companies/<int:company_id>/projects/<int:project_id>/webhooks"

urlpatterns = [
    path("rest/v1.0/webhooks/hooks", v1.hooks, name="webhooks_v1_hooks"),
    path("rest/v1.0/webhooks/hooks/<int:hook_id>", v1.hook_detail, name="webhooks_v1_hook"),
    path("rest/v1.0/webhooks/hooks/<int:hook_id>/triggers", v1.triggers, name="webhooks_v1_triggers"),
    path("rest/v1.0/webhooks/hooks/<int:hook_id>/triggers/bulk", v1.triggers_bulk, name="webhooks_v1_triggers_bulk"),
    path(
        "rest/v1.0/webhooks/hooks/<int:hook_id>/triggers/<int:trigger_id>",
        v1.trigger_detail,
        name="webhooks_v1_trigger",
    ),
    path("rest/v1.0/webhooks/hooks/<int:hook_id>/deliveries", v1.deliveries, name="webhooks_v1_deliveries"),
    path("rest/v1.0/webhooks/resources", v1.resources, name="webhooks_v1_resources"),
    path("rest/v1.0/webhooks/resources/api_versions", v1.resource_api_versions, name="webhooks_v1_api_versions"),
]

for _prefix, _scope in ((_COMPANY, "company"), (_PROJECT, "project")):
    urlpatterns += [
        path(f"{_prefix}/hooks", v2.hooks, name=f"webhooks_{_scope}_hooks"),
        path(f"{_prefix}/hooks/<int:hook_id>", v2.hook_detail, name=f"webhooks_{_scope}_hook"),
        path(f"{_prefix}/hooks/<int:hook_id>/triggers", v2.triggers, name=f"webhooks_{_scope}_triggers"),
        path(f"{_prefix}/hooks/<int:hook_id>/triggers/bulk", v2.triggers_bulk, name=f"webhooks_{_scope}_triggers_bulk"),
        path(
            f"{_prefix}/hooks/<int:hook_id>/triggers/<int:trigger_id>",
            v2.trigger_detail,
            name=f"webhooks_{_scope}_trigger",
        ),
        path(f"{_prefix}/hooks/<int:hook_id>/deliveries", v2.deliveries, name=f"webhooks_{_scope}_deliveries"),
        path(f"{_prefix}/resources", v2.resources, name=f"webhooks_{_scope}_resources"),
    ]
