"""Fixtures for the webhooks tests: a synced project in the mirror, the portal's hook registered in
the live sandbox with PORTAL_PUBLIC_URL = the live server, and deliveries sent only when a test
calls `deliveries.deliver_due()`."""

from __future__ import annotations

import pytest

from portal.mirror.models import Project
from procore_sandbox.testing import ELI

RIVERSIDE = 2305


@pytest.fixture
def manual_delivery(settings):
    """No background dispatcher in the sandbox; time compressed for its backoff."""
    settings.SANDBOX_WEBHOOK_DISPATCHER = False
    settings.SANDBOX_WEBHOOK_TIME_SCALE = 0.001


@pytest.fixture
def eli(sandbox, settings, manual_delivery, synced_project):
    settings.PORTAL_PUBLIC_URL = sandbox.portal_url
    return synced_project(ELI, RIVERSIDE).user


@pytest.fixture
def project(eli) -> Project:
    return Project.objects.get(pk=RIVERSIDE)


@pytest.fixture
def hook(project, eli):
    from portal.webhooks.registration import register_project

    (registered,) = register_project(project, eli)
    return registered
