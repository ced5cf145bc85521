"""Adding files in a real browser, straight to S3 (SeaweedFS): drop files, reload mid-upload and
watch them carry on and finish; a refused file's sentence stays until dismissed; all by keyboard."""

from __future__ import annotations

import hashlib
import time
from urllib.parse import parse_qs, urlsplit

import pytest

from portal.accounts.models import User
from portal.mirror.models import Project
from portal.staging import services
from portal.staging.models import IncomingFile, StagedDocument
from procore_sandbox.testing import ELI
from tests.e2e.conftest import LAPTOP, PHONE

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MiB = 1024 * 1024
FILES = {"A-DRW-201_Roof Plan_Rev A.pdf": 30 * MiB, "A-DRW-202_Stairs_Rev A.pdf": 200_000, "Notes.txt": 5_000}

DROP = """([names, sizes]) => {
  const zone = document.querySelector("[data-dropzone]");
  const data = new DataTransfer();
  names.forEach((name, i) => {
    const bytes = new Uint8Array(sizes[i]);
    for (let j = 0; j < bytes.length; j++) bytes[j] = (j + i) % 251;
    data.items.add(new File([bytes], name, { type: name.endsWith(".pdf") ? "application/pdf" : "text/plain" }));
  });
  zone.dispatchEvent(new DragEvent("dragenter", { dataTransfer: data, bubbles: true }));
  zone.dispatchEvent(new DragEvent("drop", { dataTransfer: data, bubbles: true, cancelable: true }));
}"""


def sha256_of_pattern(size: int, index: int) -> str:
    period = bytes((j + index) % 251 for j in range(251))
    digest = hashlib.sha256()
    full, rest = divmod(size, 251 * 4096)
    chunk = period * 4096
    for _ in range(full):
        digest.update(chunk)
    digest.update(chunk[:rest])
    return digest.hexdigest()


@pytest.fixture
def batch_page(signed_in_page, sandbox, settings, s3_storage, tasks_run_at_once):
    settings.STAGING_UPLOAD_PART_SIZE = 5 * MiB
    eli = User.objects.get(username=ELI)
    batch = services.create_batch(Project.objects.get(pk=2305), eli, name="Roof package")
    signed_in_page.goto(f"{sandbox.portal_url}/batches/{batch.pk}/")
    signed_in_page.batch = batch
    return signed_in_page


def test_dropped_files_carry_on_after_a_reload_and_finish(batch_page, s3_storage):
    page, batch = batch_page, batch_page.batch
    s3 = s3_storage.client()
    puts: list[tuple[str, int, float]] = []  # (upload id, part, when) of every part PUT sent to storage

    holding = [True]  # until the reload, the big file's parts after the second wait (a stalled line)

    def stalled_storage(route, request):
        if request.method == "PUT":
            query = parse_qs(urlsplit(request.url).query)
            number = int(query["partNumber"][0])
            if holding[0] and number > 2:
                return  # never answered: the reload cuts it off mid-file
            puts.append((query["uploadId"][0], number, time.monotonic()))
        route.continue_()

    page.route(f"{s3_storage.endpoint_url}/**", stalled_storage)
    starts: list = []  # the bodies of the requests that start uploads
    start_url = f"{page.url.rstrip('/')}/uploads/"
    page.on("request", lambda r: r.method == "POST" and r.url == start_url and starts.append(r.post_data_json))
    page.evaluate(DROP, [list(FILES), list(FILES.values())])
    page.get_by_text("Roof Plan").first.wait_for()

    big = IncomingFile.objects.filter(file_name="A-DRW-201_Roof Plan_Rev A.pdf")
    held: list = []
    deadline = time.monotonic() + 60
    while len(held) < 2 and time.monotonic() < deadline:
        page.wait_for_timeout(200)  # lets Playwright serve the routed requests meanwhile
        row = big.first()
        if row is not None:
            held = s3.list_parts(Bucket=s3_storage.bucket, Key=row.key, UploadId=row.upload_id).get("Parts", [])
    assert len(held) == 2, "the big file never got two parts into storage"
    assert [[f["name"] for f in body["files"]] for body in starts] == [list(FILES)]  # dropped together: one start
    assert "of 3 files added" in page.locator("[data-upload-overall]").inner_text()
    before_reload = {p["PartNumber"] for p in held}
    reloaded_at = time.monotonic()
    holding[0] = False
    page.reload()

    # Golden Retriever restores the files; sending carries on, and the page reloads once all are in.
    page.wait_for_function(
        "document.querySelectorAll('[data-grid].is-ready .tabulator-row').length === 3", timeout=120_000
    )
    documents = {d.file_name: d for d in StagedDocument.objects.filter(batch=batch)}
    assert set(documents) == set(FILES)
    for index, (name, size) in enumerate(FILES.items()):
        assert documents[name].size == size
        assert documents[name].sha256 == sha256_of_pattern(size, index), name
    # No part storage held before the reload was sent again after it.
    upload_id = big.get().upload_id
    resent = {n for (u, n, at) in puts if u == upload_id and at > reloaded_at} & before_reload
    assert resent == set()
    assert s3.list_multipart_uploads(Bucket=s3_storage.bucket).get("Uploads", []) == []


