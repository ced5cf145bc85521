"""The rate-limit budget as people see it, in a real browser at a laptop's and a phone's size: the
estimate beside Submit, the estimate kept current while a batch is sent, and the admin's budget
page with its chart and CSV link, reached and used with the keyboard alone."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from portal.accounts.models import User
from portal.accounts.tokens import UserTokenSource
from portal.procore.http import BearerToken, ProcoreClient
from portal.staging.models import Submission
from portal.throttle import budget, clock
from portal.throttle.lanes import Lane, Ticket
from portal.throttle.models import Budget, Flow, HourlyUsage
from procore_sandbox.limits import ratelimit
from tests.staging.submitting import drawing, fast_pipeline, make_batch, submit

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SIZES = {"1440": (1440, 900), "390": (390, 844)}


def look(page, name: str, selector: str, axe, screenshots) -> None:
    """At a laptop's and a phone's size: a screenshot, what `selector` finds fits the width, and
    axe-core finds no critical or serious violation in it."""
    for size, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(screenshots / f"budget-{name}-{size}.png"), full_page=True)
        for box in (element.bounding_box() for element in page.locator(selector).all()):
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width + 1, (name, size, box)
        assert axe(page, context=f"{{include: {[[part.strip()] for part in selector.split(',')]!r}}}") == []


def test_it_shows_the_estimate_before_submit_and_while_sending(
    signed_in_page, sandbox, synced_project, monkeypatch, axe, screenshots
):
    page = signed_in_page
    fast_pipeline(monkeypatch)
    user, project = synced_project()
    ratelimit.configure(hourly=6000, spike=50)
    # The budget knows a company's limits only from Procore's answers: one call teaches it.
    ProcoreClient(UserTokenSource.for_user(user), "8089", ticket=Ticket(Lane.BACKGROUND, "sync:0")).get("/rest/v1.0/me")
    ahead = make_batch(user, project, [drawing(950 + i) for i in range(6)])
    submit(ahead, user)  # queued ahead, not run
    batch = make_batch(user, project, [drawing(960), drawing(961), drawing(962)])

    page.goto(f"{sandbox.portal_url}/batches/{batch.pk}/")
    panel = page.locator("[data-estimate-panel]")
    assert "16 Procore calls" in panel.inner_text()  # 3 × 3, 5 for the chunk, 2 for the landing
    assert "2nd in the queue for Northwind Builders" in panel.inner_text()
    look(page, "batch", "[data-estimate-panel]", axe, screenshots)

    submission = submit(batch, user)
    Submission.objects.filter(pk=submission.pk).update(state=Submission.State.RUNNING)
    page.goto(f"{sandbox.portal_url}/batches/{batch.pk}/progress/")
    assert "16 Procore calls left" in page.locator("[data-estimate-panel]").inner_text()
    # The worker moves on (and stamps the rows, as the pipeline does): the panel is refreshed in
    # place from the server.
    batch.documents.update(step="uploaded", updated_at=timezone.now())
    page.wait_for_function(
        "/(^|[^0-9])6 Procore calls left/.test(document.querySelector('[data-estimate-panel]').innerText)",
        timeout=20_000,
    )
    look(page, "progress", "[data-estimate-panel]", axe, screenshots)


def test_it_shows_the_budget_page_in_admin_and_works_with_the_keyboard(page, sandbox, settings, axe, screenshots):
    ratelimit.configure(hourly=6000, spike=50)
    client = ProcoreClient(
        BearerToken(sandbox.token()), "8089", base_url=sandbox.base_url, ticket=Ticket.for_person(3, "Dana Whitfield")
    )
    for _ in range(3):
        client.get("/rest/v1.0/me")
    row = Budget.objects.get(company_id="8089")
    budget.name_company("8089", "Northwind Builders")
    now = clock.now()
    Flow.objects.create(
        budget=row,
        key="submission:12",
        lane="background",
        label="Submission 12 · “Level 2 drawings”",
        person="Eli Navarro",
        want=6,
        wanting_since=now - 40,
        wanting_until=now + 120,
        calls=840,
        size=1222,
        last_call_at=now - 1,
    )
    first = budget.hour_start(now) - timedelta(days=29)
    HourlyUsage.objects.bulk_create(
        [
            HourlyUsage(
                budget=row,
                hour=first + timedelta(hours=h),
                calls=(h * 37) % 1400 + (1900 if 8 <= (h % 24) <= 17 else 60),
                failed=(h % 53 == 0) * 14,
                rate_limited=(h % 200 == 0) * 2,
                background=(h * 37) % 1400,
                hour_limit=3600 if h > 240 else 0,
            )
            for h in range(0, 29 * 24, 1)
        ]
    )
    User.objects.create_superuser("root", "root@example.com", "a long admin password")
    page.goto(f"{sandbox.portal_url}/admin/login/?next=/admin/throttle/budget/")
    page.get_by_label("Username").fill("root")
    page.get_by_label("Password").fill("a long admin password")
    page.keyboard.press("Enter")
    page.wait_for_url("**/admin/throttle/budget/")
    link = page.get_by_role("link", name="Northwind Builders (8089)")
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/admin/throttle/budget/company/8089/")
    assert page.get_by_role("img", name="Northwind Builders: Procore calls per hour, last 30 days").is_visible()
    assert "Submission 12" in page.locator("#content-main").inner_text()
    # What each submission is using, and what it still needs (it told the budget its size).
    row = page.get_by_role("row", name=re.compile("Submission 12"))
    assert "840" in row.inner_text() and "382" in row.inner_text()
    look(page, "admin", "#content-main", axe, screenshots)
    csv_link = page.get_by_role("link", name="Download these figures as CSV")
    csv_link.focus()
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    assert download.value.suggested_filename == "procore-calls-per-hour-8089.csv"
