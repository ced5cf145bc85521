"""The visual compare: two generated drawings with known changes (the boxes are found), then a
staged revision compared by the real task with the current revision it downloads from the live
sandbox, and the pages that show it."""

from __future__ import annotations

import io

import pytest
from django.core.files.storage import default_storage
from PIL import Image
from reportlab.lib.pagesizes import A1, A3, landscape

from portal.staging import services
from portal.staging.issue_control import checks, compare, imaging
from portal.staging.issue_control.tasks import compare_batch
from portal.staging.models import LedgerEntry, RevisionFile, SheetCompare
from tests.staging.submitting import drawing

WIDTH, HEIGHT = landscape(A1)
# Two changes in points from the bottom-left corner (PDF space), and the box each makes in the
# picture's space (fractions from the top-left corner).
CHANGES = [(300, 300, 200, 120), (1500, 900, 150, 150)]


def expected_box(x, y, w, h):
    return (x / WIDTH, 1 - (y + h) / HEIGHT, (x + w) / WIDTH, 1 - y / HEIGHT)


def close_to(found, expected, tolerance=0.01) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(found, expected, strict=True))


def compare_files(tmp_path, old: bytes, new: bytes) -> list[imaging.PageResult]:
    (tmp_path / "old.pdf").write_bytes(old)
    (tmp_path / "new.pdf").write_bytes(new)
    pages: list[imaging.PageResult] = []
    imaging.compare_pdfs(
        str(tmp_path / "old.pdf"), str(tmp_path / "new.pdf"), dpi=100, max_pixels=12_000_000, on_page=pages.append
    )
    return pages


def test_it_outlines_each_known_change_of_two_generated_drawings(tmp_path, drawing_pdf):
    (page,) = compare_files(tmp_path, drawing_pdf(), drawing_pdf(CHANGES))
    assert page.status == "changed"
    assert len(page.regions) == 2
    for change in CHANGES:
        assert any(close_to(found, expected_box(*change)) for found in page.regions), (change, page.regions)

    overlay = Image.open(io.BytesIO(page.overlay_png)).convert("RGB")
    assert imaging.DISPLAY_WIDTH / 2 < overlay.width <= imaging.DISPLAY_WIDTH
    # The new box's edge is blue (only in the staged file), the shared grid grey, the outline amber.
    x, y, w, h = CHANGES[0]
    left_edge = (round(x / WIDTH * overlay.width), round((1 - (y + h / 2) / HEIGHT) * overlay.height))
    red, green, blue = overlay.getpixel(left_edge)
    assert blue > red + 60 and blue > green + 40, overlay.getpixel(left_edge)
    colours = {colour for _, colour in overlay.getcolors(1 << 24)}
    assert imaging.OUTLINE in colours
    assert any(r == g == b and 90 < r < 200 for r, g, b in colours)  # grey: unchanged ink
    side = Image.open(io.BytesIO(page.side_png))
    assert imaging.SIDE_WIDTH < side.width <= 2 * imaging.SIDE_WIDTH + 16


def test_it_draws_what_the_staged_file_removed_in_red(tmp_path, drawing_pdf):
    (page,) = compare_files(tmp_path, drawing_pdf(CHANGES[:1]), drawing_pdf())
    assert page.status == "changed"
    (found,) = page.regions
    assert close_to(found, expected_box(*CHANGES[0]))
    overlay = Image.open(io.BytesIO(page.overlay_png)).convert("RGB")
    x, y, w, h = CHANGES[0]
    left_edge = (round(x / WIDTH * overlay.width), round((1 - (y + h / 2) / HEIGHT) * overlay.height))
    red, green, blue = overlay.getpixel(left_edge)
    assert red > blue + 60 and red > green + 60, overlay.getpixel(left_edge)


def test_it_says_unchanged_new_and_removed_pages(tmp_path, drawing_pdf):
    pages = compare_files(tmp_path, drawing_pdf(pages=2), drawing_pdf(pages=2))
    assert [p.status for p in pages] == ["unchanged", "unchanged"] and not any(p.regions for p in pages)
    pages = compare_files(tmp_path, drawing_pdf(pages=1), drawing_pdf(CHANGES, pages=3))
    assert [p.status for p in pages] == ["changed", "new", "new"]
    pages = compare_files(tmp_path, drawing_pdf(pages=2), drawing_pdf(pages=1))
    assert [p.status for p in pages] == ["unchanged", "removed"]


