"""Visual compare benchmark: 100 staged A1 sheets against their current revisions in Procore.

Generates 100 A1 drawings (reportlab: a grid, a few hundred boxes, notes and a title block),
issues them through the real submit pipeline into Riverside (2305) on the portal's server with
its embedded sandbox, then stages a new revision of each: most with one to three known changes
(boxes with a note, placed apart), some re-saved with every pixel the same. The compare runs in a
worker process of its own, as the django-q2 task does: each current revision is downloaded
through the documented endpoint, both are rendered and compared, pictures stored. Prints the time
per compare (with and without the download), the worker's peak memory (RSS), and the share of the
known changed regions whose box was found.

    .venv/bin/python bench/compare.py [--sheets 100] [--unchanged 10]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.support import harness  # noqa: E402

PROJECT = 2305
LOGIN = "eli.navarro@northwind.example"
HOURLY, SPIKE = 60_000, 100

WORKER = """
import json, resource, sys, time
import django
django.setup()
from portal.staging.issue_control import imaging
from portal.staging.issue_control.compare import run_compares
spent, cpu = [], []
real = imaging.compare_pdfs
def timed(*args, **kwargs):
    started, started_cpu = time.perf_counter(), time.process_time()
    try:
        return real(*args, **kwargs)
    finally:
        spent.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
