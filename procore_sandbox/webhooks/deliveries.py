"""The sandbox's webhook delivery engine (procore-api.md §8.2).

Each queued delivery is POSTed as JSON to its hook's ``destination_url`` with the stored
``Authorization`` header and ``Content-Type: application/json``, with a 5-second timeout (to connect,
and again to read the answer). A 2xx answer is a success; redirects are not followed, so a 3xx is a
failure [inferred]. The first 10,000 characters of each answer's body are kept with the attempt. Anything else (non-2xx, timeout, connection failure) pauses the whole endpoint
(the hook): only its oldest pending delivery is retried, with exponential backoff from 1 s doubling
up to 1 h; deliveries behind it wait. Once the hook has failed continuously for the discard window
(12 h by default), every delivery still queued for it is marked ``discarded`` and the hook starts
afresh with the next event. Any success resets the counters. Every attempt is a DeliveryAttempt row.

Who sends:

- ``wake()`` (called by `events.emit` once the emitting transaction commits) starts a dispatcher
  thread inside the current process if none is running; it exits when nothing is queued, so the
  demo server and the live test server deliver with nothing extra running. Work left queued by a
  stopped server resumes at the next event, the next deliveries listing (which also wakes the
  dispatcher), or with ``sandbox_deliver``.
- ``manage.py sandbox_deliver [--once]`` runs the same loop explicitly (another process works too).
- ``deliver_due()`` sends everything due now and returns; tests call it.

Safety: a dispatcher claims a hook with a conditional UPDATE of its lease (``lease_until``,
``lease_owner``) and renews it, checking the row count, before every POST, so two dispatchers —
threads or processes — never send to one endpoint at once; each attempt number is taken with
another conditional UPDATE. No database transaction is open while a POST is in flight: on SQLite
the receiver may be the portal writing to the same database file.

Settings (portal/settings.py, from the environment variables of the same names):
``SANDBOX_WEBHOOK_TIME_SCALE`` (default 1; 0.01 makes 1 s of backoff 10 ms and the discard window
100 times shorter), ``SANDBOX_WEBHOOK_DISCARD_AFTER`` (seconds before scaling, default 43200),
``SANDBOX_WEBHOOK_TIMEOUT`` (seconds, default 5, not scaled), ``SANDBOX_WEBHOOK_DISPATCHER``
(default on; off leaves sending to ``sandbox_deliver`` or ``deliver_due()``).
"""

from __future__ import annotations

import logging
import os
import secrets
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

import requests
from django.conf import settings
from django.db import IntegrityError, connection
from django.db.models import Q, QuerySet
from django.utils import timezone

from procore_sandbox.models import Delivery, DeliveryAttempt, Hook

log = logging.getLogger(__name__)

PENDING = [Delivery.Status.ENQUEUED, Delivery.Status.RETRYING]
FIRST_BACKOFF = 1.0
MAX_BACKOFF = 3600.0
LEASE = timedelta(seconds=60)
MAX_PER_CLAIM = 50
MAX_BODY = 10_000
IDLE_POLL = 1.0


def time_scale() -> float:
    return float(settings.SANDBOX_WEBHOOK_TIME_SCALE)


def discard_window() -> timedelta:
    return timedelta(seconds=float(settings.SANDBOX_WEBHOOK_DISCARD_AFTER) * time_scale())


def backoff(failures: int) -> timedelta:
    """Delay before retry number `failures` (1 s, 2 s, 4 s, … capped at 1 h), scaled."""
    seconds = min(FIRST_BACKOFF * 2 ** max(failures - 1, 0), MAX_BACKOFF)
    return timedelta(seconds=seconds * time_scale())


def dispatcher_enabled() -> bool:
    return bool(settings.SANDBOX_WEBHOOK_DISPATCHER)


# --- Sending -------------------------------------------------------------------------------


