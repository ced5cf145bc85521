"""Registering the portal's hooks in a project, idempotently (procore-api.md §8.4–§8.7).

Per project the portal keeps one v4.0 hook in its namespace (WEBHOOKS_NAMESPACE, lowercase, default
``document-portal``) pointing at ``PORTAL_PUBLIC_URL`` + the receiver path of that hook, with the
triggers Document Management needs: ``Document Revision`` created/updated/recycled and
``Document Upload`` created/completed (past tense: §8.6 — ``create`` would never match).

Folders and files (the Documents tool, which the mirror also keeps): §8.6 lists ``Project Files`` and
``Project Folders`` only in the v2.0 resource catalogue, yet §8.5 shows classic resources arriving in
v4.0 payloads. So the choice is made from Procore's own catalogue at registration time: when
``GET /resources?payload_version=v4.0`` offers ``Project Files``/``Project Folders``, their
create/update/delete triggers go on the v4.0 hook (the sandbox does this); otherwise a second hook
with payload v2.0 carries them. Either way each hook has its own secret and receiver URL.

Running `register_project` again finds our hooks by the stored Procore id, else by namespace and
destination URL; it re-creates a hook that was deleted, PATCHes one whose URL, Authorization or
status drifted, re-creates missing triggers, and deletes surplus hooks of ours pointing at the same
URL — never creating a second one. What it had to fix is kept in `Hook.repaired`.

Registration acts as the service account when one is configured (the hook then outlives any one
person's access), otherwise as the person who asks; the person is recorded as `registered_by`
either way, and is the identity processing falls back to.
"""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from portal.accounts.models import User
from portal.accounts.service import ServiceTokenSource, service_account_configured
from portal.accounts.tokens import UserTokenSource
from portal.mirror.models import Project
from portal.procore.errors import ProcoreError, friendly_message
from portal.procore.http import ProcoreClient
from portal.procore.webhooks_api import ProjectWebhooks

from .models import Hook

log = logging.getLogger(__name__)

PDM_TRIGGERS = [
    ("Document Revision", "created"),
    ("Document Revision", "updated"),
    ("Document Revision", "recycled"),
    ("Document Upload", "created"),
    ("Document Upload", "completed"),
]
CLASSIC_RESOURCES = ["Project Files", "Project Folders"]
CLASSIC_EVENTS = ["create", "update", "delete"]


class NoIdentity(Exception):
    """Neither a service account nor a person whose Procore access could be used."""


def namespace() -> str:
    return settings.WEBHOOKS_NAMESPACE


def identity_client(project: Project, user: User | None = None) -> ProcoreClient:
    """The client background work uses: the service account when configured, else `user`, else the
    person who registered the project's hook."""
    if service_account_configured():
        return ProcoreClient(ServiceTokenSource())
    if user is None:
        hook = project.webhook_hooks.exclude(registered_by=None).order_by("-registered_at").first()
        user = hook.registered_by if hook else None
    if user is None:
        raise NoIdentity("No service account is configured and nobody has registered this project's webhooks.")
    return ProcoreClient(UserTokenSource.for_user(user))


def new_secret() -> str:
    return f"Bearer {secrets.token_urlsafe(32)}"


def mask(value: str) -> str:
    """Procore's mask of the Authorization value in API answers (§8.2)."""
    return "*****" + (value[-5:] if len(value) > 5 else "")


def same_version(a: object, b: object) -> bool:
    """Procore answers payload versions as "v2" or "v2.0" (§8.4 shows both)."""
    return str(a or "").lower().removesuffix(".0") == str(b or "").lower().removesuffix(".0")


def receiver_url(hook: Hook) -> str:
    return f"{settings.PORTAL_PUBLIC_URL}{reverse('webhooks:receive', args=[hook.pk])}"


def plan(api: ProjectWebhooks) -> dict[str, list[tuple[str, str]]]:
    """Which hooks (by payload version) carry which triggers, from Procore's v4.0 catalogue."""
    offered = {entry.get("name"): [a.lower() for a in entry.get("actions") or []] for entry in api.resources("v4.0")}
    v4 = [t for t in PDM_TRIGGERS if t[1] in offered.get(t[0], [t[1]])]
    classic = [(name, event) for name in CLASSIC_RESOURCES for event in CLASSIC_EVENTS]
    if all(name in offered for name in CLASSIC_RESOURCES):
        return {"v4.0": v4 + [(n, e) for n, e in classic if e in offered[n]]}
    return {"v4.0": v4, "v2.0": classic}


def _key(name: str, event: str) -> tuple[str, str]:
    return name, event.lower()