imaging.compare_pdfs = timed
started, started_cpu = time.monotonic(), time.process_time()
done = run_compares(int(sys.argv[1]))
print(json.dumps({"done": done, "wall_s": time.monotonic() - started, "cpu_s": time.process_time() - started_cpu,
                  "render_s": spent, "render_cpu_s": cpu,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def sheet(number: int, changes: list[tuple[float, float, float, float]]) -> bytes:
    """An A1 landscape drawing; `changes` (x, y, w, h in points) are drawn on top."""
    from reportlab.lib.pagesizes import A1, landscape
    from reportlab.pdfgen import canvas

    width, height = landscape(A1)
    rng = random.Random(number)
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(width, height))
    pdf.setLineWidth(0.4)
    for column in range(40, int(width) - 40, 60):
        pdf.line(column, 40, column, height - 40)
    for row in range(40, int(height) - 40, 60):
        pdf.line(40, row, width - 40, row)
    pdf.setFont("Helvetica", 7)
    for index in range(400):
        x, y = rng.uniform(60, width - 260), rng.uniform(200, height - 160)
        pdf.rect(x, y, rng.uniform(10, 120), rng.uniform(10, 120))
        pdf.drawString(x + 2, y + 2, f"D{number}-{index}")
    pdf.setLineWidth(1.2)
    pdf.rect(width - 560, 40, 520, 150)
    pdf.setFont("Helvetica-Bold", 24)
    pdf.drawString(width - 540, 140, f"A-DRW-{number} Benchmark sheet")
    pdf.setLineWidth(2.5)
    pdf.setFont("Helvetica-Bold", 14)
    for x, y, w, h in changes:
        pdf.rect(x, y, w, h)
        pdf.drawString(x + 8, y + h / 2, "REVISED DETAIL")
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def known_changes(number: int) -> list[tuple[float, float, float, float]]:
    """One to three changes in distinct zones of the sheet, well apart."""
    from reportlab.lib.pagesizes import A1, landscape

    width, height = landscape(A1)
    rng = random.Random(10_000 + number)
    zones = [(col, row) for col in range(4) for row in range(3)]
    rng.shuffle(zones)
    changes = []
    for col, row in zones[: rng.randint(1, 3)]:
        zone_w, zone_h = (width - 200) / 4, (height - 400) / 3
        w, h = rng.uniform(120, 240), rng.uniform(80, 160)
        x = 100 + col * zone_w + rng.uniform(20, zone_w - w - 20)
        y = 250 + row * zone_h + rng.uniform(20, zone_h - h - 20)
        changes.append((x, y, w, h))
    return changes


def as_fractions(change: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    from reportlab.lib.pagesizes import A1, landscape

    width, height = landscape(A1)
    x, y, w, h = change
    return (x / width, 1 - (y + h) / height, (x + w) / width, 1 - y / height)


def overlaps(a, b) -> bool:
    """Two boxes (fractions) share most of the smaller one: the change's box was found."""
    x0, y0, x1, y1 = max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])
    if x1 <= x0 or y1 <= y0:
        return False
    shared = (x1 - x0) * (y1 - y0)
    smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return shared >= 0.5 * smaller


def stage(batch, user, number: int, revision: str, data: bytes) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from portal.staging import services
    from portal.staging.schema import load_schema
    from portal.staging.validation import parse_input

    schema = load_schema(batch.project)
    name = f"Sheet {number}"
    values = {
        "name": name,
        "type": "DRW",
        "status": "OPN",
        "revision": revision,
        "discipline": "A",
        "number": str(number),
        "date_authored": "2026-01-05",
    }
    file_name = f"A-DRW-{number}_{name}_Rev {revision}.pdf"
    document, _ = services.add_document(batch, user, SimpleUploadedFile(file_name, data, "application/pdf"), schema)
    metadata = {
        schema.fields_by_name[k].id: parse_input(schema.fields_by_name[k], v, schema) for k, v in values.items()
    }
    services.set_document_fields(batch, user, document, metadata, schema)


def run_worker(portal: harness.Portal, code: str, *args: str) -> dict:
    out = subprocess.run(
        [harness.PYTHON, "-c", code, *args], cwd=harness.ROOT, env=portal.env, capture_output=True, text=True
    )
    if out.returncode:
        raise SystemExit(f"the worker failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


SUBMIT_WORKER = """
import json, sys
import django
django.setup()
from portal.staging.pipeline.runner import run_submission
submission = run_submission(int(sys.argv[1]))
print(json.dumps({"state": submission.state, "landed": submission.landed, "failed": submission.failed}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sheets", type=int, default=100)
    parser.add_argument("--unchanged", type=int, default=10, help="sheets re-saved with every pixel the same")
    args = parser.parse_args()
    env = {"SANDBOX_RATE_LIMIT_HOURLY": str(HOURLY), "SANDBOX_RATE_LIMIT_SPIKE": str(SPIKE)}
    with harness.portal(env, threads=16) as portal:
        portal.setup_django()
        from portal.mirror.models import Project, SyncRun
        from portal.mirror.sync import run_sync, start_sync, sync_memberships
        from portal.staging import services
        from portal.staging.issue_control.compare import request_compare
        from portal.staging.models import SheetCompare
        from portal.staging.pipeline import control
        from procore_sandbox.limits import ratelimit
        from procore_sandbox.pdm import switches
        from tests.flows import portal_user

        ratelimit.configure(hourly=HOURLY, spike=SPIKE)
        switches.set_switch("ml_delay", {"seconds": 0})
        user = portal_user(None, LOGIN)
        sync_memberships(user)
        project = Project.objects.get(pk=PROJECT)
        run = run_sync(start_sync(project, user, full=True).pk)
        assert run.state == SyncRun.State.DONE, run.error

        numbers = [5000 + n for n in range(args.sheets)]
        current = services.create_batch(project, user, name="Current revisions")
        for number in numbers:
            stage(current, user, number, "A", sheet(number, []))
        control._queue = lambda submission: None  # the worker process below takes the task
        issued = run_worker(portal, SUBMIT_WORKER, str(control.start(current, user).pk))
        print(f"Issued {issued['landed']} current revisions ({issued['state']}, {issued['failed']} failed)")

        staged = services.create_batch(project, user, name="Revision B")
        expected: dict[str, list] = {}
        for index, number in enumerate(numbers):
            if index < args.unchanged:
                data = sheet(number, []) + f"\n% re-saved {number}\n".encode()
                expected[f"A-DRW-{number}_Sheet {number}_Rev B.pdf"] = []
            else:
                changes = known_changes(number)
                data = sheet(number, changes)
                expected[f"A-DRW-{number}_Sheet {number}_Rev B.pdf"] = [as_fractions(c) for c in changes]
            stage(staged, user, number, "B", data)
        request_compare(staged, user)
        result = run_worker(portal, WORKER, str(staged.pk))

        rows = list(SheetCompare.objects.filter(batch=staged).select_related("document"))
        outcomes: dict[str, int] = {}
        known = found = extra = 0
        for row in rows:
            outcomes[row.outcome or row.state] = outcomes.get(row.outcome or row.state, 0) + 1
            boxes = [tuple(r) for page in row.pages for r in page.get("regions") or []]
            wanted = expected[row.document.file_name]
            known += len(wanted)
            found += sum(any(overlaps(w, b) for b in boxes) for w in wanted)
            extra += sum(not any(overlaps(w, b) for w in wanted) for b in boxes)
        failed = [r.message for r in rows if r.state != SheetCompare.State.DONE]
        per_compare = sum(r.milliseconds or 0 for r in rows) / max(1, len(rows))
        render_ms = 1000 * sum(result["render_s"]) / max(1, len(result["render_s"]))
        share = found / known if known else 1.0
        print(f"Outcomes: {outcomes}; failed: {failed[:3]}")
        print(
            f"{len(rows)} sheets in {result['wall_s']:.1f} s: {per_compare:.0f} ms per compare with the download, "
            f"{render_ms:.0f} ms rendering and comparing alone ({len(result['render_s'])} rendered); "
            f"worker peak {result['peak_mb']:.0f} MB"
        )
        rendered = max(1, len(result["render_cpu_s"]))
        print(
            f"CPU time (less sensitive to a shared machine): {1000 * result['cpu_s'] / max(1, len(rows)):.0f} ms per "
            f"compare in the worker, {1000 * sum(result['render_cpu_s']) / rendered:.0f} ms rendering and comparing; "
            f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
        )
        print(f"Known changed regions found: {found} of {known}; regions found where nothing changed: {extra}")
        print(
            f"RESULT sheets={len(rows)} ms_per_compare={per_compare:.0f} peak_mb={result['peak_mb']:.0f} "
            f"regions_found={share:.3f}"
        )


if __name__ == "__main__":
    main()
