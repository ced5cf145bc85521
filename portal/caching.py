"""Answers many requests ask for and few change: worked out once, then shared for a few seconds.

The default cache is each process's own memory unless the settings name a shared one, so a value
is worked out at most once per `seconds` in every process.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache

T = TypeVar("T")


def shared(key: str, compute: Callable[[], T], seconds: float) -> T:
    """`compute()`, or what it gave under `key` less than `seconds` ago (None is never kept)."""
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, seconds)
    return value


def forget(key: str) -> None:
    cache.delete(key)
