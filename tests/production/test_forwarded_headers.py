"""Forwarded headers are believed only from the proxies named in FORWARDED_ALLOW_IPS (none by
default), under a real gunicorn: a client claiming `X-Forwarded-Proto: https` over plain HTTP still
gets the redirect to HTTPS."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from django.test import RequestFactory

from portal.forwarded import client_ip

ROOT = Path(__file__).resolve().parents[2]
HOST = "docs.example.com"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def gunicorn(tmp_path, production):
    """Start gunicorn (production settings, the checkout's gunicorn.conf.py) with the given
    FORWARDED_ALLOW_IPS, or none; stop it afterwards."""
    started: list[subprocess.Popen] = []

    def start(allow: str | None = None) -> str:
        port = free_port()
        env = {
            **{k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "FORWARDED_ALLOW_IPS"}},
            **production.env,
            "DATA_DIR": str(tmp_path),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'portal.sqlite3'}",
            "LOG_LEVEL": "WARNING",
        }
        if allow is not None:
            env["FORWARDED_ALLOW_IPS"] = allow
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "portal.wsgi:application", "--bind", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
        )
        started.append(process)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                requests.get(f"{url}/healthz", timeout=10)
                return url
            except requests.RequestException:
                assert process.poll() is None, "gunicorn exited"
                time.sleep(0.2)
        pytest.fail("gunicorn did not start")

    yield start
    for process in started:
        process.terminate()
        process.wait(15)


def get(url: str, **headers: str) -> requests.Response:
    return requests.get(f"{url}/", headers={"Host": HOST, **headers}, allow_redirects=False, timeout=10)


def test_it_redirects_a_client_that_claims_https_when_no_proxy_is_trusted(gunicorn):
    url = gunicorn()
    answer = get(url, **{"X-Forwarded-Proto": "https"})
    assert answer.status_code == 301 and answer.headers["Location"] == f"https://{HOST}/"


def test_it_believes_the_header_from_a_trusted_proxy_only(gunicorn):
    url = gunicorn("127.0.0.1")  # the test is the proxy
    assert get(url, **{"X-Forwarded-Proto": "https"}).status_code == 302  # served: the sign-in redirect
    assert get(url).status_code == 301  # the proxy saw plain HTTP: redirected
    other = gunicorn("127.0.0.2/32")  # a proxy elsewhere is trusted, not this client
    assert get(other, **{"X-Forwarded-Proto": "https"}).status_code == 301


def test_it_counts_sign_in_failures_per_client_behind_a_trusted_proxy_only(settings):
    factory = RequestFactory()
    direct = factory.get("/", REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert client_ip(direct) == "198.51.100.7"  # nobody trusted: the header is a client's claim
    settings.FORWARDED_ALLOW_IPS = ["10.0.0.0/8"]
    proxied = factory.get("/", REMOTE_ADDR="10.1.2.3", HTTP_X_FORWARDED_FOR="192.0.2.1, 203.0.113.9, 10.4.5.6")
    # The client wrote 192.0.2.1 itself; the trusted proxies saw 203.0.113.9.
    assert client_ip(proxied) == "203.0.113.9"
    garbage = factory.get("/", REMOTE_ADDR="10.1.2.3", HTTP_X_FORWARDED_FOR="not-an-address")
    assert client_ip(garbage) == "10.1.2.3"
