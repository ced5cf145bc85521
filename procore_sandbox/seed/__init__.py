"""The demo world: companies, projects, people and the portal's OAuth apps.

`seed()` is idempotent: fixed ids, update-or-create, passwords re-hashed only when they changed.
Its secrets — the apps' client secrets and the people's password — are random per database, made
at the first seed and kept after it (procore_sandbox.credentials tells the portal's settings);
a client secret set in the environment, or a password given to the seed, is used instead.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction

from procore_sandbox import credentials as sandbox_credentials
from procore_sandbox.models import App, Company, CompanyMembership, Person, Project, ProjectMembership, SeedSecret

# Fixed values earlier seeds used: a database that still has them gets random ones.
LEGACY_SECRETS = {"portal-sandbox-secret", "portal-sandbox-service-secret"}
PASSWORD_SECRET = "people_password"

COMPANIES: list[dict[str, Any]] = [
    {"id": 8089, "name": "Northwind Builders"},
    {"id": 8090, "name": "Harbor Civil Group"},
    # Served from another Procore region: v1 calls without Procore-Company-Id answer 404.
    {"id": 9100, "name": "Alpine Structures EU", "other_region": True},
]

PROJECTS: list[dict[str, Any]] = [
    {
        "id": 2305,
        "company_id": 8089,
        "name": "Riverside Medical Center",
        "project_number": "NW-101",
        "address": "5678 First Street",
        "city": "Anytown",
        "state_code": "CA",
        "zip": "93013",
    },
    {
        "id": 2306,
        "company_id": 8089,
        "name": "Oakridge Elementary School",
        "project_number": "NW-102",
        "address": "12 School Lane",
        "city": "Oakridge",
        "state_code": "OR",
        "zip": "97463",
        # The Directory tool is off here: person fields fall back to the people the portal knows.
        "directory_enabled": False,
    },
    {
        "id": 2309,
        "company_id": 8089,
        "name": "Westgate Offices",
        "project_number": "NW-090",
        "city": "Portland",
        "state_code": "OR",
        "active": False,
        "stage": "Closeout",
    },
    {
        "id": 2307,
        "company_id": 8090,
        "name": "Harbor Bridge Retrofit",
        "project_number": "HC-7",
        "city": "Seattle",
        "state_code": "WA",
        "zip": "98101",
    },
    {
        "id": 2308,
        "company_id": 8090,
        "name": "Metro Line Extension",
        "project_number": "HC-8",
        "city": "Tacoma",
        "state_code": "WA",
        "zip": "98402",
    },
    {
        "id": 3401,
        "company_id": 9100,
        "name": "Lakeside Logistics Hub",
        "project_number": "AS-1",
        "city": "Zurich",
        "state_code": "",
        "country_code": "CH",
        "zip": "8001",
    },
]


@dataclass(frozen=True)
class SeedPerson:
    id: int
    login: str
    name: str
    role: str
    admin_of: tuple[int, ...] = ()
    projects: tuple[int, ...] = ()
    service_account: bool = False
    # People who are only in project directories (authors, reviewers) have no password.
    signs_in: bool = True
    job_title: str = ""
    vendor: str = ""
    # Directory permission per project where it is not Standard.
    directory: tuple[tuple[int, str], ...] = ()
    # The permission template of every project they belong to (procore_sandbox.core.permissions).
    template: str = "standard"


PEOPLE = [
    SeedPerson(
        5447,
        "dana.whitfield@northwind.example",
        "Dana Whitfield",
        "Document controller, company admin at Northwind",
        admin_of=(8089,),
        projects=(2305, 2307),
    ),
    SeedPerson(
        5448,
        "eli.navarro@northwind.example",
        "Eli Navarro",
        "Engineer and project admin on Riverside Medical Center",
        projects=(2305,),
        template="project_admin",
    ),
    SeedPerson(
        5449,
        "priya.raman@harbor.example",
        "Priya Raman",
        "Project manager (project admin) at Harbor Civil and Alpine",
        projects=(2307, 2308, 3401),
        directory=((2308, "none"),),
        template="project_admin",
    ),
    SeedPerson(
        5450,
        "sam.okafor@subcontractor.example",
        "Sam Okafor",
        "Subcontractor on Oakridge Elementary",
        projects=(2306,),
        template="subcontractor",
    ),
    SeedPerson(
        9001,
        "dmsa-document-portal@sandbox.example",
        "Document Portal (service account)",
        "Developer Managed Service Account of the portal's app",
        projects=(2305, 2306, 2307, 2308, 3401),
        service_account=True,
    ),
    # Directory-only people: they appear in project directories (authors, reviewers) but do
    # not sign in. Two namesakes called Jordan Lee are told apart by their e-mail addresses.
    SeedPerson(
        5461,
        "marta.quinn@acme-architects.example",
        "Marta Quinn",
        "Architect of record",
        projects=(2305, 2306),
        signs_in=False,
        job_title="Project Architect",
        vendor="Acme Architects",
    ),
    SeedPerson(
        5462,
        "jordan.lee@northwind.example",
        "Jordan Lee",
        "Project engineer at Northwind",
        projects=(2305, 2307),
        signs_in=False,
        job_title="Project Engineer",
    ),
    SeedPerson(
        5463,
        "jordan.lee@brooks-structural.example",
        "Jordan Lee",
        "Structural engineer at Brooks",
        projects=(2305,),
        signs_in=False,
        job_title="Structural Engineer",
        vendor="Brooks Structural Engineers",
    ),
    SeedPerson(
        5464,
        "ravi.shah@northwind.example",
        "Ravi Shah",
        "Document controller at Northwind",
        projects=(2305, 2306, 2307, 2308),
        signs_in=False,
        job_title="Document Controller",
    ),
]

SERVICE_ACCOUNT_ID = 9001


def _company_ids_for(person: SeedPerson) -> set[int]:
    by_project = {p["id"]: p["company_id"] for p in PROJECTS}
    return set(person.admin_of) | {by_project[p] for p in person.projects}


def seed_password(given: str | None = None) -> str:
    """The seeded people's password: `given` (kept from then on), else this database's, else new."""
    if given:
        SeedSecret.objects.update_or_create(name=PASSWORD_SECRET, defaults={"value": given})
        return given
    row = SeedSecret.objects.filter(name=PASSWORD_SECRET).first()
    if row is not None:
        return row.value
    value = secrets.token_urlsafe(12)
    SeedSecret.objects.create(name=PASSWORD_SECRET, value=value)
    return value


def app_secret(setting: str) -> str:
    """An app's client secret: the environment's, else this database's, else a new random one."""
    configured = sandbox_credentials.configured_secret(setting)
    if configured:
        return configured
    existing = App.objects.filter(client_id=sandbox_credentials.client_id(setting)).first()
    if existing is not None and existing.client_secret and existing.client_secret not in LEGACY_SECRETS:
        return existing.client_secret
    return secrets.token_urlsafe(32)


