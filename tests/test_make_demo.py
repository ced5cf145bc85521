"""`make demo` serves only this machine unless told otherwise: a non-loopback DEMO_ADDR is refused
before anything starts, unless DEMO_PUBLIC=i-understand says the person understands the risk."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
import requests

# `make demo` itself: the product's own processes (migrate, seed, runserver, qcluster).
pytestmark = pytest.mark.deploy
ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_demo(tmp_path: Path, *args: str) -> subprocess.Popen:
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}},
        "DATA_DIR": str(tmp_path),
        "SANDBOX_SEED_LARGE": "0",
    }
    return subprocess.Popen(
        ["make", "--no-print-directory", "demo", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def test_it_refuses_to_serve_beyond_this_machine_without_consent(tmp_path):
    port = free_port()
    demo = make_demo(tmp_path, f"DEMO_ADDR=0.0.0.0:{port}")
    output, _ = demo.communicate(timeout=300)
    assert demo.returncode != 0
    assert "Refused" in output and "DEMO_PUBLIC=i-understand" in output and "DEBUG" in output
    assert not (tmp_path / "portal.sqlite3").exists()  # nothing was migrated or started
    with socket.socket() as sock:
        assert sock.connect_ex(("127.0.0.1", port)) != 0


def test_it_serves_beyond_this_machine_when_the_person_says_they_understand(tmp_path):
    port = free_port()
    demo = make_demo(tmp_path, f"DEMO_ADDR=0.0.0.0:{port}", "DEMO_PUBLIC=i-understand")
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            try:
                answer = requests.get(f"http://127.0.0.1:{port}/accounts/login/", timeout=2)
                break
            except requests.ConnectionError:
                assert demo.poll() is None, demo.stdout.read()
                time.sleep(0.5)
        else:
            raise AssertionError("the demo did not start")
        assert answer.status_code == 200
    finally:
        os.killpg(demo.pid, signal.SIGKILL)  # the whole demo: make, web server, worker cluster
        output, _ = demo.communicate(timeout=60)
    assert "serving it anyway" in output and "Password for every sandbox user:" in output
