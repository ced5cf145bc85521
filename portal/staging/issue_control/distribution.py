"""Who a batch's transmittal goes to: project people chosen when the batch is submitted.

The choices are the people of the project the portal knows with an e-mail address: those who
use the portal for the project (they signed in with Procore and Procore lists the project for
them).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction

from portal.accounts.models import User
from portal.mirror.models import Project

from ..models import Batch, Recipient


@dataclass(frozen=True)
class Person:
    key: str  # what the form sends back
    name: str
    email: str
    procore_user_id: int | None


def choices(project: Project) -> list[Person]:
    people = User.objects.filter(memberships__project=project).exclude(email="").order_by("first_name", "last_name")
    found = {}
    for user in people:
        found.setdefault(
            user.email.lower(),
            Person(f"user-{user.pk}", user.get_full_name() or user.username, user.email, user.procore_user_id),
        )
    return sorted(found.values(), key=lambda p: p.name.lower())


def set_recipients(batch: Batch, keys: Iterable[str]) -> list[Recipient]:
    """The batch's recipients become the chosen people (unknown keys are ignored)."""
    wanted = set(keys)
    chosen = [p for p in choices(batch.project) if p.key in wanted]
    with transaction.atomic():
        Recipient.objects.filter(batch=batch).delete()
        return Recipient.objects.bulk_create(
            [Recipient(batch=batch, name=p.name, email=p.email, procore_user_id=p.procore_user_id) for p in chosen]
        )


def chosen_keys(batch: Batch) -> set[str]:
    emails = {r.email.lower() for r in Recipient.objects.filter(batch=batch)}
    return {p.key for p in choices(batch.project) if p.email.lower() in emails}
