"""The receiver Procore POSTs deliveries to (procore-api.md §8.2): ``/webhooks/procore/<hook id>/``.

Procore signs nothing; the only proof is the `Authorization` value we chose for the hook. So:

1. The hook comes from the URL and the header is compared with its secret (and, for an hour after a
   rotation, the previous one) in constant time, before the body is read. Anything else answers
   401 and stores nothing: a forger must not be able to fill our database.
2. The raw delivery is stored FIRST (one INSERT, committed before the answer), then the answer goes
   out: 204, with no Procore call on the request path. Once it is committed, processing is queued
   with django-q2: a drain task, queued only when none is waiting (portal.webhooks.processing), so
   a burst costs a handful of tasks, not one per delivery.
3. Dedupe on the event id (v4.0 ``id``; v2.0/v3.0 ``ulid``, else ``id``): the column is unique, so a
   repeat insert fails and only bumps the stored row's `duplicates` counter; it also answers 204.

4. The delivery is bound to its hook, never to the ids in its body (portal.webhooks.payload): a
   project-scope hook accepts its own project's events only, a company-scope hook its company's
   projects that the portal serves. A misdirected event is stored as `rejected` with the reason and
   answered 204 all the same: any non-2xx answer makes Procore pause EVERY delivery to this endpoint
   and retry the one for up to 12 hours (§8.2), so refusing one misdirected event would hold up all
   the genuine ones behind it.

Refused bodies ("nothing lost" — decided here): an authentic body that cannot be read within bounds
(not JSON, nested too deeply, not an object with an event id, ids that are not Procore ids — see
portal.webhooks.payload) is stored as a `rejected` delivery (raw text) with the reason and answered
400, never 500; an authentic body over WEBHOOKS_MAX_BODY_BYTES (default 256 KiB; real payloads are
< 1 KiB) has its first WEBHOOKS_KEEP_BODY_BYTES (default 64 KiB) stored and is answered 413. Either
way an operator can see what came in, Procore retries it (and, failing for 12 h, discards it), and
the reconciliation job catches the change it announced through the mirror's incremental sync.
Repeats of one refused body (Procore's retries) bump the counter of the first row instead of adding
rows.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .models import Delivery, Hook
from .payload import Event, Misdirected, Unreadable, bind, clean_text, read_event

log = logging.getLogger(__name__)


def max_body() -> int:
    return settings.WEBHOOKS_MAX_BODY_BYTES


def keep_body() -> int:
    return settings.WEBHOOKS_KEEP_BODY_BYTES


def authentic(secrets: list[bytes], header: str) -> bool:
    """Constant-time check of the Authorization header against every accepted secret."""
    given = header.encode()
    ok = False
    for secret in secrets:  # every one compared: no early exit
        ok |= hmac.compare_digest(given, secret)
    return ok


def store_event(hook: Hook, raw: bytes, event: Event, project_id: int | None) -> tuple[Delivery | None, bool]:
    """Store one authentic event; (delivery, True) when new, (None, False) for a duplicate."""
    delivery = Delivery(
        hook=hook,
        event_id=event.event_id,
        body=clean_text(raw.decode("utf-8", "replace")),
        body_size=len(raw),
        project_id=project_id,
        resource_type=event.resource_type,
        resource_id=event.resource_id,
        reason=event.reason,
    )
    from .processing import wake_processing

    try:
        if transaction.get_connection().in_atomic_block:
            with transaction.atomic():  # a savepoint: a duplicate must not break the caller's transaction
                delivery.save(force_insert=True)
        else:
            # One INSERT committed on its own (autocommit): durable before we answer, one round trip.
            delivery.save(force_insert=True)
    except IntegrityError:
        if not Delivery.objects.filter(event_id=delivery.event_id).update(duplicates=F("duplicates") + 1):
            raise  # not a duplicate (e.g. the hook was deleted a moment ago): a 500, Procore retries
        return None, False
    transaction.on_commit(wake_processing)  # at once unless a caller's transaction is open
    return delivery, True


def store_rejected(hook: Hook, raw: bytes, size: int, error: str, *, project_id: int | None = None) -> None:
    """Keep a refused body for diagnosis, once: repeats of the same body at the same hook (Procore's
    retries) bump the first row's counter. No event id is stored, so a refused event can never stand
    in the way of the same event arriving where it belongs."""
    digest = hashlib.sha256(raw).hexdigest()
    with transaction.atomic():
        if Delivery.objects.filter(hook=hook, state=Delivery.State.REJECTED, body_sha256=digest, body_size=size).update(
            duplicates=F("duplicates") + 1
        ):
            return
        Delivery.objects.create(
            hook=hook,
            body=clean_text(raw.decode("utf-8", "replace")),
            body_size=size,
            body_sha256=digest,
            project_id=project_id,
            state=Delivery.State.REJECTED,
            error=clean_text(error),
        )


_hooks: dict[int, tuple[float, Hook | None, list[bytes]]] = {}
HOOK_CACHE_SECONDS = 5.0


def _load_hook(hook_id: int) -> tuple[Hook | None, list[bytes]]:
    hook = (
        Hook.objects.filter(pk=hook_id)
        .only("id", "project_id", "company_id", "secret_encrypted", "previous_secret_encrypted", "previous_valid_until")
        .first()
    )
    secrets = [value.encode() for value in hook.accepted_secrets()] if hook else []
    # The previous secret's grace ends by the clock: never cache past it.
    until = time.monotonic() + HOOK_CACHE_SECONDS
    if hook is not None and hook.previous_valid_until:
        until = min(until, time.monotonic() + (hook.previous_valid_until - timezone.now()).total_seconds())
    _hooks[hook_id] = (until, hook, secrets)
    return hook, secrets


def authenticated_hook(hook_id: int, header: str) -> Hook | None:
    """The hook if `header` is one of its secrets. The hook and its decrypted secrets are cached in
    the process for HOOK_CACHE_SECONDS (a query and a decryption less per delivery); a header the
    cached copy refuses is checked again against the database, so a rotation or a new hook is seen
    at once. The price: a secret withdrawn by hand (not by the clock) may pass for those seconds."""
    cached = _hooks.get(hook_id)
    if cached and time.monotonic() < cached[0] and cached[1] is not None and authentic(cached[2], header):
        return cached[1]
    hook, secrets = _load_hook(hook_id)
    return hook if hook is not None and authentic(secrets, header) else None


@csrf_exempt  # authenticated by the hook's secret, not by a session
@require_POST
def receive(request: HttpRequest, hook_id: int) -> HttpResponse:
    hook = authenticated_hook(hook_id, request.headers.get("Authorization", ""))
    if hook is None:
        return HttpResponse(status=401)
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > max_body():
        head = request.read(keep_body())
        store_rejected(
            hook,
            head,
            declared,
            f"Body of {declared} bytes is over the {max_body()}-byte limit; the first {len(head)} bytes are kept.",
        )
        return HttpResponse(status=413)
    raw = request.read(max_body() + 1)  # a body without Content-Length may still be too long
    if len(raw) > max_body():
        store_rejected(hook, raw[: keep_body()], len(raw), f"Body over the {max_body()}-byte limit (no length given).")
        return HttpResponse(status=413)
    try:
        event = read_event(raw)
    except Unreadable as refusal:
        store_rejected(hook, raw, len(raw), str(refusal))
        return HttpResponse(status=400)
    try:
        project_id = bind(hook, event)
    except Misdirected as refusal:
        log.warning("Webhook delivery refused at hook %s: %s", hook.pk, refusal)
        # 2xx although refused: a non-2xx would pause every delivery to this endpoint (see above).
        store_rejected(hook, raw, len(raw), str(refusal), project_id=hook.project_id)
        return HttpResponse(status=204)
    store_event(hook, raw, event, project_id)
    return HttpResponse(status=204)
