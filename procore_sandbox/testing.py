"""What a test suite needs to drive the sandbox: the seeded people and a small HTTP helper.

Kept apart from the pytest fixtures (`procore_sandbox.pytest_plugin`) so that test modules and
benchmarks can import the names without importing pytest.
"""

from __future__ import annotations

from dataclasses import dataclass

import requests

DANA = "dana.whitfield@northwind.example"  # company admin at Northwind, member of Riverside and Harbor Bridge
ELI = "eli.navarro@northwind.example"  # one project: Riverside Medical Center
PRIYA = "priya.raman@harbor.example"  # Harbor Civil projects and one in another region
SAM = "sam.okafor@subcontractor.example"  # one project: Oakridge Elementary
SERVICE_ACCOUNT = "dmsa-document-portal@sandbox.example"
# People only in project directories (they do not sign in): authors and reviewers to choose.
MARTA = "marta.quinn@acme-architects.example"  # Riverside and Oakridge, Acme Architects
JORDAN_NORTHWIND = "jordan.lee@northwind.example"  # Riverside and Harbor Bridge
JORDAN_BROOKS = "jordan.lee@brooks-structural.example"  # Riverside; a namesake of the one above
RAVI = "ravi.shah@northwind.example"  # every Northwind and Harbor Civil project but Alpine
# The password the `sandbox` fixture gives the seeded people (`seed(PASSWORD)`); a demo's is random.
PASSWORD = "procore-sandbox"


@dataclass
class Sandbox:
    """The embedded Procore sandbox served by a live server."""

    portal_url: str
    base_url: str

    def url(self, path: str) -> str:
        """A sandbox path (as Procore spells it) or an absolute URL taken from a Link header."""
        return path if path.startswith(("http://", "https://")) else f"{self.base_url}{path}"

    def token(self, login: str | None = None) -> str:
        """A fresh access token for a seeded person (the service account is a login too)."""
        from django.conf import settings

        from procore_sandbox.models import App, Person
        from procore_sandbox.oauth.views import issue_token

        person = (
            Person.objects.get(login=login) if login else Person.objects.filter(is_service_account=False).earliest("id")
        )
        if person.is_service_account:
            app = App.objects.get(service_account=person)
        else:
            app = App.objects.get(client_id=settings.PROCORE_CLIENT_ID)
        return issue_token(app, person).access_token

    def get(self, path: str, token: str, **kwargs) -> requests.Response:
        headers = {"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})}
        return requests.get(self.url(path), headers=headers, timeout=10, **kwargs)
