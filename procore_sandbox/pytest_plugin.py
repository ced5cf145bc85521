"""pytest fixtures for suites that talk to the sandbox (as moto ships fixtures for its users).

Enabled from the repository's root `conftest.py` with `pytest_plugins`.

- `sandbox`: the live server's sandbox, seeded, with the portal pointed at it. The seed runs once
  per test session; each later test gets the same rows back from a snapshot in a few milliseconds
  (procore_sandbox.snapshot), so tests stay independent without seeding again.
- `sandbox_clock`: the sandbox's rate-limit windows on simulated time (procore_sandbox.limits.clock).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from procore_sandbox.limits import clock
from procore_sandbox.snapshot import Snapshot, tables_of
from procore_sandbox.testing import PASSWORD, Sandbox

# 2027-01-15 08:00:00 UTC: the start of an hour, so of a 10-second window too.
SIMULATED_START = 1_800_000_000.0

_seeded = Snapshot("seeded sandbox", [])


@pytest.fixture
def sandbox(live_server, settings, transactional_db, tmp_path_factory) -> Sandbox:
    """The live server's sandbox, seeded, with the portal pointed at it."""
    base = f"{live_server.url}/sandbox"
    settings.PROCORE_LOGIN_URL = base
    settings.PROCORE_API_URL = base
    # Generous rate limits so the suite is not slowed by Procore's 25 requests per 10 s; tests
    # of the limiter opt into the real defaults with procore_sandbox.limits.ratelimit.configure().
    settings.SANDBOX_RATE_LIMIT_HOURLY = 1_000_000
    settings.SANDBOX_RATE_LIMIT_SPIKE = 100_000
    settings.SANDBOX_STORAGE_DIR = tmp_path_factory.mktemp("sandbox-storage")  # "Procore's" files, apart from ours
    settings.SANDBOX_SEED_LARGE = False  # project 2308's 10,000-file tree: only for tests that seed it themselves
    if _seeded.taken:
        _seeded.restore()
        # The seed's random app secrets are back in the database; this test's settings learn them.
        from procore_sandbox import credentials

        credentials.adopt()
    else:
        _seed(live_server.url)
    return Sandbox(portal_url=live_server.url, base_url=base)


def _seed(portal_url: str) -> None:
    from procore_sandbox.models import App, RateLimitSettings, RateWindow
    from procore_sandbox.seed import seed

    seed(PASSWORD)  # the people's password tests sign in with; the apps' secrets stay random
    from django.conf import settings

    App.objects.get(client_id=settings.PROCORE_CLIENT_ID).add_redirect_uri(
        f"{portal_url}/accounts/procore/login/callback/"
    )
    # Counters and run-time limits belong to a test, never to the seeded world.
    _seeded.tables = tables_of(["sandbox"], exclude=[RateWindow, RateLimitSettings])
    _seeded.take()


@pytest.fixture
def sandbox_clock() -> Iterator[clock.SimulatedTime]:
    """The sandbox's rate-limit windows on simulated time, from the start of an hour: a test moves
    it (`advance(10)`, `set(...)`) instead of sleeping until a window turns."""
    simulated = clock.SimulatedTime(SIMULATED_START)
    clock.use(simulated)
    try:
        yield simulated
    finally:
        clock.use(None)
