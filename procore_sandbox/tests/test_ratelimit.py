"""The sandbox's rate limiter, over HTTP: headers, 429s, exact counts under concurrency."""

from __future__ import annotations

import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.db import connection

from procore_sandbox.limits import ratelimit
from procore_sandbox.models import RateWindow
from procore_sandbox.pytest_plugin import SIMULATED_START
from procore_sandbox.testing import SERVICE_ACCOUNT

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
NORTHWIND = "8089"


def test_it_reports_the_spike_limit_on_every_rest_response(sandbox, sandbox_clock):
    ratelimit.configure(hourly=3600, spike=25)
    token = sandbox.token()
    sandbox_clock.advance(3.5)  # inside a 10-second window
    first = sandbox.get("/rest/v1.0/me", token)
    second = sandbox.get("/rest/v1.0/me", token)
    assert first.headers["X-Rate-Limit-Limit"] == "25"
    assert first.headers["X-Rate-Limit-Remaining"] == "24"
    assert second.headers["X-Rate-Limit-Remaining"] == "23"
    reset = int(first.headers["X-Rate-Limit-Reset"])
    assert reset == SIMULATED_START + 10
    missing = sandbox.get("/rest/v1.0/no-such-endpoint", token)
    assert missing.status_code == 404 and "X-Rate-Limit-Limit" in missing.headers
    oauth = requests.post(sandbox.url("/oauth/token"), data={"grant_type": "refresh_token"}, timeout=10)
    assert "X-Rate-Limit-Limit" not in oauth.headers


def test_it_reports_the_hourly_limit_when_it_is_nearer(sandbox, sandbox_clock):
    ratelimit.configure(hourly=5, spike=25)
    token = sandbox.token()
    answer = sandbox.get("/rest/v1.0/me", token)
    assert answer.headers["X-Rate-Limit-Limit"] == "5"
    assert answer.headers["X-Rate-Limit-Remaining"] == "4"
    assert int(answer.headers["X-Rate-Limit-Reset"]) == SIMULATED_START + 3600


def test_it_answers_429_with_retry_after_when_the_spike_window_is_full(sandbox, sandbox_clock):
    ratelimit.configure(hourly=3600, spike=25)
    token = sandbox.token()
    sandbox_clock.advance(2.2)
    statuses = [sandbox.get("/rest/v1.0/me", token).status_code for _ in range(27)]
    assert statuses == [200] * 25 + [429, 429]
    refused = sandbox.get("/rest/v1.0/me", token)
    assert refused.status_code == 429
    assert refused.text == (
        "You have surpassed the max number of requests for an hour. Please wait until your limit resets."
    )
    assert refused.headers["Retry-After"] == "8"  # the spike window ends 7.8 s later, rounded up
    assert refused.headers["X-Rate-Limit-Remaining"] == "0"
    assert refused.headers["X-Rate-Limit-Limit"] == "25"
    windows = RateWindow.objects.filter(kind=RateWindow.SPIKE, app_key=settings.PROCORE_CLIENT_ID)
    assert sum(w.accepted for w in windows) == 25
    assert sum(w.rejected for w in windows) == 3
    # Refused requests spend nothing from the hourly budget.
    assert RateWindow.objects.get(kind=RateWindow.HOUR, app_key=settings.PROCORE_CLIENT_ID).accepted == 25
    # The next window has room again.
    sandbox_clock.advance(8)
    assert sandbox.get("/rest/v1.0/me", token).status_code == 200


def test_it_keeps_a_budget_per_app_and_company(sandbox, sandbox_clock):
    ratelimit.configure(hourly=3600, spike=2)
    user = sandbox.token()
    service = sandbox.token(SERVICE_ACCOUNT)
    assert [sandbox.get("/rest/v1.0/me", user).status_code for _ in range(3)] == [200, 200, 429]
    # Another company header is another budget, and so is another app.
    with_company = [
        sandbox.get("/rest/v1.0/me", user, headers={"Procore-Company-Id": NORTHWIND}).status_code for _ in range(3)
    ]
    assert with_company == [200, 200, 429]
    service_answer = sandbox.get("/rest/v1.0/me", service, headers={"Procore-Company-Id": NORTHWIND})
    assert service_answer.status_code == 200


def test_it_counts_exactly_under_threads(sandbox, sandbox_clock):
    ratelimit.configure(hourly=100_000, spike=40)
    token = sandbox.token()

    def call(_: int) -> int:
        return sandbox.get("/rest/v1.0/me", token).status_code

    with ThreadPoolExecutor(max_workers=12) as pool:
        statuses = list(pool.map(call, range(60)))
    assert statuses.count(200) == 40
    assert statuses.count(429) == 20
    windows = RateWindow.objects.filter(kind=RateWindow.SPIKE)
    assert sum(w.accepted for w in windows) == 40
    assert sum(w.rejected for w in windows) == 20
    assert RateWindow.objects.get(kind=RateWindow.HOUR).accepted == 40


HAMMER = """
import sys, requests
from concurrent.futures import ThreadPoolExecutor
url, token, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
def call(_):
    return requests.get(url, headers={"Authorization": "Bearer " + token}, timeout=30).status_code
with ThreadPoolExecutor(max_workers=6) as pool:
    print(" ".join(str(s) for s in pool.map(call, range(n))))
"""


def test_it_counts_exactly_when_two_processes_hammer_it(sandbox, sandbox_clock):
    """The clients are other processes; the server (and its clock) is this one."""
    ratelimit.configure(hourly=100_000, spike=50)
    token = sandbox.token()
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", HAMMER, sandbox.url("/rest/v1.0/me"), token, "40"],
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        for _ in range(2)
    ]
    statuses = [int(s) for p in procs for s in p.communicate(timeout=60)[0].split()]
    assert len(statuses) == 80
    assert statuses.count(200) == 50
    assert statuses.count(429) == 30
    assert sum(ratelimit.accepted_per_window().values()) == 50


def test_it_counts_exactly_when_two_server_processes_admit_at_once(sandbox):
    """Two processes answering requests (as gunicorn workers would) share the counters exactly."""
    ratelimit.configure(hourly=1000, spike=100_000)
    if 3600 - time.time() % 3600 < 60:  # these processes keep real time: stay inside one hour
        time.sleep(3600 - time.time() % 3600 + 0.05)
    worker = ROOT / "tests" / "procore" / "worker.py"
    name = str(connection.settings_dict["NAME"])
    procs = [
        subprocess.Popen(
            [sys.executable, str(worker), name, "admit", "700", "app-x", "8089"],
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        for _ in range(2)
    ]
    accepted = [int(p.communicate(timeout=120)[0].strip().splitlines()[-1]) for p in procs]
    assert sum(accepted) == 1000
    hour = RateWindow.objects.get(kind=RateWindow.HOUR, app_key="app-x", company_key="8089")
    assert hour.accepted == 1000 and hour.rejected == 400
