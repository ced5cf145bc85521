"""Every web request is interactive: a person is waiting for the page.

Procore calls made while serving it (a sign-in, a dashboard re-reading the person's projects,
registering a webhook) go in the interactive lane, as the flow of the person signed in. The
time they waited for the budget is reported in a `Server-Timing` header (`procore-budget`), so
an administrator can see in the browser's developer tools whether a slow page waited for
Procore's rate limit.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from . import lanes


class InteractiveLane:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with lanes.serving(ticket_for(request)), lanes.tallying() as waits:
            response = self.get_response(request)
        if waits.calls:
            response["Server-Timing"] = f'procore-budget;dur={waits.seconds * 1000:.0f};desc="{waits.calls} call(s)"'
        return response


def ticket_for(request: HttpRequest) -> lanes.Ticket:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return lanes.Ticket.for_person(None)
    return lanes.Ticket.for_person(user.pk, user.get_full_name() or user.get_username())
