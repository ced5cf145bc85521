"""The receiver over HTTP: secrets, refused bodies, duplicates — and that processing happens once."""

from __future__ import annotations

import json

import pytest
from django_q.models import OrmQ

from portal.webhooks.models import Delivery
from portal.webhooks.processing import drain, process_delivery
from tests.webhooks.deliveries import post, v4_event

pytestmark = pytest.mark.django_db(transaction=True)

EVENT = "01HZXQ4M7N8P9R0S1T2V3W4X5Y"


@pytest.mark.parametrize("authorization", ["", "Bearer forged", "bearer "])
def test_it_refuses_missing_and_forged_secrets_and_stores_nothing(hook, sandbox, authorization):
    answer = post(sandbox, hook, v4_event(EVENT, "created", "rev-1"), authorization=authorization)
    assert answer.status_code == 401
    assert Delivery.objects.count() == 0 and OrmQ.objects.count() == 0


def test_the_right_secret_for_another_hook_is_refused(hook, sandbox):
    answer = post(sandbox, hook, v4_event(EVENT, "created", "rev-1"), authorization="Bearer " + "x" * 43)
    assert answer.status_code == 401
    import requests

    unknown = requests.post(
        f"{sandbox.portal_url}/webhooks/procore/999999/",
        json={"id": "1"},
        headers={"Authorization": hook.secret},
        timeout=10,
    )
    assert unknown.status_code == 401 and Delivery.objects.count() == 0


def test_it_stores_the_delivery_and_answers_204_and_queues_processing(hook, sandbox):
    answer = post(sandbox, hook, v4_event(EVENT, "created", "rev-1"))
    assert answer.status_code == 204 and answer.content == b""
    delivery = Delivery.objects.get()
    assert delivery.event_id == EVENT and delivery.state == Delivery.State.RECEIVED
    assert (delivery.resource_type, delivery.reason, delivery.resource_id, delivery.project_id) == (
        "Document Revision",
        "created",
        "rev-1",
        2305,
    )
    assert json.loads(delivery.body)["id"] == EVENT
    assert OrmQ.objects.count() == 1  # queued after the commit


def test_the_same_event_three_times_is_stored_and_processed_once(hook, sandbox):
    for _ in range(3):
        assert post(sandbox, hook, v4_event(EVENT, "updated", "rev-1")).status_code == 204
    delivery = Delivery.objects.get()
    assert delivery.duplicates == 2
    assert OrmQ.objects.count() == 1
    assert drain() == 1
    results = [process_delivery(delivery.pk) for _ in range(2)]  # stray single-delivery tasks
    assert drain() == 0
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.PROCESSED
    assert delivery.times_processed == 1 and delivery.attempts == 1
    assert all(result.startswith("not claimable") for result in results)


def test_a_burst_queues_one_drain_and_concurrent_drains_never_process_twice(hook, sandbox):
    import threading

    from django.db import connection

    for n in range(30):
        assert post(sandbox, hook, v4_event(f"01BURST{n:019d}", "updated", f"rev-{n}")).status_code == 204
    assert OrmQ.objects.count() == 1  # the first delivery queued a drain; the others found it waiting
    counts = []

    def work() -> None:
        try:
            counts.append(drain())
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(counts) == 30
    assert set(Delivery.objects.values_list("times_processed", flat=True)) == {1}
    assert post(sandbox, hook, v4_event("01AFTERTHEDRAIN00000000001", "updated", "x")).status_code == 204
    drains = [q for q in OrmQ.objects.all() if q.task["func"] == "portal.webhooks.tasks.drain"]
    assert len(drains) == 2  # the drains cleared the flag: the next delivery queues another


