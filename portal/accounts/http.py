"""The request type of views behind `@login_required`."""

from __future__ import annotations

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from .models import User


class AuthenticatedRequest(HttpRequest):
    """A request whose `user` is a signed-in portal User (what `@login_required` guarantees), so
    views pass `request.user` on without a cast; `htmx` says whether htmx sent it (django-htmx)."""

    user: User
    htmx: HtmxDetails
