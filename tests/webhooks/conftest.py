"""Fixtures for the webhooks tests: a synced project in the mirror, the portal's hook registered in
the live sandbox with PORTAL_PUBLIC_URL = the live server, and deliveries sent only when a test
calls `deliveries.deliver_due()`."""

from __future__ import annotations

import json

import pytest
import requests

from portal.mirror.models import Project, SyncRun
from portal.mirror.sync import run_sync, start_sync, sync_memberships
from procore_sandbox.testing import ELI
from tests.flows import portal_user

RIVERSIDE = 2305
NORTHWIND = 8089


@pytest.fixture
def manual_delivery(settings):
    """No background dispatcher in the sandbox; time compressed for its backoff."""
    settings.SANDBOX_WEBHOOK_DISPATCHER = False
    settings.SANDBOX_WEBHOOK_TIME_SCALE = 0.001


@pytest.fixture
def eli(sandbox, settings, manual_delivery):
    settings.PORTAL_PUBLIC_URL = sandbox.portal_url
    user = portal_user(sandbox, ELI)
    sync_memberships(user)
    run = run_sync(start_sync(Project.objects.get(pk=RIVERSIDE), user, full=True).pk)
    assert run.state == SyncRun.State.DONE, run.error
    return user


@pytest.fixture
def project(eli) -> Project:
    return Project.objects.get(pk=RIVERSIDE)


@pytest.fixture
def hook(project, eli):
    from portal.webhooks.registration import register_project

    (registered,) = register_project(project, eli)
    return registered


def post(sandbox, hook, body, *, authorization: str | None = None, raw: bytes | None = None) -> requests.Response:
    """POST to the receiver as Procore does (the hook's secret unless told otherwise)."""
    headers = {"Content-Type": "application/json"}
    secret = hook.secret if authorization is None else authorization
    if secret:
        headers["Authorization"] = secret
    data = raw if raw is not None else json.dumps(body).encode()
    return requests.post(f"{sandbox.portal_url}/webhooks/procore/{hook.pk}/", data=data, headers=headers, timeout=10)


def v4_event(
    event_id: str, reason: str, resource_id: str, resource_type: str = "Document Revision", project_id: int = RIVERSIDE
) -> dict:
    return {
        "id": event_id,
        "timestamp": "2026-09-01T21:07:13.115792Z",
        "reason": reason,
        "company_id": str(NORTHWIND),
        "project_id": str(project_id),
        "user_id": "5447",
        "resource_type": resource_type,
        "resource_id": resource_id,
        "payload_version": "v4.0",
    }
