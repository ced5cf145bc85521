"""Two portal processes share one rate-limit budget and never exceed Procore's spike limit together,
as measured by the sandbox's own counters."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from portal.procore.http import BearerToken, ProcoreClient
from portal.throttle.lanes import Lane, Ticket
from portal.throttle.models import Budget
from procore_sandbox.limits import ratelimit
from procore_sandbox.models import RateWindow

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
WORKER = ROOT / "tests" / "procore" / "worker.py"
NORTHWIND = "8089"


def test_it_keeps_two_processes_under_the_spike_limit_with_no_429(sandbox):
    ratelimit.configure(hourly=3600, spike=25)  # Procore's defaults
    token = sandbox.token()
    name = str(connection.settings_dict["NAME"])
    procs = [
        subprocess.Popen(
            [sys.executable, str(WORKER), name, "client", sandbox.base_url, token, NORTHWIND, "30", "/rest/v1.0/me"],
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        for _ in range(2)
    ]
    results = [json.loads(p.communicate(timeout=120)[0].strip().splitlines()[-1]) for p in procs]
    assert [r["ok"] for r in results] == [30, 30], results
    spike = RateWindow.objects.filter(kind=RateWindow.SPIKE, app_key=settings.PROCORE_CLIENT_ID, company_key=NORTHWIND)
    per_window = [w.accepted for w in spike]
    assert sum(per_window) == 60
    assert max(per_window) <= 25
    assert sum(w.rejected for w in spike) == 0
    # Not timid either: some window was filled to the client's allowance.
    assert max(per_window) >= 23


def test_it_learns_the_limit_from_the_headers_and_keys_it_by_app_and_company(sandbox):
    ratelimit.configure(hourly=3600, spike=25)
    client = ProcoreClient(BearerToken(sandbox.token()), NORTHWIND, base_url=sandbox.base_url)
    client.get("/rest/v1.0/me")
    client.for_company(8090).get("/rest/v1.0/me")
    budget = Budget.objects.get(key=f"{settings.PROCORE_CLIENT_ID}|{NORTHWIND}")
    assert budget.limit == 25 and budget.allowance == 23 and budget.sent == 1
    assert not budget.provisional and budget.reset_at % 10 == 0
    assert Budget.objects.filter(key=f"{settings.PROCORE_CLIENT_ID}|8090").exists()


def test_it_stops_before_the_hourly_budget_is_spent(sandbox, simulated_time):
    from portal.procore.errors import RateLimited

    ratelimit.configure(hourly=30, spike=100)  # the hourly limit is the nearer one from the start
    token = sandbox.token()
    background = ProcoreClient(
        BearerToken(token), NORTHWIND, base_url=sandbox.base_url, max_wait=5, ticket=Ticket(Lane.BACKGROUND, "sync:1")
    )
    sent = 0
    with pytest.raises(RateLimited) as caught:
        for _ in range(31):
            background.get("/rest/v1.0/me")
            sent += 1
    # 30 less the margin kept for requests in flight (2), less the share of the hour kept for
    # people (10% of 28): background work stops there, and a person still gets the rest.
    assert sent == 26
    assert caught.value.retry_after > 5
    person = ProcoreClient(
        BearerToken(token), NORTHWIND, base_url=sandbox.base_url, max_wait=5, ticket=Ticket.for_person(1)
    )
    person.get("/rest/v1.0/me")
    person.get("/rest/v1.0/me")
    with pytest.raises(RateLimited):
        person.get("/rest/v1.0/me")
    hour = RateWindow.objects.get(kind=RateWindow.HOUR, company_key=NORTHWIND)
    assert (hour.accepted, hour.rejected) == (28, 0)
