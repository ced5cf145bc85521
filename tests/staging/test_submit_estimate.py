"""The submit estimate: before Submit the batch page says how many Procore calls the batch needs,
how long that takes at the company's limits as Procore reported them, and what is queued ahead;
the progress page keeps it current; the call count matches what the pipeline really sends."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from portal.accounts.tokens import UserTokenSource
from portal.procore.http import ProcoreClient
from portal.staging.models import Submission
from portal.staging.pipeline import settle  # the pipeline reads Procore's ML results this long after the last upload
from portal.throttle.lanes import Lane, Ticket
from portal.throttle.models import Flow
from procore_sandbox.limits import ratelimit
from procore_sandbox.models import RateWindow
from procore_sandbox.testing import DANA, SAM
from tests.flows import portal_user
from tests.staging.submitting import drawing, fast_pipeline, make_batch, run_task, submit

pytestmark = pytest.mark.django_db(transaction=True)
NORTHWIND = "8089"
RATE = 48 / 10  # Procore reported 50 per 10 s; the budget allows itself 48 of them


@pytest.fixture
def eli(synced_project, media, monkeypatch):
    fast_pipeline(monkeypatch)
    eli = synced_project()
    ratelimit.configure(hourly=6000, spike=50)
    # The budget knows a company's limits only from Procore's answers: one call teaches it.
    ProcoreClient(UserTokenSource.for_user(eli.user), NORTHWIND, ticket=Ticket(Lane.BACKGROUND, "sync:0")).get(
        "/rest/v1.0/me"
    )
    return eli.user, eli.project, eli.client


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_it_shows_calls_time_and_queue_on_the_batch_page_before_submit(eli):
    user, project, client = eli
    batch = make_batch(user, project, [drawing(700 + i) for i in range(5)])
    page = text(client.get(f"/batches/{batch.pk}/").content.decode())
    # 5 documents: 3 calls each, 5 for their chunk of 100, 2 for the landing sync.
    assert "22 Procore calls" in page
    assert (
        f"about {round(22 / RATE + settle.FIRST_READ)} s at the current limit for Northwind Builders (50 calls per 10 s)"
        in page
    )
    assert "Nothing else is being sent to Northwind Builders." in page
    assert "hourly limit" not in page  # a send of seconds does not come near it


def test_it_counts_the_work_queued_ahead_and_shares_the_time_with_it(eli, sandbox):
    user, project, client = eli
    dana = portal_user(sandbox, DANA)  # Dana sees every Northwind project: she is its administrator
    ahead = make_batch(dana, project, [drawing(720 + i) for i in range(10)])
    submit(ahead, dana)  # queued, not yet run: 10 × 3 + 5 + 2 = 37 calls
    batch = make_batch(user, project, [drawing(740 + i) for i in range(5)])
    page = text(client.get(f"/batches/{batch.pk}/").content.decode())
    assert "2nd in the queue for Northwind Builders: 1 submission ahead still needs 37 calls" in page
    # Taking turns: until this batch's 22 calls are done, the one ahead makes 22 of its own.
    assert f"about {round(44 / RATE + settle.FIRST_READ)} s at the current limit for Northwind Builders" in page


def test_it_counts_a_small_batch_ahead_of_a_bigger_one_queued_before_it(eli, sandbox):
    user, project, client = eli
    dana = portal_user(sandbox, DANA)
    ahead = make_batch(dana, project, [drawing(800 + i) for i in range(20)])
    submit(ahead, dana)  # queued first: 20 × 3 + 5 + 2 = 67 calls, more than one window's 48
    batch = make_batch(user, project, [drawing(830 + i) for i in range(5)])
    page = text(client.get(f"/batches/{batch.pk}/").content.decode())
    assert "1 submission ahead still needs 67 calls; this one needs no more than one 10-second window's calls" in page
    # 22 calls fit in one window: they go first, so the bigger batch costs this one nothing.
    assert f"about {round(22 / RATE + settle.FIRST_READ)} s at the current limit for Northwind Builders" in page


def test_it_keeps_the_estimate_current_on_the_progress_page(eli):
    user, project, client = eli
    batch = make_batch(user, project, [drawing(760 + i) for i in range(5)])
    submission = submit(batch, user)
    Submission.objects.filter(pk=submission.pk).update(state=Submission.State.RUNNING)
    progress = text(client.get(f"/batches/{batch.pk}/progress/").content.decode())
    assert "22 Procore calls left" in progress and "to go at the current limit for Northwind Builders" in progress
    partial = client.get(f"/batches/{batch.pk}/estimate/")
    # The batch page's copy refreshes itself from there while the batch is sent.
    assert partial.status_code == 200 and f'hx-get="/batches/{batch.pk}/estimate/"' in partial.content.decode()
    assert client.get(f"/batches/{batch.pk}/progress.json").json()["estimate_seconds"] == pytest.approx(
        22 / RATE + settle.FIRST_READ
    )
    outsider = Client()
    outsider.force_login(portal_user(None, SAM))
    assert outsider.get(f"/batches/{batch.pk}/estimate/").status_code == 404


def test_it_estimates_the_calls_the_pipeline_really_makes(eli):
    user, project, client = eli
    batch = make_batch(user, project, [drawing(780 + i) for i in range(5)])
    submission = submit(batch, user)
    ratelimit.configure(hourly=6000, spike=50)  # count this run's calls afresh
    assert run_task(submission).landed == 5
    sent = sum(
        w.accepted for w in RateWindow.objects.filter(kind=RateWindow.HOUR, company_key=NORTHWIND).exclude(app_key="")
    )
    assert sent == 22
    # The batch told the budget its size, so it could go ahead of bigger work.
    flow = Flow.objects.get(key=f"submission:{submission.pk}")
    assert (flow.size, flow.calls) == (22, 22)
