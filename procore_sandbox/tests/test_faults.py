"""Faults the sandbox injects on demand, over HTTP, and the control area that switches them."""

from __future__ import annotations

import time

import pytest
import requests

from procore_sandbox.limits import faults, ratelimit
from procore_sandbox.models import AccessToken, Fault

pytestmark = pytest.mark.django_db(transaction=True)

ME = r"^/rest/v1\.0/me$"
V2_FIELDS = "/rest/v2.0/companies/8089/projects/2305/document_management/fields"


def test_it_answers_429_with_retry_after_and_rate_limit_headers(sandbox):
    faults.inject("429", method="GET", path=ME, count=1, retry_after=5)
    token = sandbox.token()
    refused = sandbox.get("/rest/v1.0/me", token)
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "5"
    assert refused.headers["X-Rate-Limit-Remaining"] == "0"
    assert "X-Rate-Limit-Reset" in refused.headers
    assert refused.text.startswith("You have surpassed the max number of requests for an hour.")
    assert sandbox.get("/rest/v1.0/me", token).status_code == 200  # count=1: spent


def test_it_answers_503_with_retry_after(sandbox):
    faults.inject("503", path=ME, retry_after=2)
    answer = sandbox.get("/rest/v1.0/me", sandbox.token())
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "2"


def test_it_answers_500_with_v1_and_v2_bodies(sandbox):
    faults.inject("500")
    token = sandbox.token()
    v1 = sandbox.get("/rest/v1.0/me", token)
    assert v1.status_code == 500 and v1.json() == {"errors": "Internal Server Error"}
    v2 = sandbox.get(V2_FIELDS, token, headers={"Procore-Company-Id": "8089"})
    assert v2.status_code == 500
    assert v2.json() == {
        "error": {
            "code": "INTERNAL_SERVER_ERROR",
            "message": "Internal Server Error",
            "details": [{"reason_code": "INTERNAL_ERROR", "message": "Internal Server Error"}],
        }
    }


def test_it_answers_slowly(sandbox):
    faults.inject("slow", path=ME, delay=1.5, count=1)
    token = sandbox.token()
    started = time.monotonic()
    answer = sandbox.get("/rest/v1.0/me", token)
    assert answer.status_code == 200
    assert time.monotonic() - started >= 1.5
    with pytest.raises(requests.ReadTimeout):
        faults.inject("slow", path=ME, delay=1.0, count=1)
        requests.get(sandbox.url("/rest/v1.0/me"), headers={"Authorization": f"Bearer {token}"}, timeout=0.3)


def test_it_drops_the_connection_without_an_answer(sandbox):
    faults.inject("drop", method="POST", path="document_uploads$", count=1)
    token = sandbox.token()
    url = sandbox.url("/rest/v2.0/companies/8089/projects/2305/document_management/document_uploads")
    with pytest.raises(requests.ConnectionError):
        requests.post(
            url,
            json={"uploads": []},
            timeout=10,
            headers={"Authorization": f"Bearer {token}", "Procore-Company-Id": "8089"},
        )
    assert Fault.objects.get().hits == 1
    # The server is fine afterwards.
    assert sandbox.get("/rest/v1.0/me", token).status_code == 200


def test_it_expires_the_token_and_answers_401(sandbox):
    faults.inject("expired_token", path=ME, count=1)
    token = sandbox.token()
    answer = sandbox.get("/rest/v1.0/me", token)
    assert answer.status_code == 401
    assert answer.json() == {"errors": "The access token is invalid"}
    assert not AccessToken.objects.get(access_token=token).is_active
    assert sandbox.get("/rest/v1.0/me", token).status_code == 401  # really expired, not just once


def test_it_matches_method_and_path_and_honours_probability(sandbox):
    faults.inject("500", method="POST", path=ME)
    faults.inject("503", path="projects", probability=0.0)
    token = sandbox.token()
    assert sandbox.get("/rest/v1.0/me", token).status_code == 200
    assert sandbox.get("/rest/v1.1/projects", token, params={"company_id": 8089}).status_code == 200
    assert list(Fault.objects.values_list("hits", flat=True)) == [0, 0]
    faults.clear()
    assert not Fault.objects.exists()


