"""Document Management uploads (procore-api.md §7.6–§7.8) as a client makes them, for the sandbox's PDM tests."""

from __future__ import annotations

from typing import Any

import requests

from procore_sandbox.pdm import web_ui as pdm_admin
from procore_sandbox.tests.uploading import upload_file

PDM = "/rest/{v}/companies/{company}/projects/{project}/document_management"
COMPANY_OF = {2305: 8089, 2306: 8089, 2307: 8090, 2308: 8090}


def pdm(
    sandbox, method: str, token: str, suffix: str, *, project: int = 2305, v: str = "v2.0", **kwargs
) -> requests.Response:
    company = COMPANY_OF[project]
    headers = {"Authorization": f"Bearer {token}", "Procore-Company-Id": str(company)}
    url = sandbox.url(PDM.format(v=v, company=company, project=project) + suffix)
    return requests.request(method, url, headers=headers, timeout=30, **kwargs)


def fid(project: int, name: str) -> str:
    return pdm_admin.field(project, name).id


def vid(project: int, name: str, code: str) -> str:
    return pdm_admin.value(project, name, code).id


def riverside_drawing(name: str = "Floor Plan", revision: str = "Rev C", **extra: list[str]) -> dict[str, list[str]]:
    fields = {
        "name": [name],
        "type": [vid(2305, "type", "DRW")],
        "status": [vid(2305, "status", "OPN")],
        "revision": [revision],
        "discipline": [vid(2305, "discipline", "A")],
        "date_authored": ["2026-02-01T00:00:00Z"],
        "number": ["101"],
    }
    fields.update(extra)
    return fields


def create(sandbox, token: str, file_name: str, project: int = 2305, mime: str = "application/pdf") -> str:
    answer = pdm(
        sandbox,
        "POST",
        token,
        "/document_uploads",
        project=project,
        json={"uploads": [{"file_name": file_name, "mime_type": mime}]},
    )
    assert answer.status_code == 201, answer.text
    return answer.json()["data"][0]["id"]


def patch(sandbox, token: str, items: list[dict[str, Any]], project: int = 2305, **top) -> requests.Response:
    return pdm(sandbox, "PATCH", token, "/document_uploads", project=project, json={"update_params": items, **top})


def item(upload_id: str, project: int, fields: dict[str, list[str]], **extra) -> dict[str, Any]:
    return {"id": upload_id, "fields": [{"id": fid(project, n), "values": v} for n, v in fields.items()], **extra}


def staged(
    sandbox,
    token: str,
    file_name: str,
    fields: dict[str, list[str]],
    project: int = 2305,
    data: bytes = b"%PDF-1.4 staged",
    mime: str = "application/pdf",
) -> str:
    """A COMPLETED upload with its file and metadata, as the portal's pipeline leaves it."""
    upload_id = create(sandbox, token, file_name, project, mime)
    company = COMPANY_OF[project]
    file_upload_id = upload_file(
        sandbox,
        token,
        data,
        file_name=file_name,
        content_type=mime,
        company=company,
        project_path=f"/rest/v2.1/companies/{company}/projects/{project}/uploads",
    )
    answer = patch(
        sandbox,
        token,
        [item(upload_id, project, fields, file_upload_id=file_upload_id, upload_status="COMPLETED")],
        project,
    )
    assert answer.status_code == 207, answer.text
    assert answer.json()["data"] == {"success": [{"id": upload_id}], "failed": []}
    return upload_id


def show(sandbox, token: str, upload_id: str, project: int = 2305, v: str = "v2.0") -> requests.Response:
    return pdm(sandbox, "GET", token, f"/document_uploads/{upload_id}", project=project, v=v)


def values_of(upload: dict, name: str) -> list[dict]:
    return next(f for f in upload["fields"] if f["name"] == name)["values"]
