"""Benchmark: the pages a project team keeps open, under 50 concurrent signed-in clients.

    .venv/bin/python bench/pages.py [--clients 50] [--seconds 30] [--documents 2000]
                                    [--database-url postgres://postgres@127.0.0.1:5432/postgres]
                                    [--redis-url redis://127.0.0.1:6379/15]

Runs as production does: a throwaway PostgreSQL database (dropped at the end), Redis as the task
broker, static files collected, gunicorn as in docker/Dockerfile (3 processes × 4 threads) with
DEBUG off. It syncs Harbor Bridge Retrofit (2307, which forbids duplicate revisions) and the
10,000-file Metro Line Extension (2308) from the embedded sandbox through the real sync, then
stages a batch of `--documents` documents and a submission of as many under way.

Each page gets `--clients` client threads (each its own keep-alive connection and session) for
`--seconds`: the projects page, a folder page and a search of the 10,000-file project, the batch
page, and the submission's progress poll as the page's htmx poller sends it (If-None-Match with
the last ETag; a thread in this script moves 20 documents a second on, as a worker would).
Printed per page: requests/s, p95, and gunicorn's CPU milliseconds per request. Then:

- progress_idle_cpu_ms: gunicorn CPU per poll while nothing changes (the worker thread stopped);
- bulk_2000_ms: one request setting Status on every document of the batch (median of 3);
- upload_growth: server time to record (check, store) each of `--documents` uploads one after
  another into a batch of the duplicate-forbidding project, median of the last 100 over the
  median of the first 100 (the CPU-time ratio is printed beside it: on a shared machine the
  wall time also follows other processes' load).

Uploads queue the title-block reader; nothing consumes those tasks here: they go to a queue of
this run's own (`Q_CLUSTER_NAME`), removed from the broker at the end.

Its last line is the RESULT line.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from statistics import median
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.support.harness import PYTHON, ROOT, percentile, portal, signed_in_user, stage_names  # noqa: E402
from bench.webhooks import (  # noqa: E402
    DEFAULT_SERVER,
    create_database,
    drop_database,
    production_env,
    server_cpu_seconds,
)

HARBOR, METRO = 2307, 2308
LOGIN = "priya.raman@harbor.example"
SEARCHES = ["deck", "CP-07", "sheet 12", "pier", "section", ".pdf", "plan", "S-1"]


@dataclass
class Phase:
    name: str
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    seconds: float = 0.0
    cpu_ms: float = 0.0

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    @property
    def p95(self) -> float:
        return percentile(self.latencies, 95)

    def line(self) -> str:
        return (
            f"{self.name:<9} {self.rate:7.0f} req/s  p95 {self.p95:7.0f} ms  "
            f"CPU {self.cpu_ms / max(1, len(self.latencies)):6.1f} ms/request  statuses {dict(sorted(self.statuses.items()))}"
        )


class Client:
    """One person's browser: a keep-alive connection with their session cookie."""

    def __init__(self, port: int, cookie: str) -> None:
        self.port = port
        self.cookie = cookie
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.etag = ""

    def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, bytes, dict[str, str]]:
        head = {"Cookie": f"sessionid={self.cookie}", "Host": f"127.0.0.1:{self.port}", **(headers or {})}
        for attempt in range(2):
            try:
                self.connection.request("GET", path, headers=head)
                response = self.connection.getresponse()
                body = response.read()
                return response.status, body, {k.lower(): v for k, v in response.getheaders()}
            except (http.client.HTTPException, OSError):
                self.connection.close()
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt:
                    return 0, b"", {}
        return 0, b"", {}


