"""Uploads straight to object storage: how little of them passes through the web process.

With S3 storage (a real SeaweedFS on loopback), 200 files of mixed sizes (2 GiB in all) and one
1 GiB file are uploaded with exactly the batch page's calls (bench/support/upload_client.py: start
the files added together, many a request; sign parts 20 at a time, PUT each part to storage, list
parts to resume, hand the sent file to the worker, ask what became of the files), six at a time
as the page does. Half-way through the big file its connection is dropped in the middle of a
part; a fresh client (as after a reload) lists what storage holds and sends only the rest. The
worker (a qcluster) joins each file's parts, hashes it from storage and adds it.

The web process measured is a gunicorn (one process, eight threads) that serves only the portal,
as on a host of its own: the harness's own server also plays Procore (the sandbox), whose work is
not the portal's. Prints the bytes that passed through it (request and response bodies to and from
the portal, counted by the client), its CPU seconds and peak memory, the parts sent twice
after the resume, and the throughput. Targets: web bytes under 1% of the bytes uploaded, web CPU
under 1 s per GiB, peak web memory under 150 MB, no part sent twice.

With DATABASE_URL (PostgreSQL) and REDIS_URL set, as on many hosts, it runs on a throwaway
database on that server and that Redis; otherwise on SQLite with the database as the broker.

    .venv/bin/python bench/uploads.py [--small 200] [--small-gib 2] [--big-gib 1]
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import psutil
import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.support import harness  # noqa: E402
from bench.support.s3 import SeaweedS3  # noqa: E402
from bench.support.upload_client import UploadClient  # noqa: E402

MiB = 1024 * 1024
GiB = 1024 * MiB
RIVERSIDE = 2305


class PatternFile:
    """A file of `size` deterministic bytes, generated as read (nothing on disk or in memory)."""

    def __init__(self, size: int, seed: int) -> None:
        self.size, self.position = size, 0
        self.block = hashlib.sha256(str(seed).encode()).digest() * (MiB // 32)

    def seek(self, offset: int, whence: int = 0) -> int:
        self.position = offset if whence == 0 else self.position + offset if whence == 1 else self.size + offset
        return self.position

    def read(self, size: int = -1) -> bytes:
        size = self.size - self.position if size < 0 else min(size, self.size - self.position)
        out = bytearray()
        while len(out) < size:
            at = self.position % MiB
            take = min(size - len(out), MiB - at)
            out += self.block[at : at + take]
            self.position += take
        return bytes(out)


def mixed_sizes(count: int, total: int) -> list[int]:
    """Sizes from a few KiB to tens of MiB (log-normal), scaled to add up to `total`."""
    rng = random.Random(16)
    raw = [rng.lognormvariate(14.5, 1.3) for _ in range(count)]
    scale = total / sum(raw)
    sizes = [max(1024, int(r * scale)) for r in raw]
    sizes[-1] += total - sum(sizes)
    return sizes


class WebMeter:
    """CPU seconds and peak RSS of one gunicorn (its master and workers, each counted once)."""

    def __init__(self, master: subprocess.Popen) -> None:
        root = psutil.Process(master.pid)
        self.processes = [root, *root.children(recursive=True)]
        self.workers = self.processes[1:] or self.processes
        self.peak = 0
        self.running = True
        self.thread = threading.Thread(target=self._sample, daemon=True)

    def cpu(self) -> float:
        return sum(sum(p.cpu_times()[:2]) for p in self.processes if p.is_running())

    def rss(self) -> int:
        return max(p.memory_info().rss for p in self.workers)

    def _sample(self) -> None:
        while self.running:
            try:
                self.peak = max(self.peak, self.rss())
            except psutil.Error:
                pass
            time.sleep(0.1)

    def __enter__(self) -> WebMeter:
        self.cpu_before = self.cpu()
        self.rss_before = self.rss()
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.running = False
        self.thread.join()
        self.cpu_used = self.cpu() - self.cpu_before


@contextlib.contextmanager
def web_process(portal: harness.Portal) -> Iterator[tuple[str, subprocess.Popen]]:
    """The portal's web process the page talks to: a gunicorn of its own, as on a host of its own
    (the harness's first gunicorn also plays Procore, the sandbox, whose work is not the portal's)."""
    port = harness.free_port()
    process = subprocess.Popen(
        [harness.PYTHON, "-m", "gunicorn", "portal.wsgi:application", "--bind", f"127.0.0.1:{port}"]
        + ["--workers", "1", "--threads", "8", "--log-level", "warning"],
        cwd=harness.ROOT,
        env=portal.env,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        harness.wait_until_up(url + "/healthz")
        yield url, process
    finally:
        process.terminate()
        process.wait(30)


def count_portal_bytes(session: requests.Session, counter: list[int], lock: threading.Lock) -> None:
    def hook(response: requests.Response, *args: object, **kwargs: object) -> None:
        body = response.request.body or b""
        with lock:
            counter[0] += len(body if isinstance(body, bytes) else str(body).encode()) + len(response.content)

    session.hooks["response"].append(hook)


class Dropped(Exception):
    pass


@contextlib.contextmanager
def throwaway_database(server_url: str | None) -> Iterator[str | None]:
    """A fresh PostgreSQL database on `server_url` for this run (None: the harness's SQLite file)."""
    if not server_url:
        yield None
        return
    import psycopg

    name = f"portal_bench_uploads_{os.getpid()}"
    admin = urlsplit(server_url)._replace(scheme="postgresql", path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlsplit(server_url)._replace(path=f"/{name}").geturl()
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", type=int, default=200)
    parser.add_argument("--small-gib", type=float, default=2.0)
    parser.add_argument("--big-gib", type=float, default=1.0)
    # Many hosts share PostgreSQL and Redis (the layout S3 storage is for): used when configured.
    postgres = os.environ.get("DATABASE_URL", "") if os.environ.get("DATABASE_URL", "").startswith("postgres") else ""
    parser.add_argument("--database-url", default=postgres or None, help="a PostgreSQL server (default: DATABASE_URL)")
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL"), help="the broker (default: REDIS_URL)")
    args = parser.parse_args()

    with (
        tempfile.TemporaryDirectory(prefix="bench-uploads-s3-") as s3_dir,
        SeaweedS3(Path(s3_dir)) as s3,
        throwaway_database(args.database_url) as database_url,
    ):
        s3.create_bucket("staged")
        env = {**s3.env("staged"), "STAGING_UPLOAD_PART_SIZE": str(16 * MiB), "Q_WORKERS": "2"}
        with harness.portal(env, threads=8, workers=1, database_url=database_url) as portal:
            if args.redis_url:
                # The web process, the worker and this script (not the sandbox's server) share a queue of their own.
                portal.env.update(REDIS_URL=args.redis_url, Q_CLUSTER_NAME=f"bench-uploads-{os.getpid()}")
            print(
                f"Database: {'PostgreSQL' if database_url else 'SQLite'}; "
                f"broker: {'Redis' if args.redis_url else 'the database'}"
            )
            worker = subprocess.Popen(
                [harness.PYTHON, "manage.py", "qcluster"], cwd=harness.ROOT, env=portal.env, stdout=subprocess.DEVNULL
            )
            try:
                with web_process(portal) as web:
                    run(portal, web, args)
            finally:
                worker.terminate()
                worker.wait(30)


def run(portal: harness.Portal, web: tuple[str, subprocess.Popen], args: argparse.Namespace) -> None:
    portal.setup_django()
    from portal.mirror.models import Project
    from portal.mirror.sync import run_sync, start_sync, sync_memberships
    from portal.staging import services
    from procore_sandbox.testing import ELI

    user = harness.signed_in_user(ELI)
    sync_memberships(user)
    run_sync(start_sync(Project.objects.get(pk=RIVERSIDE), user, full=True).pk)
    batch = services.create_batch(Project.objects.get(pk=RIVERSIDE), user, name="Upload benchmark")

    from django.contrib.sessions.backends.db import SessionStore

    store = SessionStore()
    store["_auth_user_id"] = str(user.pk)
    store["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    store["_auth_user_hash"] = user.get_session_auth_hash()
    store.create()

    portal_bytes, lock = [0], threading.Lock()

    def client() -> UploadClient:
        session = requests.Session()
        session.cookies.set("sessionid", store.session_key or "")
        session.cookies.set("csrftoken", "benchmarkbenchmarkbenchmarkbench")
        count_portal_bytes(session, portal_bytes, lock)
        return UploadClient(session, web[0], batch.pk, part_size=16 * MiB)

    sizes = mixed_sizes(args.small, int(args.small_gib * GiB))
    big_size = int(args.big_gib * GiB)
    total = sum(sizes) + big_size
    print(
        f"Uploading {len(sizes)} files ({sum(sizes) / GiB:.2f} GiB, {min(sizes) / 1024:.0f} KiB to "
        f"{max(sizes) / MiB:.1f} MiB) and one of {big_size / GiB:.2f} GiB, six at a time, to S3"
    )

    sent_ids: list[int] = []
    resent = [0]
    clients: list[UploadClient] = []

    started: list = []

    def small(index: int) -> None:
        uploader = client()
        clients.append(uploader)
        upload = uploader.send_started(started[index], PatternFile(sizes[index], index))
        sent_ids.append(upload.id)

    def big() -> None:
        first = client()
        handle = PatternFile(big_size, 99999)
        upload = first.start("A-DRW-0001_Site Model_Rev A.pdf", big_size)
        drop_at = upload.part_count // 2 + 1
        for number in range(1, drop_at):
            first.put_part(upload, number, handle)
        seen = [0]

        def drop(length: int) -> None:
            seen[0] += length
            if seen[0] > upload.part_size // 2:
                raise Dropped("the connection dropped mid-part")

        try:
            first.put_part(upload, drop_at, handle, on_chunk=drop)
        except (Dropped, requests.RequestException):
            print(f"Dropped the big file's connection half-way through part {drop_at} of {upload.part_count}")
        second = client()  # as after a reload: it knows only the upload, and asks storage what it holds
        second.resume(upload, handle)
        pairs = first.parts_sent + second.parts_sent
        resent[0] = len(pairs) - len(set(pairs))
        clients.extend([first, second])
        sent_ids.append(upload.id)

    with WebMeter(web[1]) as meter:
        began = time.monotonic()
        # The small files were added at once (dropped on the page together): started together.
        started.extend(
            client().start_many([(f"A-DRW-{1000 + i}_Sheet {i}_Rev A.pdf", sizes[i]) for i in range(len(sizes))])
        )
        with ThreadPoolExecutor(max_workers=6) as pool:
            futures = [pool.submit(big)] + [pool.submit(small, i) for i in range(len(sizes))]
            for future in futures:
                future.result()
        elapsed = time.monotonic() - began
    print(f"Uploaded {total / GiB:.2f} GiB in {elapsed:.1f} s")

    recorded = client().wait_recorded(sent_ids, timeout=600)
    added = sum(1 for f in recorded if f["state"] == "added")
    print(
        f"The worker hashed and added {added} of {len(recorded)} files "
        f"({sum(1 for f in recorded if f['state'] != 'added')} refused)"
    )

    gib = total / GiB
    web_bytes_ratio = portal_bytes[0] / total
    web_cpu = meter.cpu_used / gib
    web_peak_mb = meter.peak / MiB
    mib_per_s = total / MiB / elapsed
    print(
        f"Web process: {portal_bytes[0] / 1024:.0f} KiB of request and response bodies "
        f"({100 * web_bytes_ratio:.4f}% of the bytes uploaded), {meter.cpu_used:.2f} CPU s "
        f"({web_cpu:.3f} s per GiB), peak RSS {web_peak_mb:.0f} MB ({meter.rss_before / MiB:.0f} MB before the first upload)"
    )
    print(
        f"Parts sent twice after the resume: {resent[0]}; throughput {mib_per_s:.0f} MiB/s "
        "(one shared machine: SeaweedFS, the portal, the worker and the client on the same two cores)"
    )
    print(
        f"RESULT storage=s3 files={len(sizes) + 1} gib={gib:.2f} web_bytes_ratio={web_bytes_ratio:.6f} "
        f"web_cpu_s_per_gib={web_cpu:.3f} web_peak_mb={web_peak_mb:.0f} parts_resent={resent[0]} "
        f"mib_per_s={mib_per_s:.0f}"
    )


if __name__ == "__main__":
    main()
