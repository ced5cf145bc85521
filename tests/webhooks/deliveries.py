"""Deliveries as Procore sends them, for the webhooks tests."""

from __future__ import annotations

import json

import requests

RIVERSIDE = 2305
NORTHWIND = 8089


def post(sandbox, hook, body, *, authorization: str | None = None, raw: bytes | None = None) -> requests.Response:
    """POST to the receiver as Procore does (the hook's secret unless told otherwise)."""
    headers = {"Content-Type": "application/json"}
    secret = hook.secret if authorization is None else authorization
    if secret:
        headers["Authorization"] = secret
    data = raw if raw is not None else json.dumps(body).encode()
    return requests.post(f"{sandbox.portal_url}/webhooks/procore/{hook.pk}/", data=data, headers=headers, timeout=10)


def v4_event(
    event_id: str, reason: str, resource_id: str, resource_type: str = "Document Revision", project_id: int = RIVERSIDE
) -> dict:
    return {
        "id": event_id,
        "timestamp": "2026-09-01T21:07:13.115792Z",
        "reason": reason,
        "company_id": str(NORTHWIND),
        "project_id": str(project_id),
        "user_id": "5447",
        "resource_type": resource_type,
        "resource_id": resource_id,
        "payload_version": "v4.0",
    }
