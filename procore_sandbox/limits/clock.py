"""The sandbox clock: real time plus a shift that tests and operators can move.

The legacy upload rules (one hour to reach storage, one week to be attached) read "now" from
here. The shift is a database row (`SandboxClock`, id=1), not a setting, so moving it reaches
every process serving the sandbox at once: `advance_clock(timedelta(hours=2))`, `reset_clock()`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from procore_sandbox.models import SandboxClock


def now() -> datetime:
    offset = SandboxClock.objects.filter(id=1).values_list("offset_seconds", flat=True).first() or 0
    return timezone.now() + timedelta(seconds=offset)


def advance_clock(delta: timedelta) -> None:
    clock, _ = SandboxClock.objects.get_or_create(id=1)
    clock.offset_seconds += int(delta.total_seconds())
    clock.save(update_fields=["offset_seconds"])


def reset_clock() -> None:
    SandboxClock.objects.filter(id=1).delete()
