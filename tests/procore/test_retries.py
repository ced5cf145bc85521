"""The client retries what is safe to retry, waits as Procore asks, and surfaces the rest.

Waits run on simulated time (the `simulated_time` fixture): a Retry-After of 2 s is asserted
to the second and costs the suite nothing."""

from __future__ import annotations

import pytest
import requests
from django.conf import settings

from portal.accounts.models import ProcoreCredential
from portal.accounts.tokens import UserTokenSource
from portal.procore import http
from portal.procore.errors import ServerError, TransportError
from portal.procore.http import BearerToken, ProcoreClient
from procore_sandbox.limits import faults, ratelimit
from procore_sandbox.models import AccessToken, Fault, RateWindow
from procore_sandbox.pytest_plugin import SIMULATED_START
from procore_sandbox.testing import ELI, PRIYA
from tests.flows import portal_user

pytestmark = pytest.mark.django_db(transaction=True)

NORTHWIND = 8089
PDM_CREATE = f"/rest/v2.0/companies/{NORTHWIND}/projects/2305/document_management/document_uploads"


def client_for(sandbox, company: int | None = NORTHWIND, login: str | None = None) -> ProcoreClient:
    return ProcoreClient(BearerToken(sandbox.token(login)), company, base_url=sandbox.base_url)


def requests_seen() -> int:
    """Requests the sandbox's gateway let through (its own counters)."""
    return sum(ratelimit.accepted_per_window().values())


def test_it_rides_out_a_storm_of_injected_429s(sandbox, simulated_time):
    faults.inject("429", method="GET", path=r"^/rest/v1\.0/me$", count=3, retry_after=1)
    client = client_for(sandbox)
    started = simulated_time.now()
    assert client.get_json("/rest/v1.0/me")["id"]
    elapsed = simulated_time.now() - started
    assert Fault.objects.get().hits == 3
    assert requests_seen() == 4
    # Retry-After: 1 was honoured each time: no retry came sooner than a second after a 429.
    assert 3.0 <= elapsed < 4.0


def test_it_rides_out_429s_from_a_budget_someone_else_spent(sandbox, simulated_time):
    ratelimit.configure(hourly=3600, spike=25)
    token = sandbox.token()
    # Simulated time starts a 10-second window, and stands still while the window is spent.
    while True:  # another integration of the same app spends the whole spike window
        answer = sandbox.get("/rest/v1.0/me", token, headers={"Procore-Company-Id": str(NORTHWIND)})
        if answer.status_code == 429:
            break
    client = ProcoreClient(BearerToken(token), NORTHWIND, base_url=sandbox.base_url)
    results = [client.get_json("/rest/v1.0/me")["id"] for _ in range(5)]
    assert len(results) == 5
    spike = RateWindow.objects.filter(kind=RateWindow.SPIKE)
    assert all(w.accepted <= 25 for w in spike)
    # Only the first call (a probe: the client knew nothing of the budget yet) met a 429.
    assert sum(w.rejected for w in spike) == 2
    # It waited for the next window (Retry-After) rather than hammering this one.
    assert simulated_time.now() >= SIMULATED_START + 10


def test_it_waits_for_retry_after_on_a_503(sandbox, simulated_time):
    faults.inject("503", method="GET", path=r"^/rest/v1\.0/me$", count=1, retry_after=2)
    client = client_for(sandbox)
    started = simulated_time.now()
    client.get("/rest/v1.0/me")
    elapsed = simulated_time.now() - started
    assert 2.0 <= elapsed < 2.5  # Retry-After, and a little jitter
    assert requests_seen() == 2


def test_it_retries_a_get_whose_connection_was_dropped(sandbox, simulated_time):
    faults.inject("drop", method="GET", path=r"^/rest/v1\.0/me$", count=1)
    client = client_for(sandbox)
    assert client.get_json("/rest/v1.0/me")["login"]
    assert Fault.objects.get().hits == 1
    assert requests_seen() == 2


def test_it_does_not_repeat_a_dropped_create_and_says_it_may_have_been_applied(sandbox):
    faults.inject("drop", method="POST", path="document_uploads$", count=1)
    client = client_for(sandbox)
    with pytest.raises(TransportError) as caught:
        client.post(PDM_CREATE, json={"uploads": [{"file_name": "A-DRW-101.pdf"}]})
    assert caught.value.maybe_applied
    assert "may or may not have been applied" in caught.value.message
    assert requests_seen() == 1  # sent once, never repeated


