"""The review step in a real browser: a drawing is staged, the worker reads it, its thumbnail and
title-block values appear in the grid without a reload, a conflict is flagged, the document page
shows the title block large enough to read, and accepting by keyboard fills the fields. Both
screen sizes, with axe-core."""

from __future__ import annotations

import pytest

from portal.mirror.models import PdmField
from portal.staging.models import AuditEntry, Batch, StagedDocument

pytestmark = pytest.mark.django_db(transaction=True)

RIVERSIDE = 2305
WIDE, PHONE = {"width": 1440, "height": 900}, {"width": 390, "height": 844}
# The shared layout's brand mark and breadcrumbs have their own contrast work under way elsewhere;
# everything this feature adds is checked.
LAYOUT = (".brand-mark", ".crumbs", ".link", ".who")


def test_review_what_the_title_block_says(
    signed_in_page, sandbox, worker, upload_checker, sheet_pdf, tmp_path, axe, screenshots
):
    page = signed_in_page
    page.goto(f"{sandbox.portal_url}/projects/{RIVERSIDE}/batches/")
    page.get_by_label("Name", exact=True).fill("Issue 4 drawings")
    page.get_by_role("button", name="Create batch").click()
    page.wait_for_selector("text=Drop files here")
    files = []
    for number, title in [("101", ("GROUND FLOOR PLAN",)), ("102", ("FIRST FLOOR PLAN", "EAST WING"))]:
        path = tmp_path / f"A-DRW-{number}_Floor Plan_Rev B.pdf"
        path.write_bytes(sheet_pdf(f"A-DRW-{number}", ["A", "B", "C"], title=title))
        files.append(str(path))
    page.locator("[data-uploader][data-ready]").wait_for(state="attached")  # the page's script took over
    page.locator("[data-file-input]").set_input_files(files)
    upload_checker(2)  # the worker checks the stored files and adds them to the batch
    rows = "[data-grid].is-ready [data-grid-host] .tabulator-row"
    page.wait_for_function(f"document.querySelectorAll('{rows}').length === 2", timeout=30_000)
    sheet = "[data-grid-host] .tabulator-cell[tabulator-field='c_sheet']"
    page.wait_for_selector(f"{sheet} >> text=Reading…")  # read in the worker, not in the request

    # The worker reads both; the grid's rows change in place (the marker survives: no reload).
    page.evaluate("window.__stillThisPage = true")
    worker()
    page.wait_for_function(f'document.querySelectorAll("{sheet} img").length === 2', timeout=20_000)
    assert page.evaluate("window.__stillThisPage === true")
    page.wait_for_selector("text=2 documents")
    revision = PdmField.objects.get(project_id=RIVERSIDE, name="revision").procore_id
    conflict = page.locator(f"[data-grid-host] .tabulator-cell.has-flag[tabulator-field='c_{revision}']")
    assert conflict.count() == 2 and "Title block: Rev C" in conflict.first.get_attribute("title")
    page.set_viewport_size(WIDE)
    page.screenshot(path=str(screenshots / "contents-batch-1440.png"), full_page=True)
    assert axe(page, exclude=LAYOUT) == []
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(screenshots / "contents-batch-390.png"), full_page=True)
    assert axe(page, exclude=LAYOUT) == []

    # The document page: the title block large enough to read, each value beside the document's.
    page.set_viewport_size(WIDE)
    batch = Batch.objects.get(name="Issue 4 drawings")
    first = StagedDocument.objects.get(batch=batch, file_name__startswith="A-DRW-101")
    page.goto(f"{sandbox.portal_url}/batches/{batch.pk}/documents/{first.pk}/")
    title_block = page.get_by_alt_text(f"The title block of {first.file_name}, as read")
    title_block.wait_for()
    assert page.evaluate("(img) => img.naturalWidth", title_block.element_handle()) >= 1000
    assert page.locator(f'tr.conflict[data-review-field="{revision}"]').count() == 1
    page.screenshot(path=str(screenshots / "contents-document-1440.png"), full_page=True)
    assert axe(page, exclude=LAYOUT) == []
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(screenshots / "contents-document-390.png"), full_page=True)
    assert axe(page, exclude=LAYOUT) == []

    # Keyboard only: Tab to "Accept all title-block values" and press Enter.
    page.set_viewport_size(WIDE)
    for _ in range(80):
        page.keyboard.press("Tab")
        if (
            page.evaluate("document.activeElement && document.activeElement.textContent.trim()")
            == "Accept all title-block values"
        ):
            break
    else:
        pytest.fail("Accept all title-block values cannot be reached with the keyboard")
    page.keyboard.press("Enter")
    page.wait_for_selector("text=Title-block values accepted")
    first.refresh_from_db()
    assert first.metadata[revision] == ["Rev C"]
    assert page.locator(f'tr.conflict[data-review-field="{revision}"]').count() == 0

    # The rest of the batch at once, from the grid.
    page.goto(f"{sandbox.portal_url}/batches/{batch.pk}/")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_text("Title blocks", exact=True).click()
    page.get_by_role("button", name="Accept for the whole batch").click()
    page.wait_for_selector("text=Title-block values accepted")
    assert {tuple(d.metadata[revision]) for d in StagedDocument.objects.filter(batch=batch)} == {("Rev C",)}
    page.wait_for_selector("[data-grid].is-ready")
    assert page.locator("[data-grid-host] .tabulator-cell.has-flag").count() == 0
    assert AuditEntry.objects.filter(batch=batch, action="Accepted title-block values").count() == 2
