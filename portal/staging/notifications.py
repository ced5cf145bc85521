"""Show a person's unread notifications once, on their next page, as Django messages."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from .models import Notification

LEVELS = {Notification.Level.SUCCESS: messages.SUCCESS, Notification.Level.WARNING: messages.WARNING}
SKIP = ("/sandbox/", "/static/", "/media/", "/admin/jsi18n/")


class NotificationMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            request.method == "GET"
            and user is not None
            and user.is_authenticated
            and not request.path.startswith(SKIP)
            and "json" not in request.headers.get("Accept", "")
        ):
            unread = list(Notification.objects.filter(user=user, read_at__isnull=True).order_by("created_at")[:5])
            for note in unread:
                messages.add_message(request, LEVELS.get(note.level, messages.INFO), note.text)
            if unread:
                Notification.objects.filter(pk__in=[n.pk for n in unread]).update(read_at=timezone.now())
        return self.get_response(request)
