"""What every benchmark needs: a throwaway data directory, a migrated and seeded portal, and its
server (with the embedded sandbox) on a free loopback port.

Use as a context manager; everything it started is stopped on exit.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Portal:
    def __init__(self, data_dir: Path, port: int, env: dict[str, str]) -> None:
        self.data_dir = data_dir
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.env = env

    def manage(self, *args: str, capture: bool = False) -> str:
        result = subprocess.run(
            [PYTHON, "manage.py", *args], cwd=ROOT, env=self.env, check=True, capture_output=True, text=True
        )
        return result.stdout if capture else ""

    def setup_django(self) -> None:
        """Use the same database and settings in this process (for seeding, changes and timing)."""
        os.environ.update(self.env)
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()


@contextlib.contextmanager
def portal(
    extra_env: dict[str, str] | None = None,
    *,
    server: bool = True,
    seed_large: bool = False,
    threads: int = 8,
    workers: int = 1,
    database_url: str | None = None,
    redis_url: str | None = None,
) -> Iterator[Portal]:
    """`database_url` runs on that database (e.g. PostgreSQL) instead of a throwaway SQLite file,
    `redis_url` with Redis as the task broker and cache; `workers` is the number of gunicorn processes."""
    data_dir = Path(tempfile.mkdtemp(prefix="portal-bench-"))
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DATA_DIR": str(data_dir),
        "PORTAL_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "SANDBOX_SEED_LARGE": "1" if seed_large else "0",
        "LOG_LEVEL": "WARNING",
        **(extra_env or {}),
    }
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    if redis_url:
        env["REDIS_URL"] = redis_url
    instance = Portal(data_dir, port, env)
    processes: list[subprocess.Popen] = []
    try:
        instance.manage("migrate", "--noinput", "-v0")
        instance.manage("sandbox_seed")
        if server:
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
                        str(workers),
                        "--threads",
                        str(threads),
                        "--log-level",
                        "warning",
                    ],
                    cwd=ROOT,
                    env=env,
                )
            )
            wait_until_up(instance.url + "/accounts/login/")
        yield instance
    finally:
        for process in processes:
            process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(10)
            if process.poll() is None:
                process.kill()
        shutil.rmtree(data_dir, ignore_errors=True)


def signed_in_user(login: str):
    """A portal user holding fresh sandbox tokens (call after Portal.setup_django())."""
    from datetime import timedelta

    from django.conf import settings
    from django.utils import timezone

    from portal.accounts.models import User
    from portal.accounts.tokens import store_tokens
    from procore_sandbox.models import App, Person
    from procore_sandbox.oauth.views import issue_token

    person = Person.objects.get(login=login)
    issued = issue_token(App.objects.get(client_id=settings.PROCORE_CLIENT_ID), person)
    user, _ = User.objects.get_or_create(username=login, defaults={"procore_user_id": person.id})
    store_tokens(
        user,
        procore_user_id=person.id,
        login=login,
        access_token=issued.access_token,
        refresh_token=issued.refresh_token or "",
        expires_at=timezone.now() + timedelta(hours=1),
    )
    return user


def wait_until_up(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=2).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the portal did not answer at {url}")


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def stage_names(batch, names: list[str], schema) -> None:
    """Documents in `batch` as uploads leave them: stored-file fields filled in, metadata proposed
    from each name (Django must be set up)."""
    from portal.staging.models import StagedDocument
    from portal.staging.naming import propose

    documents = []
    for n, name in enumerate(names):
        proposal = propose(name, schema)
        documents.append(
            StagedDocument(
                batch=batch,
                file=f"staged/bench/{batch.pk}/{n}",
                file_name=name,
                size=1000,
                sha256=f"{n:064x}",
                mime_type="application/pdf",
                position=n,
                metadata=proposal.metadata,
                proposals=proposal.sources,
                unmatched=proposal.unmatched,
            )
        )
    StagedDocument.objects.bulk_create(documents, batch_size=500)
