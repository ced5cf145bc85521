from __future__ import annotations

from django.http import HttpRequest

from .handoff import waiting_count


def task_queue(request: HttpRequest) -> dict:
    """`task_queue_waiting`: how many tasks wait for the broker, for the banner every page shows
    while the queue is down (asked only when a page shows it, and only of signed-in people)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"task_queue_waiting": waiting_count}
