"""The production process layout without Docker: gunicorn and qcluster on PostgreSQL and Redis.

A person signs in over HTTP, presses "Sync now", and a qcluster worker — another process,
reached through Redis — runs the sync against the sandbox served by gunicorn. Runs where
PostgreSQL and Redis are configured (DATABASE_URL and REDIS_URL, as on CI).
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
import requests

from tests.conftest import ELI, Sandbox
from tests.flows import sign_in

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    not (os.environ.get("DATABASE_URL", "").startswith("postgres") and os.environ.get("REDIS_URL")),
    reason="needs PostgreSQL and Redis (DATABASE_URL and REDIS_URL), as CI provides",
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def deployment(tmp_path):
    """A fresh PostgreSQL database, migrated and seeded; gunicorn and one qcluster running on it."""
    base = urlsplit(os.environ["DATABASE_URL"])
    name = f"portal_layout_{uuid.uuid4().hex[:8]}"
    admin_url = urlunsplit(base._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}},
        "DATABASE_URL": urlunsplit(base._replace(path=f"/{name}")),
        "REDIS_URL": os.environ["REDIS_URL"],
        "Q_CLUSTER_NAME": name,  # a queue of its own on the shared Redis
        "PORTAL_PUBLIC_URL": url,
        "SANDBOX_SEED_LARGE": "0",
        "DATA_DIR": str(tmp_path),
        "LOG_LEVEL": "WARNING",
    }
    processes: list[subprocess.Popen] = []
    try:
        for args in (["migrate", "--noinput", "-v0"], ["sandbox_seed"]):
            subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True)
        processes.append(subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "portal.wsgi:application", "--bind", f"127.0.0.1:{port}",
             "--workers", "2", "--threads", "4"], cwd=ROOT, env=env))
        processes.append(subprocess.Popen([sys.executable, "manage.py", "qcluster"], cwd=ROOT, env=env))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.3)
        else:
            pytest.fail("gunicorn did not become healthy")
        yield Sandbox(portal_url=url, base_url=f"{url}/sandbox")
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_sync_pressed_on_the_web_runs_in_the_worker(deployment):
    session, landing = sign_in(deployment, ELI)
    assert re.findall(r'data-project-id="(\d+)"', landing.text) == ["2305"]
    assert requests.get(f"{deployment.portal_url}/healthz", timeout=5).json() == {"database": "ok", "broker": "ok"}

    page = session.get(f"{deployment.portal_url}/projects/2305/", timeout=10)
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    answer = session.post(f"{deployment.portal_url}/projects/2305/sync/", data={"csrfmiddlewaretoken": csrf},
                          headers={"Referer": page.url}, timeout=10)
    status_url = re.search(r'data-status-url="([^"]+)"', answer.text).group(1)

    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        status = session.get(f"{deployment.portal_url}{status_url}", timeout=10).json()
        if status["finished"]:
            break
        time.sleep(0.5)
    assert status["state"] == "done", status
    assert status["items_seen"] > 0 and status["api_calls"] > 0
    files = session.get(f"{deployment.portal_url}/projects/2305/?q=.pdf", timeout=10).text
    assert "data-file-id=" in files
