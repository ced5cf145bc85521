"""The batch grid with 10,000 documents on Riverside, in headless Chromium.

Measures, as a person meets them (Playwright driving Debian's Chromium against gunicorn with
production settings, SQLite):

- interactive_ms: from navigation to a grid with its rows drawn and ready for the keyboard (the
  page carries the first rows; the others follow from grid.json, and the time until every row is
  in the grid is printed too);
- scroll_ms: scrolling to the last row and back to the first, each drawn;
- paste_saved_ms / paste_requests: a 100 × 5 block of valid values pasted from the clipboard
  until the grid says it is saved, and how many requests that took (every cell is then checked
  in the database);
- undo_saved_ms: Ctrl+Z of that paste until saved again (checked in the database too).

Targets (issue 17): interactive < 1,500 ms; paste saved < 1,000 ms in at most 2 requests; undo
saved < 1,000 ms. Runs as `.venv/bin/python bench/grid.py` from the checkout.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.support import harness  # noqa: E402
from bench.webhooks import production_env  # noqa: E402

PROJECT = 2305
LOGIN = "eli.navarro@northwind.example"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
PASTE_ROWS = 100
# Five neighbouring columns from Name on, with values the project takes.
PASTE_COLUMNS = ["Name", "Type", "Status", "Revision", "Number"]

# Times taken in the page, from the browser's own clock.
PROBES = """
window.__grid = {};
document.addEventListener("grid:ready", () => { window.__grid.ready = performance.now(); });
document.addEventListener("grid:loaded", () => { window.__grid.loaded = performance.now(); });
document.addEventListener("grid:save-state", (e) => {
  (window.__grid.states = window.__grid.states || []).push([e.detail.state, performance.now()]);
});
document.addEventListener("paste", () => { window.__grid.pasteAt = performance.now(); }, true);
document.addEventListener("keydown", (e) => {
  if (e.ctrlKey && e.key.toLowerCase() === "z") window.__grid.undoAt = performance.now();
}, true);
"""

SCROLL = """
async () => {
  const holder = document.querySelector("[data-grid-host] .tabulator-tableholder");
  // Rows are drawn as they come into view (the virtual DOM) and the scroll height is corrected
  // on the way, so keep going to the end until the row is there.
  const drawn = (name, where) => new Promise((resolve) => {
    const look = () => {
      holder.scrollTop = where === "end" ? holder.scrollHeight : 0;
      const box = holder.getBoundingClientRect();
      const cell = Array.from(holder.querySelectorAll(".tabulator-cell[tabulator-field=file]"))
        .find((e) => e.textContent === name);
      const at = cell && cell.getBoundingClientRect();
      if (at && at.top >= box.top - 1 && at.bottom <= box.bottom + 1) resolve();
      else requestAnimationFrame(look);
    };
    look();
  });
  const started = performance.now();
  await drawn(window.__lastFile, "end");
  await drawn(window.__firstFile, "start");
  return performance.now() - started;
}
"""

# Server time of the last cell-changes request (from the browser's resource timing).
LAST_SAVE_SERVER_MS = """
() => {
  const saves = performance.getEntriesByType("resource").filter((e) => e.name.includes("/grid/changes.json"));
  const last = saves[saves.length - 1];
  return last ? last.responseStart - last.requestStart : 0;
}
"""

SAVED_AFTER = """
([key]) => new Promise((resolve) => {
  const look = () => {
    const at = window.__grid[key];
    const saved = (window.__grid.states || []).find(([state, t]) => state === "saved" && t > at);
    if (at && saved) resolve(saved[1] - at); else requestAnimationFrame(look);
  };
  look();
})
"""


def make_batch(count: int):
    """A batch of `count` documents as uploads leave them (metadata proposed from the names)."""
    from bench.staging import fill
    from portal.mirror.models import Project
    from portal.mirror.sync import run_sync, start_sync, sync_memberships
    from portal.staging.models import Batch
    from portal.staging.schema import load_schema
    from portal.staging.validation import revalidate_batch

    user = harness.signed_in_user(LOGIN)
    sync_memberships(user)
    project = Project.objects.get(pk=PROJECT)
    run = run_sync(start_sync(project, user, full=True).pk)
    assert run.state == "done", run.error
    batch = Batch.objects.create(project=project, name=f"{count} documents", created_by=user)
    fill(batch, count, load_schema(project))
    revalidate_batch(batch, load_schema(project))
    return user, batch


def session_cookie(user) -> str:
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    return client.cookies["sessionid"].value


def pasted_values(batch, first_ids: list[int]) -> dict[int, dict[str, list[str]]]:
    from portal.staging.models import StagedDocument

    return dict(StagedDocument.objects.filter(pk__in=first_ids).values_list("id", "metadata"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=10_000)
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # the ORM checks run beside Playwright's loop
    extra = production_env()
    subprocess.run(
        [harness.PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=harness.ROOT,
        check=True,
        env={**os.environ, **extra},
    )
    from playwright.sync_api import sync_playwright

    with harness.portal(extra, threads=8) as portal:
        portal.setup_django()
        from portal.mirror.models import PdmField

        user, batch = make_batch(args.documents)
        cookie = session_cookie(user)
        ids = list(batch.documents.order_by("position", "id").values_list("id", flat=True))
        names = list(batch.documents.order_by("position", "id").values_list("file_name", flat=True))
        fields = {f.label: f.procore_id for f in PdmField.objects.filter(project_id=PROJECT)}
        before = pasted_values(batch, ids[:PASTE_ROWS])
        print(f"batch of {len(ids)} documents on project {PROJECT} at {portal.url}/batches/{batch.pk}/", flush=True)

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            context = browser.new_context(
                viewport={"width": 1440, "height": 900}, permissions=["clipboard-read", "clipboard-write"]
            )
            context.add_cookies([{"name": "sessionid", "value": cookie, "url": portal.url}])
            page = context.new_page()
            page.set_default_timeout(60_000)
            page.add_init_script(PROBES)
            requests: list[str] = []
            page.on("request", lambda r: requests.append(r.url) if "/grid/changes.json" in r.url else None)

            # A first visit warms the server's and the browser's caches, as a person's second look would.
            page.goto(f"{portal.url}/batches/{batch.pk}/")
            page.wait_for_function("window.__grid.loaded")
            page.goto(f"{portal.url}/batches/{batch.pk}/")
            page.wait_for_function("window.__grid.ready")
            interactive_ms = page.evaluate("window.__grid.ready")
            page.wait_for_function("window.__grid.loaded")
            loaded_ms = page.evaluate("window.__grid.loaded")
            rows = page.evaluate("Number(document.querySelector('[data-grid-host]').getAttribute('aria-rowcount')) - 1")
            rows_timing = page.evaluate(
                "() => { const r = performance.getEntriesByType('resource').find((e) => e.name.includes('grid.json'));"
                " return [r.responseStart - r.requestStart, r.responseEnd - r.responseStart, r.transferSize]; }"
            )
            print(
                f"interactive after {interactive_ms:.0f} ms, all {rows} rows in after {loaded_ms:.0f} ms "
                f"(grid.json: server {rows_timing[0]:.0f} ms, "
                f"transfer {rows_timing[1]:.0f} ms, {rows_timing[2] / 1e6:.1f} MB)",
                flush=True,
            )

            page.evaluate(
                "([first, last]) => { window.__firstFile = first; window.__lastFile = last; }", [names[0], names[-1]]
            )
            scroll_ms = page.evaluate(SCROLL)
            print(f"scrolled to the last row and back in {scroll_ms:.0f} ms", flush=True)

            block = [[f"Sheet {n}", "DRW", "OPN", "Rev C", f"{900 + n}"] for n in range(PASTE_ROWS)]
            page.evaluate("(text) => navigator.clipboard.writeText(text)", "\n".join("\t".join(row) for row in block))
            name_field = f"c_{fields['Name']}"
            page.locator(".tabulator-row").first.locator(f".tabulator-cell[tabulator-field='{name_field}']").click()
            requests.clear()
            page.keyboard.press("Control+v")
            paste_saved_ms = page.evaluate(SAVED_AFTER, ["pasteAt"])
            paste_requests = len(requests)
            after = pasted_values(batch, ids[:PASTE_ROWS])
            type_id, status_id = fields["Type"], fields["Status"]
            wrong = [
                i
                for n, i in enumerate(ids[:PASTE_ROWS])
                if after[i].get(fields["Name"]) != [f"Sheet {n}"]
                or after[i].get(fields["Revision"]) != ["Rev C"]
                or after[i].get(fields["Number"]) != [f"{900 + n}"]
                or len(after[i].get(type_id, [])) != 1
                or len(after[i].get(status_id, [])) != 1
            ]
            assert not wrong, f"{len(wrong)} pasted rows not stored as pasted"
            cells = PASTE_ROWS * len(PASTE_COLUMNS)
            print(
                f"pasted {cells} cells: saved after {paste_saved_ms:.0f} ms in {paste_requests} request(s)", flush=True
            )

            requests.clear()
            page.keyboard.press("Control+z")
            undo_saved_ms = page.evaluate(SAVED_AFTER, ["undoAt"])
            restored = pasted_values(batch, ids[:PASTE_ROWS])
            assert restored == before, "undo did not restore the stored values"
            print(
                f"undo saved after {undo_saved_ms:.0f} ms in {len(requests)} request(s) "
                f"(server {page.evaluate(LAST_SAVE_SERVER_MS):.0f} ms)",
                flush=True,
            )
            browser.close()

    load = os.getloadavg()[0]
    print(f"(load average {load:.1f} at the end: the machine may be shared)")
    print(
        f"RESULT rows={rows} interactive_ms={interactive_ms:.0f} scroll_ms={scroll_ms:.0f} paste_cells={cells} "
        f"paste_saved_ms={paste_saved_ms:.0f} paste_requests={paste_requests} undo_saved_ms={undo_saved_ms:.0f}"
    )


if __name__ == "__main__":
    started = time.monotonic()
    main()
    print(f"(took {time.monotonic() - started:.0f} s)", file=sys.stderr)
