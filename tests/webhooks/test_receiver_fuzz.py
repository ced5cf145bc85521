"""Fuzzing the receiver over HTTP with authentic deliveries of random and adversarial bodies: it never
answers 500, it stores at most one row per event (and per refused body), and what it accepted is
processed without a crash."""

from __future__ import annotations

import json
from collections import Counter

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.webhooks.models import Delivery
from portal.webhooks.processing import drain
from tests.webhooks.deliveries import NORTHWIND, RIVERSIDE

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

CASES = 1000

# A few event ids, so the same event comes again (Procore's retries, duplicates) many times.
EVENT_IDS = st.sampled_from(["01FUZZ0000000000000000000A", "01FUZZ0000000000000000000B", "123456789", "7"])
ANY_VALUE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)
IDISH = st.one_of(
    st.sampled_from([RIVERSIDE, str(RIVERSIDE), 2306, "2306", NORTHWIND, str(NORTHWIND), "8090", None, "", "0"]),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.text(max_size=25),
    ANY_VALUE,
)


@st.composite
def event_like(draw) -> bytes:
    """A body shaped like Procore's v4.0 / v2.0 payloads with any value in any field."""
    body = {
        "id": draw(st.one_of(EVENT_IDS, ANY_VALUE, st.text(min_size=60, max_size=70))),
        "reason": draw(st.one_of(st.sampled_from(["created", "updated", "recycled", "completed"]), ANY_VALUE)),
        "resource_type": draw(
            st.one_of(st.sampled_from(["Document Revision", "Document Upload", "Project Files"]), ANY_VALUE)
        ),
        "resource_id": draw(st.one_of(st.text(max_size=30), st.integers(), ANY_VALUE)),
        "project_id": draw(IDISH),
        "company_id": draw(IDISH),
    }
    if draw(st.booleans()):
        body["ulid"] = draw(st.one_of(EVENT_IDS, ANY_VALUE))
    for name in draw(st.lists(st.sampled_from(sorted(body)), max_size=3)):
        body.pop(name, None)
    if draw(st.booleans()):
        body["data"] = draw(ANY_VALUE)
    return json.dumps(body).encode()


@st.composite
def plausible_event(draw) -> bytes:
    """An event the receiver should accept (or bind elsewhere), sent again and again."""
    body = {
        "id": draw(EVENT_IDS),
        "reason": draw(st.sampled_from(["created", "updated", "recycled"])),
        "resource_type": draw(st.sampled_from(["Document Revision", "Document Upload", "Project Files"])),
        "resource_id": draw(st.text(max_size=30)),
        "project_id": draw(st.sampled_from([str(RIVERSIDE), RIVERSIDE, "2306", None])),
        "company_id": draw(st.sampled_from([str(NORTHWIND), NORTHWIND, "8090", None])),
    }
    return json.dumps(body).encode()


@st.composite
def nested(draw) -> bytes:
    """Deep nesting, the kind that used to raise RecursionError and answer 500."""
    depth = draw(st.integers(min_value=1, max_value=60_000))
    opener, closer = draw(st.sampled_from([(b"[", b"]"), (b'{"a":', b"}")]))
    inner = opener * depth + b"1" + closer * depth
    return b'{"id": "01FUZZ0000000000000000000A", "data": ' + inner + b"}" if draw(st.booleans()) else inner


BODIES = st.one_of(
    st.binary(max_size=512),
    st.text(max_size=200).map(str.encode),
    ANY_VALUE.map(lambda value: json.dumps(value).encode()),
    event_like(),
    plausible_event(),
    nested(),
    st.sampled_from([b"", b"{}", b"null", b'{"id": NaN}', b'{"id": "\\ud800"}', b'{"id": "a\\u0000b"}', b"\xff\xfe"]),
    st.integers(min_value=4300, max_value=6000).map(lambda n: b'{"id": ' + b"9" * n + b"}"),
)


def test_it_never_answers_500_and_stores_one_row_per_event(hook, sandbox):
    url = f"{sandbox.portal_url}/webhooks/procore/{hook.pk}/"
    statuses: Counter[int] = Counter()
    session = requests.Session()

    @settings(
        max_examples=CASES,
        deadline=None,
        database=None,  # nothing written into the checkout
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
    )
    @given(body=BODIES)
    def deliver(body: bytes) -> None:
        answer = session.post(
            url, data=body, headers={"Authorization": hook.secret, "Content-Type": "application/json"}, timeout=30
        )
        statuses[answer.status_code] += 1
        assert answer.status_code in {204, 400, 413}, (answer.status_code, body[:200])

    deliver()
    cases = sum(statuses.values())
    print(f"\nreceiver fuzz: {cases} cases, {statuses.get(500, 0)} answered 500, answers {dict(statuses)}")
    assert cases >= CASES and not any(status >= 500 for status in statuses)

    # One row per event id (the column is unique) and one per refused body at this hook (an
    # oversized body is known by its size and the hash of the beginning that is kept).
    accepted = Counter(Delivery.objects.exclude(event_id=None).values_list("event_id", flat=True))
    assert set(accepted.values()) <= {1}
    refused = Counter(
        Delivery.objects.filter(state=Delivery.State.REJECTED).values_list("hook_id", "body_sha256", "body_size")
    )
    assert set(refused.values()) <= {1}
    assert not Delivery.objects.filter(event_id=None).exclude(state=Delivery.State.REJECTED).exists()

    # What was accepted is processed, none of it failing.
    drain()
    assert not Delivery.objects.exclude(state__in=[Delivery.State.PROCESSED, Delivery.State.REJECTED]).exists()