def drive(name: str, port: int, cookies: list[str], seconds: float, request) -> Phase:
    """`len(cookies)` clients, each calling `request(client, n)` in a loop for `seconds`."""
    phase = Phase(name)
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def run(cookie: str) -> None:
        client = Client(port, cookie)
        mine: list[float] = []
        codes: dict[int, int] = {}
        n = 0
        while time.monotonic() < deadline:
            started = time.perf_counter()
            status = request(client, n)
            mine.append((time.perf_counter() - started) * 1000)
            codes[status] = codes.get(status, 0) + 1
            n += 1
        client.connection.close()
        with lock:
            phase.latencies.extend(mine)
            for code, count in codes.items():
                phase.statuses[code] = phase.statuses.get(code, 0) + count

    threads = [threading.Thread(target=run, args=(cookie,)) for cookie in cookies]
    cpu_before = server_cpu_seconds(port)
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    phase.seconds = time.monotonic() - started
    phase.cpu_ms = (server_cpu_seconds(port) - cpu_before) * 1000
    print(phase.line(), flush=True)
    return phase


def sessions(user, count: int) -> list[str]:
    """`count` signed-in sessions of the user (one per client, as many browsers)."""
    from django.test import Client as DjangoClient

    cookies = []
    for _ in range(count):
        client = DjangoClient(HTTP_HOST="127.0.0.1")
        client.force_login(user)
        cookies.append(client.cookies["sessionid"].value)
    return cookies


def sync(user, project_id: int) -> None:
    from portal.mirror.models import Project
    from portal.mirror.sync import run_sync, start_sync

    started = time.monotonic()
    run = run_sync(start_sync(Project.objects.get(pk=project_id), user, full=True).pk)
    assert run.state == "done", run.error
    print(f"synced project {project_id} in {time.monotonic() - started:.0f} s ({run.api_calls} API calls)", flush=True)


def names(count: int, offset: int = 0) -> list[str]:
    return [f"S.{1000 + n + offset}_Deck Framing Plan_Rev B.pdf" for n in range(count)]


def staged_batch(user, count: int, title: str):
    """A batch of `count` documents as uploads leave them (metadata proposed from the names)."""
    from portal.mirror.models import Project
    from portal.staging.models import Batch
    from portal.staging.schema import load_schema
    from portal.staging.validation import revalidate_batch

    project = Project.objects.get(pk=HARBOR)
    schema = load_schema(project)
    batch = Batch.objects.create(project=project, name=title, created_by=user)
    stage_names(batch, names(count), schema)
    revalidate_batch(batch, schema)
    return batch


def under_way(user, count: int):
    """A submission of `count` documents spread over the pipeline's steps, its worker alive."""
    from django.utils import timezone

    from portal.staging.models import Batch, StagedDocument, Submission

    batch = staged_batch(user, count, f"{count} documents being sent")
    steps = ["pending", "create_requested", "created", "uploaded", "completed"]
    ids = list(batch.documents.order_by("position").values_list("pk", flat=True))
    for n, step in enumerate(steps):
        StagedDocument.objects.filter(pk__in=ids[n :: len(steps)]).update(
            state=StagedDocument.State.SUBMITTING, step=step, updated_at=timezone.now() - timedelta(minutes=1)
        )
    Batch.objects.filter(pk=batch.pk).update(state=Batch.State.SUBMITTING)
    submission = Submission.objects.create(
        batch=batch,
        submitted_by=user,
        documents=count,
        state=Submission.State.RUNNING,
        started_at=timezone.now(),
        heartbeat_at=timezone.now(),
        worker="bench",
    )
    return batch, submission, ids


class Worker(threading.Thread):
    """Renews the lease every second as a live worker does and, while `moving` is set, moves 20
    documents a second on to the next step."""

    def __init__(self, submission, ids: list[int]) -> None:
        super().__init__(daemon=True)
        self.submission, self.ids, self.stop, self.moving = submission, ids, threading.Event(), threading.Event()
        self.moving.set()

    def run(self) -> None:
        from django.db import connection
        from django.utils import timezone

        from portal.staging.models import StagedDocument, Submission

        cursor = 0
        while not self.stop.wait(1.0):
            now = timezone.now()
            if self.moving.is_set():
                chosen = self.ids[cursor : cursor + 20] or self.ids[:20]
                cursor = (cursor + 20) % len(self.ids)
                StagedDocument.objects.filter(pk__in=chosen).update(step="uploaded", updated_at=now)
            Submission.objects.filter(pk=self.submission.pk).update(heartbeat_at=now)
        connection.close()


