"""Mirror sync on the large seeded project (Metro Line Extension, 2308).

Prints API calls and wall time for a full sync, API calls for an incremental sync with nothing
changed and with 10 files changed, the sync worker's peak memory, and the file page's server
time at 10,000 files. Each sync runs in its own worker process, against the portal's server
(gunicorn) with the embedded sandbox at Procore's default rate limits.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.support import harness  # noqa: E402

PROJECT = 2308
LOGIN = "priya.raman@harbor.example"

WORKER = """
import json, resource, sys, time
import django
django.setup()
from portal.mirror.sync import run_sync
started = time.monotonic()
run = run_sync(int(sys.argv[1]))
print(json.dumps({"state": run.state, "error": run.error, "api_calls": run.api_calls,
                  "items_seen": run.items_seen, "items_removed": run.items_removed,
                  "wall_s": time.monotonic() - started,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def run_in_worker(portal: harness.Portal, run_id: int) -> dict:
    out = subprocess.run(
        [harness.PYTHON, "-c", WORKER, str(run_id)],
        cwd=harness.ROOT,
        env=portal.env,
        check=True,
        capture_output=True,
        text=True,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    if result["state"] != "done":
        raise SystemExit(f"sync failed: {result['error']}")
    return result


def change_ten_files() -> None:
    from procore_sandbox.documents import ops as documents_ops
    from procore_sandbox.models import DocumentFile, DocumentFolder

    files = list(DocumentFile.objects.filter(project_id=PROJECT, is_deleted=False).order_by("id")[:7])
    for file in files[:5]:
        documents_ops.rename_file(file, f"Renamed {file.name}")
    for file in files[5:7]:
        documents_ops.recycle_file(file)
    folder = DocumentFolder.objects.filter(project_id=PROJECT).exclude(parent=None).earliest("id")
    for n in range(3):
        documents_ops.add_file(folder, f"New sheet {n}.pdf", None, content=b"%PDF-1.4 bench")


def page_time_ms(user, path: str, rounds: int = 20) -> float:
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    client.get(path)  # warm up
    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        response = client.get(path)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (response.status_code, response.content[:300])
    return harness.percentile(timings, 50)


def main() -> None:
    with harness.portal(seed_large=True) as portal:
        portal.setup_django()
        from portal.mirror.models import File, Folder, Project
        from portal.mirror.sync import start_sync, sync_memberships

        user = harness.signed_in_user(LOGIN)
        sync_memberships(user)
        project = Project.objects.get(pk=PROJECT)

        full = run_in_worker(portal, start_sync(project, user, full=True).pk)
        folders = Folder.objects.filter(project=project).count()
        files = File.objects.filter(project=project).count()
        print(
            f"full sync: {full['api_calls']} API calls, {full['wall_s']:.1f} s, {folders} folders, {files} files, "
            f"worker peak {full['peak_mb']:.0f} MB"
        )

        unchanged = run_in_worker(portal, start_sync(project, None, full=False).pk)
        print(f"incremental, nothing changed: {unchanged['api_calls']} API calls")

        change_ten_files()
        changed = run_in_worker(portal, start_sync(project, None, full=False).pk)
        print(
            f"incremental, 10 files changed: {changed['api_calls']} API calls, "
            f"{changed['items_seen']} items seen, {changed['items_removed']} removed"
        )

        top = page_time_ms(user, f"/projects/{PROJECT}/")
        search = page_time_ms(user, f"/projects/{PROJECT}/?q=.pdf&sort=-updated&page=3")
        print(f"file page p50: top level {top:.1f} ms, search over all files {search:.1f} ms")

        peak = max(full["peak_mb"], unchanged["peak_mb"], changed["peak_mb"])
        print(
            f"RESULT folders={folders} files={files} full_calls={full['api_calls']} "
            f"incremental_unchanged_calls={unchanged['api_calls']} incremental_10_calls={changed['api_calls']} "
            f"peak_mb={peak:.1f} page_ms={max(top, search):.1f}"
        )


if __name__ == "__main__":
    main()
