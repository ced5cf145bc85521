"""django-q2 tasks of issue control: thin wrappers over compare.py and transmittal.py, and the
functions that queue them (after the transaction that asks commits)."""

from __future__ import annotations

from collections.abc import Iterable

from portal.tasking.handoff import enqueue_on_commit, is_deferred

from . import compare, transmittal


def compare_batch(batch_id: int) -> str:
    return f"batch {batch_id}: {compare.run_compares(batch_id)} document(s) compared"


def queue_compare(batch_id: int) -> None:
    enqueue_on_commit(
        "portal.staging.issue_control.tasks.compare_batch", batch_id, task_name=f"compare-batch-{batch_id}"
    )


def waits_for_queue(kind: str, batch_id: int) -> bool:
    """Whether the batch's "compare" or "transmittal" task waits for the broker (it was down)."""
    return is_deferred(f"{kind}-batch-{batch_id}")


def prune_compare_cache() -> int:
    """Scheduled: downloaded revisions unused for COMPARE_CACHE_DAYS, pictures of landed documents."""
    return compare.prune_cache()


def make_transmittal(batch_id: int, closed_by: int | None = None) -> str:
    made = transmittal.make_transmittal(batch_id, closed_by)
    return f"batch {batch_id}: " + (f"transmittal {made.label}" if made else "nothing landed, no transmittal")


def queue_transmittal(batch_id: int, closed_by: int | None = None) -> None:
    enqueue_on_commit(
        "portal.staging.issue_control.tasks.make_transmittal",
        batch_id,
        closed_by,
        task_name=f"transmittal-batch-{batch_id}",
    )


def queue_transmittals_due(batch_ids: Iterable[int]) -> list[int]:
    """Queue a transmittal for each of these batches that has fully landed and has none yet."""
    due = transmittal.due_batches(batch_ids)
    for batch_id in due:
        queue_transmittal(batch_id)
    return due
