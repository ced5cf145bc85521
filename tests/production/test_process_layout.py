"""The production process layout without Docker: gunicorn and qcluster on PostgreSQL, Redis and an
S3 server (SeaweedFS), as on many hosts: every web and worker process has a data directory, a
MEDIA_ROOT and a temporary directory of its own — they share no disk.

Everything goes through HTTP as a person would: sign in, sync, stage (files in parts, straight to
S3), submit; the work runs in qcluster processes reached through Redis. Runs where PostgreSQL and
Redis are configured (DATABASE_URL and REDIS_URL, as on CI).
"""

from __future__ import annotations

import hashlib
import io
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

from bench.support.upload_client import UploadClient
from procore_sandbox.testing import ELI, PASSWORD, Sandbox
from tests.flows import csrf_from, sign_in

ROOT = Path(__file__).resolve().parents[2]
RIVERSIDE = 2305

pytestmark = [
    pytest.mark.skipif(
        not (os.environ.get("DATABASE_URL", "").startswith("postgres") and os.environ.get("REDIS_URL")),
        reason="needs PostgreSQL and Redis (DATABASE_URL and REDIS_URL), as CI provides",
    ),
    pytest.mark.slow,
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Deployment(Sandbox):
    """A fresh database, migrated and seeded, with gunicorns and qclusters that share no disk."""

    def __init__(self, tmp_path: Path, s3) -> None:
        base = urlsplit(os.environ["DATABASE_URL"])
        self.name = f"portal_layout_{uuid.uuid4().hex[:8]}"
        self.admin_url = urlunsplit(base._replace(path="/postgres"))
        self.database_url = urlunsplit(base._replace(path=f"/{self.name}"))
        self.tmp_path = tmp_path
        port, self.second_port = free_port(), free_port()
        super().__init__(portal_url=f"http://127.0.0.1:{port}", base_url=f"http://127.0.0.1:{port}/sandbox")
        self.port = port
        self.second_url = f"http://127.0.0.1:{self.second_port}"
        s3.create_bucket(self.name.replace("_", "-"))
        self.env = {
            **{k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}},
            **s3.env(self.name.replace("_", "-")),
            "DATABASE_URL": self.database_url,
            "REDIS_URL": os.environ["REDIS_URL"],
            "Q_CLUSTER_NAME": self.name,  # a queue of its own on the shared Redis
            "Q_WORKERS": "1",
            "PORTAL_PUBLIC_URL": self.portal_url,
            # Procore (the sandbox) is served by the first web process, for every process.
            "PROCORE_API_URL": self.base_url,
            "PROCORE_LOGIN_URL": self.base_url,
            "CSRF_TRUSTED_ORIGINS": f"{self.portal_url},{self.second_url}",
            # What is uploaded to "Procore" is Procore's, kept apart from every host of ours.
            "SANDBOX_STORAGE_DIR": str(tmp_path / "procore-storage"),
            "SANDBOX_SEED_LARGE": "0",
            "SANDBOX_RATE_LIMIT_SPIKE": "1000",
            "STAGING_SUBMIT_LEASE": "10",
            "STAGING_SUBMIT_HEARTBEAT": "3",
            "STAGING_UPLOAD_PART_SIZE": str(5 * 1024 * 1024),
            "LOG_LEVEL": "WARNING",
        }
        self.processes: list[subprocess.Popen] = []
        self.hosts: list[Path] = []

    def host(self, name: str) -> dict[str, str]:
        """The environment of a process on a host of its own: its own data, media and temporary dirs."""
        root = self.tmp_path / name
        for folder in ("data", "media", "tmp"):
            (root / folder).mkdir(parents=True, exist_ok=True)
        self.hosts.append(root)
        return {
            **self.env,
            "DATA_DIR": str(root / "data"),
            "MEDIA_ROOT": str(root / "media"),
            "TMPDIR": str(root / "tmp"),
        }

    def start(self) -> None:
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.name}"')
        setup = self.host("setup")
        for args in (["migrate", "--noinput", "-v0"], ["sandbox_seed", "--password", PASSWORD]):
            subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=setup, check=True, capture_output=True)
        self.web("web-1", self.port)

    def web(self, name: str, port: int) -> subprocess.Popen:
        process = self.spawn(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "portal.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "--threads",
                "4",
            ],
            self.host(name),
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                    return process
            except requests.RequestException:
                time.sleep(0.3)
        pytest.fail("gunicorn did not become healthy")

    def spawn(self, args: list[str], env: dict[str, str]) -> subprocess.Popen:
        # A session of its own, so a whole qcluster (it forks workers) can be killed at once.
        process = subprocess.Popen(args, cwd=ROOT, env=env, start_new_session=True)
        self.processes.append(process)
        return process

    def worker(self) -> subprocess.Popen:
        return self.spawn([sys.executable, "manage.py", "qcluster"], self.host(f"worker-{len(self.processes)}"))

    def manage(self, code: str) -> str:
        return subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", code],
            cwd=ROOT,
            env=self.host("shell"),
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
                process.wait(3)  # the test is over: a qcluster finishing a task need not be waited for
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


