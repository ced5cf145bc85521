"""What the v1.0 and v2.0 webhooks APIs share (procore-api.md §8): the resource catalogue,
payload versions, namespace and destination validation, the Authorization mask, and the
writes both APIs perform on hooks and triggers.

Choices where §8 is silent or marks a gap [inferred]:

- Payload versions are accepted as ``v2``/``v2.0``, ``v3``/``v3.0``, ``v4``/``v4.0`` and stored and
  answered in the ``vN.0`` form (the reference shows both spellings).
- Only ``destination_headers.Authorization`` is kept (Procore's UI offers that one header); other
  keys are ignored. The value is stored in full and answered as ``*****`` + its last 5 characters
  (values of 5 characters or fewer answer ``*****`` alone, so nothing short leaks whole).
- ``destination_url`` must be an absolute http(s) URL. Procore requires public HTTPS; the sandbox
  also accepts http so the demo and tests can receive on 127.0.0.1.
- A trigger is any non-blank (resource_name, event_type) pair, even one the catalogue does not list:
  §8.6 says ``create``/``update``/``delete`` triggers on ``Document Revision`` are accepted yet never
  match, and the sandbox reproduces that trap. The same pair twice on one hook is refused
  (v2: 409 CONFLICT, v1: 422; in bulk calls a ``failed`` entry).
- Company-scoped hooks receive the events of every project of the company as well as the company's
  own; project-scoped hooks receive that project's events only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from procore_sandbox.models import Delivery, Hook, Person, Trigger
from procore_sandbox.models.webhooks import PAYLOAD_VERSIONS

NAMESPACE_PATTERN = re.compile(r"^[a-z0-9-]+$")
MAX_BULK_TRIGGERS = 500

# Resources only v4.0 payloads announce (§8.6): their events never reach v2.0/v3.0 hooks.
V4_ONLY_RESOURCES = {"Document Revision", "Document Upload"}
CLASSIC_ACTIONS = ["create", "update", "delete"]

# (category, tool, name, actions, company-level only)
_CLASSIC = [
    ("Core", "Documents", "Project Files", CLASSIC_ACTIONS, False),
    ("Core", "Documents", "Project File Versions", CLASSIC_ACTIONS, False),
    ("Core", "Documents", "Project Folders", CLASSIC_ACTIONS, False),
    ("Core", "Documents", "Company Files", CLASSIC_ACTIONS, True),
    ("Core", "Documents", "Company Folders", CLASSIC_ACTIONS, True),
    ("Core", "Portfolio", "Projects", CLASSIC_ACTIONS, True),
]
_V4_ONLY = [
    ("Core", "Documents", "Document Revision", ["created", "updated", "recycled"], False),
    ("Core", "Documents", "Document Upload", ["created", "completed"], False),
]


class ValidationFailed(Exception):
    """A request property is missing or invalid; v2 answers 400, v1 answers 422."""

    def __init__(self, field: str, message: str, *, missing: bool = False, status: int | None = None):
        super().__init__(message)
        self.field = field
        self.message = message
        self.missing = missing
        self.status = status


def catalogue(payload_version: str | None, *, project_scope: bool) -> list[dict[str, Any]]:
    """The resources a hook of `payload_version` may subscribe to (all versions when None)."""
    versions = [normalise_version(payload_version)] if payload_version else list(PAYLOAD_VERSIONS)
    entries = []
    for version in versions:
        rows = _CLASSIC + (_V4_ONLY if version == "v4.0" else [])
        for category, tool, name, actions, company_only in rows:
            if project_scope and company_only:
                continue
            entries.append(
                {"category": category, "tool": tool, "name": name, "payload_version": version, "actions": list(actions)}
            )
    return entries


def normalise_version(value: Any, field: str = "payload_version") -> str:
    text = str(value or "").strip().lower()
    if text in {"v2", "v3", "v4"}:
        text += ".0"
    if text not in PAYLOAD_VERSIONS:
        raise ValidationFailed(field, f"{field} must be one of v2.0, v3.0, v4.0")
    return text


def mask(value: str) -> str:
    return "*****" + (value[-5:] if len(value) > 5 else "")


def masked_headers(hook: Hook) -> dict[str, str]:
    return {"Authorization": mask(hook.authorization)} if hook.authorization else {}


def clean_namespace(value: Any) -> str:
    if value in (None, ""):
        raise ValidationFailed("namespace", "namespace is required", missing=True)
    if not isinstance(value, str) or not NAMESPACE_PATTERN.match(value):
        raise ValidationFailed("namespace", "namespace may contain only lowercase letters, digits and '-'")
    return value


def clean_url(value: Any) -> str:
    if value in (None, ""):
        raise ValidationFailed("destination_url", "destination_url is required", missing=True)
    parts = urlsplit(str(value))
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ValidationFailed("destination_url", "destination_url must be an absolute https URL")
    return str(value)


def clean_headers(value: Any) -> str:
    if value in (None, ""):
        return ""
    if not isinstance(value, dict):
        raise ValidationFailed("destination_headers", "destination_headers must be an object")
    authorization = value.get("Authorization", value.get("authorization", ""))
    if authorization is None:
        return ""
    if not isinstance(authorization, str):
        raise ValidationFailed("destination_headers", "destination_headers.Authorization must be a string")
    return authorization


@dataclass
class Scope:
    """Who a hook belongs to: a company, or one project of it."""

    company_id: int
    project_id: int | None

    def hooks(self) -> QuerySet[Hook]:
        hooks = Hook.objects.filter(company_id=self.company_id)
        if self.project_id is None:
            return hooks.filter(project__isnull=True)
        return hooks.filter(project_id=self.project_id)


def create_hook(
    scope: Scope, person: Person, data: dict[str, Any], *, version_field: str, default_version: str | None
) -> Hook:
    raw_version = data.get(version_field) or default_version
    if not raw_version:
        raise ValidationFailed(version_field, f"{version_field} is required", missing=True)
    return Hook.objects.create(
        company_id=scope.company_id,
        project_id=scope.project_id,
        owned_by=person,
        namespace=clean_namespace(data.get("namespace")),
        payload_version=normalise_version(raw_version, version_field),
        destination_url=clean_url(data.get("destination_url")),
        authorization=clean_headers(data.get("destination_headers")),
    )


def update_hook(hook: Hook, data: dict[str, Any], *, version_field: str) -> Hook:
    if "namespace" in data:
        hook.namespace = clean_namespace(data["namespace"])
    if data.get(version_field):
        hook.payload_version = normalise_version(data[version_field], version_field)
    if "destination_url" in data:
        hook.destination_url = clean_url(data["destination_url"])
    if "destination_headers" in data:
        hook.authorization = clean_headers(data["destination_headers"])
    disabling = False
    if "status" in data:
        if data["status"] not in Hook.Status.values:
            raise ValidationFailed("status", "status must be active or disabled")
        disabling = hook.status == Hook.Status.ACTIVE and data["status"] == Hook.Status.DISABLED
        hook.status = data["status"]
    hook.updated_at = timezone.now()
    with transaction.atomic():
        hook.save()
        if disabling:
            # A disabled hook sends nothing more: what was still queued for it has failed.
            Delivery.objects.filter(hook=hook, status__in=[Delivery.Status.ENQUEUED, Delivery.Status.RETRYING]).update(
                status=Delivery.Status.FAILED, completed_at=timezone.now()
            )
            Hook.objects.filter(pk=hook.pk).update(failing_since=None, failure_count=0, retry_at=None)
    return hook


class DuplicateTrigger(Exception):
    pass


def create_trigger(hook: Hook, person: Person, data: Any) -> Trigger:
    if not isinstance(data, dict):
        raise ValidationFailed("trigger", "trigger must be an object")
    values = {}
    for field in ("resource_name", "event_type"):
        value = data.get(field)
        if value in (None, ""):
            raise ValidationFailed(field, f"{field} is required", missing=True)
        if not isinstance(value, str) or not value.strip():
            raise ValidationFailed(field, f"{field} must be a string")
        values[field] = value.strip()
    # Event types compare case-insensitively (v1 answers them in upper case); keep one spelling.
    values["event_type"] = values["event_type"].lower()
    if hook.triggers.filter(**values).exists():
        raise DuplicateTrigger(f"Trigger {values['resource_name']}.{values['event_type']} already exists")
    try:
        with transaction.atomic():
            trigger = Trigger.objects.create(hook=hook, created_by=person, **values)
    except IntegrityError:
        raise DuplicateTrigger(f"Trigger {values['resource_name']}.{values['event_type']} already exists") from None
    Hook.objects.filter(pk=hook.pk).update(updated_at=timezone.now())
    return trigger


def bulk_items(body: Any, key: str) -> list[Any]:
    """The list a bulk call carries: a bare JSON array or the array under `key`."""
    items = body.get(key) if isinstance(body, dict) else body
    if not isinstance(items, list) or not items:
        raise ValidationFailed(key, f"{key} must be a non-empty array", missing=items is None)
    if len(items) > MAX_BULK_TRIGGERS:
        raise ValidationFailed(key, f"At most {MAX_BULK_TRIGGERS} triggers per request", status=413)
    return items
