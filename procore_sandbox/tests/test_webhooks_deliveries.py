"""Real webhook deliveries from the sandbox (procore-api.md §8.2, §8.5): events emitted in the sandbox
reach a receiver over HTTP with the stored Authorization header and the payload of the hook's
version; failures pause the endpoint, retry with backoff and are discarded after the window.

The receiver is a small threaded http.server on 127.0.0.1 (the tests cannot add a view to the
portal's URLconf); it records every request and answers with the statuses and delays a test asks.
"""

from __future__ import annotations

import threading
import time

import pytest
import requests
from django.core.management import call_command

from procore_sandbox.models import Delivery, Hook
from procore_sandbox.testing import DANA
from procore_sandbox.tests.receiving import (
    COMPANY,
    PROJECT,
    SECRET,
    call,
    deliver_until,
    project_path,
    register,
    revision_created,
)
from procore_sandbox.webhooks import deliveries
from procore_sandbox.webhooks.events import emit

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_delivers_a_v4_document_revision_event_in_the_background(sandbox, receiver, settings):
    settings.SANDBOX_WEBHOOK_DISPATCHER = True
    hook_id = register(sandbox, sandbox.token(DANA), receiver.url, "v4.0", [("Document Revision", "created")])
    revision_created()  # nothing else: the server's own dispatcher sends it
    request = receiver.wait_for(1)[0]
    assert request["headers"]["Authorization"] == SECRET
    assert request["headers"]["Content-Type"] == "application/json"
    payload = request["json"]
    assert set(payload) == {
        "id",
        "timestamp",
        "reason",
        "company_id",
        "project_id",
        "user_id",
        "resource_type",
        "resource_id",
        "payload_version",
    }
    assert payload["reason"] == "created" and payload["resource_type"] == "Document Revision"
    assert (payload["company_id"], payload["project_id"], payload["user_id"]) == ("8089", "2305", "5447")
    assert payload["resource_id"] == "01JDXMPK0TRV0BA5K8GSSY6J0Y" and payload["payload_version"] == "v4.0"
    assert len(payload["id"]) == 26 and payload["timestamp"].endswith("Z")
    deliver_until(lambda: Delivery.objects.get(hook_id=int(hook_id)).status == "delivered")


def test_it_sends_v2_and_v3_payloads_for_classic_events_and_v4_names_only_to_v4_hooks(sandbox, receiver, manual):
    token = sandbox.token(DANA)
    register(
        sandbox, token, receiver.url + "/v2", "v2.0", [("Project Files", "create"), ("Document Revision", "created")]
    )
    register(sandbox, token, receiver.url + "/v3", "v3.0", [("Project Files", "create")])
    register(sandbox, token, receiver.url + "/v4", "v4.0", [("Document Revision", "create")])  # never matches
    emit(
        company_id=COMPANY,
        project_id=PROJECT,
        resource_name="Project Files",
        event_type="create",
        resource_id=4711,
        user_id=5448,
    )
    revision_created()
    deliver_until(lambda: len(receiver.requests) >= 2)
    time.sleep(0.1)
    deliveries.deliver_due()
    by_path = {r["path"].rsplit("/", 1)[-1]: r["json"] for r in receiver.requests}
    assert sorted(by_path) == ["v2", "v3"]
    v2 = by_path["v2"]
    assert v2["api_version"] == "v2.0" and v2["event_type"] == "create" and v2["resource_name"] == "Project Files"
    assert (v2["resource_id"], v2["company_id"], v2["project_id"], v2["user_id"]) == (4711, 8089, 2305, 5448)
    assert isinstance(v2["id"], int) and len(v2["ulid"]) == 26
    assert v2["metadata"] == {
        "source_user_id": 5448,
        "source_project_id": 2305,
        "source_operation_id": None,
        "source_company_id": 8089,
        "source_application_id": None,
    }
    assert "related_resources" not in v2
    v3 = by_path["v3"]
    assert v3["api_version"] == "v3.0" and v3["related_resources"] == [] and v3["ulid"] == v2["ulid"]


