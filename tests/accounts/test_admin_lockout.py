"""Password sign-in to Django admin is locked after repeated failures, by account and by client,
over HTTP against the live server: a clear page, a record in admin, unlocking from admin and by
command — and signing in with Procore is never refused."""

from __future__ import annotations

import re

import pytest
import requests
from django.core.management import call_command

from procore_sandbox.testing import ELI
from tests.flows import csrf_from, session_from, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct horse battery staple"


@pytest.fixture
def admin_user(django_user_model, settings):
    settings.AXES_FAILURE_LIMIT = 5
    django_user_model.objects.create_superuser("admin", "admin@example.com", PASSWORD)
    django_user_model.objects.create_superuser("operator", "operator@example.com", PASSWORD)
    return "admin"


def admin_sign_in(server: str, session: requests.Session, username: str, password: str) -> requests.Response:
    form = session.get(f"{server}/admin/login/", timeout=10)
    return session.post(
        f"{server}/admin/login/?next=/admin/",
        data={"csrfmiddlewaretoken": csrf_from(form.text), "username": username, "password": password},
        headers={"Referer": form.url},
        allow_redirects=False,
        timeout=10,
    )


def signed_in(answer: requests.Response) -> bool:
    return answer.status_code == 302 and answer.headers["Location"] == "/admin/"


def locked(answer: requests.Response) -> bool:
    return answer.status_code == 429 and "Too many failed sign-in attempts" in answer.text


def test_it_locks_an_account_after_five_failures_even_for_the_right_password_elsewhere(live_server, admin_user):
    attacker = session_from("127.0.0.2")
    for _ in range(4):
        assert admin_sign_in(live_server.url, attacker, "admin", "wrong").status_code == 200
    assert locked(admin_sign_in(live_server.url, attacker, "admin", "wrong"))
    # The real administrator, from another client, with the right password: refused with the page.
    answer = admin_sign_in(live_server.url, session_from("127.0.0.3"), "admin", PASSWORD)
    assert locked(answer) and "manage.py axes_reset_username" in answer.text and "<strong>admin</strong>" in answer.text
    # Another account from that other client is not affected.
    assert signed_in(admin_sign_in(live_server.url, session_from("127.0.0.3"), "operator", PASSWORD))


def test_it_locks_a_client_that_tries_many_accounts(live_server, admin_user):
    attacker = session_from("127.0.0.2")
    for n in range(5):
        admin_sign_in(live_server.url, attacker, f"guess{n}", "wrong")
    assert locked(admin_sign_in(live_server.url, attacker, "admin", PASSWORD))
    assert signed_in(admin_sign_in(live_server.url, session_from("127.0.0.3"), "admin", PASSWORD))


def test_the_lock_out_is_listed_in_admin_and_unlocked_there(live_server, admin_user):
    attacker = session_from("127.0.0.2")
    for _ in range(5):
        admin_sign_in(live_server.url, attacker, "admin", "wrong")
    operator = session_from("127.0.0.4")
    assert signed_in(admin_sign_in(live_server.url, operator, "operator", PASSWORD))
    listing = operator.get(f"{live_server.url}/admin/axes/accessattempt/", timeout=10)
    assert listing.status_code == 200 and ">admin<" in listing.text and "127.0.0.2" in listing.text
    ids = re.findall(r'name="_selected_action" value="(\d+)"', listing.text)
    assert ids
    confirm = operator.post(
        listing.url,
        data={"csrfmiddlewaretoken": csrf_from(listing.text), "action": "delete_selected", "_selected_action": ids},
        headers={"Referer": listing.url},
        timeout=10,
    )
    done = operator.post(
        listing.url,
        data={
            "csrfmiddlewaretoken": csrf_from(confirm.text),
            "action": "delete_selected",
            "_selected_action": ids,
            "post": "yes",
        },
        headers={"Referer": listing.url},
        timeout=10,
    )
    assert done.status_code == 200 and "Successfully deleted" in done.text
    assert signed_in(admin_sign_in(live_server.url, session_from("127.0.0.3"), "admin", PASSWORD))


def test_a_management_command_unlocks_an_account(live_server, admin_user):
    attacker = session_from("127.0.0.2")
    for _ in range(5):
        admin_sign_in(live_server.url, attacker, "admin", "wrong")
    assert locked(admin_sign_in(live_server.url, session_from("127.0.0.3"), "admin", PASSWORD))
    call_command("axes_reset_username", "admin")
    assert signed_in(admin_sign_in(live_server.url, session_from("127.0.0.3"), "admin", PASSWORD))


def test_signing_in_with_procore_works_from_a_locked_out_client(sandbox, admin_user):
    here = requests.Session()  # 127.0.0.1, the address sign_in() uses
    for n in range(5):
        admin_sign_in(sandbox.portal_url, here, f"guess{n}", "wrong")
    assert locked(admin_sign_in(sandbox.portal_url, here, "admin", PASSWORD))
    _, page = sign_in(sandbox, ELI)
    assert page.status_code == 200 and 'data-project-id="2305"' in page.text