@pytest.fixture
def deployment(tmp_path, s3_server):
    deployment = Deployment(tmp_path, s3_server)
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
    # The sync panel polls its run's status URL (htmx); asked without htmx, that URL answers JSON.
    found = re.search(r'id="sync-panel" hx-get="([^"]+)"', answer.text)
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
    uploads = UploadClient(session, deployment.portal_url, batch_id)
    sent = [uploads.send(name, io.BytesIO(f"%PDF-1.4 {name}".encode()), len(f"%PDF-1.4 {name}")) for name in names]
    assert {f["state"] for f in uploads.wait_recorded([u.id for u in sent], 120)} == {"added"}
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


def files_under(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()]


def test_a_file_sent_in_parts_is_finished_by_a_second_web_process_and_submitted_by_the_worker(deployment):
    deployment.worker()
    deployment.web("web-2", deployment.second_port)
    session, _ = sign_in(deployment, ELI)
    sync_project(deployment, session)
    post(session, f"{deployment.portal_url}/projects/{RIVERSIDE}/batches/", {"name": "Many hosts"})
    batch_id = deployment.query("SELECT id FROM staging_batch WHERE name = 'Many hosts'")[0][0]

    # 12 MiB in three 5 MiB parts: the first web process starts the upload and signs the first part...
    name = "A-DRW-801_Site Plan_Rev A.pdf"
    data = (b"%PDF-1.4 site plan\n" + bytes(range(256)) * 4096)[: 12 * 1024 * 1024]
    data += b"\n" * (12 * 1024 * 1024 - len(data))
    first = UploadClient(session, deployment.portal_url, batch_id, part_size=5 * 1024 * 1024)
    upload = first.start(name, len(data))
    first.put_part(upload, 1, io.BytesIO(data))
    # ...then the page is reloaded against the second web process, which finishes what storage lacks.
    second = UploadClient(session, deployment.second_url, batch_id, part_size=5 * 1024 * 1024)
    second.resume(upload, io.BytesIO(data))
    assert first.parts_sent == [(upload.id, 1)] and second.parts_sent == [(upload.id, 2), (upload.id, 3)]

    # The worker hashes the file streaming from S3 and adds it to the batch.
    [recorded] = second.wait_recorded([upload.id], 120)
    assert recorded["state"] == "added", recorded
    digest = hashlib.sha256(data).hexdigest()
    assert deployment.query("SELECT sha256, size FROM staging_stageddocument WHERE batch_id = %s", batch_id) == [
        (digest, len(data))
    ]

    fields = dict(deployment.query("SELECT name, procore_id FROM mirror_pdmfield WHERE project_id = %s", RIVERSIDE))
    document_id = str(recorded["document"]["id"])
    for field, value in (("status", "Open"), ("date_authored", "2026-01-15")):
        post(
            session,
            f"{deployment.second_url}/batches/{batch_id}/documents/",
            {"action": "set", "field": fields[field], "value": value, "documents": [document_id]},
        )
    post(session, f"{deployment.portal_url}/batches/{batch_id}/submit/")
    progress = wait_for(
        lambda: (
            (p := session.get(f"{deployment.portal_url}/batches/{batch_id}/progress.json", timeout=10).json()).get(
                "finished"
            )
            and p
        ),
        180,
        "the worker to submit the batch",
    )
    assert deployment.query("SELECT state FROM staging_stageddocument WHERE batch_id = %s", batch_id) == [
        ("submitted",)
    ], progress
    # It landed in Procore (the sandbox) with the very bytes sent from the "browser".
    assert deployment.query(
        "SELECT u.sha256, u.file_size FROM sandbox_fileupload u JOIN sandbox_documentrevision r "
        "ON r.file_upload_id = u.id WHERE r.original_filename = %s",
        name,
    ) == [(digest, len(data))]
    # No web or worker process kept the file on its own disk: it lives in S3 only.
    for host in deployment.hosts:
        assert not [p for p in files_under(host / "media") if p.stat().st_size > 1024 * 1024], host
        assert not [p for p in files_under(host / "tmp") if p.stat().st_size > 1024 * 1024], host
