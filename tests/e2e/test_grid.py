"""The batch grid in a real browser: typing, the keyboard, the clipboard, fill down, undo, sort and
filter, the column choice, a folder batch, accessibility, and how it looks on a desk and a phone."""

from __future__ import annotations

import pytest

from portal.staging import views_grid
from portal.staging.edits import FieldEdit, apply_edits
from portal.staging.models import Batch, GridLayout, StagedDocument
from portal.staging.schema import load_schema
from procore_sandbox.testing import DANA
from tests.flows import portal_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NAMES = [
    "A-DRW-101_Floor Plan_Rev B.pdf",
    "A-DRW-102_Elevations_Rev B.pdf",
    "S-DRW-201_Framing_Rev A.pdf",
    "A-SPC-001_Doors.pdf",
    "Sheet 7.pdf",
]


def stored(batch: Batch, field: str) -> list[list[str]]:
    return [d.metadata.get(field, []) for d in StagedDocument.objects.filter(batch=batch).order_by("position")]


def test_it_saves_what_is_typed_into_a_cell(open_grid, stage, riverside_field, riverside_value):
    batch = stage(NAMES[:3])
    grid = open_grid(batch)
    grid.cell(0, "Status").click()
    grid.page.keyboard.type("open")
    grid.page.keyboard.press("Enter")  # saves and moves down
    grid.page.keyboard.type("APP")
    grid.page.keyboard.press("Escape")  # cancels: nothing changes
    grid.page.keyboard.press("ArrowDown")
    grid.page.keyboard.press("Enter")  # Enter edits the cell as it is
    grid.page.keyboard.type("Closed")
    grid.page.keyboard.press("Tab")  # saves and moves right
    grid.saved()

    status = riverside_field("status")
    assert stored(batch, status) == [[riverside_value("status", "OPN")], [], [riverside_value("status", "CLS")]]
    assert grid.column("Status", 3) == ["OPN – Open", "", "CLS – Closed"]
    # The selected row's status problem is gone with the value (the panel follows on the next frame).
    grid.page.wait_for_function("!document.querySelector('[data-grid-panel-body]').innerText.includes('Status')")
    assert grid.page.inner_text("[data-save-state]") == "All changes saved"


def test_it_works_with_the_keyboard_alone(open_grid, stage, riverside_field, riverside_value):
    batch = stage(NAMES[:3])
    grid = open_grid(batch)
    page = grid.page
    page.focus("[data-grid-search]")
    in_rows = "document.activeElement.classList.contains('tabulator-tableholder')"
    for _ in range(40):  # Tab through the toolbar and the column filters until the rows have the keyboard
        page.keyboard.press("Tab")
        if page.evaluate(in_rows):
            break
    assert page.evaluate(in_rows)
    page.keyboard.press("ArrowRight")  # from the first cell (State) to Name,
    page.keyboard.press("ArrowRight")  # to Type,
    page.keyboard.press("ArrowDown")  # one row down
    grid.wait_for_panel("A-DRW-102_Elevations_Rev B.pdf")  # the side panel follows the selection
    announced = page.inner_text("[data-grid-announce]")
    assert announced.startswith("Type: DRW – Drawing") and announced.endswith("A-DRW-102_Elevations_Rev B.pdf")
    page.keyboard.type("SPC")
    page.keyboard.press("Enter")
    grid.saved()
    assert stored(batch, riverside_field("type"))[1] == [riverside_value("type", "SPC")]
    assert grid.text(1, "Type") == "SPC – Specification"
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")  # Enter moved down: back up to row 0
    grid.wait_for_panel("A-DRW-101_Floor Plan_Rev B.pdf")


def test_it_pastes_a_block_from_a_spreadsheet_and_marks_bad_cells(open_grid, stage, riverside_field, riverside_value):
    batch = stage(NAMES[:3])
    grid = open_grid(batch)
    requests = []
    grid.page.on("request", lambda r: requests.append(r.url) if "/grid/changes.json" in r.url else None)
    grid.cell(0, "Type").click()
    grid.paste('DRW\tOpen\tRev C\nNOPE\tApproved\tRev D\r\nSpecification\tXX\t"Rev\tE"\n')
    grid.saved()

    assert len(requests) == 1  # the whole block in one request
    type_, status, revision = riverside_field("type"), riverside_field("status"), riverside_field("revision")
    drw, spc = riverside_value("type", "DRW"), riverside_value("type", "SPC")
    assert stored(batch, type_) == [[drw], [drw], [spc]]  # row 2's "NOPE" was not stored
    assert stored(batch, status) == [[riverside_value("status", "OPN")], [riverside_value("status", "APP")], []]
    assert stored(batch, revision) == [["Rev C"], ["Rev D"], ["Rev\tE"]]

    bad = grid.cell(1, "Type")
    assert grid.text(1, "Type") == "NOPE"  # what was pasted stays in view, marked
    assert "is-invalid" in bad.get_attribute("class")
    assert "“NOPE” is not one of this project's values" in bad.get_attribute("title")
    assert "“XX” is not one of this project's values" in grid.cell(2, "Status").get_attribute("title")
    grid.cell(1, "Type").click()
    grid.wait_for_panel("“NOPE” is not one of this project's values")


