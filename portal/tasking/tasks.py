"""django-q2 tasks of the hand-over."""

from __future__ import annotations

from .handoff import hand_over_deferred


def hand_over_deferred_tasks() -> str:
    """Scheduled each minute, the backstop of the workers' own watch: tasks the broker refused."""
    return f"{hand_over_deferred()} deferred task(s) handed over"
