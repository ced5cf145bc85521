"""The project's settings page: its webhooks, their secrets, and whether processing can act.

Everyone who sees the project sees the state; only its administrators (portal.mirror.administration:
Admin on the project's Admin tool in Procore, or a role granted in the portal) get the buttons, and a
register or rotate POST from anyone else is answered 403.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from portal.accounts.http import AuthenticatedRequest
from portal.accounts.models import ProcoreCredential
from portal.accounts.service import service_account_configured
from portal.mirror.access import get_project_for_user
from portal.mirror.administration import project_administration
from portal.mirror.tasks import latest_sync
from portal.procore.errors import ProcoreError, friendly_message

from .models import Delivery, Hook, ProjectRefresh
from .registration import NoIdentity, mask, register_project, rotate_secret


def identity_warnings(project, hooks: list[Hook], refresh: ProjectRefresh | None) -> list[str]:
    """What stops background processing from acting for this project, in words."""
    warnings = []
    if refresh is not None and refresh.identity_problem:
        warnings.append(f"Webhook processing could not act in Procore: {refresh.identity_problem}")
    if not service_account_configured() and hooks:
        person = next((h.registered_by for h in hooks if h.registered_by), None)
        credential = ProcoreCredential.objects.filter(user=person).first() if person else None
        if person is None:
            warnings.append("No service account is configured and nobody is recorded as registering the webhooks.")
        elif credential is None or credential.invalid_since is not None:
            warnings.append(
                f"Webhooks are processed as {person}, whose Procore sign-in has ended or was revoked: "
                "they must sign in again, or someone registers the webhooks again."
            )
    return warnings


@login_required
@require_GET
def project_settings(request: AuthenticatedRequest, project_id: int) -> HttpResponse:
    project = get_project_for_user(request.user, project_id)
    hooks = list(project.webhook_hooks.select_related("registered_by").order_by("payload_version"))
    refresh = ProjectRefresh.objects.filter(project=project).first()
    for hook in hooks:
        hook.masked_secret = mask(hook.secret) if hook.secret_encrypted else ""  # type: ignore[attr-defined]
    recent = Delivery.objects.filter(project_id=project.id).order_by("-received_at")[:20]
    return render(
        request,
        "webhooks/settings.html",
        {
            "project": project,
            "tab": "settings",
            "last_sync": latest_sync(project, request.user),
            "hooks": hooks,
            "refresh": refresh,
            "warnings": identity_warnings(project, hooks, refresh),
            "recent": recent,
            "service_account": service_account_configured(),
            "administration": project_administration(request.user, project),
        },
    )


def _require_administrator(request: AuthenticatedRequest, project) -> None:
    decision = project_administration(request.user, project)
    if not decision.allowed:
        raise PermissionDenied(decision.reason)


@login_required
@require_POST
def register(request: AuthenticatedRequest, project_id: int) -> HttpResponse:
    project = get_project_for_user(request.user, project_id)
    _require_administrator(request, project)
    try:
        hooks = register_project(project, request.user)
    except (ProcoreError, NoIdentity) as exc:
        messages.error(
            request,
            "Webhooks could not be registered: "
            + (friendly_message(exc) if isinstance(exc, ProcoreError) else str(exc)),
        )
    else:
        fixed = [item for hook in hooks for item in hook.repaired]
        messages.success(request, "Webhooks are registered." + (f" Repaired: {'; '.join(fixed)}." if fixed else ""))
    return redirect("webhooks:settings", project_id=project.id)


@login_required
@require_POST
def rotate(request: AuthenticatedRequest, project_id: int, hook_id: int) -> HttpResponse:
    project = get_project_for_user(request.user, project_id)
    hook = get_object_or_404(Hook, pk=hook_id, project=project)
    _require_administrator(request, project)
    try:
        rotate_secret(hook, request.user)
    except (ProcoreError, NoIdentity) as exc:
        messages.error(
            request,
            "The new secret could not be sent to Procore; the old one keeps working. "
            + (friendly_message(exc) if isinstance(exc, ProcoreError) else str(exc)),
        )
    else:
        messages.success(request, "The webhook secret was rotated; the previous one is accepted for an hour.")
    return redirect("webhooks:settings", project_id=project.id)
