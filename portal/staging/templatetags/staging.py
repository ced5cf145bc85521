from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def get_item(mapping: dict, key: Any) -> Any:
    return (mapping or {}).get(key)


@register.filter
def duration(seconds: float | None) -> str:
    """45 s; 2 min 5 s from 90 seconds on."""
    if seconds is None:
        return ""
    whole = round(seconds)
    return f"{whole // 60} min {whole % 60} s" if whole >= 90 else f"{whole} s"