def test_it_copies_a_range_as_tab_separated_text(open_grid, stage):
    grid = open_grid(stage(NAMES[:3]))
    grid.cell(0, "Name").click()
    grid.page.keyboard.press("Shift+ArrowDown")
    grid.page.keyboard.press("Shift+ArrowRight")
    grid.page.keyboard.press("Control+c")
    assert grid.clipboard() == "Floor Plan\tDRW – Drawing\nElevations\tDRW – Drawing"


def test_it_fills_down_and_clears_a_selection(open_grid, stage, riverside_field, riverside_value):
    batch = stage(NAMES)
    grid = open_grid(batch)
    grid.cell(0, "Status").click()
    grid.page.keyboard.type("APP")
    grid.page.keyboard.press("Enter")
    grid.saved()
    grid.cell(0, "Status").click()
    for _ in range(3):
        grid.page.keyboard.press("Shift+ArrowDown")
    grid.page.keyboard.press("Control+d")
    grid.saved()
    status = riverside_field("status")
    approved = [riverside_value("status", "APP")]
    assert stored(batch, status) == [approved, approved, approved, approved, []]

    grid.cell(1, "Status").click()
    grid.page.keyboard.press("Shift+ArrowDown")
    grid.page.keyboard.press("Delete")
    grid.saved()
    assert stored(batch, status) == [approved, [], [], approved, []]
    assert grid.column("Status", 4) == ["APP – Approved", "", "", "APP – Approved"]


def test_it_undoes_and_redoes_a_paste_after_it_was_saved(open_grid, stage, riverside_field):
    batch = stage(NAMES[:3])
    name = riverside_field("name")
    before = stored(batch, name)
    grid = open_grid(batch)
    grid.cell(0, "Name").click()
    grid.paste("One\nTwo\nThree")
    grid.saved()
    assert stored(batch, name) == [["One"], ["Two"], ["Three"]]

    grid.page.keyboard.press("Control+z")  # one step: the whole paste
    grid.saved()
    assert stored(batch, name) == before
    assert grid.column("Name", 3) == ["Floor Plan", "Elevations", "Framing"]

    grid.page.keyboard.press("Control+y")
    grid.saved()
    assert stored(batch, name) == [["One"], ["Two"], ["Three"]]

    grid.page.get_by_role("button", name="Undo").click()  # the toolbar does the same
    grid.saved()
    assert stored(batch, name) == before
    assert grid.page.get_by_role("button", name="Undo").is_disabled()


def test_it_sorts_filters_and_searches(open_grid, stage):
    grid = open_grid(stage(NAMES))
    page = grid.page
    title = page.locator("[data-grid-host] .tabulator-col[tabulator-field='file'] .tabulator-col-title")
    title.click()
    title.click()  # descending
    assert grid.files()[0] == "Sheet 7.pdf"
    title.click()
    assert grid.files()[0] == "A-DRW-101_Floor Plan_Rev B.pdf"

    page.get_by_label("Filter Type").press_sequentially("spc")
    page.wait_for_function("document.querySelectorAll('[data-grid-host] .tabulator-row').length === 1")
    assert grid.files() == ["A-SPC-001_Doors.pdf"]
    assert "1 of 5 shown" in page.inner_text("[data-grid-count]")
    page.get_by_label("Filter Type").press("Control+a")
    page.get_by_label("Filter Type").press("Backspace")
    page.wait_for_function("document.querySelectorAll('[data-grid-host] .tabulator-row').length === 5")

    page.get_by_label("Search the batch").fill("framing")
    page.wait_for_function("document.querySelectorAll('[data-grid-host] .tabulator-row').length === 1")
    assert grid.files() == ["S-DRW-201_Framing_Rev A.pdf"]
    page.get_by_label("Search the batch").fill("")
    page.wait_for_function("document.querySelectorAll('[data-grid-host] .tabulator-row').length === 5")

    page.get_by_label("Errors only").check()
    page.wait_for_timeout(200)
    assert len(grid.files()) == 5  # every staged document still has something to fix


def test_it_keeps_the_column_choice_after_a_reload(open_grid, stage, riverside_person):
    batch = stage(NAMES[:2])
    grid = open_grid(batch)
    page = grid.page
    page.get_by_text("Columns", exact=True).click()
    chooser = page.locator("[data-column-chooser]")
    chooser.get_by_role("checkbox", name="Revision").uncheck()
    chooser.get_by_role("checkbox", name="Description").check()
    chooser.get_by_role("button", name="Move Status left").click()
    page.wait_for_timeout(1000)  # the choice is kept shortly after the last change
    assert GridLayout.objects.filter(user=riverside_person).exists()

    page.reload()
    page.wait_for_selector("[data-grid].is-ready")
    titles = [
        t for t in grid.fields() if page.locator(f".tabulator-col[tabulator-field='{grid.fields()[t]}']").is_visible()
    ]
    assert "Revision" not in titles and "Description" in titles
    assert titles.index("Status") < titles.index("Type")