def test_it_delivers_project_events_to_company_hooks_but_not_to_other_projects_hooks(sandbox, receiver, manual):
    token = sandbox.token(DANA)
    register(
        sandbox,
        token,
        receiver.url + "/company",
        "v4.0",
        [("Document Revision", "created")],
        path=f"/rest/v2.0/companies/{COMPANY}/webhooks/hooks",
    )
    register(
        sandbox,
        token,
        receiver.url + "/other-project",
        "v4.0",
        [("Document Revision", "created")],
        path=f"/rest/v2.0/companies/{COMPANY}/projects/2306/webhooks/hooks",
    )
    revision_created()
    deliver_until(lambda: len(receiver.requests) >= 1)
    time.sleep(0.1)
    deliveries.deliver_due()
    assert [r["path"] for r in receiver.requests] == ["/webhooks/procore/company"]


def test_it_queues_nothing_for_a_disabled_hook_or_a_rolled_back_change(sandbox, receiver, manual):
    from django.db import transaction

    token = sandbox.token(DANA)
    hook_id = register(sandbox, token, receiver.url, "v4.0", [("Document Revision", "created")])
    with pytest.raises(RuntimeError), transaction.atomic():
        revision_created()
        raise RuntimeError("the change failed")
    call(sandbox, "PATCH", project_path(f"/hooks/{hook_id}"), token, json={"status": "disabled"})
    revision_created()
    assert deliveries.deliver_due() == 0
    assert receiver.requests == [] and not Delivery.objects.exists()


def test_it_retries_with_backoff_pausing_the_endpoint_then_succeeds(sandbox, receiver, manual):
    receiver.script.extend([(500, 0), (503, 0), (500, 0)])
    hook_id = register(sandbox, sandbox.token(DANA), receiver.url, "v4.0", [("Document Revision", "created")])
    revision_created("REV-A")
    revision_created("REV-B")
    deliver_until(lambda: Delivery.objects.filter(status="delivered").count() == 2)
    order = [r["json"]["resource_id"] for r in receiver.requests]
    # The failing delivery is retried alone; the one behind it waits until it goes through.
    assert order == ["REV-A", "REV-A", "REV-A", "REV-A", "REV-B"]
    gaps = [b["at"] - a["at"] for a, b in zip(receiver.requests, receiver.requests[1:4], strict=False)]
    # 1 s, 2 s, 4 s scaled by 0.01.
    for gap, expected in zip(gaps, (0.01, 0.02, 0.04), strict=False):
        assert gap >= expected * 0.9, gaps
    assert Hook.objects.get(pk=int(hook_id)).failure_count == 0  # a success resets the counters

    listed = call(
        sandbox, "GET", project_path(f"/hooks/{hook_id}/deliveries"), sandbox.token(DANA), params={"sort": "created_at"}
    ).json()["data"]
    first = listed[0]
    assert first["status"] == "delivered" and first["payload"]["resource_id"] == "REV-A"
    assert [a["response_status"] for a in first["delivery_attempts"]] == [500, 503, 500, 200]
    assert [a["success"] for a in first["delivery_attempts"]] == [False, False, False, True]
    assert first["delivery_attempts"][0]["response_body"] == "answered 500"
    assert all(a["started_at"] and a["completed_at"] for a in first["delivery_attempts"])


def test_it_treats_a_slow_answer_as_a_failure(sandbox, receiver, manual, settings):
    settings.SANDBOX_WEBHOOK_TIMEOUT = 0.3
    receiver.script.append((200, 1.0))
    register(sandbox, sandbox.token(DANA), receiver.url, "v4.0", [("Document Revision", "created")])
    revision_created()
    deliveries.deliver_due()
    delivery = Delivery.objects.get()
    assert delivery.status == "retrying"
    attempt = delivery.attempts.get()
    assert not attempt.success and attempt.response_status is None and "Timeout" in attempt.response_error
    deliver_until(lambda: Delivery.objects.get().status == "delivered")


