"""The people person fields may name, per project (procore-api.md §4, §7.5).

Procore's values endpoint answers `[]` for person fields; their values are Procore user ids, as
strings, taken from the project's Directory (`GET /rest/v1.0/projects/{id}/users`). `sync_people`
mirrors that list with the rest of the project. When Procore refuses it (the Directory tool is
off, or the person syncing may not read it) the portal still offers whom it knows — people listed
before, people named on the project's revisions, and the portal's own members of the project —
and says why the list is short (`Project.people_note`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from portal.accounts.models import User
from portal.procore import core
from portal.procore.errors import NotFound, PermissionDenied
from portal.procore.http import ProcoreClient
from portal.procore.pdm import USER_VARIANTS

from .models import PdmField, Project, ProjectPerson, Revision
from .upsert import upsert

REFUSED_NOTE = (
    "Procore did not list this project's people (its Directory tool is off, or the Procore account "
    "that synced it may not read the Directory), so only people the portal already knows are offered."
)
COMPACT_NOTE = "Procore showed this project's people without e-mail addresses (no Directory read permission)."
# How many of the newest revisions are read for people when the Directory is refused.
REVISION_SAMPLE = 2000


def sync_people(client: ProcoreClient, project: Project) -> int:
    """Refresh the project's people from its Directory; returns how many it listed (0 when refused)."""
    try:
        listed = list(core.project_users(client, project.company_id, project.id))
    except (PermissionDenied, NotFound):
        _remember_revision_people(project)
        Project.objects.filter(pk=project.pk).update(people_synced_at=timezone.now(), people_note=REFUSED_NOTE)
        return 0
    rows = [_person(project, item) for item in listed if isinstance(item, dict) and item.get("id")]
    with transaction.atomic():
        upsert(
            ProjectPerson,
            rows,
            ["project", "procore_user_id"],
            ["name", "email", "job_title", "company", "source", "in_directory", "seen_at"],
        )
        ProjectPerson.objects.filter(project=project).exclude(
            procore_user_id__in=[r.procore_user_id for r in rows]
        ).update(in_directory=False)
        note = COMPACT_NOTE if rows and not any(r.email for r in rows) else ""
        Project.objects.filter(pk=project.pk).update(people_synced_at=timezone.now(), people_note=note)
    return len(rows)


def _person(project: Project, item: dict[str, Any]) -> ProjectPerson:
    name = str(item.get("name") or " ".join(p for p in (item.get("first_name"), item.get("last_name")) if p) or "")
    vendor = found if isinstance(found := item.get("vendor"), dict) else {}
    return ProjectPerson(
        project=project,
        procore_user_id=int(item["id"]),
        name=(name or f"Procore user {item['id']}")[:255],
        email=str(item.get("email_address") or "")[:254],
        job_title=str(item.get("job_title") or "")[:255],
        company=str(vendor.get("name") or "")[:255],
        source=ProjectPerson.Source.DIRECTORY,
        in_directory=True,
        seen_at=timezone.now(),
    )


def _remember_revision_people(project: Project) -> None:
    """People named in person fields of the project's newest revisions (`{"id", "label"}`)."""
    names = set(
        PdmField.objects.filter(project=project, type="reference", variant__in=USER_VARIANTS).values_list(
            "name", flat=True
        )
    )
    if not names:
        return
    found: dict[int, str] = {}
    rows = Revision.objects.filter(project=project).order_by("-procore_updated_at").values_list("fields", flat=True)
    for fields in rows[:REVISION_SAMPLE]:
        for name in names & set(fields or {}):
            for value in fields.get(name) or []:
                if isinstance(value, dict) and str(value.get("id") or "").isdigit() and value.get("label"):
                    found.setdefault(int(value["id"]), str(value["label"]))
    known = set(ProjectPerson.objects.filter(project=project).values_list("procore_user_id", flat=True))
    ProjectPerson.objects.bulk_create(
        [
            ProjectPerson(
                project=project,
                procore_user_id=user_id,
                name=name[:255],
                source=ProjectPerson.Source.REVISION,
                in_directory=False,
            )
            for user_id, name in found.items()
            if user_id not in known
        ],
        ignore_conflicts=True,
    )


@dataclass(frozen=True)
class Person:
    """Someone a person field may name: `id` is the Procore user id as the field stores it."""

    id: str
    name: str
    email: str = ""
    detail: str = ""  # job title and company, to tell people apart


@dataclass(frozen=True)
class People:
    people: tuple[Person, ...]
    # True when Procore's Directory listed the project: then no one else may be named.
    complete: bool
    # Why the list is short or lacks e-mail addresses; empty when nothing needs saying.
    note: str


def project_people(project: Project) -> People:
    """Whom person fields may name in the project: the Directory when Procore listed it; else
    everyone known (listed before, named on revisions, the portal's members of the project)."""
    complete = project.people_synced_at is not None and project.people_note != REFUSED_NOTE
    rows = ProjectPerson.objects.filter(project=project)
    if complete:
        rows = rows.filter(in_directory=True)
    people = {
        str(p.procore_user_id): Person(
            id=str(p.procore_user_id),
            name=p.name,
            email=p.email,
            detail=", ".join(part for part in (p.job_title, p.company) if part),
        )
        for p in rows.order_by("name", "procore_user_id")
    }
    note = project.people_note
    if not complete:
        members = User.objects.filter(memberships__project=project, procore_user_id__isnull=False).order_by(
            "first_name", "last_name"
        )
        for user in members:
            people.setdefault(
                str(user.procore_user_id),
                Person(id=str(user.procore_user_id), name=user.get_full_name() or user.username, email=user.email),
            )
        if project.people_synced_at is None:
            note = "This project's people have not been read from Procore yet: sync the project to list them."
    ordered = sorted(people.values(), key=lambda p: (p.name.casefold(), p.email, p.id))
    return People(people=tuple(ordered), complete=complete, note=note)
