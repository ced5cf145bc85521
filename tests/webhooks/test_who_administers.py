"""Only people who administer a project may register or rotate its webhooks: what Procore's permission
manifest says about them (Admin on the project's Admin tool), or a role granted in Django admin.
Everyone else sees the state but no buttons, and a forged POST is answered 403."""

from __future__ import annotations

import pytest
import requests
from django.test import Client

from portal.accounts.models import User
from portal.mirror.models import Project, ProjectRole
from portal.webhooks.models import Hook
from portal.webhooks.registration import register_project
from procore_sandbox.models import Hook as SandboxHook
from procore_sandbox.testing import ELI, SAM
from tests.flows import csrf_from, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

OAKRIDGE = 2306
RIVERSIDE = 2305


@pytest.fixture
def public_url(sandbox, settings, manual_delivery):
    settings.PORTAL_PUBLIC_URL = sandbox.portal_url


def forged_post(session: requests.Session, url: str, page_url: str) -> requests.Response:
    """A POST with a valid CSRF token, as the subcontractor's own browser could send it."""
    page = session.get(page_url, timeout=10)
    return session.post(
        url, data={"csrfmiddlewaretoken": csrf_from(page.text)}, headers={"Referer": page_url}, timeout=30
    )


def test_a_subcontractor_sees_the_state_without_buttons_and_a_forged_post_is_refused(sandbox, public_url):
    session, _ = sign_in(sandbox, SAM)
    (hook,) = register_project(Project.objects.get(pk=OAKRIDGE), None)  # by the service account
    secret = hook.secret
    page_url = f"{sandbox.portal_url}/projects/{OAKRIDGE}/settings/"
    page = session.get(page_url, timeout=10)
    assert page.status_code == 200 and f'data-procore-hook-id="{hook.procore_hook_id}"' in page.text
    assert "Rotate secret" not in page.text and "Check and repair webhooks" not in page.text
    assert "data-not-administrator" in page.text and "Admin on the project" in page.text

    register = f"{sandbox.portal_url}/projects/{OAKRIDGE}/settings/webhooks/register/"
    rotate = f"{sandbox.portal_url}/projects/{OAKRIDGE}/settings/webhooks/{hook.pk}/rotate/"
    assert forged_post(session, register, page_url).status_code == 403
    assert forged_post(session, rotate, page_url).status_code == 403
    hook.refresh_from_db()
    assert hook.secret == secret and hook.registered_by is None
    assert SandboxHook.objects.filter(project_id=OAKRIDGE).count() == 1  # no Procore call was made


def test_a_project_admin_in_procore_registers_from_the_page(sandbox, public_url):
    session, _ = sign_in(sandbox, ELI)
    page_url = f"{sandbox.portal_url}/projects/{RIVERSIDE}/settings/"
    assert "Register webhooks" in session.get(page_url, timeout=10).text
    answer = forged_post(session, f"{sandbox.portal_url}/projects/{RIVERSIDE}/settings/webhooks/register/", page_url)
    assert answer.status_code == 200 and "Webhooks are registered." in answer.text
    hook = Hook.objects.get(project_id=RIVERSIDE)
    assert hook.status == Hook.Status.ACTIVE and hook.registered_by.username == ELI


def test_a_role_granted_in_admin_lets_a_person_register(sandbox, public_url):
    session, _ = sign_in(sandbox, SAM)
    sam = User.objects.get(username=SAM)
    root = User.objects.create_superuser("root", "root@example.com", "pw")
    admin = Client()
    admin.force_login(root)
    granted = admin.post(
        "/admin/mirror/projectrole/add/",
        {"user": sam.pk, "project": OAKRIDGE, "role": ProjectRole.Role.ADMINISTRATOR, "note": "Runs the portal"},
    )
    assert granted.status_code == 302, granted.content.decode()[:2000]
    page_url = f"{sandbox.portal_url}/projects/{OAKRIDGE}/settings/"
    assert "Register webhooks" in session.get(page_url, timeout=10).text
    answer = forged_post(session, f"{sandbox.portal_url}/projects/{OAKRIDGE}/settings/webhooks/register/", page_url)
    assert answer.status_code == 200 and "Webhooks are registered." in answer.text
    assert Hook.objects.get(project_id=OAKRIDGE).registered_by == sam
