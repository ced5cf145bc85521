"""Template filters for rate-limit figures."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def duration(seconds: float | None) -> str:
    """A time as people say it: "45 s", "2 min 5 s", "12 min", "3 h 20 min"."""
    if seconds is None:
        return ""
    total = max(0, round(float(seconds)))
    if total < 90:
        return f"{total} s"
    if total < 600:
        return f"{total // 60} min {total % 60} s"
    minutes = round(total / 60)
    if minutes < 90:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"
