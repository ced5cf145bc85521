from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from portal.procore.errors import ProcoreError, ReauthorizationRequired, friendly_message

from .dashboard import procore_overview, refresh_memberships_if_stale


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """The companies and projects the signed-in person can see in Procore."""
    error = ""
    try:
        refresh_memberships_if_stale(request.user)
    except ReauthorizationRequired as exc:
        logout(request)
        messages.warning(request, friendly_message(exc))
        return redirect("account_login")
    except ProcoreError as exc:
        # Procore is down or slow: show what the mirror knows, and say so.
        error = f"{friendly_message(exc)} The list below may be out of date."
    return render(request, "portal/dashboard.html", {"companies": procore_overview(request.user), "error": error})
