"""Who a batch's transmittal goes to: project people chosen when the batch is submitted.

The choices are the project's people as the mirror knows them (portal.mirror.people: Procore's
Directory for the project, or everyone known when it cannot be read) who have an e-mail address.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from portal.mirror.models import Project
from portal.mirror.people import People, Person, project_people

from ..models import Batch, Recipient


def choices(project: Project, people: People | None = None) -> list[Person]:
    """Project people with an e-mail address; `id` (the Procore user id) is what the form sends.
    `people`: the project's people when the caller has read them already."""
    return [p for p in (people or project_people(project)).people if p.email]


def set_recipients(batch: Batch, ids: Iterable[str]) -> list[Recipient]:
    """The batch's recipients become the chosen people (ids the project does not have are ignored)."""
    wanted = set(ids)
    chosen = [p for p in choices(batch.project) if p.id in wanted]
    with transaction.atomic():
        Recipient.objects.filter(batch=batch).delete()
        return Recipient.objects.bulk_create(
            [
                Recipient(
                    batch=batch, name=p.name, email=p.email, procore_user_id=int(p.id) if p.id.isdigit() else None
                )
                for p in chosen
            ]
        )


def chosen_ids(batch: Batch) -> set[str]:
    return {str(i) for i in Recipient.objects.filter(batch=batch).values_list("procore_user_id", flat=True) if i}
