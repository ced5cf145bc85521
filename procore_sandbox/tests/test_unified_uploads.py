"""Unified File Upload API v2.1 over HTTP: create, presigned PUTs, complete, status
(procore-api.md §6.2)."""

from __future__ import annotations

import hashlib
import os

import pytest
import requests

from procore_sandbox.pdm import switches as pdm_switches
from procore_sandbox.testing import DANA, ELI
from procore_sandbox.tests.uploading import (
    COMPANY_UPLOADS,
    MIB,
    PROJECT_UPLOADS,
    call,
    create_upload,
    put_parts,
    sha,
    upload_file,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Keep the parts stored by these tests out of the shared media directory."""
    settings.MEDIA_ROOT = str(tmp_path)


def test_it_uploads_one_part_and_becomes_available(sandbox):
    token = sandbox.token(ELI)
    data = b"%PDF-1.4 small file"
    created = create_upload(sandbox, token, [data])
    assert created.status_code == 201, created.text
    upload = created.json()["data"]
    assert upload["status"] == "ready" and upload["file_size"] == len(data)
    assert upload["upload_expires_at"] > 0
    segment = upload["segments"][0]
    assert "/sandbox/storage/" in segment["url"] and "/rest/" not in segment["url"]
    assert segment["headers"] == {"Content-Length": str(len(data))}
    etags = put_parts(upload, [data])
    assert etags == [f'"{hashlib.md5(data).hexdigest()}"']
    done = call(sandbox, "PATCH", f"{PROJECT_UPLOADS}/{upload['upload_id']}", token, json={"part_etags": etags})
    assert done.json() == {"data": {"upload_id": upload["upload_id"], "status": "complete"}}
    status = call(sandbox, "GET", f"{PROJECT_UPLOADS}/{upload['upload_id']}", token).json()["data"]
    assert status["status"] == "available" and status["segments"] == []
    assert status["sanitized_file_name"] == "a.pdf"


def test_it_uploads_three_parts_with_partial_progress(sandbox):
    token = sandbox.token(ELI)
    parts = [os.urandom(5 * MIB + 1), os.urandom(5 * MIB + 1), b"tail"]
    created = create_upload(sandbox, token, parts, path=COMPANY_UPLOADS)
    assert created.status_code == 201, created.text
    upload = created.json()["data"]
    assert [s["url"].split("?")[0].rsplit("/", 2)[1:] for s in upload["segments"]] == [
        ["parts", "1"],
        ["parts", "2"],
        ["parts", "3"],
    ]
    first = put_parts({"segments": upload["segments"][:1]}, parts[:1])
    partial = call(
        sandbox, "PATCH", f"{COMPANY_UPLOADS}/{upload['upload_id']}", token, json={"part_etags": [first[0], None, None]}
    )
    assert partial.json()["data"]["status"] == "receiving"
    status = call(sandbox, "GET", f"{COMPANY_UPLOADS}/{upload['upload_id']}", token).json()["data"]
    assert status["status"] == "receiving"
    assert status["segments"][0]["url"] is None and status["segments"][1]["url"]
    rest = put_parts({"segments": status["segments"][1:]}, parts[1:])
    done = call(sandbox, "PATCH", f"{COMPANY_UPLOADS}/{upload['upload_id']}", token, json={"part_etags": first + rest})
    assert done.json()["data"]["status"] == "complete"


def test_it_refuses_bad_part_sizes(sandbox):
    token = sandbox.token(ELI)
    exactly_5_mib = [{"size": 5 * MIB, "sha256": "0" * 64}, {"size": 10, "sha256": "0" * 64}]
    body = {
        "file_name": "a.pdf",
        "file_size": 5 * MIB + 10,
        "content_type": "application/pdf",
        "sha256": "0" * 64,
        "segments": exactly_5_mib,
    }
    answer = call(sandbox, "POST", PROJECT_UPLOADS, token, json=body)
    assert answer.status_code == 400
    assert answer.json()["error"]["details"][0]["reason_code"] == "INVALID_PROPERTY"
    too_big = {**body, "file_size": 104_857_601, "segments": [{"size": 104_857_601, "sha256": "0" * 64}]}
    assert call(sandbox, "POST", PROJECT_UPLOADS, token, json=too_big).status_code == 400
    wrong_total = {**body, "file_size": 11, "segments": [{"size": 10, "sha256": "0" * 64}]}
    assert call(sandbox, "POST", PROJECT_UPLOADS, token, json=wrong_total).status_code == 400
    no_hash = {**body, "file_size": 10, "segments": [{"size": 10}]}
    assert call(sandbox, "POST", PROJECT_UPLOADS, token, json=no_hash).status_code == 400


def test_it_refuses_a_part_with_the_wrong_hash_or_length(sandbox):
    token = sandbox.token(ELI)
    data = b"0123456789"
    upload = create_upload(sandbox, token, [data]).json()["data"]
    segment = upload["segments"][0]
    wrong = requests.put(segment["url"], data=b"9876543210", headers=segment["headers"], timeout=10)
    assert wrong.status_code == 400 and b"BadDigest" in wrong.content
    short = requests.put(segment["url"], data=b"01234", timeout=10)
    assert short.status_code == 400
    stale = call(sandbox, "PATCH", f"{PROJECT_UPLOADS}/{upload['upload_id']}", token, json={"part_etags": ['"x"']})
    assert stale.status_code == 400


def test_it_refuses_an_authorization_header_at_storage(sandbox):
    token = sandbox.token(ELI)
    data = b"abc"
    upload = create_upload(sandbox, token, [data]).json()["data"]
    segment = upload["segments"][0]
    answer = requests.put(
        segment["url"], data=data, headers={**segment["headers"], "Authorization": f"Bearer {token}"}, timeout=10
    )
    assert answer.status_code == 400
    assert requests.put(segment["url"] + "x", data=data, timeout=10).status_code == 403


def test_it_refreshes_expired_urls_on_status(sandbox):
    token = sandbox.token(ELI)
    data = b"late bytes"
    upload = create_upload(sandbox, token, [data], url_expires_in=60).json()["data"]
    pdm_switches.set_switch("clock", {"offset_seconds": 120})
    expired = requests.put(upload["segments"][0]["url"], data=data, timeout=10)
    assert expired.status_code == 403
    status = call(
        sandbox, "GET", f"{PROJECT_UPLOADS}/{upload['upload_id']}", token, params={"url_expires_in": 600}
    ).json()["data"]
    fresh = status["segments"][0]
    assert fresh["url"] != upload["segments"][0]["url"]
    assert fresh["url_expires_at"] > upload["segments"][0]["url_expires_at"]
    assert requests.put(fresh["url"], data=data, timeout=10).status_code == 200
    bad = call(sandbox, "GET", f"{PROJECT_UPLOADS}/{upload['upload_id']}", token, params={"url_expires_in": 59})
    assert bad.status_code == 400


def test_it_forgets_an_upload_after_24_hours(sandbox):
    from procore_sandbox.models import FileUpload

    token = sandbox.token(ELI)
    upload_id = upload_file(sandbox, token, b"old")
    kept_id = upload_file(sandbox, token, b"linked")
    FileUpload.objects.filter(id=kept_id).update(linked_document_upload_id="01JDXMPK0MTP0H41D4PYZ62R6R")
    pdm_switches.set_switch("clock", {"offset_seconds": 24 * 3600 + 1})
    assert call(sandbox, "GET", f"{PROJECT_UPLOADS}/{upload_id}", token).status_code == 404
    assert call(sandbox, "GET", f"{PROJECT_UPLOADS}/{kept_id}", token).status_code == 200
    create_upload(sandbox, token, [b"new"])  # creating purges what expired
    assert not FileUpload.objects.filter(id=upload_id).exists()


def test_it_lets_only_the_creator_use_an_upload(sandbox):
    upload_id = upload_file(sandbox, sandbox.token(ELI), b"mine")
    other = call(sandbox, "GET", f"{PROJECT_UPLOADS}/{upload_id}", sandbox.token(DANA))
    assert other.status_code == 403
    assert other.json()["error"]["details"][0]["reason_code"] == "ACCESS_DENIED"


def test_it_fails_an_upload_whose_whole_file_hash_is_wrong(sandbox):
    token = sandbox.token(ELI)
    data = b"payload"
    body = {
        "file_name": "a.pdf",
        "file_size": len(data),
        "content_type": "application/pdf",
        "sha256": "1" * 64,
        "segments": [{"size": len(data), "sha256": sha(data)}],
    }
    upload = call(sandbox, "POST", PROJECT_UPLOADS, token, json=body).json()["data"]
    etags = put_parts(upload, [data])
    answer = call(sandbox, "PATCH", f"{PROJECT_UPLOADS}/{upload['upload_id']}", token, json={"part_etags": etags})
    assert answer.status_code == 400
    status = call(sandbox, "GET", f"{PROJECT_UPLOADS}/{upload['upload_id']}", token).json()["data"]
    assert status["status"] == "failed" and status["error"]["retryable"] is False


def complete(sandbox, token: str, data: bytes) -> tuple[str, str]:
    upload = create_upload(sandbox, token, [data]).json()["data"]
    done = call(
        sandbox,
        "PATCH",
        f"{PROJECT_UPLOADS}/{upload['upload_id']}",
        token,
        json={"part_etags": put_parts(upload, [data])},
    )
    return upload["upload_id"], done.json()["data"]["status"]


def test_it_can_answer_available_on_completion_or_scan_for_a_while(sandbox):
    token = sandbox.token(ELI)
    pdm_switches.set_switch("unified_complete_status", {"patch": "available"})
    assert complete(sandbox, token, b"scan me")[1] == "available"
    pdm_switches.set_switch("unified_complete_status", {"patch": "complete", "scan_seconds": 30})
    upload_id, status = complete(sandbox, token, b"scan me too")
    assert status == "complete"
    assert call(sandbox, "GET", f"{PROJECT_UPLOADS}/{upload_id}", token).json()["data"]["status"] == "complete"
    pdm_switches.set_switch("clock", {"offset_seconds": 31})
    assert call(sandbox, "GET", f"{PROJECT_UPLOADS}/{upload_id}", token).json()["data"]["status"] == "available"
