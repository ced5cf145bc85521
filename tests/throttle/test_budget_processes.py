"""Lanes and fair shares hold across processes: separate portal processes draw on one budget in
the database, against the live sandbox's own counters (the model: tests/procore/test_budget.py)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from portal.throttle.models import Flow
from procore_sandbox.limits import ratelimit
from procore_sandbox.models import RateWindow

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
WORKER = ROOT / "tests" / "procore" / "worker.py"
NORTHWIND = "8089"
PATH = "/rest/v1.0/me"


def start_worker(sandbox, token: str, count: int, lane: str, flow: str, person: int, start_at: float, pause=0.0):
    database = str(connection.settings_dict["NAME"])
    args = [sandbox.base_url, token, NORTHWIND, str(count), PATH, lane, flow, str(person), repr(start_at), str(pause)]
    return subprocess.Popen(
        [sys.executable, str(WORKER), database, "client", *args], stdout=subprocess.PIPE, text=True, cwd=ROOT
    )


def result(process: subprocess.Popen) -> dict:
    return json.loads(process.communicate(timeout=180)[0].strip().splitlines()[-1])


def spike_windows() -> list[int]:
    rows = RateWindow.objects.filter(kind=RateWindow.SPIKE, app_key=settings.PROCORE_CLIENT_ID, company_key=NORTHWIND)
    return [w.accepted for w in rows.order_by("start")]


def test_it_shares_the_budget_in_turns_between_two_processes(sandbox):
    ratelimit.configure(hourly=3600, spike=30)
    token = sandbox.token()
    start_at = time.time() + 4  # both processes have set Django up by then
    first = start_worker(sandbox, token, 60, "background", "submission:1", 1, start_at)
    second = start_worker(sandbox, token, 60, "background", "submission:2", 2, start_at + 0.05)
    one, two = result(first), result(second)
    assert (one["ok"], two["ok"]) == (60, 60), (one["errors"], two["errors"])
    # Neither waited for the other to finish: when one was done, the other had made most of its
    # calls too (beyond the one window's lead a newcomer may take).
    done_first = min(one["ends"][-1], two["ends"][-1])
    other = two if one["ends"][-1] == done_first else one
    assert sum(1 for end in other["ends"] if end <= done_first) >= 60 - 28 - 4
    windows = spike_windows()
    assert max(windows) <= 30 and sum(w.rejected for w in RateWindow.objects.all()) == 0
    flows = {f.key: f for f in Flow.objects.filter(budget__company_id=NORTHWIND)}
    assert flows["submission:1"].calls == flows["submission:2"].calls == 60
    assert flows["submission:1"].lane == flows["submission:2"].lane == "background"


def test_it_serves_people_in_one_process_while_another_saturates_the_budget(sandbox):
    ratelimit.configure(hourly=3600, spike=30)
    token = sandbox.token()
    start_at = time.time() + 4
    background = start_worker(sandbox, token, 110, "background", "sync:1", 0, start_at)
    person = start_worker(sandbox, token, 10, "interactive", "person:7", 7, start_at + 8, pause=1.0)
    busy, people = result(background), result(person)
    assert busy["ok"] == 110 and people["ok"] == 10
    # Every call a person waited for left within a second, while the background process kept
    # every window full (its last calls ended after the person's).
    assert max(people["waits"]) < 1.0, people["waits"]
    assert busy["ends"][-1] > people["ends"][-1]
    windows = spike_windows()
    assert min(windows[1:-1]) >= 27, windows
    assert sum(w.rejected for w in RateWindow.objects.all()) == 0
