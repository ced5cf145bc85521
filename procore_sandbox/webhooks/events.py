"""Changes in the sandbox that Procore would announce through webhooks (procore-api.md §8).

Every area calls `emit()` after a change; this module records the event and queues one delivery
for every active hook whose scope and trigger match, with the payload its version prescribes
(§8.5). The rows are written in the caller's transaction, so a rolled-back change announces
nothing; the dispatcher is woken only once that transaction commits (`transaction.on_commit`),
and no HTTP call is ever made here.

Matching [inferred from §8.5–§8.6]: callers name events either the classic way (``Project Files``
+ ``create``) or the v4.0 way (``Document Revision`` + ``created``). Classic resources reach hooks
of every payload version, whose triggers name them the classic way (a v4.0 payload then carries
``reason: "create"``, as Procore's v4.0 example carries ``reason: "update"``). ``Document Revision``
and ``Document Upload`` exist only in v4.0, so only v4.0 hooks receive them. A past-tense event type
given for a classic resource (``created``) is stored as its classic verb (``create``). Event types
match triggers case-insensitively; resource names match exactly.

Payload details Procore leaves open: v2.0/v3.0 ``metadata.source_operation_id`` and
``source_application_id`` are null (the sandbox does not know the calling app here); v3.0
``related_resources`` is empty; v4.0 ``project_id``/``user_id`` are null for company-level changes
or changes without a user; ``payload_version: "v4.0"`` is added for Document Revision events only,
as in Procore's example.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.db import transaction
from django.db.models import Q
from ulid import ULID

PAST_TO_CLASSIC = {"created": "create", "updated": "update", "deleted": "delete"}


def emit(
    *,
    company_id: int,
    project_id: int | None,
    resource_name: str,
    event_type: str,
    resource_id: str | int,
    user_id: int | None = None,
) -> None:
    """Announce a change, e.g. resource_name="Project Files", event_type="create" (v2 names) or
    resource_name="Document Revision", event_type="created" (v4.0 names)."""
    from procore_sandbox.models import Delivery, Event, Hook
    from procore_sandbox.webhooks import deliveries
    from procore_sandbox.webhooks.common import V4_ONLY_RESOURCES

    if resource_name not in V4_ONLY_RESOURCES:
        event_type = PAST_TO_CLASSIC.get(event_type.lower(), event_type)
    event = Event.objects.create(
        ulid=str(ULID()),
        company_id=company_id,
        project_id=project_id,
        user_id=user_id,
        resource_name=resource_name,
        event_type=event_type,
        resource_id=str(resource_id),
    )
    hooks = Hook.objects.filter(
        status=Hook.Status.ACTIVE,
        company_id=company_id,
        triggers__resource_name=resource_name,
        triggers__event_type__iexact=event_type,
    )
    hooks = (
        hooks.filter(Q(project__isnull=True) | Q(project_id=project_id))
        if project_id
        else hooks.filter(project__isnull=True)
    )
    if resource_name in V4_ONLY_RESOURCES:
        hooks = hooks.filter(payload_version="v4.0")
    queued = [
        Delivery(
            hook=hook,
            event=event,
            resource_name=resource_name,
            event_type=event_type,
            payload=payload(event, hook.payload_version),
            created_at=event.created_at,
        )
        for hook in hooks.distinct()
    ]
    if queued:
        Delivery.objects.bulk_create(queued)
        transaction.on_commit(deliveries.wake)


def _instant(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _number(value: str) -> int | str:
    return int(value) if value.isdigit() else value


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def payload(event: Any, payload_version: str) -> dict[str, Any]:
    """The JSON body a hook of `payload_version` receives for `event` (§8.5)."""
    if payload_version == "v4.0":
        body: dict[str, Any] = {
            "id": event.ulid,
            "timestamp": _instant(event.created_at),
            "reason": event.event_type,
            "company_id": str(event.company_id),
            "project_id": _text(event.project_id),
            "user_id": _text(event.user_id),
            "resource_type": event.resource_name,
            "resource_id": event.resource_id,
        }
        if event.resource_name == "Document Revision":
            body["payload_version"] = "v4.0"
        return body
    body = {
        "id": event.id,
        "ulid": event.ulid,
        "timestamp": _instant(event.created_at),
        "metadata": {
            "source_user_id": event.user_id,
            "source_project_id": event.project_id,
            "source_operation_id": None,
            "source_company_id": event.company_id,
            "source_application_id": None,
        },
        "user_id": event.user_id,
        "company_id": event.company_id,
        "project_id": event.project_id,
        "api_version": payload_version,
        "event_type": event.event_type,
        "resource_name": event.resource_name,
        "resource_id": _number(event.resource_id),
    }
    if payload_version == "v3.0":
        body["related_resources"] = []
    return body
