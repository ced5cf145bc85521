"""pytest fixtures for suites that talk to the sandbox (as moto ships fixtures for its users).

Enabled from the repository's root `conftest.py` with `pytest_plugins`.
"""

from __future__ import annotations

import pytest

from procore_sandbox.testing import Sandbox


@pytest.fixture
def sandbox(live_server, settings, transactional_db) -> Sandbox:
    """The live server's sandbox, seeded, with the portal pointed at it."""
    from procore_sandbox.models import App
    from procore_sandbox.seed import seed

    base = f"{live_server.url}/sandbox"
    settings.PROCORE_LOGIN_URL = base
    settings.PROCORE_API_URL = base
    # Generous rate limits so the suite is not slowed by Procore's 25 requests per 10 s; tests
    # of the limiter opt into the real defaults with procore_sandbox.limits.ratelimit.configure().
    settings.SANDBOX_RATE_LIMIT_HOURLY = 1_000_000
    settings.SANDBOX_RATE_LIMIT_SPIKE = 100_000
    settings.SANDBOX_SEED_LARGE = False  # project 2308's 10,000-file tree: only for tests that seed it themselves
    seed()
    App.objects.get(client_id=settings.PROCORE_CLIENT_ID).add_redirect_uri(
        f"{live_server.url}/accounts/procore/login/callback/"
    )
    return Sandbox(portal_url=live_server.url, base_url=base)
