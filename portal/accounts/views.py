from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from portal.procore.errors import ProcoreError, ReauthorizationRequired, friendly_message

from .dashboard import procore_overview


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """The companies and projects the signed-in person can see in Procore."""
    try:
        companies = procore_overview(request.user)
        error = ""
    except ReauthorizationRequired as exc:
        logout(request)
        messages.warning(request, friendly_message(exc))
        return redirect("account_login")
    except ProcoreError as exc:
        companies, error = [], friendly_message(exc)
    return render(request, "portal/dashboard.html", {"companies": companies, "error": error})
