"""Fixtures of the staging tests: a mirrored project and people signed in to the portal."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils.module_loading import import_string
from django_q.brokers import get_broker
from django_q.conf import Conf
from django_q.signing import SignedPackage

from portal.accounts.models import User
from portal.mirror.models import Project
from portal.mirror.sync import sync_memberships
from procore_sandbox.testing import ELI
from tests.flows import portal_user

RIVERSIDE = 2305
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def riverside(synced_project, media) -> Project:
    """Riverside Medical Center mirrored from the sandbox (fields, rules, people), synced as Eli."""
    return synced_project(ELI, RIVERSIDE).project


@pytest.fixture
def signed_in(sandbox, riverside):
    """`signed_in(LOGIN)`: a test client signed in as that sandbox person (its `.user` is theirs)."""

    def make(login: str) -> Client:
        user = User.objects.filter(username=login).first() or portal_user(sandbox, login)
        sync_memberships(user)
        client = Client()
        client.force_login(user)
        client.user = user  # type: ignore[attr-defined]  # the person the client is signed in as
        return client

    return make


# A django-q2 cluster in a process of its own, on the test's database and live sandbox.
QCLUSTER = """
import os, sys
sys.path.insert(0, sys.argv[1])
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
from django.conf import settings
settings.DATABASES["default"]["NAME"] = sys.argv[2]
settings.PROCORE_API_URL = settings.PROCORE_LOGIN_URL = sys.argv[3]
settings.MEDIA_ROOT = sys.argv[4]
import django
django.setup()
from django.core.management import call_command
call_command("qcluster")
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop_process_group(process: subprocess.Popen) -> None:
    """End a test's process and its children: the test is over, so a qcluster still finishing a
    task (it waits for it on SIGTERM, up to its timeout) is killed after a short grace."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(3)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)


@pytest.fixture
def qcluster(sandbox, media):
    """`qcluster(**env)` starts `manage.py qcluster` (two workers; the ORM broker unless REDIS_URL is
    given) in a session of its own; every cluster started is stopped at the end."""
    started: list[subprocess.Popen] = []

    def start(**env: str) -> subprocess.Popen:
        environment = {
            **{k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DJANGO_SETTINGS_MODULE"}},
            "Q_WORKERS": "2",
            "LOG_LEVEL": "WARNING",
            **env,
        }
        database = str(django_settings.DATABASES["default"]["NAME"])
        process = subprocess.Popen(
            [sys.executable, "-c", QCLUSTER, str(ROOT), database, sandbox.base_url, str(media)],
            cwd=ROOT,
            env=environment,
            start_new_session=True,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        stop_process_group(process)


class PrivateRedis:
    """A redis-server of the test's own on a free loopback port, to stop and start at will (the
    machine's shared Redis is never touched)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        pytest.fail("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            stop_process_group(self.process)
            self.process = None


@pytest.fixture
def private_redis():
    redis = PrivateRedis()
    redis.start()
    yield redis
    redis.stop()


@pytest.fixture
def redis_queue(private_redis, monkeypatch):
    """This process queues through the test's own Redis, under a cluster name of its own."""
    name = f"portal-outage-{uuid.uuid4().hex[:8]}"
    monkeypatch.setattr(Conf, "ORM", None)
    monkeypatch.setattr(Conf, "REDIS", private_redis.url)
    monkeypatch.setattr(Conf, "CLUSTER_NAME", name)
    private_redis.cluster_name = name
    return private_redis


def run_queued() -> list[str]:
    """Take every task off Redis and run its function, as a django-q2 worker does."""
    broker = get_broker()
    done = []
    while broker.queue_size():
        (_, package), *_ = broker.dequeue()
        task = SignedPackage.loads(package)
        done.append(import_string(task["func"])(*task["args"], **task["kwargs"]))
    return done
