"""The sandbox's OAuth 2.0 endpoints, over HTTP, as procore-api.md §2 describes them."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.conf import settings
from django.utils import timezone

from procore_sandbox.models import AccessToken, AuthorizationCode
from procore_sandbox.testing import DANA, ELI, PASSWORD, SERVICE_ACCOUNT

pytestmark = pytest.mark.django_db(transaction=True)


def callback_uri(sandbox) -> str:
    return f"{sandbox.portal_url}/accounts/procore/login/callback/"


def authorize(
    sandbox, login: str = DANA, password: str = PASSWORD, redirect_uri: str | None = None, **extra
) -> requests.Response:
    """Walk the sign-in page as a browser would; return the redirect answer."""
    session = requests.Session()
    params = {
        "response_type": "code",
        "client_id": settings.PROCORE_CLIENT_ID,
        "redirect_uri": redirect_uri or callback_uri(sandbox),
        "state": "xyz",
        **extra,
    }
    page = session.get(sandbox.url("/oauth/authorize"), params=params, timeout=10)
    assert page.status_code == 200, page.text
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert found, "no CSRF token on the sign-in page"
    csrf = found.group(1)
    return session.post(
        sandbox.url("/oauth/authorize"),
        data={**params, "csrfmiddlewaretoken": csrf, "login": login, "password": password},
        headers={"Referer": page.url},
        allow_redirects=False,
        timeout=10,
    )


def get_code(sandbox, **kwargs) -> str:
    answer = authorize(sandbox, **kwargs)
    assert answer.status_code == 302, answer.text
    query = parse_qs(urlsplit(answer.headers["Location"]).query)
    assert query["state"] == ["xyz"]
    return query["code"][0]


def exchange(sandbox, code: str, redirect_uri: str | None = None, secret: str | None = None) -> requests.Response:
    return requests.post(
        sandbox.url("/oauth/token"),
        data={
            "grant_type": "authorization_code",
            "code": code,
            "client_id": settings.PROCORE_CLIENT_ID,
            "client_secret": secret or settings.PROCORE_CLIENT_SECRET,
            "redirect_uri": redirect_uri or callback_uri(sandbox),
        },
        timeout=10,
    )


def refresh(sandbox, refresh_token: str) -> requests.Response:
    return requests.post(
        sandbox.url("/oauth/token"),
        data={
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": settings.PROCORE_CLIENT_ID,
            "client_secret": settings.PROCORE_CLIENT_SECRET,
        },
        timeout=10,
    )


def test_it_issues_tokens_for_a_code(sandbox):
    answer = exchange(sandbox, get_code(sandbox))
    assert answer.status_code == 200
    body = answer.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 5400
    assert body["refresh_token"] and body["access_token"]
    assert isinstance(body["created_at"], int)
    me = sandbox.get("/rest/v1.0/me", body["access_token"]).json()
    assert me["login"] == DANA


def test_it_refuses_a_code_used_twice_and_revokes_its_tokens(sandbox):
    code = get_code(sandbox)
    first = exchange(sandbox, code).json()
    second = exchange(sandbox, code)
    assert second.status_code == 400
    assert second.json()["error"] == "invalid_grant"
    assert sandbox.get("/rest/v1.0/me", first["access_token"]).status_code == 401


def test_it_refuses_an_expired_code(sandbox):
    code = get_code(sandbox)
    AuthorizationCode.objects.filter(code=code).update(created_at=timezone.now() - timedelta(minutes=10, seconds=1))
    answer = exchange(sandbox, code)
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_grant"


def test_it_rotates_refresh_tokens_and_refuses_the_old_one(sandbox):
    tokens = exchange(sandbox, get_code(sandbox)).json()
    renewed = refresh(sandbox, tokens["refresh_token"])
    assert renewed.status_code == 200
    new = renewed.json()
    assert new["refresh_token"] != tokens["refresh_token"]
    assert new["access_token"] != tokens["access_token"]
    reused = refresh(sandbox, tokens["refresh_token"])
    assert reused.status_code == 400
    assert reused.json()["error"] == "invalid_grant"
    assert refresh(sandbox, new["refresh_token"]).status_code == 200


def test_it_refuses_a_wrong_client_secret(sandbox):
    answer = exchange(sandbox, get_code(sandbox), secret="not-the-secret")
    assert answer.status_code == 401
    assert answer.json()["error"] == "invalid_client"


def test_it_accepts_client_credentials_by_http_basic_and_json_bodies(sandbox):
    code = get_code(sandbox)
    answer = requests.post(
        sandbox.url("/oauth/token"),
        json={"grant_type": "authorization_code", "code": code, "redirect_uri": callback_uri(sandbox)},
        auth=(settings.PROCORE_CLIENT_ID, settings.PROCORE_CLIENT_SECRET),
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["access_token"]


def test_it_shows_an_error_page_for_an_unregistered_redirect_uri(sandbox):
    page = requests.get(
        sandbox.url("/oauth/authorize"),
        params={
            "response_type": "code",
            "client_id": settings.PROCORE_CLIENT_ID,
            "redirect_uri": "https://evil.example/callback",
            "state": "xyz",
        },
        allow_redirects=False,
        timeout=10,
    )
    assert page.status_code == 400
    assert "Redirect URI mismatch" in page.text
    assert "Location" not in page.headers


def test_it_refuses_a_code_exchanged_with_another_redirect_uri(sandbox):
    answer = exchange(sandbox, get_code(sandbox), redirect_uri=f"{sandbox.portal_url}/elsewhere/")
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_grant"


def test_it_refuses_a_wrong_password_on_the_sign_in_page(sandbox):
    answer = authorize(sandbox, login=ELI, password="wrong")
    assert answer.status_code == 200
    assert "not correct" in answer.text


def test_it_redirects_with_access_denied_when_the_user_denies(sandbox):
    session = requests.Session()
    params = {
        "response_type": "code",
        "client_id": settings.PROCORE_CLIENT_ID,
        "redirect_uri": callback_uri(sandbox),
        "state": "s1",
    }
    page = session.get(sandbox.url("/oauth/authorize"), params=params, timeout=10)
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    answer = session.post(
        sandbox.url("/oauth/authorize"),
        data={**params, "csrfmiddlewaretoken": csrf, "deny": "1"},
        headers={"Referer": page.url},
        allow_redirects=False,
        timeout=10,
    )
    query = parse_qs(urlsplit(answer.headers["Location"]).query)
    assert query["error"] == ["access_denied"] and query["state"] == ["s1"]


def test_a_revoked_token_answers_401(sandbox):
    tokens = exchange(sandbox, get_code(sandbox)).json()
    answer = requests.post(
        sandbox.url("/oauth/revoke"),
        data={
            "token": tokens["access_token"],
            "client_id": settings.PROCORE_CLIENT_ID,
            "client_secret": settings.PROCORE_CLIENT_SECRET,
        },
        timeout=10,
    )
    assert answer.status_code == 200
    denied = sandbox.get("/rest/v1.0/me", tokens["access_token"])
    assert denied.status_code == 401
    assert denied.json() == {"errors": "The access token is invalid"}
    # Revoking kills the refresh token too.
    assert refresh(sandbox, tokens["refresh_token"]).status_code == 400


def test_revoking_an_unknown_token_still_answers_200(sandbox):
    answer = requests.post(sandbox.url("/oauth/revoke"), data={"token": "nonsense"}, timeout=10)
    assert answer.status_code == 200


def test_an_expired_access_token_answers_401(sandbox):
    token = sandbox.token(DANA)
    AccessToken.objects.filter(access_token=token).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert sandbox.get("/rest/v1.0/me", token).status_code == 401


def test_client_credentials_issue_no_refresh_token(sandbox):
    answer = requests.post(
        sandbox.url("/oauth/token"),
        data={
            "grant_type": "client_credentials",
            "client_id": settings.PROCORE_SERVICE_CLIENT_ID,
            "client_secret": settings.PROCORE_SERVICE_CLIENT_SECRET,
        },
        timeout=10,
    )
    assert answer.status_code == 200
    body = answer.json()
    assert "refresh_token" not in body
    # A DMSA must send the company header on /me (procore_sandbox.core.views says why).
    assert sandbox.get("/rest/v1.0/me", body["access_token"]).status_code == 400
    me = sandbox.get("/rest/v1.0/me", body["access_token"], headers={"Procore-Company-Id": "8089"})
    assert me.json()["login"] == SERVICE_ACCOUNT


def test_client_credentials_are_refused_for_an_app_without_a_service_account(sandbox):
    answer = requests.post(
        sandbox.url("/oauth/token"),
        data={
            "grant_type": "client_credentials",
            "client_id": settings.PROCORE_CLIENT_ID,
            "client_secret": settings.PROCORE_CLIENT_SECRET,
        },
        timeout=10,
    )
    assert answer.status_code == 400
    assert answer.json()["error"] == "unauthorized_client"


def test_token_info_describes_the_token(sandbox):
    token = sandbox.token(DANA)
    info = sandbox.get("/oauth/token/info", token).json()
    assert info["application"]["uid"] == settings.PROCORE_CLIENT_ID
    assert info["scopes"] == ["public"]
    assert 5300 < info["expires_in_seconds"] <= 5400