def _due_hooks(now: datetime) -> QuerySet:
    return (
        Hook.objects.filter(status=Hook.Status.ACTIVE, deliveries__status__in=PENDING)
        .filter(Q(retry_at__isnull=True) | Q(retry_at__lte=now))
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .values_list("id", flat=True)
        .distinct()
    )


def _claim(hook_id: int, owner: str) -> bool:
    """Take or renew the lease on a hook; False when another dispatcher holds it."""
    now = timezone.now()
    # Long enough for one POST (connect + read timeouts) with room to spare.
    lease = max(LEASE, timedelta(seconds=4 * float(settings.SANDBOX_WEBHOOK_TIMEOUT)))
    mine_or_free = Q(lease_owner=owner) | Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    return bool(
        Hook.objects.filter(mine_or_free, pk=hook_id, status=Hook.Status.ACTIVE).update(
            lease_until=now + lease, lease_owner=owner
        )
    )


def _release(hook_id: int, owner: str) -> None:
    Hook.objects.filter(pk=hook_id, lease_owner=owner).update(lease_until=None, lease_owner="")


def _discard_all(hook: Hook, now: datetime) -> int:
    count = Delivery.objects.filter(hook=hook, status__in=PENDING).update(
        status=Delivery.Status.DISCARDED, completed_at=now
    )
    Hook.objects.filter(pk=hook.pk).update(failing_since=None, failure_count=0, retry_at=None)
    log.info("webhook hook %s: %s deliveries discarded after %s of failure", hook.pk, count, discard_window())
    return count


def _post(hook: Hook, delivery: Delivery) -> dict:
    """POST one delivery; never raises. Returns the attempt's fields."""
    headers = {"Content-Type": "application/json", "User-Agent": "Procore-Sandbox-Webhooks"}
    if hook.authorization:
        headers["Authorization"] = hook.authorization
    timeout = float(settings.SANDBOX_WEBHOOK_TIMEOUT)
    started = timezone.now()
    result = {
        "started_at": started,
        "success": False,
        "response_status": None,
        "response_headers": {},
        "response_body": "",
        "response_error": "",
    }
    try:
        answer = requests.post(
            hook.destination_url,
            json=delivery.payload,
            headers=headers,
            timeout=(timeout, timeout),
            allow_redirects=False,
        )
        result.update(
            success=200 <= answer.status_code < 300,
            response_status=answer.status_code,
            response_headers=dict(answer.headers),
            response_body=answer.text[:MAX_BODY],
        )
    except requests.RequestException as error:
        result["response_error"] = f"{type(error).__name__}: {error}"[:MAX_BODY]
    result["completed_at"] = timezone.now()
    return result


def _send_hook(hook_id: int, owner: str) -> int:
    """Send a claimed hook's pending deliveries in order until one fails; return how many succeeded."""
    sent = 0
    try:
        for _ in range(MAX_PER_CLAIM):
            if not _claim(hook_id, owner):
                return sent
            hook = Hook.objects.get(pk=hook_id)
            now = timezone.now()
            if hook.failing_since and now - hook.failing_since >= discard_window():
                _discard_all(hook, now)
                return sent
            if hook.retry_at and hook.retry_at > now:
                return sent
            delivery = Delivery.objects.filter(hook=hook, status__in=PENDING).order_by("id").first()
            if delivery is None:
                return sent
            number = delivery.attempt_count + 1
            if not Delivery.objects.filter(
                pk=delivery.pk, attempt_count=delivery.attempt_count, status__in=PENDING
            ).update(attempt_count=number):
                return sent
            result = _post(hook, delivery)
            try:
                DeliveryAttempt.objects.create(delivery=delivery, number=number, **result)
            except IntegrityError:
                return sent
            done = result["completed_at"]
            if result["success"]:
                Delivery.objects.filter(pk=delivery.pk, status__in=PENDING).update(
                    status=Delivery.Status.DELIVERED, completed_at=done
                )
                Hook.objects.filter(pk=hook_id).update(failing_since=None, failure_count=0, retry_at=None)
                sent += 1
                continue
            Delivery.objects.filter(pk=delivery.pk, status__in=PENDING).update(status=Delivery.Status.RETRYING)
            failing_since = hook.failing_since or result["started_at"]
            failures = hook.failure_count + 1
            if done - failing_since >= discard_window():
                _discard_all(hook, done)
            else:
                # Retry after the backoff, but no later than the end of the window, when the
                # queue is flushed.
                retry_at = min(done + backoff(failures), failing_since + discard_window())
                Hook.objects.filter(pk=hook_id).update(
                    failing_since=failing_since, failure_count=failures, retry_at=retry_at
                )
            return sent
        return sent
    finally:
        _release(hook_id, owner)


