"""Small helpers the sync functions share."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from itertools import islice
from typing import Any, TypeVar

from django.db import models
from django.utils.dateparse import parse_datetime

T = TypeVar("T")
M = TypeVar("M", bound=models.Model)


def chunked(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def when(value: Any) -> datetime | None:
    return parse_datetime(value) if isinstance(value, str) and value else None


def newest(current: datetime | None, candidate: datetime | None) -> datetime | None:
    if candidate is None:
        return current
    return candidate if current is None or candidate > current else current


def upsert(model: type[M], objects: Sequence[M], unique_fields: list[str], update_fields: list[str]) -> None:
    """Insert or update rows in one statement per chunk (SQLite and PostgreSQL alike)."""
    if objects:
        model._default_manager.bulk_create(
            objects, batch_size=500, update_conflicts=True, unique_fields=unique_fields, update_fields=update_fields
        )


def delete_ids(queryset: models.QuerySet, ids: Iterable[Any], field: str = "pk") -> int:
    removed = 0
    for chunk in chunked(ids, 500):
        removed += queryset.filter(**{f"{field}__in": chunk}).delete()[0]
    return removed
