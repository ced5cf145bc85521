"""People chosen by name in the form, the grid and a CSV; saves that change only what a person
changed; two people's clashing edits; a batch that was not shared answers 404."""

from __future__ import annotations

import csv
import io

import pytest

from portal.mirror.models import PdmField, Project
from portal.staging.models import StagedDocument
from portal.staging.sharing import share_with_project
from procore_sandbox.testing import DANA, ELI
from tests.e2e.grid import Grid
from tests.staging.submitting import drawing, make_batch

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

RIVERSIDE = 2305


def field_id(name: str) -> str:
    return PdmField.objects.get(project_id=RIVERSIDE, name=name).procore_id


@pytest.fixture
def eli(signed_in_as):
    return signed_in_as(ELI)


@pytest.fixture
def batch(eli):
    return make_batch(eli.user, Project.objects.get(pk=RIVERSIDE), [drawing(101), drawing(102)])


def metadata(document: StagedDocument, name: str) -> list[str]:
    document.refresh_from_db()
    return document.metadata.get(field_id(name), [])


def test_it_sets_a_person_by_name_in_the_grid_and_the_form_keeps_it_when_saving_status(eli, batch, sandbox):
    first, second = batch.documents.order_by("position")
    page = eli
    page.goto(f"{sandbox.portal_url}/batches/{batch.pk}/")
    page.wait_for_selector("[data-grid].is-ready")
    grid = Grid(page)
    # The grid: a person by name, offered by the project's people as one types.
    grid.show_column("Authored By")
    options = page.locator(f"#grid-choices-{field_id('authored_by')} option")
    assert "Marta Quinn" in options.evaluate_all("(all) => all.map((o) => o.value)")
    grid.cell(0, "Authored By").click()
    page.keyboard.type("Jordan Lee")
    page.keyboard.press("Enter")
    grid.saved()
    assert "is 2 people in this project; write the e-mail address" in grid.cell(0, "Authored By").get_attribute("title")
    assert metadata(first, "authored_by") == []
    grid.cell(0, "Authored By").click()
    page.keyboard.type("Marta Quinn")
    page.keyboard.press("Enter")
    grid.saved()
    assert grid.text(0, "Authored By") == "Marta Quinn"
    assert metadata(first, "authored_by") == ["5461"]

    # The form (linked from the grid's side panel): change Status only; Authored By, set in the grid, stays.
    grid.cell(0, "State").click()
    page.get_by_role("link", name="Open the document's form").click()
    author = page.get_by_label("Authored By")
    assert author.input_value() == "Marta Quinn"
    assert "Left empty, Procore fills it with the person who submits the batch." in page.content()
    page.get_by_label("Status").select_option(label="APP – Approved")
    page.get_by_role("button", name="Save", exact=True).click()
    assert "1 field(s) changed" in page.locator(".messages").inner_text()
    assert metadata(first, "authored_by") == ["5461"]
    assert page.get_by_label("Authored By").input_value() == "Marta Quinn"

    # Choosing a person in the form: type the name; several people in a multi-person field.
    page.get_by_label("Design Reviewer").fill("Ravi Shah")
    page.get_by_label("Reviewers: add a person").fill("jordan.lee@brooks-structural.example")
    page.get_by_role("button", name="Add another person").click()
    page.locator("[data-people-inputs] input").last.fill("Eli Navarro")
    page.get_by_role("button", name="Save and open the next").click()
    page.wait_for_url(f"**/documents/{second.pk}/")
    assert metadata(first, "custom_field_102") == ["5464"]
    assert metadata(first, "custom_field_103") == ["5463", "5448"]
    page.get_by_role("link", name="← Previous").click()
    assert page.get_by_label("Reviewers 1").input_value() == "Jordan Lee <jordan.lee@brooks-structural.example>"