def test_it_spends_a_fault_count_exactly_once_per_request(sandbox):
    faults.inject("503", path=ME, count=3)
    token = sandbox.token()
    statuses = [sandbox.get("/rest/v1.0/me", token).status_code for _ in range(5)]
    assert statuses == [503, 503, 503, 200, 200]
    fault = Fault.objects.get()
    assert fault.remaining == 0 and fault.hits == 3


def test_the_control_area_sets_faults_and_limits_over_http(sandbox):
    control = sandbox.url("/_control")
    created = requests.post(
        f"{control}/faults", json={"kind": "503", "path": ME, "count": 1, "retry_after": 3}, timeout=10
    )
    assert created.status_code == 201 and created.json()["remaining"] == 1
    assert requests.get(f"{control}/faults", timeout=10).json()[0]["kind"] == "503"
    assert requests.post(f"{control}/faults", json={"kind": "nonsense"}, timeout=10).status_code == 400
    token = sandbox.token()
    assert sandbox.get("/rest/v1.0/me", token).status_code == 503
    assert requests.delete(f"{control}/faults", timeout=10).status_code == 204
    assert not Fault.objects.exists()

    if 10 - time.time() % 10 < 3:  # keep the burst inside one 10-second window
        time.sleep(10 - time.time() % 10 + 0.05)
    limits = requests.put(f"{control}/rate_limits", json={"hourly": 100, "spike": 3}, timeout=10).json()
    assert (limits["hourly"], limits["spike"]) == (100, 3)
    assert [sandbox.get("/rest/v1.0/me", token).status_code for _ in range(4)] == [200, 200, 200, 429]
    windows = requests.get(f"{control}/rate_limits", timeout=10).json()["windows"]
    spike = [w for w in windows if w["kind"] == "spike"]
    assert [(w["accepted"], w["rejected"]) for w in spike] == [(3, 1)]
    restored = requests.delete(f"{control}/rate_limits", timeout=10).json()
    assert restored["windows"] == [] and restored["spike"] == ratelimit.current_limits().spike


def test_the_control_area_wants_its_token_when_one_is_set(sandbox, settings):
    settings.SANDBOX_CONTROL_TOKEN = "s3cret"
    url = sandbox.url("/_control/faults")
    assert requests.get(url, timeout=10).status_code == 404
    assert requests.get(url, headers={"X-Sandbox-Control-Token": "wrong"}, timeout=10).status_code == 404
    assert requests.get(url, headers={"X-Sandbox-Control-Token": "s3cret"}, timeout=10).status_code == 200


def test_it_drops_the_connection_under_gunicorn_too(sandbox):
    import os
    import socket
    import subprocess
    import sys
    from pathlib import Path

    from django.db import connection

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    root = Path(__file__).resolve().parents[2]
    env = {
        **os.environ,
        "SANDBOX_TEST_DB": str(connection.settings_dict["NAME"]),
        "PORTAL_PUBLIC_URL": f"http://127.0.0.1:{port}",
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "procore_sandbox.tests.gunicorn_app:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--threads",
            "4",
            "--log-level",
            "warning",
        ],
        cwd=root,
        env=env,
        stderr=subprocess.DEVNULL,
    )
    try:
        me = f"http://127.0.0.1:{port}/sandbox/rest/v1.0/me"
        headers = {"Authorization": f"Bearer {sandbox.token()}"}
        deadline = time.monotonic() + 30
        while True:
            try:
                assert requests.get(me, headers=headers, timeout=5).status_code == 200
                break
            except (requests.ConnectionError, requests.Timeout):  # still starting (a busy machine is slow)
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        faults.inject("drop", method="GET", path=ME, count=1)
        with pytest.raises(requests.ConnectionError):
            requests.get(me, headers=headers, timeout=10)
        assert requests.get(me, headers=headers, timeout=10).status_code == 200
    finally:
        server.terminate()
        server.wait(10)