def test_it_repeats_a_dropped_post_marked_safe_to_repeat(sandbox, simulated_time):
    faults.inject("drop", method="PATCH", path="document_uploads$", count=1)
    client = client_for(sandbox)
    with pytest.raises(Exception):  # noqa: B017 - any failure will do; the point is what was sent
        # Whatever the endpoint answers the second time, it was sent twice.
        client.patch(PDM_CREATE, json={"uploads": []}, retry_safe=True)
    assert Fault.objects.get().hits == 1
    assert requests_seen() == 2


def test_it_retries_a_get_on_500_with_backoff_then_gives_up(sandbox, simulated_time):
    faults.inject("500", method="GET", path=r"^/rest/v1\.0/me$")
    client = client_for(sandbox)
    with pytest.raises(ServerError) as caught:
        client.get("/rest/v1.0/me")
    assert caught.value.status == 500
    assert requests_seen() == http.MAX_ATTEMPTS
    # Full-jitter backoff between the attempts: at most base·2^(n-1) each, in simulated time.
    most = sum(http.BACKOFF_BASE * 2 ** (n - 1) for n in range(1, http.MAX_ATTEMPTS))
    assert 0 < simulated_time.slept <= most


def test_it_does_not_retry_an_unmarked_post_on_500(sandbox):
    faults.inject("500", method="POST", path="document_uploads$")
    client = client_for(sandbox)
    with pytest.raises(ServerError) as caught:
        client.post(PDM_CREATE, json={"uploads": []})
    assert caught.value.code == "INTERNAL_SERVER_ERROR"
    assert caught.value.reason_codes == ["INTERNAL_ERROR"]
    assert requests_seen() == 1


def test_it_refreshes_once_and_retries_after_an_expired_token(sandbox):
    user = portal_user(sandbox, ELI)
    credential = ProcoreCredential.objects.get(user=user)
    old = credential.access_token
    faults.inject("expired_token", method="GET", path=r"^/rest/v1\.0/me$", count=1)
    client = ProcoreClient(UserTokenSource(credential), None, base_url=sandbox.base_url)
    assert client.get_json("/rest/v1.0/me")["login"] == ELI
    assert not AccessToken.objects.get(access_token=old).is_active  # the fault really expired it
    assert ProcoreCredential.objects.get(user=user).access_token != old
    assert AccessToken.objects.exclude(refresh_used_at=None).count() == 1
    assert requests_seen() == 2


def test_it_sends_the_company_header_and_a_timeout(sandbox, monkeypatch):
    sent = {}
    original = requests.Session.request

    def spy(self, method, url, **kwargs):
        sent.update(kwargs)
        return original(self, method, url, **kwargs)

    monkeypatch.setattr(requests.Session, "request", spy)
    # A company in another region: without the header Procore would answer 404.
    client_for(sandbox, 9100, PRIYA).get("/rest/v1.0/projects/3401", params={"company_id": 9100})
    assert sent["headers"]["Procore-Company-Id"] == "9100"
    assert sent["timeout"] == (10.0, settings.PROCORE_TIMEOUT)


def test_it_refuses_to_send_the_token_to_another_host(sandbox):
    with pytest.raises(ValueError):
        client_for(sandbox).get("https://example.com/rest/v1.0/me")


def test_it_logs_each_call_without_tokens_or_query_strings(sandbox, caplog):
    token = sandbox.token()
    client = ProcoreClient(BearerToken(token), NORTHWIND, base_url=sandbox.base_url)
    with caplog.at_level("DEBUG", logger="portal.procore"):
        client.get("/rest/v1.1/projects", params={"company_id": NORTHWIND, "X-Amz-Signature": "sig-secret"})
    line = next(r.getMessage() for r in caplog.records if "status=" in r.getMessage())
    assert line.startswith("GET /sandbox/rest/v1.1/projects status=200 duration_ms=")
    assert "rate_limit_remaining=" in line and "attempt=1" in line
    assert token not in caplog.text and "sig-secret" not in caplog.text and "company_id" not in caplog.text


def test_it_never_resends_a_streamed_body(sandbox):
    from portal.procore.errors import RateLimited

    faults.inject("429", method="PUT", path="document_uploads$", count=1, retry_after=1)
    client = client_for(sandbox)
    with pytest.raises(RateLimited):
        client.put(PDM_CREATE, data=(chunk for chunk in [b"part one", b"part two"]))
    assert requests_seen() == 1
