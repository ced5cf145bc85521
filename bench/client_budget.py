"""Two portal processes share one Procore rate-limit budget: do they use it fully, without a 429?

Starts everything itself on a throwaway SQLite data directory: migrate, sandbox_seed, gunicorn (two
worker processes with threads, so the sandbox's counters are shared across processes too) on a
free loopback port, with the sandbox limits at 60,000/hour and 100 per 10 seconds. Then two worker
processes send 1,000 GETs between them through ProcoreClient, for the same app and company.

Prints requests sent, 429s received, wall time, the sandbox's own count per 10-second window, and
the ratio of the achieved rate to the spike ceiling (100 per 10 s). Last line:
`RESULT requests=<n> status_429=<n> wall_s=<x> ratio=<x>`.

Run: .venv/bin/python bench/client_budget.py
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
HOURLY, SPIKE, SPIKE_SECONDS = 60_000, 100, 10
TOTAL, WORKERS = 1000, 2
COMPANY = "8089"
PATH = f"/rest/v1.1/projects?company_id={COMPANY}&per_page=10"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, timeout: float = 60) -> None:
    import requests

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(requests.RequestException):
            if requests.get(url, timeout=2).status_code < 500:
                return
        time.sleep(0.2)
    raise RuntimeError(f"the server did not answer at {url}")


def check_dropped_connection(base: str, token: str) -> None:
    """The sandbox's dropped-connection fault under gunicorn: the client gets no answer at all."""
    import requests

    faults = f"{base}/sandbox/_control/faults"
    requests.post(
        faults, json={"kind": "drop", "method": "GET", "path": "/me$", "count": 1}, timeout=10
    ).raise_for_status()
    try:
        answer = requests.get(f"{base}/sandbox/rest/v1.0/me", headers={"Authorization": f"Bearer {token}"}, timeout=10)
        print(f"dropped-connection fault under gunicorn: FAILED, got {answer.status_code}")
    except requests.ConnectionError as exc:
        print(f"dropped-connection fault under gunicorn: ok ({type(exc).__name__})")
    requests.delete(faults, timeout=10)


def worker(base_url: str, token: str, count: int, start_at: float) -> None:
    """One portal process: `count` GETs through ProcoreClient, starting at `start_at` (Unix time)."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()
    from portal.procore.errors import ProcoreError
    from portal.procore.http import BearerToken, ProcoreClient

    client = ProcoreClient(BearerToken(token), COMPANY, base_url=base_url)
    seen = {"sent": 0, "429": 0}

    def count_response(response, *args, **kwargs):
        seen["sent"] += 1
        seen["429"] += response.status_code == 429

    client.session.hooks["response"].append(count_response)
    errors = 0
    time.sleep(max(0.0, start_at - time.time()))
    for _ in range(count):
        try:
            client.get(PATH)
        except ProcoreError:
            errors += 1
    print(json.dumps({**seen, "errors": errors, "finished_at": time.time()}))


def main() -> None:
    import requests

    data_dir = Path(tempfile.mkdtemp(prefix="portal-bench-budget-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DATA_DIR": str(data_dir),
        "PORTAL_PUBLIC_URL": base,
        "SANDBOX_SEED_LARGE": "0",
        "LOG_LEVEL": "WARNING",
        "SANDBOX_RATE_LIMIT_HOURLY": str(HOURLY),
        "SANDBOX_RATE_LIMIT_SPIKE": str(SPIKE),
    }
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    processes: list[subprocess.Popen] = []
    try:

        def manage(*args: str) -> str:
            done = subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)
            if done.returncode:
                raise SystemExit(f"manage.py {' '.join(args)} failed:\n{done.stderr}")
            return done.stdout

        manage("migrate", "--noinput", "-v0")
        manage("sandbox_seed")
        token = manage("sandbox_token").strip()
        processes.append(
            subprocess.Popen(
                [
                    PYTHON,
                    "-m",
                    "gunicorn",
                    "portal.wsgi:application",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--workers",
                    "2",
                    "--threads",
                    "8",
                    "--log-level",
                    "warning",
                ],
                cwd=ROOT,
                env=env,
            )
        )
        wait_until_up(f"{base}/accounts/login/")
        check_dropped_connection(base, token)
        control = f"{base}/sandbox/_control/rate_limits"
        # Start from empty counters, with the benchmark's limits (also set through the environment).
        requests.put(control, json={"hourly": HOURLY, "spike": SPIKE}, timeout=10).raise_for_status()

        start_at = time.time() + 3  # every worker has set Django up by then
        share = TOTAL // WORKERS
        workers = [
            subprocess.Popen(
                [PYTHON, __file__, "--worker", f"{base}/sandbox", token, str(share), repr(start_at)],
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                text=True,
            )
            for _ in range(WORKERS)
        ]
        processes.extend(workers)
        results = [json.loads(w.communicate(timeout=540)[0].strip().splitlines()[-1]) for w in workers]
        wall = max(r["finished_at"] for r in results) - start_at

        windows = requests.get(control, timeout=10).json()["windows"]
        spike = sorted(
            (w for w in windows if w["kind"] == "spike" and w["company_key"] == COMPANY), key=lambda w: w["start"]
        )
        sent = sum(r["sent"] for r in results)
        status_429 = sum(r["429"] for r in results)
        errors = sum(r["errors"] for r in results)
        ratio = (TOTAL / wall) / (SPIKE / SPIKE_SECONDS)
        print(
            f"limits: {HOURLY}/hour, {SPIKE} per {SPIKE_SECONDS} s; {WORKERS} worker processes, "
            f"{TOTAL} GETs through ProcoreClient; gunicorn with 2 processes x 8 threads"
        )
        print(f"requests sent: {sent} (errors: {errors})")
        print(f"429s received: {status_429} (sandbox counted {sum(w['rejected'] for w in spike)} refused)")
        print(
            "sandbox: accepted per 10-s window: "
            + " ".join(str(w["accepted"]) for w in spike)
            + f" (max {max((w['accepted'] for w in spike), default=0)}, limit {SPIKE})"
        )
        print(
            f"wall time: {wall:.1f} s; achieved {TOTAL / wall:.2f} req/s against a ceiling of "
            f"{SPIKE / SPIKE_SECONDS:.2f} req/s"
        )
        full = [w["accepted"] for w in spike[1:-1]]  # windows the run covered from start to end
        if full:
            print(
                f"steady state: {sum(full) / len(full):.1f} accepted per full window "
                f"= {sum(full) / len(full) / SPIKE:.2f} of the spike limit (the first, partial window "
                "gets a whole budget, which is why the overall ratio can pass 1)"
            )
        print(f"RESULT requests={sent} status_429={status_429} wall_s={wall:.1f} ratio={ratio:.2f}")
    finally:
        for process in processes:
            if process.poll() is None:
                process.terminate()
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(10)
            if process.poll() is None:
                process.kill()
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        worker(sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5]))
    else:
        main()