def test_it_discards_after_the_window_and_starts_afresh_with_the_next_event(sandbox, receiver, manual, settings):
    settings.SANDBOX_WEBHOOK_DISCARD_AFTER = 30  # seconds before scaling: 0.3 s at 0.01
    receiver.default = (500, 0)
    token = sandbox.token(DANA)
    hook_id = register(sandbox, token, receiver.url, "v2.0", [("Project Files", "update")])
    for file_id in (1, 2, 3):
        emit(
            company_id=COMPANY,
            project_id=PROJECT,
            resource_name="Project Files",
            event_type="updated",
            resource_id=file_id,
            user_id=5447,
        )
    deliver_until(lambda: Delivery.objects.filter(status="discarded").count() == 3, timeout=5)
    assert {r["json"]["resource_id"] for r in receiver.requests} == {1}  # only the first was tried
    assert receiver.requests[0]["json"]["event_type"] == "update"

    receiver.default = (204, 0)
    emit(
        company_id=COMPANY,
        project_id=PROJECT,
        resource_name="Project Files",
        event_type="update",
        resource_id=4,
        user_id=5447,
    )
    deliver_until(lambda: Delivery.objects.filter(status="delivered").count() == 1)
    assert receiver.requests[-1]["json"]["resource_id"] == 4

    discarded = call(
        sandbox, "GET", project_path(f"/hooks/{hook_id}/deliveries"), token, params={"filter[status]": "discarded"}
    ).json()["data"]
    assert sorted(d["payload"]["resource_id"] for d in discarded) == [1, 2, 3]
    v1 = requests.get(
        sandbox.url(f"/rest/v1.0/webhooks/hooks/{hook_id}/deliveries"),
        params={"project_id": PROJECT, "filters[status]": "discarded"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    ).json()
    assert len(v1) == 1 and v1[0]["outcome"] == "discarded" and v1[0]["event"]["resource_id"] == 1


def test_it_never_sends_one_attempt_twice_with_concurrent_dispatchers(sandbox, receiver, manual):
    token = sandbox.token(DANA)
    for index in range(3):
        register(sandbox, token, f"{receiver.url}/{index}", "v4.0", [("Document Revision", "created")])
    for index in range(10):
        revision_created(f"REV-{index}")
    workers = [threading.Thread(target=lambda: deliveries.run_forever(once=True)) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    deliver_until(lambda: Delivery.objects.filter(status="delivered").count() == 30)
    sent = [(r["path"], r["json"]["resource_id"]) for r in receiver.requests]
    assert len(sent) == 30 and len(set(sent)) == 30


def test_the_sandbox_deliver_command_sends_what_is_due(sandbox, receiver, manual, capsys):
    register(sandbox, sandbox.token(DANA), receiver.url, "v4.0", [("Document Revision", "created")])
    revision_created()
    call_command("sandbox_deliver", "--once")
    assert "1 webhook deliveries sent." in capsys.readouterr().out
    assert len(receiver.requests) == 1


def test_a_change_made_over_the_api_reaches_the_receiver_without_anything_else_running(sandbox, receiver, settings):
    settings.SANDBOX_WEBHOOK_DISPATCHER = True
    token = sandbox.token(DANA)
    register(sandbox, token, receiver.url, "v2.0", [("Project Folders", "create")])
    created = requests.post(
        sandbox.url("/rest/v1.0/folders"),
        params={"project_id": PROJECT},
        json={"folder": {"name": "Webhook Test Folder"}},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert created.status_code == 201, created.text
    payload = receiver.wait_for(1)[0]["json"]
    assert (payload["resource_name"], payload["event_type"]) == ("Project Folders", "create")
    assert payload["resource_id"] == created.json()["id"] and payload["user_id"] == 5447


def test_no_transaction_is_held_while_posting_so_a_receiver_on_the_same_database_can_write(
    sandbox, receiver, manual, settings
):
    from django.db import connection

    from procore_sandbox.models import Person

    settings.SANDBOX_WEBHOOK_TIMEOUT = 3
    written = []

    def write_like_the_portal() -> None:
        try:
            written.append(Person.objects.filter(pk=5448).update(name="Eli Navarro (seen)"))
        finally:
            connection.close()

    receiver.on_request = write_like_the_portal
    register(sandbox, sandbox.token(DANA), receiver.url, "v4.0", [("Document Revision", "created")])
    revision_created()
    started = time.monotonic()
    assert deliveries.deliver_due() == 1
    assert time.monotonic() - started < 2.9 and written == [1]
    assert Delivery.objects.get().status == "delivered"


def test_the_delivery_loop_runs_until_stopped(sandbox, receiver, manual):
    register(sandbox, sandbox.token(DANA), receiver.url, "v4.0", [("Document Revision", "created")])
    stop = threading.Event()
    loop = threading.Thread(target=deliveries.run_forever, kwargs={"stop": stop})
    loop.start()
    try:
        revision_created("REV-1")
        revision_created("REV-2")
        receiver.wait_for(2, timeout=5)
    finally:
        stop.set()
        loop.join(timeout=5)
    assert not loop.is_alive()
    assert [r["json"]["resource_id"] for r in receiver.requests] == ["REV-1", "REV-2"]
