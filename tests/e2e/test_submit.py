"""Submit a small batch in a real browser and watch it finish on the live progress page."""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from portal.accounts.models import User
from portal.mirror.models import Project
from portal.staging.models import Submission
from procore_sandbox.testing import ELI
from tests.staging.submitting import drawing, fast_pipeline, make_batch, specification

pytestmark = pytest.mark.django_db(transaction=True)

RIVERSIDE = 2305


def worker(submission_id: int) -> None:
    """A django-q2 worker taking the queued task (the real task function)."""
    from portal.staging.tasks import submit_batch

    try:
        submit_batch(submission_id)
    finally:
        connections.close_all()


def test_it_submits_a_batch_and_watches_it_land(signed_in_page, sandbox, monkeypatch):
    page = signed_in_page
    fast_pipeline(monkeypatch)
    user, project = User.objects.get(username=ELI), Project.objects.get(pk=RIVERSIDE)
    batch = make_batch(user, project, [drawing(900), drawing(901), specification(902)])

    page.goto(f"{sandbox.portal_url}/batches/{batch.pk}/")
    page.get_by_role("button", name="Submit to Procore").click()
    page.wait_for_url(f"{sandbox.portal_url}/batches/{batch.pk}/progress/")
    assert "Submitting 3 document(s) to Procore." in page.locator(".messages").inner_text()
    assert page.locator("tr.doc").count() == 3

    submission = Submission.objects.get(batch=batch)
    thread = threading.Thread(target=worker, args=(submission.pk,))
    thread.start()
    try:
        # The page polls and updates in place; when the run ends it reloads once.
        page.locator("[data-counts]").get_by_text("Landed").wait_for(timeout=90_000)
        page.wait_for_selector("text=3 document(s) landed in Procore", timeout=30_000)
    finally:
        thread.join(120)
    assert page.locator("tr.doc .badge", has_text="Landed").count() == 3
    links = page.locator("td[data-cell=revision] a")
    assert links.count() == 3
    links.first.click()
    page.wait_for_url(f"{sandbox.portal_url}/projects/{project.pk}/revisions/?container=*")
    assert page.locator("[data-revision-id]").count() >= 1