def test_it_keeps_a_large_sheet_within_the_pixel_budget(tmp_path, drawing_pdf):
    a0 = (WIDTH * 2**0.5, HEIGHT * 2**0.5)
    scale = imaging.render_scale([a0], dpi=100, max_pixels=12_000_000)
    assert a0[0] * a0[1] * scale * scale <= 12_000_000 * 1.0001
    assert imaging.render_scale([landscape(A3)], dpi=100, max_pixels=12_000_000) == pytest.approx(100 / 72)
    (page,) = compare_files(tmp_path, drawing_pdf(size=a0), drawing_pdf([(400, 400, 300, 300)], size=a0))
    assert len(page.regions) == 1


def test_it_refuses_a_file_that_is_not_a_pdf(tmp_path, drawing_pdf):
    with pytest.raises(imaging.NotAPdf):
        compare_files(tmp_path, b"%PDF-1.4\nnot really\n", drawing_pdf())


@pytest.mark.django_db(transaction=True)
def test_it_compares_a_staged_revision_with_the_current_one_in_procore(
    eli_at_riverside, stage, issue, drawing_pdf, client_for
):
    user, project = eli_at_riverside
    first = services.create_batch(project, user, name="Issue A")
    stage(first, *drawing(640), drawing_pdf(title="A-DRW-640"))
    stage(first, *drawing(641), drawing_pdf(title="A-DRW-641"))
    issue(first)

    batch = services.create_batch(project, user, name="Issue B")
    changed = stage(batch, *drawing(640, revision="B"), drawing_pdf(CHANGES, title="A-DRW-640"))
    same = stage(batch, *drawing(641, revision="B"), drawing_pdf(title="A-DRW-641") + b"\n% re-saved\n")
    new = stage(batch, *drawing(642), drawing_pdf(title="A-DRW-642"))
    assert compare.request_compare(batch, user) == 3
    assert SheetCompare.objects.filter(batch=batch, state=SheetCompare.State.QUEUED).count() == 3

    assert compare_batch(batch.pk) == f"batch {batch.pk}: 3 document(s) compared"  # the django-q2 task
    rows = {r.document_id: r for r in SheetCompare.objects.filter(batch=batch)}
    assert {r.state for r in rows.values()} == {SheetCompare.State.DONE}
    assert rows[changed.pk].outcome == SheetCompare.Outcome.CHANGED
    assert (rows[changed.pk].revision_label, rows[changed.pk].version) == ("A", 1)
    (page,) = rows[changed.pk].pages
    assert len(page["regions"]) == 2
    assert all(any(close_to(f, expected_box(*c)) for f in page["regions"]) for c in CHANGES)
    assert default_storage.exists(page["overlay"]) and default_storage.exists(page["side"])
    # Bytes differ (a comment appended) but every pixel is the same: unchanged, and a warning.
    assert rows[same.pk].outcome == SheetCompare.Outcome.UNCHANGED and not rows[same.pk].same_file
    assert rows[new.pk].outcome == SheetCompare.Outcome.NEW
    unchanged = [f for f in checks.check_batch(batch).findings if f.kind == checks.UNCHANGED]
    assert [f.document.pk for f in unchanged] == [same.pk]
    # The current revisions were downloaded once each and kept; the portal issued them, so the
    # ledger already had their hash and the downloaded bytes match it.
    cached = {c.revision_id: c for c in RevisionFile.objects.filter(project=project)}
    assert set(cached) == {rows[changed.pk].revision_id, rows[same.pk].revision_id}
    issued = LedgerEntry.objects.get(revision_id=rows[changed.pk].revision_id)
    assert issued.source == LedgerEntry.Source.PORTAL and cached[issued.revision_id].sha256 == issued.sha256

    client = client_for(user)
    page_html = client.get(f"/batches/{batch.pk}/issue-check/").content.decode()
    assert "1</span> Changed sheets" in page_html and "1</span> Unchanged sheets" in page_html
    assert "1</span> New sheets" in page_html
    sheet = client.get(f"/batches/{batch.pk}/documents/{changed.pk}/compare/").content.decode()
    assert "Changed region (2)" in sheet and "compared with the current revision A (version 1)" in sheet
    picture = client.get(f"/batches/{batch.pk}/documents/{changed.pk}/compare/picture.png?page=1&kind=overlay")
    assert picture.status_code == 200 and picture["Content-Type"] == "image/png"
    assert Image.open(io.BytesIO(b"".join(picture.streaming_content))).width <= imaging.DISPLAY_WIDTH
    assert (
        client_for(None)
        .get(f"/batches/{batch.pk}/documents/{changed.pk}/compare/picture.png?page=1&kind=overlay")
        .status_code
        == 404
    )