@transaction.atomic
def seed(password: str | None = None) -> None:
    """Create or update the demo world. `password` sets the people's password (tests and scripts
    that sign in as them); otherwise it is random per database."""
    password = seed_password(password)
    for data in COMPANIES:
        Company.objects.update_or_create(id=data["id"], defaults={k: v for k, v in data.items() if k != "id"})
    for data in PROJECTS:
        defaults = {k: v for k, v in data.items() if k != "id"}
        project, created = Project.objects.get_or_create(id=data["id"], defaults=defaults)
        if not created:
            changed = [k for k, v in defaults.items() if getattr(project, k) != v]
            if changed:
                for key in changed:
                    setattr(project, key, defaults[key])
                project.save(update_fields=changed)

    for spec in PEOPLE:
        person, _ = Person.objects.update_or_create(
            id=spec.id,
            defaults={
                "login": spec.login,
                "name": spec.name,
                "is_service_account": spec.service_account,
                "job_title": spec.job_title,
                "vendor_name": spec.vendor,
            },
        )
        if spec.signs_in and not spec.service_account and not person.check_password(password):
            person.set_password(password)
            person.save(update_fields=["password"])
        for company_id in _company_ids_for(spec):
            CompanyMembership.objects.update_or_create(
                person=person, company_id=company_id, defaults={"is_admin": company_id in spec.admin_of}
            )
        directory = dict(spec.directory)
        for project_id in spec.projects:
            ProjectMembership.objects.update_or_create(
                person=person,
                project_id=project_id,
                defaults={
                    "directory": directory.get(project_id, ProjectMembership.Directory.STANDARD),
                    "permission_template": spec.template,
                },
            )

    _seed_app(
        name="Document Portal",
        client_id=sandbox_credentials.client_id("PROCORE_CLIENT_SECRET"),
        client_secret=app_secret("PROCORE_CLIENT_SECRET"),
        redirect_uris=settings.SANDBOX_REDIRECT_URIS,
        service_account=None,
    )
    _seed_app(
        name="Document Portal (DMSA)",
        client_id=sandbox_credentials.client_id("PROCORE_SERVICE_CLIENT_SECRET"),
        client_secret=app_secret("PROCORE_SERVICE_CLIENT_SECRET"),
        redirect_uris=[],
        service_account=Person.objects.get(id=SERVICE_ACCOUNT_ID),
    )
    # Each area of the sandbox seeds its own data.
    for area_seed in _area_seeds():
        area_seed()
    # This process's settings learn the apps' secrets at once (other processes at their first connection).
    sandbox_credentials.adopt()