def test_v2_payloads_dedupe_on_their_ulid(hook, sandbox):
    body = {
        "id": 123456789,
        "ulid": "0A1B2C3D4F5G6H7I8J9K0LMN",
        "api_version": "v2.0",
        "event_type": "update",
        "resource_name": "Project Files",
        "resource_id": 54321,
        "project_id": 2305,
        "company_id": 8089,
    }
    assert post(sandbox, hook, body).status_code == 204
    assert post(sandbox, hook, body).status_code == 204
    delivery = Delivery.objects.get()
    assert delivery.event_id == "0A1B2C3D4F5G6H7I8J9K0LMN" and delivery.duplicates == 1
    assert (delivery.resource_type, delivery.reason, delivery.resource_id) == ("Project Files", "update", "54321")


@pytest.mark.parametrize(
    "raw",
    [
        b'{"id": "01ABC", "reason": ',
        b"not json at all",
        b"[1, 2]",
        b'{"reason": "x"}',
        b'{"id": ["01ABC"]}',
        b'{"id": true}',
        b'{"id": "01ABC", "project_id": "2305; DROP"}',
        b'{"id": "01ABC", "project_id": 99999999999999999999}',
        b'{"id": "01ABC", "resource_id": {"nested": 1}}',
        b'{"id": "' + b"x" * 65 + b'"}',
        b'{"id": ' + b"9" * 5000 + b"}",
    ],
)
def test_malformed_bodies_answer_400_and_are_kept_for_diagnosis(hook, sandbox, raw):
    answer = post(sandbox, hook, None, raw=raw)
    assert answer.status_code == 400
    kept = Delivery.objects.get()
    assert kept.state == Delivery.State.REJECTED and kept.body == raw.decode() and kept.event_id is None
    assert OrmQ.objects.count() == 0
    assert post(sandbox, hook, None, raw=raw).status_code == 400  # Procore's retry: counted, not stored again
    kept.refresh_from_db()
    assert Delivery.objects.count() == 1 and kept.duplicates == 1


def test_a_forged_malformed_body_is_not_kept(hook, sandbox):
    assert post(sandbox, hook, None, raw=b"garbage", authorization="Bearer forged").status_code == 401
    assert Delivery.objects.count() == 0


def test_oversized_bodies_answer_413_and_their_beginning_is_kept(hook, sandbox, settings):
    settings.WEBHOOKS_MAX_BODY_BYTES = 4096
    settings.WEBHOOKS_KEEP_BODY_BYTES = 1024
    body = v4_event(EVENT, "created", "rev-1") | {"data": {"padding": "x" * 10_000}}
    answer = post(sandbox, hook, body)
    assert answer.status_code == 413
    kept = Delivery.objects.get()
    assert kept.state == Delivery.State.REJECTED and kept.body_size > 10_000
    assert len(kept.body) == 1024 and EVENT in kept.body  # enough to see which event it was
    assert "limit" in kept.error and OrmQ.objects.count() == 0
    assert post(sandbox, hook, None, raw=b"x" * 5000, authorization="Bearer forged").status_code == 401
    assert Delivery.objects.count() == 1


def test_only_post_is_accepted(hook, sandbox):
    import requests

    answer = requests.get(
        f"{sandbox.portal_url}/webhooks/procore/{hook.pk}/", headers={"Authorization": hook.secret}, timeout=10
    )
    assert answer.status_code == 405 and Delivery.objects.count() == 0


def test_a_deeply_nested_body_answers_400_and_is_kept_never_500(hook, sandbox):
    raw = b'{"id": "01DEEP", "data": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    answer = post(sandbox, hook, None, raw=raw)
    assert answer.status_code == 400
    kept = Delivery.objects.get()
    assert kept.state == Delivery.State.REJECTED and "nested too deeply" in kept.error
    assert kept.body_size == len(raw) and OrmQ.objects.count() == 0


def test_nul_characters_are_stored_as_replacement_characters(hook, sandbox):
    body = v4_event("01NUL\u0000EVENT", "updated", "rev\u0000x")
    assert post(sandbox, hook, body).status_code == 204  # JSON escapes NUL as \\u0000
    delivery = Delivery.objects.get()
    assert delivery.event_id == "01NUL\ufffdEVENT" and delivery.resource_id == "rev\ufffdx"
