"""Show a person's unread notifications once, on their next page, as Django messages.

A notice is marked read only when a page is shown to the person from the portal itself: a request
the browser labels a same-origin (or typed-in) page load (`Sec-Fetch-Site` and `Sec-Fetch-Dest`,
sent by every current browser). Any GET carries the session cookie, so without this check a
cross-site `<img src="https://portal/...">` or a script's fetch would mark notices read that nobody
saw. A browser too old to send those headers counts as same-site only when it names one of our
pages as the Referer.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from .models import Notification

LEVELS: dict[str, int] = {Notification.Level.SUCCESS: messages.SUCCESS, Notification.Level.WARNING: messages.WARNING}
SKIP = ("/sandbox/", "/static/", "/media/", "/admin/jsi18n/")
# "none": the person typed the address, used a bookmark or opened a link from outside a page.
SAME_SITE = {"same-origin", "none"}


def shown_to_the_person(request: HttpRequest) -> bool:
    """Whether this request is a page load the person asked for from the portal (or directly)."""
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None:
        return site in SAME_SITE and request.headers.get("Sec-Fetch-Dest", "document") == "document"
    referer = urlsplit(request.headers.get("Referer", ""))
    return bool(referer.netloc) and f"{referer.scheme}://{referer.netloc}" == f"{request.scheme}://{request.get_host()}"


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
            and shown_to_the_person(request)
        ):
            unread = list(Notification.objects.filter(user=user, read_at__isnull=True).order_by("created_at")[:5])
            for note in unread:
                messages.add_message(request, LEVELS.get(note.level, messages.INFO), note.text)
            if unread:
                Notification.objects.filter(pk__in=[n.pk for n in unread]).update(read_at=timezone.now())
        return self.get_response(request)
