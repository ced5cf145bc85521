"""Procore tokens are refreshed transparently and never twice at once (refresh tokens are single-use)."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.test import Client
from django.utils import timezone

from portal.accounts.models import ProcoreCredential
from portal.accounts.tokens import UserTokenSource, refresh_credential
from portal.procore import core
from portal.procore.errors import ReauthorizationRequired
from portal.procore.http import ProcoreClient
from procore_sandbox.models import AccessToken
from procore_sandbox.oauth import views as sandbox_oauth
from procore_sandbox.testing import ELI
from tests.flows import portal_user

pytestmark = pytest.mark.django_db(transaction=True)


def refreshes_at_sandbox() -> int:
    """How many refresh tokens the sandbox has seen used."""
    return AccessToken.objects.exclude(refresh_used_at=None).count()


def test_an_expired_access_token_is_refreshed_before_the_call(sandbox):
    user = portal_user(sandbox, ELI, expires_in=-10)
    old = ProcoreCredential.objects.get(user=user).access_token
    client = Client()
    client.force_login(user)
    page = client.get("/")
    assert page.status_code == 200
    assert b'data-project-id="2305"' in page.content
    credential = ProcoreCredential.objects.get(user=user)
    assert credential.access_token != old
    assert credential.expires_at > timezone.now() + timedelta(minutes=80)
    assert refreshes_at_sandbox() == 1


def test_a_401_triggers_one_refresh_and_a_retry(sandbox):
    user = portal_user(sandbox, ELI)
    old = ProcoreCredential.objects.get(user=user).access_token
    # Procore expired the token earlier than the portal expected.
    AccessToken.objects.filter(access_token=old).update(expires_at=timezone.now() - timedelta(seconds=1))
    profile = core.me(ProcoreClient(UserTokenSource.for_user(user)))
    assert profile["login"] == ELI
    assert refreshes_at_sandbox() == 1
    assert ProcoreCredential.objects.get(user=user).access_token != old


def test_concurrent_refreshes_reach_procore_once(sandbox, monkeypatch):
    user = portal_user(sandbox, ELI, expires_in=-10)
    credential_id = ProcoreCredential.objects.get(user=user).pk

    # Make the sandbox's refresh slow so that both workers are certainly inside it together.
    real_grant = sandbox_oauth._grant_refresh_token

    def slow_grant(app, params):
        time.sleep(0.5)
        return real_grant(app, params)

    monkeypatch.setattr(sandbox_oauth, "_grant_refresh_token", slow_grant)

    barrier = threading.Barrier(2)
    results: list[str] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait()
            results.append(refresh_credential(credential_id))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert not errors, errors
    assert len(results) == 2 and results[0] == results[1]
    assert refreshes_at_sandbox() == 1
    # The user is still signed in: the stored token works.
    credential = ProcoreCredential.objects.get(pk=credential_id)
    assert credential.invalid_since is None
    assert core.me(ProcoreClient(UserTokenSource(credential)))["login"] == ELI


def test_a_refused_refresh_token_asks_the_person_to_sign_in_again(sandbox):
    user = portal_user(sandbox, ELI, expires_in=-10)
    refresh_token = ProcoreCredential.objects.get(user=user).refresh_token
    AccessToken.objects.filter(refresh_token=refresh_token).update(revoked_at=timezone.now())

    with pytest.raises(ReauthorizationRequired):
        UserTokenSource.for_user(user).access_token()
    assert ProcoreCredential.objects.get(user=user).invalid_since is not None

    client = Client()
    client.force_login(user)
    page = client.get("/", follow=True)
    assert page.redirect_chain[-1][0].startswith("/accounts/login/")
    assert "Sign in with Procore again" in page.content.decode()


def test_tokens_are_encrypted_at_rest(sandbox):
    user = portal_user(sandbox, ELI)
    credential = ProcoreCredential.objects.get(user=user)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT access_token_encrypted, refresh_token_encrypted FROM accounts_procorecredential WHERE id = %s",
            [credential.pk],
        )
        stored_access, stored_refresh = cursor.fetchone()
    assert credential.access_token not in stored_access
    assert credential.refresh_token not in stored_refresh
    assert len(credential.access_token) == 64
