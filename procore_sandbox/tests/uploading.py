"""Unified uploads (procore-api.md §6.2) as a client makes them, for the sandbox's upload tests."""

from __future__ import annotations

import hashlib

import requests

MIB = 1024 * 1024
PROJECT_UPLOADS = "/rest/v2.1/companies/8089/projects/2305/uploads"
COMPANY_UPLOADS = "/rest/v2.1/companies/8089/uploads"


def call(sandbox, method: str, path: str, token: str, **kwargs) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}", "Procore-Company-Id": str(kwargs.pop("company", 8089))}
    return requests.request(method, sandbox.url(path), headers=headers, timeout=30, **kwargs)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def create_upload(
    sandbox,
    token: str,
    parts: list[bytes],
    *,
    path: str = PROJECT_UPLOADS,
    file_name: str = "a.pdf",
    content_type: str = "application/pdf",
    company: int = 8089,
    **extra,
) -> requests.Response:
    whole = b"".join(parts)
    body = {
        "file_name": file_name,
        "file_size": len(whole),
        "content_type": content_type,
        "sha256": sha(whole),
        "segments": [{"size": len(p), "sha256": sha(p)} for p in parts],
        **extra,
    }
    return call(sandbox, "POST", path, token, json=body, company=company)


def put_parts(created: dict, parts: list[bytes]) -> list[str]:
    etags = []
    for segment, data in zip(created["segments"], parts, strict=False):
        answer = requests.put(segment["url"], data=data, headers=segment["headers"], timeout=30)
        assert answer.status_code == 200, answer.text
        etags.append(answer.headers["ETag"])
    return etags


def upload_file(
    sandbox,
    token: str,
    data: bytes,
    *,
    file_name: str = "a.pdf",
    content_type: str = "application/pdf",
    project_path: str = PROJECT_UPLOADS,
    company: int = 8089,
) -> str:
    """Send `data` through the unified upload API; return the available upload_id."""
    created = create_upload(
        sandbox,
        token,
        [data],
        path=project_path,
        file_name=file_name,
        content_type=content_type,
        company=company,
        uploader_tool_name="document_management",
    )
    assert created.status_code == 201, created.text
    upload = created.json()["data"]
    etags = put_parts(upload, [data])
    done = call(
        sandbox, "PATCH", f"{project_path}/{upload['upload_id']}", token, json={"part_etags": etags}, company=company
    )
    assert done.status_code == 200, done.text
    return upload["upload_id"]