def deliver_due(owner: str | None = None) -> int:
    """Send every delivery due now (hooks in parallel, each hook in order); return the successes."""
    owner = owner or secrets.token_hex(8)
    hook_ids = list(_due_hooks(timezone.now()))
    if not hook_ids:
        return 0
    if len(hook_ids) == 1:
        return _send_hook(hook_ids[0], owner)
    with ThreadPoolExecutor(max_workers=min(8, len(hook_ids))) as pool:
        return sum(pool.map(lambda hook_id: _in_thread(_send_hook, hook_id, owner), hook_ids))


def _in_thread(function: Callable[..., int], *args: Any) -> int:
    try:
        return function(*args)
    finally:
        connection.close()


def seconds_until_due() -> float | None:
    """How long until some queued delivery may be sent; None when nothing is queued."""
    now = timezone.now()
    hooks = Hook.objects.filter(status=Hook.Status.ACTIVE, deliveries__status__in=PENDING).distinct()
    waits = []
    for retry_at, lease_until in hooks.values_list("retry_at", "lease_until"):
        moments = [m for m in (retry_at, lease_until) if m and m > now]
        waits.append(max(m - now for m in moments).total_seconds() if moments else 0.0)
    return min(waits) if waits else None


# --- The in-process dispatcher ---------------------------------------------------------------

_lock = threading.Lock()
_wake_up = threading.Event()
_thread: threading.Thread | None = None


def wake() -> None:
    """Make sure a dispatcher will look at the queue soon; never blocks, never sends inline."""
    global _thread
    if not dispatcher_enabled():
        return
    with _lock:
        _wake_up.set()
        if _thread is None or not _thread.is_alive():
            _thread = threading.Thread(target=_dispatch_loop, name="sandbox-webhooks", daemon=True)
            _thread.start()


def _dispatch_loop() -> None:
    global _thread
    owner = f"thread-{os.getpid()}-{secrets.token_hex(4)}"
    try:
        while True:
            if not dispatcher_enabled():
                with _lock:
                    _thread = None
                return
            _wake_up.clear()
            try:
                deliver_due(owner)
                wait = seconds_until_due()
            except Exception:  # noqa: BLE001 - a dispatcher must outlive one bad round
                log.exception("webhook dispatcher round failed")
                wait = IDLE_POLL
            finally:
                connection.close()
            if wait is None:
                with _lock:
                    if not _wake_up.is_set():
                        _thread = None
                        return
                continue
            _wake_up.wait(timeout=min(max(wait, 0.005), IDLE_POLL))
    finally:
        connection.close()


def run_forever(*, once: bool = False, stop: threading.Event | None = None) -> int:
    """The `sandbox_deliver` loop: deliver, then sleep until the next delivery is due."""
    owner = f"command-{os.getpid()}-{secrets.token_hex(4)}"
    stop = stop or threading.Event()
    total = 0
    try:
        while not stop.is_set():
            total += deliver_due(owner)
            if once:
                return total
            wait = seconds_until_due()
            stop.wait(timeout=IDLE_POLL if wait is None else min(max(wait, 0.005), IDLE_POLL))
        return total
    finally:
        connection.close()


def pending_count() -> int:
    return Delivery.objects.filter(status__in=PENDING).count()