def test_it_edits_a_batch_going_to_a_folder(open_grid, stage):
    batch = stage(["Site photo.jpg", "Minutes.pdf"], target=Batch.Target.FOLDER)
    grid = open_grid(batch)
    assert grid.column("Lands as", 2) == ["New file", "New file"]
    grid.cell(0, "Name in Procore").click()
    grid.page.keyboard.type("Minutes.pdf")
    grid.page.keyboard.press("Tab")
    grid.page.keyboard.type("Weekly site meeting")
    grid.page.keyboard.press("Enter")
    grid.saved()
    first, second = StagedDocument.objects.filter(batch=batch).order_by("position")
    assert (first.title, first.description) == ("Minutes.pdf", "Weekly site meeting")
    assert "is also the name of" in grid.cell(1, "Name in Procore").get_attribute("title")  # the server's check


def test_it_shows_a_change_made_by_someone_else_instead_of_overwriting_it(sandbox, open_grid, stage, riverside_field):
    batch = stage(NAMES[:1])
    grid = open_grid(batch)
    document = StagedDocument.objects.get(batch=batch)
    revision = riverside_field("revision")
    # A colleague changes the revision after the grid was opened.
    colleague = portal_user(sandbox, DANA)
    apply_edits(
        batch,
        colleague,
        [FieldEdit(document.pk, revision, ["Rev Z"], document.metadata_version)],
        load_schema(batch.project),
    )
    grid.cell(0, "Revision").click()
    grid.page.keyboard.type("Rev C")
    grid.page.keyboard.press("Enter")
    grid.saved()
    document.refresh_from_db()
    assert document.metadata[revision] == ["Rev Z"]
    assert grid.text(0, "Revision") == "Rev Z"  # the grid now shows their value
    assert "has-conflict" in grid.cell(0, "Revision").get_attribute("class")
    grid.cell(0, "Revision").click()
    grid.wait_for_panel("was changed by Dana Whitfield")
    # Typing it again is the person's choice: now it is saved.
    grid.page.keyboard.type("Rev C")
    grid.page.keyboard.press("Enter")
    grid.saved()
    document.refresh_from_db()
    assert document.metadata[revision] == ["Rev C"]


def test_it_can_be_worked_in_while_the_rest_of_a_large_batch_loads(
    person_page, open_grid, stage, riverside_field, riverside_value, monkeypatch
):
    monkeypatch.setattr(views_grid, "FIRST_ROWS", 3)  # the page carries 3 rows, grid.json the others
    batch = stage(NAMES)
    held = []  # grid.json is held back until the person has worked in the first rows
    person_page.route("**/grid.json", lambda route: held.append(route))
    grid = open_grid(batch)
    assert grid.files() == NAMES[:3]
    assert "Loading 5 documents" in person_page.inner_text("[data-grid-count]")
    grid.cell(0, "Status").click()
    person_page.keyboard.type("open")
    person_page.keyboard.press("Enter")
    grid.saved()

    person_page.wait_for_function("() => true")  # lets the held request reach the route
    assert held, "the grid did not ask for the other rows"
    held[0].continue_()
    person_page.wait_for_function("document.querySelectorAll('[data-grid-host] .tabulator-row').length === 5")
    assert grid.files() == NAMES
    assert grid.text(0, "Status") == "OPN – Open"  # the rows that came later did not undo the change
    assert stored(batch, riverside_field("status"))[0] == [riverside_value("status", "OPN")]
    assert person_page.inner_text("[data-grid-count]").startswith("5 documents")
    assert person_page.get_attribute("[data-grid-host]", "aria-rowcount") == "6"


@pytest.mark.parametrize("size", [(1440, 900), (390, 844)], ids=["desktop", "phone"])
def test_it_is_accessible_and_fits_desktop_and_phone(person_page, open_grid, stage, axe, screenshots, size):
    person_page.set_viewport_size({"width": size[0], "height": size[1]})
    grid = open_grid(stage([f"A-DRW-{n:03}_Plan {n}_Rev B.pdf" for n in range(40)]))
    page = grid.page
    grid.cell(0, "State").click()  # a selection, and the side panel filled
    assert axe(page) == []
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # no sideways page scroll
    if size[0] == 1440:
        rows = page.evaluate(
            "() => { const box = document.querySelector('[data-grid-host] .tabulator-tableholder').getBoundingClientRect();"
            " return Math.floor(box.height / 28); }"
        )
        assert rows >= 20
    page.locator("[data-grid]").scroll_into_view_if_needed()
    page.screenshot(path=str(screenshots / f"grid-{size[0]}x{size[1]}.png"))