def test_an_over_limit_file_is_refused_before_any_part_is_stored_and_the_message_stays(
    batch_page, s3_storage, settings, tmp_path
):
    page = batch_page
    settings.STAGING_MAX_FILE_SIZE = 10 * MiB
    too_big = tmp_path / "Survey.pdf"
    with open(too_big, "wb") as handle:
        handle.truncate(10 * MiB + 1)

    # Keyboard only: Tab to "Choose files", Enter opens the file chooser.
    chooser_button = page.get_by_role("button", name="Choose files")
    for _ in range(40):
        page.keyboard.press("Tab")
        if chooser_button.evaluate("b => b === document.activeElement"):
            break
    assert chooser_button.evaluate("b => b === document.activeElement")
    with page.expect_file_chooser(timeout=30_000) as chooser:
        chooser_button.press("Enter")  # Enter on the focused button (no script may have moved the focus since)
    chooser.value.set_files(str(too_big))

    message = "Survey.pdf is 10,485,761 bytes, over the limit of 10,485,760 bytes per file. Nothing was added."
    page.get_by_text(message).wait_for()
    s3 = s3_storage.client()
    assert s3.list_multipart_uploads(Bucket=s3_storage.bucket).get("Uploads", []) == []
    assert s3.list_objects_v2(Bucket=s3_storage.bucket).get("KeyCount", 0) == 0
    assert not IncomingFile.objects.exists()

    page.reload()  # the sentence is still there until the person dismisses it
    page.get_by_text(message).wait_for()
    page.get_by_role("button", name="Dismiss the message about Survey.pdf").focus()
    page.keyboard.press("Enter")
    assert page.get_by_text(message).count() == 0
    page.reload()
    page.get_by_role("button", name="Choose files").wait_for()
    assert page.get_by_text(message).count() == 0


