"""Shared fixtures: the live portal server with its embedded sandbox, seeded, and people."""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest
import requests

# Playwright runs an event loop in the test thread; the ORM calls made there are synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@dataclass
class Sandbox:
    """The embedded Procore sandbox served by the live test server."""

    portal_url: str
    base_url: str

    def url(self, path: str) -> str:
        """A sandbox path (as Procore spells it) or an absolute URL taken from a Link header."""
        return path if path.startswith(("http://", "https://")) else f"{self.base_url}{path}"

    def token(self, login: str | None = None) -> str:
        """A fresh access token for a seeded person (the service account is a login too)."""
        from django.conf import settings

        from portal.sandbox.models import App, Person
        from portal.sandbox.oauth import issue_token

        person = Person.objects.get(login=login) if login else Person.objects.filter(is_service_account=False).first()
        if person.is_service_account:
            app = App.objects.get(service_account=person)
        else:
            app = App.objects.get(client_id=settings.PROCORE_CLIENT_ID)
        return issue_token(app, person).access_token

    def get(self, path: str, token: str, **kwargs) -> requests.Response:
        headers = {"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})}
        return requests.get(self.url(path), headers=headers, timeout=10, **kwargs)


@pytest.fixture
def sandbox(live_server, settings, transactional_db) -> Sandbox:
    """The live server's sandbox, seeded, with the portal pointed at it."""
    from portal.sandbox.models import App
    from portal.sandbox.seed import seed

    base = f"{live_server.url}/sandbox"
    settings.PROCORE_LOGIN_URL = base
    settings.PROCORE_API_URL = base
    # Generous rate limits so the suite is not slowed by Procore's 25 requests per 10 s; tests
    # of the limiter opt into the real defaults with portal.sandbox.ratelimit.configure().
    settings.SANDBOX_RATE_LIMIT_HOURLY = 1_000_000
    settings.SANDBOX_RATE_LIMIT_SPIKE = 100_000
    settings.SANDBOX_SEED_LARGE = False  # project 2308's 10,000-file tree: only for tests that seed it themselves
    seed()
    App.objects.get(client_id=settings.PROCORE_CLIENT_ID).add_redirect_uri(
        f"{live_server.url}/accounts/procore/login/callback/"
    )
    return Sandbox(portal_url=live_server.url, base_url=base)


DANA = "dana.whitfield@northwind.example"  # company admin at Northwind, member of Harbor Bridge Retrofit
ELI = "eli.navarro@northwind.example"  # one project: Riverside Medical Center
PRIYA = "priya.raman@harbor.example"  # Harbor Civil projects and one in another region
SAM = "sam.okafor@subcontractor.example"  # one project: Oakridge Elementary
SERVICE_ACCOUNT = "dmsa-document-portal@sandbox.example"
PASSWORD = "procore-sandbox"


@pytest.fixture(autouse=True)
def database_broker(monkeypatch):
    """Tasks queued inside a test go to django-q2's ORM broker, where the test can see them in the
    database whatever REDIS_URL says; the Redis broker is exercised end to end by
    tests/production/test_process_layout.py (gunicorn and qcluster processes)."""
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "ORM", "default")
