"""Failed calls count against Procore's limit too: every answer is counted per company and hour,
4xx and 429 apart, and the admin's budget page shows the windows, lanes, flows, who is waiting,
and calls per hour over 30 days as a chart and as CSV."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.test import Client

from portal.accounts.models import User
from portal.procore.errors import NotFound
from portal.procore.http import BearerToken, ProcoreClient
from portal.throttle import budget, clock
from portal.throttle.lanes import Lane, Ticket
from portal.throttle.models import Budget, Flow, HourlyUsage
from procore_sandbox.limits import faults, ratelimit

pytestmark = pytest.mark.django_db(transaction=True)
NORTHWIND = "8089"


@pytest.fixture
def admin_client():
    admin = User.objects.create_superuser("root", "root@example.com", "a long admin password")
    client = Client()
    client.force_login(admin)
    return client


def test_it_counts_failed_and_refused_calls_per_company(sandbox, simulated_time):
    ratelimit.configure(hourly=6000, spike=50)
    client = ProcoreClient(
        BearerToken(sandbox.token()), NORTHWIND, base_url=sandbox.base_url, ticket=Ticket(Lane.BACKGROUND, "sync:9")
    )
    client.get("/rest/v1.0/me")
    with pytest.raises(NotFound):
        client.get("/rest/v1.0/projects/999999/folders")
    faults.inject("429", method="GET", path=r"^/rest/v1\.0/me$", count=1, retry_after=1)
    client.get("/rest/v1.0/me")  # refused once, then answered after Retry-After (simulated time)
    usage = HourlyUsage.objects.get(budget__company_id=NORTHWIND)
    assert (usage.calls, usage.failed, usage.rate_limited) == (4, 1, 1)
    assert usage.background == 4 and usage.spike_limit == 50
    assert simulated_time.slept >= 1.0  # the Retry-After was waited for, in simulated time


def test_it_shows_the_budget_of_a_company_in_admin(sandbox, admin_client):
    ratelimit.configure(hourly=6000, spike=50)
    person = ProcoreClient(
        BearerToken(sandbox.token()),
        NORTHWIND,
        base_url=sandbox.base_url,
        ticket=Ticket.for_person(5, "Dana Whitfield"),
    )
    person.get("/rest/v1.0/me")
    with pytest.raises(NotFound):
        person.get("/rest/v1.0/projects/999999/folders")
    row = Budget.objects.get(company_id=NORTHWIND)
    budget.name_company(NORTHWIND, "Northwind Builders")
    # A batch waiting for its turn, and calls from three weeks ago with the hourly limit known.
    Flow.objects.create(
        budget=row,
        key="submission:41",
        lane="background",
        label="Submission 41 · “Level 2 drawings”",
        person="Eli Navarro",
        want=3,
        wanting_since=clock.now() - 12,
        wanting_until=clock.now() + 60,
    )
    earlier = budget.hour_start(clock.now()) - timedelta(days=21)
    HourlyUsage.objects.create(budget=row, hour=earlier, calls=5400, failed=120, background=5400, hour_limit=6000)

    listing = admin_client.get("/admin/throttle/budget/").content.decode()
    assert "Northwind Builders (8089)" in listing
    page = admin_client.get(f"/admin/throttle/budget/company/{NORTHWIND}/").content.decode()
    assert "Northwind Builders: Procore rate-limit budget" in page
    assert "10 seconds" in page and "Kept for people" in page
    assert "Submission 41 · “Level 2 drawings”" in page and "for Eli Navarro" in page
    assert "3 callers waiting" in page
    assert "Dana Whitfield" in page  # the person's own flow, interactive
    assert '<svg class="usage-chart"' in page and "121 failed (4xx)" in page
    assert "Hourly limit: 6,000" in page

    answer = admin_client.get(f"/admin/throttle/budget/company/{NORTHWIND}/usage.csv")
    assert answer["Content-Type"] == "text/csv"
    rows = list(csv.DictReader(io.StringIO(answer.content.decode())))
    assert len(rows) == 30 * 24
    busy = next(r for r in rows if r["calls"] == "5400")
    assert (busy["failed_4xx"], busy["hourly_limit"]) == ("120", "6000")
    now = rows[-1]
    assert (now["calls"], now["failed_4xx"], now["interactive"]) == ("2", "1", "2")
    assert admin_client.get("/admin/throttle/budget/company/123/").status_code == 404


def test_it_keeps_the_budget_page_for_staff_only():
    user = User.objects.create_user("eli", "eli@example.com", "another long password")
    client = Client()
    client.force_login(user)
    assert client.get(f"/admin/throttle/budget/company/{NORTHWIND}/").status_code == 302
    assert client.get(f"/admin/throttle/budget/company/{NORTHWIND}/usage.csv").status_code == 302