@pytest.mark.django_db(transaction=True)
def test_it_hashes_a_current_revision_it_did_not_issue(eli_at_riverside, stage):
    user, project = eli_at_riverside
    batch = services.create_batch(project, user, name="Floor plan C")
    staged = stage(
        batch,
        "A-DRW-101_Floor Plan_Rev C.pdf",
        {
            "name": "Floor Plan",
            "type": "DRW",
            "status": "OPN",
            "revision": "C",
            "discipline": "A",
            "number": "101",
            "date_authored": "2026-01-05",
        },
        b"%PDF-1.4 floor plan C",
    )
    compare.request_compare(batch, user)
    compare_batch(batch.pk)
    row = SheetCompare.objects.get(document=staged)
    # The seeded revision B is not a drawing PDFium can read: said so, but its hash is now known.
    assert row.outcome == SheetCompare.Outcome.NOT_COMPARED and "could not be read as a PDF" in row.message
    entry = LedgerEntry.objects.get(project=project, revision_id=row.revision_id)
    cached = RevisionFile.objects.get(project=project, revision_id=row.revision_id)
    assert entry.source == LedgerEntry.Source.PROCORE and entry.sha256 == cached.sha256
    assert (entry.number, entry.revision, entry.version) == ("101", "Rev B", 2)
    with default_storage.open(cached.file.name, "rb") as stored:
        assert stored.read().startswith(b"%PDF-1.4\n% Procore sandbox seeded revision")


@pytest.mark.django_db(transaction=True)
def test_compare_drawings_queues_the_task_the_worker_runs(eli_at_riverside, stage, issue, drawing_pdf, client_for):
    from django.test import Client
    from django_q.models import OrmQ

    user, project = eli_at_riverside
    first = services.create_batch(project, user, name="Issue A")
    stage(first, *drawing(670), drawing_pdf(title="A-DRW-670"))
    issue(first)
    batch = services.create_batch(project, user, name="Issue B")
    changed = stage(batch, *drawing(670, revision="B"), drawing_pdf(CHANGES, title="A-DRW-670"))
    client = client_for(user)
    page = client.get(f"/batches/{batch.pk}/issue-check/").content.decode()
    assert f'action="/batches/{batch.pk}/compare/"' in page and "Compare drawings" in page

    # Without the CSRF token, or from someone who cannot see the batch: nothing is queued.
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)
    assert strict.post(f"/batches/{batch.pk}/compare/").status_code == 403
    assert client_for(None).post(f"/batches/{batch.pk}/compare/").status_code == 404
    assert not SheetCompare.objects.filter(batch=batch).exists()

    OrmQ.objects.all().delete()
    answer = client.post(f"/batches/{batch.pk}/compare/")
    assert answer.status_code == 302 and answer["Location"] == f"/batches/{batch.pk}/issue-check/#compare"
    (queued,) = [q.task for q in OrmQ.objects.all()]
    assert (queued["func"], queued["args"]) == ("portal.staging.issue_control.tasks.compare_batch", (batch.pk,))
    page = client.get(answer["Location"]).content.decode()
    assert "Comparing 1 document(s) with their current revisions in Procore." in page
    assert "Comparing… 0 of 1 done." in page

    compare_batch(*queued["args"])  # the queued task, run as a worker does
    row = SheetCompare.objects.get(document=changed)
    assert (row.state, row.outcome, row.regions) == (SheetCompare.State.DONE, SheetCompare.Outcome.CHANGED, 2)
    page = client.get(f"/batches/{batch.pk}/issue-check/").content.decode()
    assert "1</span> Changed sheets" in page and "Compare again" in page
