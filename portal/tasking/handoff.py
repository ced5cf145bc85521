"""Handing work to the task queue without ever failing for the broker.

The database row of each piece of work is the truth; the django-q2 task is only its wake-up. When
the broker (Redis) cannot take a task, `enqueue` never raises to the page or job that asked: it
records the task (`DeferredTask`, one row per task name) and answers False, and the page says the
work starts when the queue is back. `hand_over_deferred` gives the recorded tasks to the broker as
soon as it answers again: every worker process runs it every few seconds (the submission watch,
staging/pipeline/wakeup.py), and a minute schedule is the backstop. A task handed over twice is
harmless: every task claims its own rows before working.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django_q.tasks import async_task

from portal.caching import forget, shared

from .models import DeferredTask

log = logging.getLogger(__name__)

CLAIM = timedelta(seconds=60)


def enqueue(func: str, *args: object, task_name: str) -> bool:
    """Queue `func(*args)`; False when the broker refused it (the task is then recorded, to be handed
    over when the broker is back). Never raises."""
    try:
        async_task(func, *args, task_name=task_name)
    except Exception as exc:  # noqa: BLE001 - whatever the broker raises (Redis down, its database locked)
        _defer(func, list(args), task_name, exc)
        return False
    return True


def enqueue_on_commit(func: str, *args: object, task_name: str) -> None:
    """`enqueue` once the caller's transaction commits (a worker must find the rows it wrote)."""
    transaction.on_commit(lambda: enqueue(func, *args, task_name=task_name))


def is_deferred(task_name: str) -> bool:
    """Whether this task waits for the broker (for the page to say so)."""
    return DeferredTask.objects.filter(task_name=task_name).exists()


def deferred_among(task_names: Iterable[str]) -> set[str]:
    """Which of these tasks wait for the broker."""
    return set(DeferredTask.objects.filter(task_name__in=list(task_names)).values_list("task_name", flat=True))


# Every page asks for the banner: the count is read again at most this often (seconds), and at
# once after this process recorded or handed over a task.
WAITING_FOR = 2
WAITING_KEY = "tasking:waiting"


def waiting_count() -> int:
    """How many tasks wait for the broker (for the banner every page shows while it is down)."""
    return shared(WAITING_KEY, DeferredTask.objects.count, WAITING_FOR)


def _forget_waiting() -> None:
    forget(WAITING_KEY)


def _defer(func: str, args: list, task_name: str, exc: Exception) -> None:
    error = f"The task queue could not be reached ({type(exc).__name__})."[:300]
    log.warning("The task queue refused %s: %s: %s", task_name, type(exc).__name__, exc)
    try:
        with transaction.atomic():
            DeferredTask.objects.update_or_create(
                task_name=task_name,
                defaults={"func": func, "args": args, "kwargs": {}, "error": error, "claimed_until": None},
            )
    except Exception:  # noqa: BLE001 - the database is away too: the work's own backstop must find it
        log.exception("Could not record the refused task %s either", task_name)
    _forget_waiting()


def hand_over_deferred(limit: int = 500) -> int:
    """Give recorded tasks to the broker, oldest first, until it refuses one; how many were given."""
    now = timezone.now()
    free = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    handed = 0
    for row in DeferredTask.objects.filter(free)[:limit]:
        claim = now + CLAIM
        # Several worker processes look at once: only the one that moves the claim hands it over.
        if not DeferredTask.objects.filter(free, pk=row.pk).update(claimed_until=claim):
            continue
        try:
            async_task(row.func, *row.args, task_name=row.task_name, **row.kwargs)
        except Exception as exc:  # noqa: BLE001 - still down: the rest waits for the next look
            DeferredTask.objects.filter(pk=row.pk).update(
                claimed_until=None, attempts=F("attempts") + 1, error=f"Still refused ({type(exc).__name__})."
            )
            break
        # Refused again meanwhile (its claim was reset): keep it for the next look.
        DeferredTask.objects.filter(pk=row.pk, claimed_until=claim).delete()
        handed += 1
    if handed:
        _forget_waiting()
        log.info("Handed %s deferred task(s) to the task queue", handed)
    return handed
