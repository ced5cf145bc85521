"""The service account's token source: client credentials against the sandbox, cached encrypted,
asked for again when it expires or after a 401."""

from __future__ import annotations

import pytest
from django.utils import timezone

from portal.accounts.models import ServiceToken
from portal.accounts.service import ServiceTokenSource
from portal.procore import core
from portal.procore.http import ProcoreClient
from procore_sandbox.models import AccessToken
from procore_sandbox.testing import SERVICE_ACCOUNT

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_caches_the_token_encrypted_and_reuses_it(sandbox):
    source = ServiceTokenSource()
    token = source.access_token()
    row = ServiceToken.objects.get()
    assert token not in row.access_token_encrypted and row.access_token == token
    assert ServiceTokenSource().access_token() == token  # another process reads the same row
    assert AccessToken.objects.filter(person__login=SERVICE_ACCOUNT).count() == 1
    assert core.me(ProcoreClient(source, 8089))["login"] == SERVICE_ACCOUNT


def test_it_asks_again_when_the_token_expires_or_is_refused(sandbox):
    source = ServiceTokenSource()
    first = source.access_token()
    ServiceToken.objects.update(expires_at=timezone.now() + timezone.timedelta(seconds=10))
    second = source.access_token()
    assert second != first
    AccessToken.objects.filter(person__login=SERVICE_ACCOUNT).update(revoked_at=timezone.now())
    assert core.me(ProcoreClient(source, 8089))["login"] == SERVICE_ACCOUNT  # 401, new token, one retry
    assert source.access_token() not in {first, second}
