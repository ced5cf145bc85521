"""Sharing a batch (thin views over staging.sharing); only the batch's creator may change it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from portal.accounts.http import AuthenticatedRequest

from .access import ensure_owner, get_batch_for_user
from .persons import find_person
from .schema import FieldInfo, load_schema
from .sharing import share_with, share_with_project, stop_sharing

# find_person names the field in its messages; here the "field" is the sharing form's person input.
PERSON_INPUT = FieldInfo("share", "share", "Share with", "reference", "procore_user", True, False, True)


@login_required
@require_POST
def sharing(request: AuthenticatedRequest, batch_id: int) -> HttpResponse:
    batch = get_batch_for_user(request.user, batch_id)
    ensure_owner(request.user, batch)
    action = request.POST.get("action", "")
    if action == "add":
        schema = load_schema(batch.project)
        typed = [t.strip() for t in request.POST.get("person", "").split(";") if t.strip()]
        try:
            ids = [find_person(PERSON_INPUT, text, schema) for text in typed]
        except ValueError as exc:
            messages.error(request, str(exc))
        else:
            added = share_with(batch, request.user, ids, schema)
            if added:
                messages.success(request, "Shared with " + ", ".join(added) + ".")
            else:
                messages.info(request, "Type the name or e-mail of a project member to share with.")
    elif action == "remove" and request.POST.get("share", "").isdigit():
        name = stop_sharing(batch, request.user, int(request.POST["share"]))
        if name:
            messages.success(request, f"No longer shared with {name}.")
    elif action in {"project", "private"}:
        if share_with_project(batch, request.user, action == "project"):
            messages.success(
                request,
                "Shared with the whole project team."
                if action == "project"
                else "Now only you and the people listed see this batch.",
            )
    else:
        messages.error(request, "Unknown sharing action.")
    return redirect("staging:batch", batch_id=batch.pk)
