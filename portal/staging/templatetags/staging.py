from __future__ import annotations

from typing import Any

from django import template

from portal.throttle.templatetags.budget import duration

register = template.Library()


@register.filter
def get_item(mapping: dict, key: Any) -> Any:
    return (mapping or {}).get(key)


# One way to say a time on every page: the rate-limit budget's (which the admin uses too).
register.filter("duration", duration)