HELD = """([names, sizes]) => {
  const zone = document.querySelector("[data-dropzone]");
  const data = new DataTransfer();
  names.forEach((name, i) => {
    const bytes = new Uint8Array(sizes[i]);
    bytes.fill(i + 1);
    data.items.add(new File([bytes], name, { type: "application/pdf" }));
  });
  zone.dispatchEvent(new DragEvent("drop", { dataTransfer: data, bubbles: true, cancelable: true }));
}"""


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["laptop", "phone"])
def test_the_list_shows_each_file_and_a_file_is_cancelled_by_keyboard(
    batch_page, s3_storage, settings, viewport, screenshots, axe
):
    page, batch = batch_page, batch_page.batch
    page.set_viewport_size(viewport)
    settings.STAGING_MAX_FILE_SIZE = 20 * MiB
    s3 = s3_storage.client()
    held = []  # parts after each file's first wait here: the page is caught mid-upload

    def first_parts_only(route, request):
        if request.method == "PUT" and parse_qs(urlsplit(request.url).query)["partNumber"] != ["1"]:
            held.append(route)
        else:
            route.continue_()

    page.route(f"{s3_storage.endpoint_url}/**", first_parts_only)
    kept, cancelled, refused = "A-DRW-301_Level 1_Rev A.pdf", "A-DRW-302_Level 2_Rev A.pdf", "Survey scan.pdf"
    page.evaluate(HELD, [[kept, cancelled, refused], [15 * MiB, 12 * MiB, 20 * MiB + 1]])

    page.get_by_text("Survey scan.pdf is 20,971,521 bytes, over the limit of 20,971,520 bytes per file").wait_for()
    while len(held) < 2:
        page.wait_for_timeout(200)
    overall = page.locator("[data-upload-overall]")
    assert overall.inner_text().startswith("0 of 2 files added · 2 sending")
    # A held part 2 may be asked for while part 1 is still on its way: wait for part 1 to count.
    kept_bar = page.get_by_role("progressbar", name=kept).element_handle()
    page.wait_for_function("bar => bar.value > 0", arg=kept_bar, timeout=20_000)
    assert kept_bar.get_attribute("value") != "100"
    page.screenshot(path=str(screenshots / f"uploads-{viewport['width']}.png"), full_page=True)
    assert axe(page, context="document.querySelector('[data-uploader]')") == []
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]

    # Keyboard: from "Choose files", Tab to the second file's Cancel and press Enter.
    page.get_by_role("button", name="Choose files").focus()
    cancel = page.get_by_role("button", name=f"Cancel {cancelled}")
    for _ in range(10):
        page.keyboard.press("Tab")
        if cancel.evaluate("b => b === document.activeElement"):
            break
    page.keyboard.press("Enter")
    cancel.wait_for(state="detached")
    # The focus stays in the list (on the next thing to act on), not lost to the page.
    assert page.evaluate("document.activeElement.closest('[data-uploader]') !== null")
    gone = IncomingFile.objects.get(file_name=cancelled)
    deadline = time.monotonic() + 20
    while gone.state != IncomingFile.State.CANCELLED and time.monotonic() < deadline:
        page.wait_for_timeout(200)
        gone.refresh_from_db()
    assert gone.state == IncomingFile.State.CANCELLED
    assert gone.upload_id not in {
        u["UploadId"] for u in s3.list_multipart_uploads(Bucket=s3_storage.bucket).get("Uploads", [])
    }

    page.unroute(f"{s3_storage.endpoint_url}/**")
    for route in held:
        try:
            route.continue_()
        except Exception:  # noqa: BLE001 — the cancelled file's part: the page dropped it
            pass
    page.wait_for_function(
        "document.querySelectorAll('[data-grid].is-ready .tabulator-row').length === 1", timeout=120_000
    )
    assert [d.file_name for d in StagedDocument.objects.filter(batch=batch)] == [kept]
    assert page.get_by_text("Survey scan.pdf is 20,971,521 bytes").count() == 1  # the refusal outlives the reload


def test_on_local_disk_the_page_sends_the_parts_through_the_portal(
    signed_in_page, sandbox, settings, tasks_run_at_once
):
    settings.STAGING_UPLOAD_PART_SIZE = 5 * MiB
    page = signed_in_page
    eli = User.objects.get(username=ELI)
    batch = services.create_batch(Project.objects.get(pk=2305), eli, name="On one machine")
    page.goto(f"{sandbox.portal_url}/batches/{batch.pk}/")
    parts = []
    page.on("request", lambda r: parts.append(r.url) if r.method == "PUT" else None)
    names = {"A-DRW-401_Plan_Rev A.pdf": 11 * MiB, "A-DRW-402_Detail_Rev A.pdf": 70_000}
    page.evaluate(DROP, [list(names), list(names.values())])
    page.wait_for_function(
        "document.querySelectorAll('[data-grid].is-ready .tabulator-row').length === 2", timeout=120_000
    )
    assert len(parts) == 4 and all(url.startswith(f"{sandbox.portal_url}/uploads/parts/") for url in parts)
    documents = {d.file_name: d for d in StagedDocument.objects.filter(batch=batch)}
    for index, (name, size) in enumerate(names.items()):
        assert documents[name].size == size and documents[name].sha256 == sha256_of_pattern(size, index)
        with documents[name].file.open("rb") as handle:
            assert hashlib.sha256(handle.read()).hexdigest() == documents[name].sha256
