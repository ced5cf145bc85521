"""A project's people, mirrored from its Procore Directory with the rest of the project."""

from __future__ import annotations

import pytest

from portal.mirror.models import Project, ProjectPerson, SyncRun
from portal.mirror.people import REFUSED_NOTE, project_people
from portal.mirror.sync import run_sync, start_sync, sync_memberships
from procore_sandbox.models import Person, ProjectMembership
from procore_sandbox.models import Project as SandboxProject
from procore_sandbox.testing import ELI, PRIYA, SAM
from tests.flows import portal_user

pytestmark = pytest.mark.django_db(transaction=True)

RIVERSIDE, OAKRIDGE, METRO = 2305, 2306, 2308


def synced_after_changes(sandbox, login: str, project_id: int):
    """Sign in and sync now, after the test changed the sandbox (synced_project's rows are from before)."""
    user = portal_user(sandbox, login)
    sync_memberships(user)
    run = run_sync(start_sync(Project.objects.get(pk=project_id), user, full=True).pk)
    assert run.state == SyncRun.State.DONE, run.error
    return user, Project.objects.get(pk=project_id)


def test_it_mirrors_the_directory_with_names_and_emails(synced_project):
    _, project = synced_project(ELI, RIVERSIDE)
    people = project_people(project)
    assert people.complete and people.note == ""
    assert [(p.name, p.email) for p in people.people] == [
        ("Dana Whitfield", "dana.whitfield@northwind.example"),
        ("Eli Navarro", ELI),
        ("Jordan Lee", "jordan.lee@brooks-structural.example"),
        ("Jordan Lee", "jordan.lee@northwind.example"),
        ("Marta Quinn", "marta.quinn@acme-architects.example"),
        ("Ravi Shah", "ravi.shah@northwind.example"),
    ]
    marta = next(p for p in people.people if p.name == "Marta Quinn")
    assert marta.id == "5461" and marta.detail == "Project Architect, Acme Architects"


def test_someone_who_leaves_the_directory_is_no_longer_offered_but_stays_known(synced_project):
    user, project = synced_project(ELI, RIVERSIDE)
    ProjectMembership.objects.filter(person__login="ravi.shah@northwind.example", project_id=RIVERSIDE).delete()
    run_sync(start_sync(project, user, full=True).pk)
    assert "Ravi Shah" not in [p.name for p in project_people(Project.objects.get(pk=RIVERSIDE)).people]
    assert ProjectPerson.objects.filter(project=project, name="Ravi Shah", in_directory=False).exists()


def test_a_refused_directory_offers_whom_the_portal_knows_and_says_why(synced_project):
    _, project = synced_project(SAM, OAKRIDGE)  # the Directory tool is off on Oakridge
    people = project_people(project)
    assert not people.complete and people.note == REFUSED_NOTE
    assert [p.name for p in people.people] == ["Sam Okafor"]  # the signed-in member, at least


def test_people_listed_before_the_directory_was_switched_off_stay_on_offer(sandbox):
    SandboxProject.objects.filter(pk=OAKRIDGE).update(directory_enabled=True)
    user, project = synced_after_changes(sandbox, SAM, OAKRIDGE)
    assert {p.name for p in project_people(project).people} == {"Marta Quinn", "Ravi Shah", "Sam Okafor"}
    SandboxProject.objects.filter(pk=OAKRIDGE).update(directory_enabled=False)
    run_sync(start_sync(project, user, full=True).pk)
    people = project_people(Project.objects.get(pk=OAKRIDGE))
    assert not people.complete
    assert {p.name for p in people.people} == {"Marta Quinn", "Ravi Shah", "Sam Okafor"}


def test_without_directory_permission_the_list_comes_without_emails_and_says_so(synced_project):
    _, project = synced_project(PRIYA, METRO)
    people = project_people(project)
    assert people.complete and "without e-mail addresses" in people.note
    assert {p.name for p in people.people} == set(
        Person.objects.filter(project_memberships__project_id=METRO, is_service_account=False).values_list(
            "name", flat=True
        )
    )
    assert all(p.email == "" for p in people.people)
