"""The batch page and validation at 10, 100 and 1,000 staged documents.

Prints the batch page's server time (p50 of 15 renders, Django's test client in process, SQLite)
and query count at each size, and the time to validate a batch of 1,000 documents.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.support import harness  # noqa: E402

PROJECT = 2305
LOGIN = "eli.navarro@northwind.example"
NAMES = [
    "A-DRW-{n:04}_Floor Plan_Rev B.pdf",
    "S-DRW-{n:04}_Framing_Rev A.pdf",
    "A-SPC-{n:04}_Doors.pdf",
    "Sheet {n:04}.pdf",
]


def fill(batch, count: int, schema) -> None:
    """Documents as an upload would leave them: metadata proposed from realistic names."""
    harness.stage_names(batch, [NAMES[n % len(NAMES)].format(n=n) for n in range(count)], schema)


def measure_page(client, batch_id: int, rounds: int = 15) -> tuple[float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(f"/batches/{batch_id}/")
    timings = []
    queries = 0
    for _ in range(rounds):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(f"/batches/{batch_id}/")
            timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
        queries = len(captured.captured_queries)
    return harness.percentile(timings, 50), queries


def main() -> None:
    with harness.portal() as portal:
        portal.setup_django()
        from django.test import Client

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
        schema = load_schema(project)

        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(user)
        results = {}
        validate_ms = 0.0
        for size in (10, 100, 1000):
            batch = Batch.objects.create(project=project, name=f"{size} documents", created_by=user)
            fill(batch, size, schema)
            started = time.perf_counter()
            counts = revalidate_batch(batch, load_schema(project))
            elapsed = (time.perf_counter() - started) * 1000
            if size == 1000:
                validate_ms = elapsed
            page_ms, queries = measure_page(client, batch.pk)
            results[size] = (page_ms, queries)
            print(
                f"{size:>5} documents: page p50 {page_ms:.1f} ms, {queries} queries; "
                f"validation {elapsed:.0f} ms ({counts.get('ready', 0)} ready, {counts.get('errors', 0)} with errors)"
            )

        print(
            f"RESULT queries_10={results[10][1]} queries_100={results[100][1]} queries_1000={results[1000][1]} "
            f"page_ms_1000={results[1000][0]:.1f} validate_ms_1000={validate_ms:.1f}"
        )


if __name__ == "__main__":
    main()