def _ensure_hook(api: ProjectWebhooks, hook: Hook, repaired: list[str]) -> dict:
    url = receiver_url(hook)
    secret = hook.secret
    ours = [
        h
        for h in api.hooks(namespace(), hook.payload_version)
        if same_version(h.get("payload_version"), hook.payload_version)
    ]
    found = next((h for h in ours if h["id"] == hook.procore_hook_id), None) or next(
        (h for h in ours if h.get("destination_url") == url), None
    )
    for surplus in ours:
        if surplus is not found and surplus.get("destination_url") == url:
            api.delete_hook(surplus["id"])
            repaired.append(f"deleted duplicate hook {surplus['id']}")
    if found is None:
        found = api.create_hook(
            namespace=namespace(), payload_version=hook.payload_version, destination_url=url, authorization=secret
        )
        if hook.procore_hook_id:
            repaired.append(f"hook {hook.procore_hook_id} was gone: created {found['id']}")
        return found
    changes: dict = {}
    if found.get("destination_url") != url:
        changes["destination_url"] = url
    if (found.get("destination_headers") or {}).get("Authorization") != mask(secret):
        changes["destination_headers"] = {"Authorization": secret}
    if found.get("status", "active") != "active":
        changes["status"] = "active"
    if changes:
        found = api.update_hook(found["id"], **changes)
        repaired.append(f"hook {found['id']}: set {', '.join(sorted(changes))}")
    return found


def _ensure_triggers(api: ProjectWebhooks, hook: Hook, remote_id: str, repaired: list[str]) -> list[dict]:
    present = api.triggers(remote_id)
    have = {_key(t["resource_name"], t["event_type"]) for t in present}
    missing = [t for t in hook.wanted_triggers if _key(*t) not in have]
    if missing:
        succeeded, failed = api.create_triggers(remote_id, [tuple(t) for t in missing])
        present += succeeded
        if hook.procore_hook_id == remote_id and hook.triggers:
            repaired.append("re-created " + ", ".join(f"{n}.{e}" for n, e in missing))
        if failed:
            raise ProcoreError("Procore refused triggers: " + "; ".join(str(f.get("message")) for f in failed))
    return [{"id": t["id"], "resource_name": t["resource_name"], "event_type": t["event_type"]} for t in present]


def register_project(project: Project, user: User | None) -> list[Hook]:
    """Create or repair the project's hooks and triggers; returns them. Raises ProcoreError or
    NoIdentity after recording the failure on the hooks."""
    api = ProjectWebhooks(identity_client(project, user), project.company_id, project.id)
    hooks: list[Hook] = []
    try:
        wanted = plan(api)
        for version, triggers in wanted.items():
            hook, _ = Hook.objects.get_or_create(
                project=project,
                payload_version=version,
                defaults={"company_id": project.company_id, "namespace": namespace()},
            )
            if not hook.secret_encrypted:
                hook.set_secret(new_secret())
            hook.wanted_triggers = [list(t) for t in triggers]
            hook.namespace = namespace()
            hook.save()
            hooks.append(hook)
            repaired: list[str] = []
            remote = _ensure_hook(api, hook, repaired)
            hook.triggers = _ensure_triggers(api, hook, remote["id"], repaired)
            hook.procore_hook_id = remote["id"]
            hook.destination_url = receiver_url(hook)
            hook.status, hook.last_error, hook.repaired = Hook.Status.ACTIVE, "", repaired
            hook.registered_by = user or hook.registered_by
            hook.registered_at = timezone.now()
            hook.save()
        for stale in project.webhook_hooks.exclude(payload_version__in=list(wanted)):
            if stale.procore_hook_id:
                api.delete_hook(stale.procore_hook_id)
            stale.delete()
    except ProcoreError as exc:
        log.warning("Webhook registration for project %s failed: %s", project.pk, exc)
        for hook in hooks:
            Hook.objects.filter(pk=hook.pk).update(status=Hook.Status.ERROR, last_error=friendly_message(exc))
        raise
    return hooks


def rotate_secret(hook: Hook, user: User | None) -> Hook:
    """A new secret for `hook`, PATCHed into Procore's destination_headers.

    The old secret stays accepted for WEBHOOKS_PREVIOUS_SECRET_GRACE seconds (deliveries already
    queued or being retried). The new secret is saved before the PATCH: if the PATCH fails the hook
    is marked failed, Procore still sends the old (accepted) value, and registering again PATCHes
    the new one in.
    """
    grace = timedelta(seconds=settings.WEBHOOKS_PREVIOUS_SECRET_GRACE)
    hook.set_secret(new_secret(), keep_previous_for=grace)
    hook.save()
    assert hook.project is not None and hook.project_id is not None, "a project's hook is rotated here"
    api = ProjectWebhooks(identity_client(hook.project, user), hook.company_id, hook.project_id)
    try:
        api.set_authorization(hook.procore_hook_id, hook.secret)
    except ProcoreError as exc:
        Hook.objects.filter(pk=hook.pk).update(
            status=Hook.Status.ERROR, last_error=f"Secret rotation not confirmed: {friendly_message(exc)}"
        )
        raise
    Hook.objects.filter(pk=hook.pk).update(status=Hook.Status.ACTIVE, last_error="")
    hook.refresh_from_db()
    return hook
