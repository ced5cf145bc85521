"""The grid columns each person chose (which, in what order, how wide), kept per project."""

from __future__ import annotations

from typing import Any

from portal.accounts.models import User

from .models import Batch, GridLayout

MAX_WIDTH = 2000


class BadLayout(ValueError):
    """The layout sent is not a list of known columns."""


def load_layout(user: User, batch: Batch) -> list[dict[str, Any]]:
    layout = GridLayout.objects.filter(user=user, project_id=batch.project_id, target=batch.target).first()
    return layout.columns if layout is not None else []


def save_layout(user: User, batch: Batch, columns: Any, known: set[str]) -> list[dict[str, Any]]:
    """Keep the person's columns for the batch's project; unknown columns are dropped (a field
    removed in Procore since the page was read), anything malformed is refused."""
    if not isinstance(columns, list):
        raise BadLayout("Send {'columns': [{'id': ..., 'shown': true}, ...]}.")
    kept: list[dict[str, Any]] = []
    seen: set[str] = set()
    for item in columns:
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            raise BadLayout("Each column is an object with an id.")
        column_id = item["id"]
        if column_id not in known or column_id in seen:
            continue
        seen.add(column_id)
        entry: dict[str, Any] = {"id": column_id, "shown": bool(item.get("shown", True))}
        width = item.get("width")
        if isinstance(width, int | float) and 20 <= width <= MAX_WIDTH:
            entry["width"] = int(width)
        kept.append(entry)
    GridLayout.objects.update_or_create(
        user=user, project_id=batch.project_id, target=batch.target, defaults={"columns": kept}
    )
    return kept
