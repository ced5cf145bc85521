"""The sandbox answers only the clients SANDBOX_ALLOWED_CLIENTS names — loopback by default — on every
/sandbox/ path, judged by the connection's own address."""

from __future__ import annotations

import pytest
import requests
from django.test import Client

from tests.flows import session_from

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("path", ["/sandbox/oauth/authorize", "/sandbox/rest/v1.0/me", "/sandbox/_control/faults"])
def test_a_client_beyond_this_machine_is_refused(sandbox, path):
    # No client beyond loopback may be used here, so the address is given to Django's test client.
    answer = Client(REMOTE_ADDR="203.0.113.7").get(path, HTTP_X_FORWARDED_FOR="127.0.0.1")
    assert answer.status_code == 403 and "SANDBOX_ALLOWED_CLIENTS" in answer.json()["errors"]
    assert Client(REMOTE_ADDR="::ffff:203.0.113.7").get(path).status_code == 403


def test_loopback_clients_are_answered_and_the_setting_decides(sandbox, settings):
    authorize = f"{sandbox.base_url}/oauth/authorize"
    assert requests.get(authorize, timeout=10).status_code != 403  # 127.0.0.1, allowed by default
    settings.SANDBOX_ALLOWED_CLIENTS = ["127.0.0.2/32"]
    assert requests.get(authorize, timeout=10).status_code == 403
    assert session_from("127.0.0.2").get(authorize, timeout=10).status_code != 403
    settings.SANDBOX_ALLOWED_CLIENTS = ["*"]
    assert requests.get(authorize, timeout=10).status_code != 403
