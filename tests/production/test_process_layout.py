"""The production process layout without Docker: gunicorn and qcluster on PostgreSQL and Redis.

Everything goes through HTTP as a person would: sign in, sync, stage, submit; the work runs in
qcluster processes reached through Redis. Runs where PostgreSQL and Redis are configured
(DATABASE_URL and REDIS_URL, as on CI).
"""

from __future__ import annotations

import os
import re
import signal
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

from procore_sandbox.testing import ELI, PASSWORD, Sandbox
from tests.flows import csrf_from, sign_in

ROOT = Path(__file__).resolve().parents[2]
RIVERSIDE = 2305

pytestmark = pytest.mark.skipif(
    not (os.environ.get("DATABASE_URL", "").startswith("postgres") and os.environ.get("REDIS_URL")),
    reason="needs PostgreSQL and Redis (DATABASE_URL and REDIS_URL), as CI provides",
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Deployment(Sandbox):
    """A fresh database, migrated and seeded, with gunicorn and any number of qclusters."""

    def __init__(self, tmp_path: Path) -> None:
        base = urlsplit(os.environ["DATABASE_URL"])
        self.name = f"portal_layout_{uuid.uuid4().hex[:8]}"
        self.admin_url = urlunsplit(base._replace(path="/postgres"))
        self.database_url = urlunsplit(base._replace(path=f"/{self.name}"))
        port = free_port()
        super().__init__(portal_url=f"http://127.0.0.1:{port}", base_url=f"http://127.0.0.1:{port}/sandbox")
        self.port = port
        self.env = {
            **{k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}},
            "DATABASE_URL": self.database_url,
            "REDIS_URL": os.environ["REDIS_URL"],
            "Q_CLUSTER_NAME": self.name,  # a queue of its own on the shared Redis
            "Q_WORKERS": "1",
            "PORTAL_PUBLIC_URL": self.portal_url,
            "SANDBOX_SEED_LARGE": "0",
            "SANDBOX_RATE_LIMIT_SPIKE": "1000",
            "STAGING_SUBMIT_LEASE": "10",
            "STAGING_SUBMIT_HEARTBEAT": "3",
            "DATA_DIR": str(tmp_path),
            "LOG_LEVEL": "WARNING",
        }
        self.processes: list[subprocess.Popen] = []

    def start(self) -> None:
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.name}"')
        for args in (["migrate", "--noinput", "-v0"], ["sandbox_seed", "--password", PASSWORD]):
            subprocess.run(
                [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, check=True, capture_output=True
            )
        self.spawn(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "portal.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "2",
                "--threads",
                "4",
            ]
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.portal_url}/healthz", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                time.sleep(0.3)
        pytest.fail("gunicorn did not become healthy")

    def spawn(self, args: list[str]) -> subprocess.Popen:
        # A session of its own, so a whole qcluster (it forks workers) can be killed at once.
        process = subprocess.Popen(args, cwd=ROOT, env=self.env, start_new_session=True)
        self.processes.append(process)
        return process

    def worker(self) -> subprocess.Popen:
        return self.spawn([sys.executable, "manage.py", "qcluster"])

    def manage(self, code: str) -> str:
        return subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", code],
            cwd=ROOT,
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout

    def query(self, sql: str, *args: object) -> list[tuple]:
        with psycopg.connect(self.database_url) as conn:
            return conn.execute(sql, args).fetchall()

    @staticmethod
    def kill(process: subprocess.Popen) -> None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


@pytest.fixture
def deployment(tmp_path):
    deployment = Deployment(tmp_path)
    try:
        deployment.start()
        yield deployment
    finally:
        deployment.stop()


def post(
    session: requests.Session, url: str, data: dict | None = None, files: dict | None = None, **kwargs
) -> requests.Response:
    """A form post as the browser sends it: the CSRF cookie's token, and a same-origin Referer."""
    csrf = session.cookies.get("csrftoken")
    if not csrf:
        base = f"{urlsplit(url).scheme}://{urlsplit(url).netloc}/"
        csrf = csrf_from(session.get(base, timeout=10).text)
    return session.post(
        url,
        data={"csrfmiddlewaretoken": csrf, **(data or {})},
        files=files,
        headers={"Referer": url, "X-CSRFToken": csrf},
        timeout=60,
        **kwargs,
    )


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.5)
    pytest.fail(f"timed out waiting for {what}")


def sync_project(deployment: Deployment, session: requests.Session) -> None:
    answer = post(session, f"{deployment.portal_url}/projects/{RIVERSIDE}/sync/")
    found = re.search(r'data-status-url="([^"]+)"', answer.text)
    assert found, answer.text
    status_url = found.group(1)
    status = wait_for(
        lambda: (s := session.get(f"{deployment.portal_url}{status_url}", timeout=10).json())["finished"] and s,
        90,
        "the sync",
    )
    assert status["state"] == "done", status


