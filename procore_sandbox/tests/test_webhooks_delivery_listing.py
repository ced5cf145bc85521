"""Listing webhook deliveries (procore-api.md §8.3–§8.4): the v2.0 filters, sort and paging, and
the v1.0 attempts with their outcomes, for deliveries really sent to a receiver."""

from __future__ import annotations

import time

import pytest
import requests

from procore_sandbox.models import Delivery
from procore_sandbox.testing import DANA
from procore_sandbox.tests.receiving import (
    COMPANY,
    PROJECT,
    call,
    deliver_until,
    project_path,
    register,
    revision_created,
)
from procore_sandbox.webhooks.events import emit

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_lists_deliveries_with_filters_sort_and_paging(sandbox, receiver, manual):
    token = sandbox.token(DANA)
    hook_id = register(
        sandbox,
        token,
        receiver.url,
        "v4.0",
        [("Document Revision", "created"), ("Document Revision", "updated"), ("Document Upload", "completed")],
    )
    for index in range(12):
        revision_created(f"REV-{index:02d}")
    emit(
        company_id=COMPANY,
        project_id=PROJECT,
        resource_name="Document Revision",
        event_type="updated",
        resource_id="REV-00",
        user_id=5447,
    )
    emit(
        company_id=COMPANY,
        project_id=PROJECT,
        resource_name="Document Upload",
        event_type="completed",
        resource_id="UPL-1",
        user_id=5447,
    )
    deliver_until(lambda: Delivery.objects.filter(status="delivered").count() == 14)
    receiver.default = (500, 0)
    revision_created("REV-FAILING")
    deliver_until(lambda: Delivery.objects.filter(status="retrying").count() == 1)
    revision_created("REV-WAITING")

    path = project_path(f"/hooks/{hook_id}/deliveries")

    def get(**params) -> requests.Response:
        return call(sandbox, "GET", path, token, params=params)

    first = get()
    assert first.status_code == 200 and first.headers["Total"] == "16" and len(first.json()["data"]) == 10
    assert 'rel="next"' in first.headers["Link"]
    assert first.json()["data"][0]["payload"]["resource_id"] == "REV-WAITING"  # newest first by default
    assert len(get(page=2).json()["data"]) == 6
    oldest = get(sort="created_at", per_page=1).json()["data"][0]
    assert oldest["payload"]["resource_id"] == "REV-00" and oldest["payload"]["reason"] == "created"
    assert get(**{"filter[status]": "succeeded"}).headers["Total"] == "14"
    assert [d["payload"]["resource_id"] for d in get(**{"filter[status]": "retrying"}).json()["data"]] == [
        "REV-FAILING"
    ]
    assert [d["payload"]["resource_id"] for d in get(**{"filter[status]": "enqueued"}).json()["data"]] == [
        "REV-WAITING"
    ]
    assert get(**{"filter[event_type]": "updated"}).json()["data"][0]["payload"]["resource_id"] == "REV-00"
    uploads = get(**{"filter[resource_name]": "Document Upload"}).json()["data"]
    assert [d["payload"]["resource_type"] for d in uploads] == ["Document Upload"]
    assert "payload_version" not in uploads[0]["payload"]
    today = time.strftime("%Y-%m-%d", time.gmtime())
    assert get(**{"filter[start]": today, "filter[end]": today}).headers["Total"] == "16"
    assert get(**{"filter[start]": "2000-01-01", "filter[end]": "2000-01-02"}).headers["Total"] == "0"
    assert get(**{"filter[status]": "bogus"}).status_code == 400
    assert get(per_page=101).status_code == 400


def test_it_lists_v1_deliveries_as_attempts_with_outcomes(sandbox, receiver, manual):
    token = sandbox.token(DANA)
    receiver.script.append((500, 0))
    hook_id = register(sandbox, token, receiver.url, "v4.0", [("Document Revision", "created")])
    revision_created("REV-1")
    revision_created("REV-2")
    deliver_until(lambda: Delivery.objects.filter(status="delivered").count() == 2)

    def get(**params) -> list[dict]:
        answer = requests.get(
            sandbox.url(f"/rest/v1.0/webhooks/hooks/{hook_id}/deliveries"),
            params={"project_id": PROJECT, **params},
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
        assert answer.status_code == 200, answer.text
        return answer.json()

    rows = get()
    assert [(r["event"]["resource_id"], r["outcome"], r["response_status"]) for r in rows] == [
        ("REV-1", "retried", 500),
        ("REV-1", "ok", 200),
        ("REV-2", "ok", 200),
    ]
    assert isinstance(rows[0]["id"], int) and rows[0]["event_id"] == rows[1]["event_id"]
    assert [r["outcome"] for r in get(**{"filters[status]": "failing"})] == ["retried"]
    assert len(get(**{"filters[status]": "successful"})) == 2
    assert [r["id"] for r in get(page_size=1, page_start=rows[0]["id"])] == [rows[1]["id"]]