def poll(batch):
    """The page's poller: it starts from the ETag of the page the person opened, then sends the
    ETag of each answer."""
    from portal.staging.pipeline.progress import snapshot

    path = f"/batches/{batch.pk}/progress/"
    opened = snapshot(batch).etag

    def request(client: Client, n: int) -> int:
        headers = {"HX-Request": "true", "HX-Current-URL": f"http://127.0.0.1:{client.port}{path}"}
        headers["If-None-Match"] = client.etag or opened
        status, _, response_headers = client.get(path, headers)
        client.etag = response_headers.get("etag", client.etag)
        return status

    return request


def bulk_set(port: int, cookie: str, batch, field_id: str, value: str) -> float:
    """One POST: Status on every document of the batch. Returns the milliseconds it took."""
    client = Client(port, cookie)
    status, body, headers = client.get(f"/batches/{batch.pk}/")
    assert status == 200, status
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body.decode())
    assert found, "no form on the batch page"
    token = found.group(1)
    csrf_cookie = re.search(r"csrftoken=([^;]+)", headers.get("set-cookie", ""))
    cookies = f"sessionid={cookie}" + (f"; csrftoken={csrf_cookie.group(1)}" if csrf_cookie else "")
    form = urlencode(
        {"csrfmiddlewaretoken": token, "action": "set", "scope": "batch", "field": field_id, "value": value}
    )
    started = time.perf_counter()
    client.connection.request(
        "POST",
        f"/batches/{batch.pk}/documents/",
        body=form,
        headers={
            "Cookie": cookies,
            "Content-Type": "application/x-www-form-urlencoded",
            "Host": f"127.0.0.1:{port}",
            "Origin": f"http://127.0.0.1:{port}",
            "Referer": f"http://127.0.0.1:{port}/batches/{batch.pk}/",
        },
    )
    response = client.connection.getresponse()
    response.read()
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status == 302, response.status
    return elapsed