def test_a_sync_pressed_on_the_web_runs_in_the_worker(deployment):
    deployment.worker()
    session, landing = sign_in(deployment, ELI)
    assert re.findall(r'data-project-id="(\d+)"', landing.text) == [str(RIVERSIDE)]
    assert requests.get(f"{deployment.portal_url}/healthz", timeout=5).json() == {"database": "ok", "broker": "ok"}
    sync_project(deployment, session)
    files = session.get(f"{deployment.portal_url}/projects/{RIVERSIDE}/?q=.pdf", timeout=10).text
    assert "data-file-id=" in files


def test_a_batch_is_split_between_two_workers_with_no_document_handled_twice(deployment):
    first = deployment.worker()
    session, _ = sign_in(deployment, ELI)
    sync_project(deployment, session)

    # Stage 12 drawings; the names give discipline, type, number, name and revision.
    post(session, f"{deployment.portal_url}/projects/{RIVERSIDE}/batches/", {"name": "Two workers"})
    batch_id = deployment.query("SELECT id FROM staging_batch WHERE name = 'Two workers'")[0][0]
    names = [f"A-DRW-{700 + n}_Plan {n}_Rev A.pdf" for n in range(12)]
    for name in names:
        answer = post(
            session,
            f"{deployment.portal_url}/batches/{batch_id}/upload/",
            files={"file": (name, f"%PDF-1.4 {name}".encode(), "application/pdf")},
        )
        assert answer.json()["ok"], answer.text
    ids = [
        str(row[0]) for row in deployment.query("SELECT id FROM staging_stageddocument WHERE batch_id = %s", batch_id)
    ]
    fields = dict(deployment.query("SELECT name, procore_id FROM mirror_pdmfield WHERE project_id = %s", RIVERSIDE))
    for field, value in (("status", "Open"), ("date_authored", "2026-01-15")):
        post(
            session,
            f"{deployment.portal_url}/batches/{batch_id}/documents/",
            {"action": "set", "field": fields[field], "value": value, "documents": ids},
        )
    states = {
        row[0] for row in deployment.query("SELECT state FROM staging_stageddocument WHERE batch_id = %s", batch_id)
    }
    assert states == {"ready"}, states

    # Procore's processing after upload takes 40 s here: the window in which the first worker dies.
    deployment.manage("from procore_sandbox.pdm.switches import set_switch; set_switch('ml_delay', {'seconds': 40})")
    post(session, f"{deployment.portal_url}/batches/{batch_id}/submit/")
    progress_url = f"{deployment.portal_url}/batches/{batch_id}/progress.json"

    # Kill the first worker once the files are in Procore and it waits for Procore's processing.
    wait_for(
        lambda: (
            deployment.query(
                "SELECT count(*) FROM staging_stageddocument WHERE batch_id = %s AND step IN ('completed', 'ready')",
                batch_id,
            )[0][0]
            == len(names)
        ),
        120,
        "the first worker to send every file",
    )
    first_worker = deployment.query("SELECT worker FROM staging_submission WHERE batch_id = %s", batch_id)[0][0]
    deployment.kill(first)

    # A second worker takes the batch over once the first one's lease has run out.
    deployment.worker()
    time.sleep(11)
    deployment.manage("from portal.staging.tasks import resume_stalled_submissions; resume_stalled_submissions()")
    progress = wait_for(
        lambda: (p := session.get(progress_url, timeout=10).json()).get("finished") and p,
        180,
        "the second worker to finish the batch",
    )
    second_worker = deployment.query("SELECT worker FROM staging_submission WHERE batch_id = %s", batch_id)[0][0]
    assert first_worker != second_worker

    states = dict(
        deployment.query(
            "SELECT state, count(*) FROM staging_stageddocument WHERE batch_id = %s GROUP BY state", batch_id
        )
    )
    assert states == {"submitted": len(names)}, progress
    # Procore (the sandbox) holds exactly one upload and one revision per document.
    uploads = deployment.query(
        "SELECT file_name, count(*) FROM sandbox_documentupload WHERE file_name = ANY(%s) GROUP BY file_name", names
    )
    revisions = deployment.query(
        "SELECT original_filename, count(*) FROM sandbox_documentrevision WHERE original_filename = ANY(%s) "
        "GROUP BY original_filename",
        names,
    )
    assert sorted(uploads) == sorted((name, 1) for name in names)
    assert sorted(revisions) == sorted((name, 1) for name in names)
