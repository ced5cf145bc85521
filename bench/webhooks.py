"""Benchmark: the webhook receiver under a burst, then processing, on gunicorn and PostgreSQL.

    .venv/bin/python -m bench.webhooks [--deliveries 10000] [--duplicates 0.10] [--concurrency 8]
                                       [--database-url postgres://postgres@127.0.0.1:5432/postgres]

It creates a throwaway PostgreSQL database on the given server (dropped at the end), migrates and
seeds it, collects static files (into the git-ignored ``staticfiles/``), starts gunicorn (2
processes × 4 threads, production settings: DEBUG off, the embedded sandbox on) on loopback,
registers nothing in Procore (the receiver is what is measured) but creates the portal's hook row
with its secret, then a Python load generator (threads over keep-alive HTTP/1.1 sockets with
prebuilt requests, `--concurrency` requests in flight) POSTs `--deliveries` v4.0 payloads: unique
events, and a share of them sent again later (Procore's at-least-once delivery). Latency is measured per request by the client; deliveries/s is accepted
(204) deliveries over the wall time of the burst.

Then the real processing path runs: a django-q2 cluster (`manage.py qcluster`, ORM broker on the
same PostgreSQL) works through the tasks the receiver queued, including the coalesced mirror
refreshes, which call the embedded sandbox as the service account. The counts come from the
database:
stored (rows with an event id), processed, duplicates dropped (sum of the `duplicates` counters),
lost (unique events sent but not stored, or any answer other than 204), processed twice (rows whose
`times_processed` exceeds 1). Its last line is the RESULT line.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import random
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

# Run as `.venv/bin/python bench/webhooks.py` from the checkout: the project's root on the path.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.support.harness import PYTHON, ROOT, percentile, portal  # noqa: E402

DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432/postgres"


def create_database(server_url: str) -> tuple[str, str]:
    import psycopg

    name = f"portal_bench_webhooks_{os.getpid()}"
    with psycopg.connect(server_url.replace("postgres://", "postgresql://", 1), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    parts = urlsplit(server_url)
    return name, parts._replace(path=f"/{name}").geturl()


def drop_database(server_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(server_url.replace("postgres://", "postgresql://", 1), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def make_hook():
    from portal.mirror.models import Company, Project
    from portal.webhooks.models import Hook
    from portal.webhooks.registration import new_secret

    company, _ = Company.objects.get_or_create(id=8089, defaults={"name": "Northwind Builders"})
    project, _ = Project.objects.get_or_create(
        id=2305, defaults={"company": company, "name": "Riverside Medical Center"}
    )
    hook = Hook(project=project, company_id=company.id, namespace="document-portal", status=Hook.Status.ACTIVE)
    hook.set_secret(new_secret())
    hook.save()
    return hook


def bodies(count: int, duplicate_share: float) -> tuple[list[bytes], set[str], int]:
    """`count` bodies: unique v4.0 events, a share of them repeated later. Returns bodies, ids, repeats."""
    from ulid import ULID

    repeats = int(count * duplicate_share)
    unique = count - repeats
    kinds = [
        ("Document Revision", "created"),
        ("Document Revision", "updated"),
        ("Project Files", "update"),
        ("Document Upload", "completed"),
    ]
    events = []
    for n in range(unique):
        resource_type, reason = kinds[n % len(kinds)]
        events.append(
            {
                "id": str(ULID()),
                "timestamp": "2026-11-23T10:00:00.000000Z",
                "reason": reason,
                "company_id": "8089",
                "project_id": "2305",
                "user_id": "5447",
                "resource_type": resource_type,
                "resource_id": str(ULID()),
                "payload_version": "v4.0",
            }
        )
    order = list(range(unique))
    random.seed(9)
    # A repeat goes somewhere after its original, as Procore's retries do (some arrive right behind it).
    for original in random.sample(range(unique), repeats):
        order.insert(random.randint(order.index(original) + 1, len(order)), original)
    return [json.dumps(events[i]).encode() for i in order], {e["id"] for e in events}, repeats


def _request_bytes(parts, secret: str, body: bytes) -> bytes:
    head = (
        f"POST {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\nContent-Type: application/json\r\n"
        f"Authorization: {secret}\r\nUser-Agent: Procore-Webhooks\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


def _read_response(sock: socket.socket, buffer: bytearray) -> int:
    """Read one HTTP/1.1 response from a keep-alive connection; return its status."""
    while b"\r\n\r\n" not in buffer:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("connection closed")
        buffer += chunk
    end = buffer.index(b"\r\n\r\n") + 4
    head = bytes(buffer[:end]).decode("latin-1")
    status = int(head.split(" ", 2)[1])
    length = 0
    for line in head.split("\r\n")[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)
    while len(buffer) < end + length:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("connection closed")
        buffer += chunk
    del buffer[: end + length]
    return status


def burst(url: str, secret: str, payloads: list[bytes], concurrency: int) -> tuple[list[float], dict[int, int], float]:
    """Send every payload over `concurrency` keep-alive connections (requests prebuilt as bytes, so
    the generator spends little CPU on the 2 cores it shares with the server)."""
    parts = urlsplit(url)
    requests_ = [_request_bytes(parts, secret, body) for body in payloads]
    work: queue.Queue[bytes] = queue.Queue()
    for request in requests_:
        work.put(request)
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()

    def connect() -> socket.socket:
        sock = socket.create_connection((parts.hostname, parts.port), timeout=30)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock

    def worker() -> None:
        sock, buffer = connect(), bytearray()
        mine: list[float] = []
        codes: dict[int, int] = {}
        while True:
            try:
                request = work.get_nowait()
            except queue.Empty:
                break
            started = time.perf_counter()
            try:
                sock.sendall(request)
                status = _read_response(sock, buffer)
            except OSError:
                sock.close()
                sock, buffer = connect(), bytearray()
                status = 0
            mine.append((time.perf_counter() - started) * 1000)
            codes[status] = codes.get(status, 0) + 1
        sock.close()
        with lock:
            latencies.extend(mine)
            for code, n in codes.items():
                statuses[code] = statuses.get(code, 0) + n

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, statuses, time.perf_counter() - started


def server_cpu_seconds(port: int) -> float:
    """CPU time (user + system) used so far by the gunicorn processes serving `port`."""
    total = 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmdline = f.read()
            if b"gunicorn" not in cmdline or f"127.0.0.1:{port}".encode() not in cmdline:
                continue
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks
        except OSError:
            continue
    return total


def wait_for_processing(timeout: float) -> float:
    from portal.webhooks.models import Delivery, ProjectRefresh

    started = time.monotonic()
    while time.monotonic() - started < timeout:
        open_rows = Delivery.objects.filter(state__in=[Delivery.State.RECEIVED, Delivery.State.PROCESSING]).count()
        refreshing = ProjectRefresh.objects.exclude(state=ProjectRefresh.State.IDLE).exists()
        if not open_rows and not refreshing:
            break
        time.sleep(0.5)
    return time.monotonic() - started


def production_env() -> dict[str, str]:
    """Run as production does (DEBUG off, so no query logging and the manifest static storage),
    with the embedded sandbox still on for the refreshes processing asks for."""
    from cryptography.fernet import Fernet

    return {
        "DEBUG": "0",
        "SECRET_KEY": "bench-" + Fernet.generate_key().decode(),
        "TOKEN_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "PROCORE_SANDBOX": "1",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_HSTS_SECONDS": "0",
        "Q_WORKERS": "2",
        "SANDBOX_WEBHOOK_DISPATCHER": "0",
    }


def stop(process: subprocess.Popen) -> None:
    """Stop the cluster and its worker processes (its own process group)."""
    import signal

    for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(wait)
            time.sleep(0.5)  # children leave after their parent
        except subprocess.TimeoutExpired:
            continue


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deliveries", type=int, default=10_000)
    parser.add_argument("--duplicates", type=float, default=0.10)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_POSTGRES_URL", DEFAULT_SERVER),
        help="a PostgreSQL server; a throwaway database is created on it and dropped",
    )
    parser.add_argument("--process-timeout", type=float, default=600)
    args = parser.parse_args()

    name, database_url = create_database(args.database_url)
    cluster = None
    try:
        extra = production_env()
        subprocess.run(
            [PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=ROOT,
            check=True,
            env={**os.environ, **extra, "DATABASE_URL": database_url},
        )
        with portal(extra, database_url=database_url, workers=2, threads=4) as instance:
            instance.setup_django()
            hook = make_hook()
            payloads, ids, repeats = bodies(args.deliveries, args.duplicates)
            url = f"{instance.url}/webhooks/procore/{hook.pk}/"
            print(
                f"burst: {len(payloads)} deliveries ({repeats} repeats) to {url}, {args.concurrency} in flight, "
                "gunicorn 2 processes x 4 threads, PostgreSQL",
                flush=True,
            )
            cpu_before, load_before = server_cpu_seconds(instance.port), os.getloadavg()[0]
            latencies, statuses, elapsed = burst(url, hook.secret, payloads, args.concurrency)
            cpu_ms = (server_cpu_seconds(instance.port) - cpu_before) * 1000 / len(payloads)
            print(
                f"gunicorn CPU per delivery: {cpu_ms:.2f} ms (so about {2000 / cpu_ms:.0f}/s on 2 idle cores, "
                f"less PostgreSQL's share); load average {load_before:.1f} before, "
                f"{os.getloadavg()[0]:.1f} after the burst",
                flush=True,
            )
            accepted = statuses.get(204, 0)
            rps = accepted / elapsed
            p50, p99 = percentile(latencies, 50), percentile(latencies, 99)
            print(
                f"accepted {accepted}/{len(payloads)} in {elapsed:.1f} s: {rps:.0f} deliveries/s, "
                f"p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {max(latencies):.1f} ms; statuses {statuses}",
                flush=True,
            )

            cluster = subprocess.Popen(
                [PYTHON, "manage.py", "qcluster"],
                cwd=ROOT,
                env=instance.env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
            took = wait_for_processing(args.process_timeout)
            from django.db.models import Sum

            from portal.webhooks.models import Delivery, ProjectRefresh

            rows = Delivery.objects.exclude(event_id=None)
            stored = rows.count()
            processed = rows.filter(state=Delivery.State.PROCESSED).count()
            dropped = rows.aggregate(n=Sum("duplicates"))["n"] or 0
            stored_ids = set(rows.values_list("event_id", flat=True))
            lost = len(ids - stored_ids) + (len(payloads) - accepted)
            twice = rows.filter(times_processed__gt=1).count()
            refresh = ProjectRefresh.objects.filter(project_id=2305).first()
            print(
                f"processing: {processed}/{stored} processed in {took:.1f} s by a django-q2 cluster (2 workers); "
                f"mirror refreshes run: {refresh.runs if refresh else 0}"
                f"{' (last error: ' + refresh.error + ')' if refresh and refresh.error else ''}; "
                f"failed: {rows.filter(state=Delivery.State.FAILED).count()}",
                flush=True,
            )
            stop(cluster)
            from django.db import connections

            connections.close_all()
            print(
                f"RESULT rps={rps:.0f} p50_ms={p50:.1f} p99_ms={p99:.1f} sent={len(payloads)} stored={stored} "
                f"processed={processed} duplicates_dropped={dropped} lost={lost} processed_twice={twice}",
                flush=True,
            )
    finally:
        if cluster is not None:
            stop(cluster)
        drop_database(args.database_url, name)


if __name__ == "__main__":
    main()