def upload_growth(user, count: int) -> tuple[float, float, float, float]:
    """Record `count` uploads one after another (the worker's step once a file is stored): the
    median server time of the first 100 and of the last 100, their ratio, and the same ratio of
    this process's CPU time (the machine is shared: wall time moves with other people's load)."""
    from portal.mirror.models import Project
    from portal.staging import services
    from portal.staging.edits import checks_across_documents
    from portal.staging.schema import load_schema

    project = Project.objects.get(pk=HARBOR)
    schema = load_schema(project)
    assert checks_across_documents(schema), "the upload test needs a project that forbids duplicate revisions"
    batch = services.create_batch(project, user, name="Uploads one by one")
    walls, cpus = [], []
    for n, name in enumerate(names(count, offset=count)):
        started, cpu = time.perf_counter(), time.process_time()
        services.record_document(
            batch,
            user,
            name=name,
            key=f"staged/bench/{batch.pk}/{n}",
            size=1000,
            sha256=f"{n + 10**6:064x}",
            mime_type="application/pdf",
            schema=load_schema(project),
        )
        walls.append((time.perf_counter() - started) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
    first, last = median(walls[:100]), median(walls[-100:])
    return first, last, last / first, median(cpus[-100:]) / median(cpus[:100])


def _empty_queue(url: str, cluster: str) -> None:
    """Remove this run's task queue (its own cluster name) from the broker, and nothing else."""
    import redis

    client = redis.Redis.from_url(url)
    for key in client.scan_iter(f"django_q:{cluster}:*"):
        client.delete(key)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--documents", type=int, default=2000)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_POSTGRES_URL", DEFAULT_SERVER))
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15"))
    args = parser.parse_args()

    name, database_url = create_database(args.database_url)
    cluster = f"bench-pages-{os.getpid()}"  # a queue of its own on the broker, removed at the end
    try:
        extra = {
            **production_env(),
            "SANDBOX_RATE_LIMIT_SPIKE": "100000",
            "SANDBOX_RATE_LIMIT_HOURLY": "1000000",
            "Q_CLUSTER_NAME": cluster,
        }
        subprocess.run(
            [PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=ROOT,
            check=True,
            env={**os.environ, **extra, "DATABASE_URL": database_url},
        )
        with portal(
            extra, database_url=database_url, redis_url=args.redis_url, workers=3, threads=4, seed_large=True
        ) as instance:
            instance.setup_django()
            from django.db import connection

            from portal.mirror.models import Folder, PdmField
            from portal.mirror.sync import sync_memberships

            user = signed_in_user(LOGIN)
            sync_memberships(user)
            sync(user, HARBOR)
            sync(user, METRO)
            batch = staged_batch(user, args.documents, f"{args.documents} documents")
            sending, submission, ids = under_way(user, args.documents)
            with connection.cursor() as cursor:
                # As autovacuum leaves the tables within a minute or two of a sync or of staging
                # thousands of documents (the planner then knows a batch is not 11 rows).
                cursor.execute("VACUUM ANALYZE")
            folder = Folder.objects.filter(project_id=METRO).exclude(parent_id=None).order_by("id")[5]
            cookies = sessions(user, args.clients)
            port = instance.port
            print(
                f"gunicorn 3 x 4 threads, PostgreSQL, Redis; {args.clients} clients x {args.seconds:.0f} s per page; "
                f"batch {batch.pk} ({args.documents} documents), submission of {args.documents} on batch {sending.pk}",
                flush=True,
            )

            def page(path: str):
                return lambda client, n: client.get(path)[0]

            phases = {
                "projects": drive("projects", port, cookies, args.seconds, page("/")),
                "folders": drive(
                    "folders", port, cookies, args.seconds, page(f"/projects/{METRO}/?folder={folder.pk}")
                ),
                "search": drive(
                    "search",
                    port,
                    cookies,
                    args.seconds,
                    lambda client, n: client.get(
                        f"/projects/{METRO}/?" + urlencode({"q": SEARCHES[n % len(SEARCHES)], "page": 1 + n % 3})
                    )[0],
                ),
                "batch": drive("batch", port, cookies, args.seconds, page(f"/batches/{batch.pk}/")),
            }
            worker = Worker(submission, ids)
            worker.start()
            phases["progress"] = drive("progress", port, cookies, args.seconds, poll(sending))
            worker.moving.clear()  # the worker lives on, nothing moves
            time.sleep(3)  # past the cursor's overlap
            idle = drive("idle poll", port, cookies, min(args.seconds, 10), poll(sending))
            worker.stop.set()
            worker.join()
            idle_cpu = idle.cpu_ms / max(1, len(idle.latencies))

            status = PdmField.objects.get(project_id=HARBOR, name="status")
            values = list(status.values.filter(active=True).values_list("code", flat=True)[:2]) or ["", ""]
            bulk = [bulk_set(port, cookies[0], batch, status.procore_id, values[n % 2]) for n in range(3)]
            changed = batch.documents.filter(**{"metadata__has_key": status.procore_id}).count()
            print(f"bulk Status on {changed} documents: {', '.join(f'{b:.0f}' for b in bulk)} ms", flush=True)

            first, last, growth, cpu_growth = upload_growth(user, args.documents)
            print(
                f"upload server time (median): first 100 {first:.1f} ms, last 100 {last:.1f} ms; "
                f"CPU time last/first {cpu_growth:.2f}",
                flush=True,
            )

    finally:
        drop_database(args.database_url, name)
        _empty_queue(args.redis_url, cluster)
    load = os.getloadavg()
    print(f"(load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} at the end: the machine is shared)")
    print(
        f"RESULT clients={args.clients} projects_p95_ms={phases['projects'].p95:.0f} "
        f"folders_p95_ms={phases['folders'].p95:.0f} search_p95_ms={phases['search'].p95:.0f} "
        f"batch_p95_ms={phases['batch'].p95:.0f} progress_p95_ms={phases['progress'].p95:.0f} "
        f"progress_idle_cpu_ms={idle_cpu:.1f} bulk_2000_ms={median(bulk):.0f} upload_growth={growth:.2f}"
    )


if __name__ == "__main__":
    random.seed(21)
    started = time.monotonic()
    main()
    print(f"(took {time.monotonic() - started:.0f} s)", file=sys.stderr)
