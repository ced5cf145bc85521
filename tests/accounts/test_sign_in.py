"""Signing in with Procore through the sandbox, over HTTP, and what a failed sign-in says."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from portal.accounts.models import ProcoreCredential, User
from procore_sandbox.testing import DANA, ELI, SAM
from tests.flows import approve_at_procore, sign_in, start_sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def messages_on(html: str) -> list[str]:
    return [unescape(m).strip() for m in re.findall(r'<li class="message [^"]*">(.*?)</li>', html, re.S)]


def test_it_sends_people_to_procore_with_the_app_and_callback(sandbox, settings):
    _, answer = start_sign_in(sandbox)
    location = urlsplit(answer.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{sandbox.base_url}/oauth/authorize"
    query = parse_qs(location.query)
    assert query["client_id"] == [settings.PROCORE_CLIENT_ID]
    assert query["response_type"] == ["code"]
    assert query["redirect_uri"] == [f"{sandbox.portal_url}/accounts/procore/login/callback/"]
    assert query["state"][0]


def test_it_signs_in_and_lists_exactly_the_persons_projects(sandbox):
    _, page = sign_in(sandbox, ELI)
    assert page.status_code == 200
    assert page.url.rstrip("/") == sandbox.portal_url
    project_ids = re.findall(r'data-project-id="(\d+)"', page.text)
    assert project_ids == ["2305"]
    assert "Eli Navarro" in page.text

    user = User.objects.get(procore_user_id=5448)
    assert user.username == ELI
    assert user.socialaccount_set.get().uid == "5448"
    assert ProcoreCredential.objects.get(user=user).login == ELI


def test_a_company_admin_sees_all_company_projects(sandbox):
    _, page = sign_in(sandbox, DANA)
    # Harbor Civil: the one project Dana belongs to; Northwind (admin): both active projects.
    assert re.findall(r'data-project-id="(\d+)"', page.text) == ["2307", "2306", "2305"]


def test_signing_in_again_reuses_the_account_and_replaces_tokens(sandbox):
    sign_in(sandbox, SAM)
    first = ProcoreCredential.objects.get(user__procore_user_id=5450).access_token
    sign_in(sandbox, SAM)
    assert User.objects.filter(procore_user_id=5450).count() == 1
    assert ProcoreCredential.objects.get(user__procore_user_id=5450).access_token != first


def test_sign_out_ends_the_session(sandbox):
    session, page = sign_in(sandbox, ELI)
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    session.post(
        f"{sandbox.portal_url}/accounts/logout/",
        data={"csrfmiddlewaretoken": csrf},
        headers={"Referer": page.url},
        timeout=10,
    )
    after = session.get(f"{sandbox.portal_url}/", allow_redirects=False, timeout=10)
    assert after.status_code == 302
    assert "/accounts/login/" in after.headers["Location"]


def test_a_forged_state_shows_a_clear_message(sandbox):
    session, answer = start_sign_in(sandbox)
    back = approve_at_procore(session, answer.headers["Location"], ELI)
    query = parse_qs(urlsplit(back.headers["Location"]).query)
    forged = f"{sandbox.portal_url}/accounts/procore/login/callback/?" + urlencode(
        {"code": query["code"][0], "state": "forged-state"}
    )
    page = session.get(forged, timeout=10)
    assert page.status_code == 200
    assert "/accounts/login/" in page.url
    assert any("could not be verified" in m for m in messages_on(page.text))
    assert not User.objects.exists()


def test_a_missing_code_shows_a_clear_message(sandbox):
    session, answer = start_sign_in(sandbox)
    state = parse_qs(urlsplit(answer.headers["Location"]).query)["state"][0]
    page = session.get(f"{sandbox.portal_url}/accounts/procore/login/callback/?state={state}", timeout=10)
    assert page.status_code == 200
    assert any("no authorization code" in m for m in messages_on(page.text))


def test_a_refusal_at_procore_shows_a_clear_message(sandbox):
    session, answer = start_sign_in(sandbox)
    state = parse_qs(urlsplit(answer.headers["Location"]).query)["state"][0]
    page = session.get(
        f"{sandbox.portal_url}/accounts/procore/login/callback/?"
        + urlencode({"state": state, "error": "access_denied", "error_description": "The user denied the request."}),
        timeout=10,
    )
    assert page.status_code == 200
    assert any("cancelled" in m for m in messages_on(page.text))


def test_a_code_procore_rejects_shows_a_clear_message(sandbox):
    session, answer = start_sign_in(sandbox)
    state = parse_qs(urlsplit(answer.headers["Location"]).query)["state"][0]
    page = session.get(
        f"{sandbox.portal_url}/accounts/procore/login/callback/?"
        + urlencode({"state": state, "code": "not-a-real-code"}),
        timeout=10,
    )
    assert page.status_code == 200
    assert any("did not complete the sign-in" in m for m in messages_on(page.text))
    assert not User.objects.exists()


def test_procore_unreachable_during_sign_in_shows_a_clear_message(sandbox, settings):
    session, answer = start_sign_in(sandbox)
    back = approve_at_procore(session, answer.headers["Location"], ELI)
    # Procore's API goes away between the token exchange and the profile call.
    settings.PROCORE_API_URL = "http://127.0.0.1:9/unreachable"
    page = session.get(back.headers["Location"], timeout=30)
    assert page.status_code == 200
    assert any("could not be reached" in m for m in messages_on(page.text))


def test_the_dashboard_requires_sign_in(sandbox):
    from django.test import Client

    answer = Client().get("/")
    assert answer.status_code == 302
    assert answer["Location"].startswith("/accounts/login/")


def test_a_local_account_with_the_same_name_does_not_block_sign_in(sandbox):
    User.objects.create_user(username=ELI, email=ELI, password="local-admin")
    _, page = sign_in(sandbox, ELI)
    assert page.status_code == 200
    assert re.findall(r'data-project-id="(\d+)"', page.text) == ["2305"]
    procore_user = User.objects.get(procore_user_id=5448)
    assert procore_user.username != ELI
    assert User.objects.filter(username=ELI, procore_user_id=None).exists()


def test_the_dashboard_shows_the_mirror_when_procore_is_unreachable(sandbox, settings):
    from django.test import Client

    from portal.mirror.sync import sync_memberships
    from tests.flows import portal_user

    user = portal_user(sandbox, ELI)
    sync_memberships(user)
    User.objects.filter(pk=user.pk).update(projects_synced_at=None)  # stale: the page will ask Procore
    settings.PROCORE_API_URL = "http://127.0.0.1:9/unreachable"
    client = Client()
    client.force_login(user)
    page = client.get("/").content.decode()
    assert 'data-project-id="2305"' in page
    assert "could not be reached" in page and "may be out of date" in page