def _area_seeds() -> list:
    from procore_sandbox.seed import documents as seed_documents
    from procore_sandbox.seed import pdm as seed_pdm
    from procore_sandbox.seed import webhooks as seed_webhooks

    return [seed_documents.seed, seed_pdm.seed, seed_webhooks.seed]


def _seed_app(
    *, name: str, client_id: str, client_secret: str, redirect_uris: list[str], service_account: Person | None
) -> App:
    app, created = App.objects.get_or_create(
        client_id=client_id,
        defaults={
            "name": name,
            "client_secret": client_secret,
            "redirect_uris": "\n".join(redirect_uris),
            "service_account": service_account,
        },
    )
    if not created:
        # Keep redirect URIs added later (e.g. for another host); add the configured ones.
        merged = app.redirect_uri_list() + [u for u in redirect_uris if u not in app.redirect_uri_list()]
        wanted = {
            "name": name,
            "client_secret": client_secret,
            "redirect_uris": "\n".join(merged),
            "service_account": service_account,
        }
        changed = [k for k, v in wanted.items() if getattr(app, k) != v]
        if changed:
            for key in changed:
                setattr(app, key, wanted[key])
            app.save(update_fields=changed)
    return app


def credentials() -> dict:
    """What a newcomer needs to use the sandbox, as printed by `sandbox_credentials`."""
    apps = []
    for app in App.objects.select_related("service_account").order_by("id"):
        entry: dict[str, Any] = {"name": app.name, "client_id": app.client_id, "client_secret": app.client_secret}
        if app.service_account:
            entry["grant_type"] = "client_credentials"
            entry["service_account"] = {"id": app.service_account.id, "login": app.service_account.login}
        else:
            entry["grant_type"] = "authorization_code"
            entry["redirect_uris"] = app.redirect_uri_list()
        apps.append(entry)
    roles = {p.id: p.role for p in PEOPLE}
    password = SeedSecret.objects.filter(name=PASSWORD_SECRET).values_list("value", flat=True).first() or ""
    users = [
        {"id": p.id, "login": p.login, "name": p.name, "password": password, "role": roles.get(p.id, "")}
        for p in Person.objects.filter(is_service_account=False).exclude(password="").order_by("id")
    ]
    return {"apps": apps, "users": users}
