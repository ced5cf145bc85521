"""Staging in a real browser: pick files, see metadata proposed, fix errors in bulk, CSV out and back in."""

from __future__ import annotations

import csv
import io

import pytest

from portal.mirror.models import PdmField
from portal.staging.models import Batch, StagedDocument

pytestmark = pytest.mark.django_db(transaction=True)

RIVERSIDE = 2305


def test_stage_fix_and_round_trip_csv(signed_in_page, sandbox, tmp_path, tasks_run_at_once):
    page = signed_in_page
    page.get_by_role("link", name="Riverside Medical Center").click()
    page.locator("nav.tabs").get_by_role("link", name="Batches").click()
    page.get_by_label("Name", exact=True).fill("Issue 3 drawings")
    page.get_by_role("button", name="Create batch").click()
    page.wait_for_selector("text=Drop files here")

    files = []
    for name in ["A-DRW-101_Floor Plan_Rev B.pdf", "A-DRW-102_Elevations_Rev B.pdf", "S-DRW-201_Framing_Rev A.pdf"]:
        path = tmp_path / name
        path.write_bytes(f"%PDF-1.4 {name}".encode())
        files.append(str(path))
    page.locator("[data-uploader][data-ready]").wait_for(state="attached")  # the page's script took over
    page.locator("[data-file-input]").set_input_files(files)
    # The page reloads once every upload has finished; the grid then reads the rows.
    page.wait_for_function(
        "document.querySelectorAll('[data-grid].is-ready .tabulator-row').length === 3", timeout=30_000
    )

    batch = Batch.objects.get(name="Issue 3 drawings")
    type_id = PdmField.objects.get(project_id=RIVERSIDE, name="type").procore_id
    type_cells = page.locator(f'.tabulator-cell[tabulator-field="c_{type_id}"]')
    assert all("DRW" in text for text in type_cells.all_inner_texts())  # proposed from the names
    assert page.locator(".tabulator-cell .proposed").count() >= 3
    assert StagedDocument.objects.filter(batch=batch, state=StagedDocument.State.ERRORS).count() == 3

    # Fix an error for every document at once: type Status on the first, fill it down.
    status_id = PdmField.objects.get(project_id=RIVERSIDE, name="status").procore_id
    status_cells = page.locator(f'.tabulator-cell[tabulator-field="c_{status_id}"]')
    status_cells.first.click()
    page.keyboard.type("Open")
    page.keyboard.press("Enter")
    status_cells.first.click()
    page.keyboard.press("Shift+ArrowDown")
    page.keyboard.press("Shift+ArrowDown")
    page.keyboard.press("Control+d")
    page.wait_for_function(
        "document.querySelector('[data-save-state]').dataset.state === 'saved'"
        " && !document.querySelector('.tabulator-cell.is-pending')"
    )
    assert all("Open" in text for text in status_cells.all_inner_texts())
    assert all(
        not d.problems or all(p["field"] != status_id for p in d.problems)
        for d in StagedDocument.objects.filter(batch=batch)
    )

    # Export, change a value in the "spreadsheet", import it back.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export CSV").click()
    exported = tmp_path / "export.csv"
    download_info.value.save_as(exported)
    rows = list(csv.DictReader(io.StringIO(exported.read_text(encoding="utf-8-sig"))))
    assert len(rows) == 3
    revision_column = next(c for c in rows[0] if c.lower().startswith("revision"))
    for row in rows:
        row[revision_column] = "Rev C"
    edited = tmp_path / "edited.csv"
    with edited.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    page.locator('input[name="csv"]').set_input_files(str(edited))
    page.wait_for_selector("text=Metadata imported from the CSV file.")
    revision_id = PdmField.objects.get(project_id=RIVERSIDE, name="revision").procore_id
    assert {tuple(d.metadata.get(revision_id, [])) for d in StagedDocument.objects.filter(batch=batch)} == {("Rev C",)}
