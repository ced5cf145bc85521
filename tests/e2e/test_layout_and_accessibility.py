"""Every main page fits a phone (no sideways page scroll; wide tables scroll inside their card) and
axe-core finds no critical or serious violation on it."""

from __future__ import annotations

import pytest

from portal.mirror.models import Project
from procore_sandbox.testing import ELI
from tests.e2e.conftest import LAPTOP, PHONE
from tests.staging.submitting import drawing, fast_pipeline, make_batch, run_task, specification, submit

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def pages(sandbox, user) -> dict[str, str]:
    project = Project.objects.get(pk=2305)
    batch = make_batch(user, project, [drawing(101), specification(102)])
    document = batch.documents.order_by("position")[0]
    base = sandbox.portal_url
    return {
        "projects": f"{base}/",
        "project batches": f"{base}/projects/{project.pk}/batches/",
        "batch": f"{base}/batches/{batch.pk}/",
        "document form": f"{base}/batches/{batch.pk}/documents/{document.pk}/",
        "progress": f"{base}/batches/{batch.pk}/progress/",
        "setup": f"{base}/projects/{project.pk}/setup/",
        "revisions": f"{base}/projects/{project.pk}/revisions/",
        "folders and files": f"{base}/projects/{project.pk}/",
    }


def test_the_sign_in_page_is_accessible_at_both_sizes(browser, sandbox, axe):
    for viewport in (LAPTOP, PHONE):
        context = browser.new_context(viewport=viewport)
        page = context.new_page()
        page.goto(f"{sandbox.portal_url}/accounts/login/")
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        assert axe(page) == [], f"the sign-in page at {viewport['width']} px"
        context.close()


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["1440x900", "390x844"])
def test_every_main_page_fits_and_passes_axe(signed_in_as, sandbox, axe, viewport):
    page = signed_in_as(ELI, viewport)
    for name, url in pages(sandbox, page.user).items():
        assert page.goto(url).status == 200, name
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"], f"{name} is {width} px wide at {viewport['width']} px"
        sign_out = page.get_by_role("button", name="Sign out").bounding_box()
        assert sign_out and sign_out["x"] + sign_out["width"] <= viewport["width"], f"Sign out off-screen on {name}"
        assert axe(page) == [], f"{name} at {viewport['width']} px"


def test_a_wide_table_scrolls_inside_its_card_on_a_phone(signed_in_as, sandbox):
    page = signed_in_as(ELI, PHONE)
    urls = pages(sandbox, page.user)
    # The batch grid: its card fits the phone, its many columns scroll inside the grid.
    page.goto(urls["batch"])
    page.wait_for_selector(".tabulator-row")
    card = page.locator("section.grid-card").evaluate("el => [el.scrollWidth, el.clientWidth]")
    holder = page.locator(".tabulator-tableholder").evaluate("el => [el.scrollWidth, el.clientWidth]")
    assert card[1] <= PHONE["width"] and holder[0] > holder[1], (card, holder)
    # A plain wide table (the setup tab's fields) scrolls inside its own region.
    page.goto(urls["setup"])
    region = page.get_by_role("region", name="Fields").evaluate("el => [el.scrollWidth, el.clientWidth]")
    assert region[1] <= PHONE["width"] and region[0] > region[1], region


def test_a_finished_progress_page_fits_a_phone_and_passes_axe(signed_in_as, sandbox, axe, monkeypatch):
    page = signed_in_as(ELI, PHONE)
    fast_pipeline(monkeypatch)
    batch = make_batch(page.user, Project.objects.get(pk=2305), [drawing(501), drawing(502)])
    submission = run_task(submit(batch, page.user))
    assert submission.state == "done", submission.error
    assert page.goto(f"{sandbox.portal_url}/batches/{batch.pk}/progress/").status == 200
    assert page.locator("td[data-cell=revision] a").count() == 2  # links, not ids
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert axe(page) == [], "the finished progress page at 390 px"


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["1440x900", "390x844"])
def test_a_broad_searchs_pager_reads_as_counted_so_far_and_pages_on_by_keyboard(
    signed_in_as, sandbox, axe, screenshots, viewport
):
    from portal.mirror.models import File

    page = signed_in_as(ELI, viewport)
    project = Project.objects.get(pk=2305)
    File.objects.bulk_create(
        File(id=9_100_000 + n, company_id=project.company_id, project=project, name=f"Broad-{n:04}.pdf")
        for n in range(600)
    )
    page.goto(f"{sandbox.portal_url}/projects/{project.pk}/?q=broad-")
    pager = page.get_by_role("navigation", name="Pages")
    assert "Page 1 of 11+ · 550+ items" in pager.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    assert axe(page) == [], f"a broad search at {viewport['width']} px"
    page.screenshot(path=str(screenshots / f"search-pager-{viewport['width']}.png"), full_page=True)
    next_link = pager.get_by_role("link", name="Next")
    for _ in range(400):  # Tab from the top of the page to the pager's Next link
        page.keyboard.press("Tab")
        if next_link.evaluate("el => el === document.activeElement"):
            break
    page.keyboard.press("Enter")
    page.wait_for_url("**page=2")
    assert "Page 2 of 12 · 600 items" in page.get_by_role("navigation", name="Pages").inner_text()
    assert page.get_by_text("Broad-0050.pdf").first.is_visible()
