"""In a real browser: the progress page follows a run with 304s and swaps in only the rows that
changed; the batch page sets a field on every document with one form (keyboard only)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from portal.staging.models import Batch, StagedDocument, Submission
from tests.e2e.conftest import LAPTOP, PHONE


def _under_way(batch: Batch) -> Submission:
    batch.documents.update(
        state=StagedDocument.State.SUBMITTING, step="created", updated_at=timezone.now() - timedelta(minutes=5)
    )
    Batch.objects.filter(pk=batch.pk).update(state=Batch.State.SUBMITTING)
    return Submission.objects.create(
        batch=batch,
        documents=batch.documents.count(),
        state=Submission.State.RUNNING,
        started_at=timezone.now(),
        heartbeat_at=timezone.now() + timedelta(hours=1),  # a live worker
    )


def test_the_progress_page_follows_the_run_with_304s_and_changed_rows(person_page, sandbox, stage, axe, screenshots):
    page = person_page
    batch = stage([f"A-DRW-{n:04}_Plan_Rev B.pdf" for n in range(130)])
    submission = _under_way(batch)
    answers: list[int] = []
    page.on(
        "response",
        lambda r: answers.append(r.status) if "/progress/" in r.url and r.request.headers.get("hx-request") else None,
    )
    page.goto(f"{sandbox.portal_url}/batches/{batch.pk}/progress/")
    page.wait_for_timeout(2500)
    assert answers.count(304) >= 2  # nothing changed: nothing sent (the elapsed time moves every 5 s)

    first = batch.documents.order_by("position").first()
    StagedDocument.objects.filter(pk=first.pk).update(step="uploaded", updated_at=timezone.now())
    row = page.locator(f"#document-{first.pk} [data-cell=step]")
    row.get_by_text("Setting metadata").wait_for()
    assert page.locator("#progress-summary").get_by_text("Setting metadata").count() == 1
    assert page.locator("tr.doc").count() == 100  # the first page, swapped in place, nothing added
    assert page.get_by_text("Documents 1–100 of 130").count() == 1
    assert page.locator("#progress-poll").count() == 1  # the poller replaced itself
    assert axe(page) == []

    page.set_viewport_size(LAPTOP)
    page.screenshot(path=str(screenshots / "progress-live-1440.png"))
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(screenshots / "progress-live-390.png"))
    assert axe(page) == []
    page.get_by_role("link", name="Next").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/progress/?page=2")
    assert page.locator("tr.doc").count() == 30
    page.screenshot(path=str(screenshots / "progress-page-2-390.png"), full_page=True)

    Submission.objects.filter(pk=submission.pk).update(state=Submission.State.DONE, finished_at=timezone.now())
    Batch.objects.filter(pk=batch.pk).update(state=Batch.State.FAILED)
    page.wait_for_selector("#progress-poll", state="detached")  # the page reloaded, nothing left to follow


def test_one_form_sets_a_field_on_every_document_of_the_batch(
    person_page, sandbox, stage, riverside_field, riverside_value, axe, screenshots
):
    page = person_page
    batch = stage([f"A-DRW-{n:04}_Plan_Rev B.pdf" for n in range(150)])
    page.goto(f"{sandbox.portal_url}/batches/{batch.pk}/")
    form = page.locator("[data-bulk-set]")
    form.get_by_label("Field").select_option(label="Status")
    form.get_by_label("Value").fill("OPN")
    form.get_by_label("Every document of the batch (150)").check()
    assert axe(page, context="'[data-bulk-set]'") == []
    form.scroll_into_view_if_needed()
    page.screenshot(path=str(screenshots / "bulk-set-1440.png"))
    page.set_viewport_size(PHONE)
    form.scroll_into_view_if_needed()
    page.screenshot(path=str(screenshots / "bulk-set-390.png"))
    form.get_by_role("button", name="Set on these documents").focus()
    page.keyboard.press("Enter")
    page.get_by_text("Status set on 150 document(s).").wait_for()
    status, open_ = riverside_field("status"), riverside_value("status", "OPN")
    assert {tuple(d.metadata.get(status, [])) for d in batch.documents.all()} == {(open_,)}
