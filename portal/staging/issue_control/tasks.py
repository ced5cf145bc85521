"""django-q2 tasks of issue control: thin wrappers over compare.py and transmittal.py."""

from __future__ import annotations

from django_q.tasks import async_task


def compare_batch(batch_id: int) -> str:
    from .compare import run_compares

    return f"batch {batch_id}: {run_compares(batch_id)} document(s) compared"


def queue_compare(batch_id: int) -> None:
    async_task("portal.staging.issue_control.tasks.compare_batch", batch_id, task_name=f"compare-batch-{batch_id}")


def prune_compare_cache() -> int:
    """Scheduled: downloaded revisions unused for COMPARE_CACHE_DAYS, pictures of landed documents."""
    from .compare import prune_cache

    return prune_cache()
