"""Legacy direct uploads v1.0/v1.1 and their storage (procore-api.md §6.1), over HTTP."""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta

import pytest
import requests

from procore_sandbox.limits import clock as sandbox_clock
from procore_sandbox.testing import DANA, ELI

pytestmark = pytest.mark.django_db(transaction=True)

MIB = 1024 * 1024


def api(sandbox, method: str, path: str, token: str, **kwargs) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})}
    return requests.request(method, sandbox.url(path), headers=headers, timeout=30, **kwargs)


def create(sandbox, token: str, body: dict, base: str = "/rest/v1.1/projects/2305") -> dict:
    answer = api(sandbox, "POST", f"{base}/uploads", token, json=body)
    assert answer.status_code == 201, answer.text
    return answer.json()


def post_to_storage(upload: dict, content: bytes, **kwargs) -> requests.Response:
    fields = kwargs.pop("fields", upload["fields"])
    return requests.post(upload["url"], data=fields, files={"file": ("x.pdf", content)}, timeout=30, **kwargs)


def put_segment(segment: dict, content: bytes, **headers) -> requests.Response:
    sent = {**segment["headers"], "Content-Type": "application/octet-stream", **headers}
    return requests.put(segment["url"], data=content, headers=sent, timeout=30)


@pytest.fixture(autouse=True)
def real_clock():
    yield
    sandbox_clock.reset_clock()


def test_it_takes_a_non_segmented_upload(sandbox):
    token = sandbox.token(ELI)
    upload = create(sandbox, token, {"response_filename": "example.pdf", "response_content_type": "application/pdf"})
    assert set(upload["fields"]) >= {
        "key",
        "Content-Type",
        "Content-Disposition",
        "policy",
        "x-amz-credential",
        "x-amz-algorithm",
        "x-amz-date",
        "x-amz-signature",
    }
    assert upload["fields"]["Content-Disposition"] == 'inline; filename="example.pdf"'
    assert "/rest/" not in upload["url"]
    stored = post_to_storage(upload, b"%PDF-1.4 example")
    assert stored.status_code == 204, stored.text
    shown = api(sandbox, "GET", f"/rest/v1.1/projects/2305/uploads/{upload['uuid']}", token).json()
    assert shown["status"] == "complete"


def test_it_refuses_altered_fields_and_an_authorization_header(sandbox):
    upload = create(sandbox, sandbox.token(ELI), {"response_filename": "a.pdf"})
    altered = {**upload["fields"], "key": upload["fields"]["key"] + "-other"}
    refused = post_to_storage(upload, b"data", fields=altered)
    assert refused.status_code == 403 and b"SignatureDoesNotMatch" in refused.content
    missing = {k: v for k, v in upload["fields"].items() if k != "policy"}
    assert post_to_storage(upload, b"data", fields=missing).status_code == 403
    with_token = post_to_storage(upload, b"data", headers={"Authorization": f"Bearer {sandbox.token(ELI)}"})
    assert with_token.status_code == 400 and b"Only one auth mechanism allowed" in with_token.content
    assert post_to_storage(upload, b"data").status_code == 204


def test_it_refuses_bytes_of_another_size_than_declared(sandbox):
    upload = create(sandbox, sandbox.token(ELI), {"response_filename": "sized.pdf", "size": 5})
    assert post_to_storage(upload, b"123456").status_code == 400
    assert post_to_storage(upload, b"12345").status_code == 204


def test_it_answers_403_after_an_hour_by_the_sandbox_clock(sandbox):
    upload = create(sandbox, sandbox.token(ELI), {"response_filename": "late.pdf"})
    sandbox_clock.advance_clock(timedelta(minutes=61))
    expired = post_to_storage(upload, b"too late")
    assert expired.status_code == 403 and b"Request has expired" in expired.content


