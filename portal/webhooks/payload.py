"""Reading an authentic delivery's body within bounds, and binding it to the hook it arrived at.

Bounds (`read_event`): the body must be a JSON object (any depth Python's parser refuses — a
RecursionError — or any other parse error is a refusal, never a crash) with an event id that is a
string or an integer of at most 64 characters; `company_id`/`project_id`, when present, are Procore
ids (digits that fit a 64-bit column); `resource_type`, `resource_id`, `reason` (and their v2.0
names) are scalars. Text is stored without lone surrogates and NUL characters, which the database
refuses.
A body outside these bounds is `Unreadable` and the receiver answers 400.

Binding (`bind`): Procore signs nothing, so the secret proves only WHICH HOOK was called
(procore-api.md §8.2). The ids in the body are claims, checked against the hook:

- a project-scope hook (`Hook.project` set) accepts events of its own project (and company) only;
- a company-scope hook (`Hook.project` empty) accepts events of its own company, and of those only
  projects the portal serves (mirrored projects of that company); events naming no project are
  company-level events and are kept without a project.

An event that fails the binding is `Misdirected`: stored as rejected with the reason, never
processed, and still answered 2xx — see `receiver.receive` for why.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from portal.mirror.models import Project

from .models import Hook

MAX_EVENT_ID = 64
MAX_ID = 2**63 - 1  # BigIntegerField


class Unreadable(Exception):
    """The body is not an event the receiver can read within its bounds (answered 400)."""


class Misdirected(Exception):
    """An authentic, readable event that does not belong to the hook it arrived at (answered 2xx)."""


@dataclass(frozen=True)
class Event:
    event_id: str
    company_id: int | None
    project_id: int | None
    resource_type: str
    resource_id: str
    reason: str


def clean_text(value: str) -> str:
    """Text as a database column can hold it: JSON's escapes can spell lone surrogates ("\\ud800"),
    which no database can encode, and NUL, which PostgreSQL refuses."""
    return value.encode("utf-8", "replace").decode("utf-8").replace("\x00", "\ufffd")


def _scalar(payload: dict, *names: str, limit: int) -> str:
    for name in names:
        value = payload.get(name)
        if value is None or value == "":
            continue
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise Unreadable(f"“{name}” is not a single value.")
        return clean_text(str(value))[:limit]
    return ""


def _procore_id(payload: dict, name: str) -> int | None:
    value = payload.get(name)
    if value is None or value == "":
        return None
    text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    if not isinstance(text, str) or not text.isascii() or not text.isdigit() or int(text) > MAX_ID:
        raise Unreadable(f"“{name}” is not a Procore id.")
    return int(text)


def read_event(raw: bytes) -> Event:
    """The event in an authentic body, or Unreadable saying why not."""
    try:
        payload = json.loads(raw)
    except RecursionError:
        raise Unreadable("The JSON is nested too deeply to read.") from None
    except ValueError:  # also UnicodeDecodeError and Python's limit on long integer literals
        raise Unreadable("Not valid JSON.") from None
    if not isinstance(payload, dict):
        raise Unreadable("Not a JSON object.")
    # v2.0/v3.0 payloads carry a ULID beside a numeric id; the ULID is the event's identity.
    key = payload.get("ulid") or payload.get("id")
    if isinstance(key, bool) or not isinstance(key, str | int) or str(key) == "":
        raise Unreadable("No event id (“id” or “ulid”, a string or an integer).")
    event_id = clean_text(str(key))
    if len(event_id) > MAX_EVENT_ID:
        raise Unreadable(f"The event id is longer than {MAX_EVENT_ID} characters.")
    return Event(
        event_id=event_id,
        company_id=_procore_id(payload, "company_id"),
        project_id=_procore_id(payload, "project_id"),
        resource_type=_scalar(payload, "resource_type", "resource_name", limit=100),
        resource_id=_scalar(payload, "resource_id", limit=64),
        reason=_scalar(payload, "reason", "event_type", limit=40),
    )


def bind(hook: Hook, event: Event) -> int | None:
    """The project the event belongs to, from the hook it arrived at; Misdirected when its claims
    do not match the hook."""
    if event.company_id is not None and event.company_id != hook.company_id:
        raise Misdirected(
            f"Event of company {event.company_id} arrived at a hook of company {hook.company_id}; not processed."
        )
    if hook.project_id is not None:
        if event.project_id is not None and event.project_id != hook.project_id:
            raise Misdirected(
                f"Event of project {event.project_id} arrived at the hook of project {hook.project_id}; not processed."
            )
        return hook.project_id
    if event.project_id is None:
        return None  # a company-level event (e.g. company files)
    if not Project.objects.filter(pk=event.project_id, company_id=hook.company_id).exists():
        raise Misdirected(
            f"Project {event.project_id} is not a project of company {hook.company_id} that the portal serves; "
            "not processed."
        )
    return event.project_id
