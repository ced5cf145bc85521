"""Registering the portal's hook in a project against the live sandbox: idempotent, repairing,
visible on the settings page and in admin, with a rotatable secret."""

from __future__ import annotations

import pytest
from django.test import Client

from portal.webhooks import receiver
from portal.webhooks.models import Hook
from portal.webhooks.registration import PDM_TRIGGERS, register_project, rotate_secret
from procore_sandbox.models import Hook as SandboxHook
from tests.webhooks.deliveries import RIVERSIDE, post, v4_event

pytestmark = pytest.mark.django_db(transaction=True)


def remote_hooks():
    return list(SandboxHook.objects.filter(project_id=RIVERSIDE, namespace="document-portal"))


def test_it_registers_one_v4_hook_with_the_triggers_the_portal_needs(hook, sandbox):
    (remote,) = remote_hooks()
    assert remote.payload_version == "v4.0"
    assert str(remote.id) == hook.procore_hook_id
    assert remote.destination_url == f"{sandbox.portal_url}/webhooks/procore/{hook.pk}/"
    assert remote.authorization == hook.secret and hook.secret.startswith("Bearer ")
    pairs = set(remote.triggers.values_list("resource_name", "event_type"))
    assert set(PDM_TRIGGERS) <= pairs
    # The sandbox's v4.0 catalogue offers folders and files, so they ride on the same hook.
    assert {("Project Files", "create"), ("Project Folders", "delete")} <= pairs
    assert Hook.objects.filter(project_id=RIVERSIDE).count() == 1
    assert hook.secret_encrypted and hook.secret not in hook.secret_encrypted  # encrypted at rest


def test_it_never_duplicates_when_run_again(hook, project, eli):
    register_project(project, eli)
    register_project(project, eli)
    assert len(remote_hooks()) == 1
    assert Hook.objects.filter(project=project).count() == 1
    hook.refresh_from_db()
    assert hook.repaired == []


def test_a_re_run_repairs_a_deleted_trigger(hook, project, eli):
    remote = remote_hooks()[0]
    gone = remote.triggers.get(resource_name="Document Revision", event_type="created")
    gone.delete()
    (again,) = register_project(project, eli)
    assert remote.triggers.filter(resource_name="Document Revision", event_type="created").count() == 1
    assert remote.triggers.count() == len(again.wanted_triggers)
    assert any("Document Revision.created" in item for item in again.repaired)


def test_a_re_run_recreates_a_deleted_hook_and_fixes_a_changed_secret(hook, project, eli):
    remote_hooks()[0].delete()
    (again,) = register_project(project, eli)
    (remote,) = remote_hooks()
    assert str(remote.id) == again.procore_hook_id != hook.procore_hook_id
    assert remote.triggers.count() == len(again.wanted_triggers)
    SandboxHook.objects.filter(pk=remote.pk).update(authorization="Bearer someone-else")
    (fixed,) = register_project(project, eli)
    assert SandboxHook.objects.get(pk=remote.pk).authorization == fixed.secret
    assert any("destination_headers" in item for item in fixed.repaired)


def test_rotation_patches_procore_and_keeps_the_old_secret_for_a_while(hook, eli, sandbox):
    old = hook.secret
    rotated = rotate_secret(hook, eli)
    assert rotated.secret != old
    assert remote_hooks()[0].authorization == rotated.secret
    assert post(sandbox, rotated, v4_event("01ROTATEDNEW0000000000000A", "updated", "x")).status_code == 204
    assert (
        post(sandbox, rotated, v4_event("01ROTATEDOLD0000000000000A", "updated", "x"), authorization=old).status_code
        == 204
    )  # still inside the grace period
    Hook.objects.filter(pk=hook.pk).update(previous_valid_until=None)
    receiver._hooks.clear()  # each process caches a hook for HOOK_CACHE_SECONDS
    assert (
        post(sandbox, rotated, v4_event("01ROTATEDOLD0000000000000B", "updated", "x"), authorization=old).status_code
        == 401
    )


def test_the_settings_page_shows_the_hook_and_rotates_its_secret(hook, eli):
    client = Client()
    client.force_login(eli)
    page = client.get(f"/projects/{RIVERSIDE}/settings/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f'data-procore-hook-id="{hook.procore_hook_id}"' in html
    assert "Document Revision.created" in html
    assert hook.secret[-5:] in html and hook.secret not in html  # masked
    answer = client.post(f"/projects/{RIVERSIDE}/settings/webhooks/{hook.pk}/rotate/")
    assert answer.status_code == 302
    assert Hook.objects.get(pk=hook.pk).secret != hook.secret
    assert Client().get(f"/projects/{RIVERSIDE}/settings/").status_code == 302  # sign-in required


def test_the_settings_page_registers_and_keeps_csrf(project, eli):
    client = Client(enforce_csrf_checks=True)
    client.force_login(eli)
    assert client.post(f"/projects/{RIVERSIDE}/settings/webhooks/register/").status_code == 403
    client = Client()
    client.force_login(eli)
    answer = client.post(f"/projects/{RIVERSIDE}/settings/webhooks/register/")
    assert answer.status_code == 302
    assert len(remote_hooks()) == 1 and Hook.objects.get(project=project).status == Hook.Status.ACTIVE


def test_admin_lists_hooks_and_deliveries(hook, sandbox, eli):
    from portal.accounts.models import User

    admin = User.objects.create_superuser("root", "root@example.com", "pw")
    post(sandbox, hook, v4_event("01ADMINLIST00000000000000A", "created", "rev-1"))
    client = Client()
    client.force_login(admin)
    assert hook.procore_hook_id in client.get("/admin/webhooks/hook/").content.decode()
    listing = client.get("/admin/webhooks/delivery/").content.decode()
    assert "rev-1" in listing


def test_folders_and_files_get_a_v2_hook_when_the_v4_catalogue_lacks_them():
    """Procore's documented 2026-02 catalogue lists Project Files/Folders for v2.0 only (§8.6); the
    sandbox offers them on v4.0, so this shape needs a stand-in for the catalogue call."""
    from portal.webhooks.registration import plan

    class V4OnlyPdm:
        def resources(self, payload_version: str) -> list[dict]:
            return [
                {"name": "Document Revision", "actions": ["created", "updated", "recycled"]},
                {"name": "Document Upload", "actions": ["created", "completed"]},
            ]

    hooks = plan(V4OnlyPdm())
    assert hooks["v4.0"] == PDM_TRIGGERS
    assert ("Project Files", "update") in hooks["v2.0"] and ("Project Folders", "delete") in hooks["v2.0"]