def test_it_takes_a_segmented_upload_and_completes_it_with_etags_in_order(sandbox):
    token = sandbox.token(ELI)
    parts = [b"a" * (5 * MIB), b"tail of the file"]
    segments = [
        {"size": len(p), "sha256": hashlib.sha256(p).hexdigest(), "md5": hashlib.md5(p).hexdigest()} for p in parts
    ]
    upload = create(sandbox, token, {"response_filename": "big.pdf", "segments": segments})
    assert upload["status"] == "ready" and len(upload["segments"]) == 2
    first = upload["segments"][0]
    assert first["headers"]["x-amz-content-sha256"] == segments[0]["sha256"]
    assert first["headers"]["content-length"] == str(5 * MIB)
    assert first["headers"]["content-md5"] == base64.b64encode(hashlib.md5(parts[0]).digest()).decode()

    assert put_segment(upload["segments"][1], b"tail of the filX").status_code == 400  # wrong SHA-256
    assert put_segment(upload["segments"][1], parts[1], Authorization=f"Bearer {token}").status_code == 400
    etags = []
    for segment, part in zip(upload["segments"], parts, strict=False):
        answer = put_segment(segment, part)
        assert answer.status_code == 200, answer.text
        etags.append(answer.headers["ETag"])
    path = f"/rest/v1.1/projects/2305/uploads/{upload['uuid']}"
    assert (
        api(sandbox, "PATCH", path, token, json={"segments": [{"etag": e} for e in reversed(etags)]}).status_code == 422
    )
    done = api(sandbox, "PATCH", path, token, json={"segments": [{"etag": e} for e in etags]})
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "complete"
    assert [s["etag"] for s in done.json()["segments"]] == etags

    created = api(
        sandbox,
        "POST",
        "/rest/v1.0/files?project_id=2305",
        token,
        json={"file": {"name": "big.pdf", "upload_uuid": upload["uuid"]}},
    )
    assert created.status_code == 201, created.text
    url = created.json()["file_versions"][0]["url"].split("/sandbox", 1)[1]
    assert sandbox.get(url, token).content == b"".join(parts)


def test_it_refuses_segments_below_five_megabytes_and_missing_sha256(sandbox):
    token = sandbox.token(ELI)
    small = {"size": 1000, "sha256": "0" * 64}
    answer = api(sandbox, "POST", "/rest/v1.1/projects/2305/uploads", token, json={"segments": [small, small]})
    assert answer.status_code == 422
    answer = api(sandbox, "POST", "/rest/v1.1/projects/2305/uploads", token, json={"segments": [{"size": 10}]})
    assert answer.status_code == 422


def test_only_the_creating_user_may_use_an_upload(sandbox):
    eli, dana = sandbox.token(ELI), sandbox.token(DANA)  # both see project 2305
    upload = create(sandbox, eli, {"response_filename": "mine.pdf"})
    assert post_to_storage(upload, b"mine").status_code == 204
    assert api(sandbox, "GET", f"/rest/v1.1/projects/2305/uploads/{upload['uuid']}", dana).status_code == 404
    stolen = api(
        sandbox,
        "POST",
        "/rest/v1.0/files?project_id=2305",
        dana,
        json={"file": {"name": "stolen.pdf", "upload_uuid": upload["uuid"]}},
    )
    assert stolen.status_code == 422 and "upload_uuid" in stolen.json()["errors"]


def test_it_forgets_an_upload_not_attached_within_a_week(sandbox):
    token = sandbox.token(ELI)
    upload = create(sandbox, token, {"response_filename": "old.pdf"}, base="/rest/v1.0/projects/2305")
    assert post_to_storage(upload, b"old").status_code == 204
    sandbox_clock.advance_clock(timedelta(days=8))
    assert api(sandbox, "GET", f"/rest/v1.0/projects/2305/uploads/{upload['uuid']}", token).status_code == 410
    late = api(
        sandbox,
        "POST",
        "/rest/v1.0/files?project_id=2305",
        token,
        json={"file": {"name": "old.pdf", "upload_uuid": upload["uuid"]}},
    )
    assert late.status_code == 422


def test_v1_1_requires_a_response_filename(sandbox):
    answer = api(sandbox, "POST", "/rest/v1.1/projects/2305/uploads", sandbox.token(ELI), json={})
    assert answer.status_code == 422 and "response_filename" in answer.json()["errors"]


def test_it_takes_company_uploads(sandbox):
    token = sandbox.token(DANA)
    upload = create(sandbox, token, {"response_filename": "policy.pdf"}, base="/rest/v1.1/companies/8089")
    assert upload["fields"]["key"].startswith("companies/8089/")
    assert post_to_storage(upload, b"company bytes").status_code == 204
    assert (
        api(
            sandbox,
            "POST",
            "/rest/v1.1/companies/8089/uploads",
            sandbox.token(ELI),
            json={"response_filename": "x.pdf"},
        ).status_code
        == 201
    )
    assert (
        api(
            sandbox,
            "POST",
            "/rest/v1.1/companies/8090/uploads",
            sandbox.token(ELI),
            json={"response_filename": "x.pdf"},
        ).status_code
        == 404
    )