def test_a_csv_round_trip_writes_and_reads_people_by_name(eli, batch, sandbox, tmp_path):
    first, _ = batch.documents.order_by("position")
    page = eli
    page.goto(f"{sandbox.portal_url}/batches/{batch.pk}/")
    page.wait_for_selector("[data-grid].is-ready")
    grid = Grid(page)
    grid.show_column("Reviewers")
    grid.cell(0, "Reviewers").click()
    page.keyboard.type("Marta Quinn; jordan.lee@northwind.example")
    page.keyboard.press("Enter")
    grid.cell(0, "Reviewers").locator(".chip", has_text="Jordan Lee").wait_for()
    grid.saved()
    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    rows = list(csv.DictReader(io.StringIO(download.value.path().read_text(encoding="utf-8-sig"))))
    row = next(r for r in rows if r["document_id"] == str(first.pk))
    assert row["Reviewers"] == "Marta Quinn; Jordan Lee <jordan.lee@northwind.example>"
    row["Authored By"] = "ravi.shah@northwind.example"
    row["Reviewers"] = "Jordan Lee <jordan.lee@northwind.example>; Eli Navarro"
    edited = tmp_path / "edited.csv"
    with edited.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)

    # Import with the keyboard only: Tab from the last export link reaches "Import CSV".
    page.get_by_role("link", name="CSV with codes").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "csv"
    with page.expect_file_chooser() as chooser:
        page.keyboard.press("Space")
    chooser.value.set_files(str(edited))
    page.wait_for_selector("text=Metadata imported from the CSV file.")
    assert metadata(first, "authored_by") == ["5464"]
    assert metadata(first, "custom_field_103") == ["5462", "5448"]

    row["Authored By"] = "Jordan Lee"  # two people: a cell error, nothing changes
    with edited.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    page.locator('input[name="csv"]').set_input_files(str(edited))
    page.wait_for_selector("text=The CSV was not imported")
    assert "“Jordan Lee” is 2 people in this project" in page.locator("table.import-errors").inner_text()
    assert metadata(first, "authored_by") == ["5464"]


def test_two_people_edit_one_document_and_the_later_one_chooses(eli, batch, signed_in_as, sandbox):
    share_with_project(batch, eli.user, True)
    dana = signed_in_as(DANA)
    document = batch.documents.order_by("position").first()
    url = f"{sandbox.portal_url}/batches/{batch.pk}/documents/{document.pk}/"
    eli.goto(url)
    dana.goto(url)
    dana.get_by_label("Authored By").fill("Marta Quinn")
    dana.get_by_role("button", name="Save", exact=True).click()
    assert "1 field(s) changed" in dana.locator(".messages").inner_text()

    eli.get_by_label("Authored By").fill("Ravi Shah")
    eli.get_by_label("Number", exact=True).fill("101A")
    eli.get_by_role("button", name="Save", exact=True).click()
    warning = eli.locator(".messages").inner_text()
    assert "Saved 1 field(s)." in warning and "changed by someone else" in warning
    clash = eli.locator("fieldset.conflict")
    assert "Dana Whitfield changed Authored By to “Marta Quinn”" in clash.inner_text()
    assert metadata(document, "authored_by") == ["5461"] and metadata(document, "number") == ["101A"]
    clash.get_by_label("Use mine: “Ravi Shah”").check()
    eli.get_by_role("button", name="Save", exact=True).click()
    assert "1 field(s) changed" in eli.locator(".messages").inner_text()
    assert metadata(document, "authored_by") == ["5464"]
    eli.goto(f"{sandbox.portal_url}/batches/{batch.pk}/")
    history = eli.locator(".audit").inner_text()
    assert "Dana Whitfield — Edited a document" in history and "Authored By → Marta Quinn" in history


def test_a_colleague_without_the_share_gets_404(eli, batch, signed_in_as, sandbox, axe):
    dana = signed_in_as(DANA)
    answer = dana.goto(f"{sandbox.portal_url}/batches/{batch.pk}/")
    assert answer.status == 404
    assert dana.get_by_role("heading", name="Nothing here").is_visible()
    assert axe(dana) == [], "the 404 page"
    dana.goto(f"{sandbox.portal_url}/projects/{RIVERSIDE}/batches/")
    assert dana.locator(f'[data-batch-id="{batch.pk}"]').count() == 0

    eli.goto(f"{sandbox.portal_url}/batches/{batch.pk}/")
    eli.get_by_label("Share with a project member").fill("Dana Whitfield")
    eli.get_by_role("button", name="Share", exact=True).click()
    assert "Shared with Dana Whitfield." in eli.locator(".messages").inner_text()
    assert dana.goto(f"{sandbox.portal_url}/batches/{batch.pk}/").status == 200
    assert "Eli Navarro — Shared the batch: With Dana Whitfield" in eli.locator(".audit").inner_text()
