"""The issue control pages in a real browser (Chromium), at a laptop's and a phone's size, with
axe-core: the batch page's panels, the issue check (a warning kept with the keyboard alone), a
compare, the project's Transmittals tab and a landed batch's transmittal."""

from __future__ import annotations

import pytest
from django.test import Client

from portal.staging import services
from portal.staging.issue_control import compare
from portal.staging.issue_control.tasks import compare_batch
from portal.staging.models import IssueDecision
from procore_sandbox.testing import ELI
from tests.staging.issue_control.helpers import drawing_pdf, issue, stage
from tests.staging.submitting import drawing, fast_pipeline

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CHANGES = [(300, 300, 200, 120), (1500, 900, 150, 150)]


def signed_in(page, sandbox, user) -> None:
    """The person's session in the browser (signing in itself is tested elsewhere)."""
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": sandbox.portal_url}]
    )


@pytest.fixture
def look(axe, screenshots):
    """look(page, name) → screenshots at a laptop's and a phone's size, and axe-core's critical and
    serious violations at each."""

    def check(page, name: str, *, parts: tuple[str, ...] = ()) -> list[str]:
        """`parts`: only these parts of a page the issue control adds to (others' pages)."""
        context = "{include: [" + ", ".join(f"[{part!r}]" for part in parts) + "]}" if parts else "document"
        problems = []
        for width, height in ((1440, 900), (390, 844)):
            page.set_viewport_size({"width": width, "height": height})
            page.screenshot(path=str(screenshots / f"{name}-{width}.png"), full_page=True)
            problems += [f"{width}px {problem}" for problem in axe(page, context=context)]
        return problems

    return check


def test_it_shows_warnings_compares_and_transmittals(page, sandbox, media, synced_project, monkeypatch, look):
    fast_pipeline(monkeypatch)
    user, project = synced_project(ELI)
    first = services.create_batch(project, user, name="Issue A", note="For coordination")
    original = drawing_pdf(title="A-DRW-640")
    stage(first, *drawing(640), original)
    stage(first, *drawing(641), drawing_pdf(title="A-DRW-641"))
    issue(first)
    batch = services.create_batch(project, user, name="Issue B")
    stage(batch, *drawing(640, revision="B"), drawing_pdf(CHANGES, title="A-DRW-640"))
    stage(batch, *drawing(641, revision="D"), drawing_pdf(title="A-DRW-641") + b"\n% re-saved\n")
    stage(batch, *drawing(643), original)
    compare.request_compare(batch, user)
    compare_batch(batch.pk)
    signed_in(page, sandbox, user)
    base = sandbox.portal_url

    page.goto(f"{base}/batches/{batch.pk}/")
    panel = page.locator("[data-issue-panel]")
    assert "Review warnings (3)" in panel.inner_text()
    assert "Revisions in this project are letters" in panel.inner_text()
    assert page.locator("details.distribution summary").inner_text().startswith("Send the transmittal to")
    assert look(page, "batch", parts=("[data-issue-panel]", "details.distribution")) == []

    page.goto(f"{base}/batches/{batch.pk}/issue-check/")
    findings = page.locator("li.finding")
    assert findings.count() == 3
    text = page.locator(".findings").inner_text()
    assert "Revision D follows A in A-DRW-641, skipping B and C" in text
    assert "Every page looks the same as the current revision A (version 1) of A-DRW-641" in text
    assert "It is staged now as A-DRW-643 (Plan 643)" in text
    assert page.locator("[data-compare]").get_by_role("heading", name="1 Changed sheets").is_visible()
    assert look(page, "issue-check") == []

    # Keyboard only: into the first warning's reason, type it, Tab to Keep, Enter.
    page.set_viewport_size({"width": 1440, "height": 900})
    page.locator("#reason-1").focus()
    page.keyboard.type("Agreed with the architect")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Keep"
    page.keyboard.press("Enter")
    page.wait_for_selector("text=Kept. The decision is in the batch's history.")
    assert IssueDecision.objects.get(reason="Agreed with the architect").decided_by == user
    assert page.locator("li.finding.decided").count() == 1

    changed = batch.documents.get(file_name__startswith="A-DRW-640")
    page.goto(f"{base}/batches/{batch.pk}/documents/{changed.pk}/compare/")
    overlay = page.locator("img[alt^='Overlay of page 1']")
    overlay.scroll_into_view_if_needed()
    loaded = "img => img.complete ? img.naturalWidth : new Promise(done => img.onload = () => done(img.naturalWidth))"
    assert overlay.evaluate(loaded) > 0
    assert "Changed region (2)" in page.locator(".compare-legend").inner_text()
    assert look(page, "compare") == []

    page.goto(f"{base}/projects/{project.pk}/transmittals/")
    row = page.locator("[data-transmittal='T-0001']")
    assert "Issue A" in row.inner_text()
    assert row.get_by_role("link", name="PDF").get_attribute("href").endswith(".pdf")
    assert look(page, "transmittals") == []
    # On a phone (look leaves the page at 390 px) the files are in view without scrolling sideways.
    pdf = row.get_by_role("link", name="PDF").bounding_box()
    assert pdf is not None and pdf["x"] + pdf["width"] <= 390

    page.goto(f"{base}/batches/{first.pk}/progress/")
    assert page.locator("[data-transmittal-panel]").get_by_role("link", name="T-0001 (PDF)").is_visible()
    assert look(page, "progress", parts=("[data-transmittal-panel]",)) == []
