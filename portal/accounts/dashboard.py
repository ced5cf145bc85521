"""What the dashboard shows, read from Procore through the client."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from portal.procore import core
from portal.procore.errors import NotFound, PermissionDenied
from portal.procore.http import ProcoreClient

from .models import User
from .tokens import UserTokenSource


@dataclass
class CompanyOverview:
    id: int
    name: str
    projects: list[dict[str, Any]] = field(default_factory=list)
    unavailable: str = ""


def procore_overview(user: User) -> list[CompanyOverview]:
    """Each visible company with its active projects, in Procore's order."""
    client = ProcoreClient(UserTokenSource.for_user(user))
    overview = []
    for company in core.companies(client):
        entry = CompanyOverview(id=company["id"], name=company["name"])
        try:
            entry.projects = sorted(core.projects(client, company["id"]), key=lambda p: p["name"].lower())
        except (NotFound, PermissionDenied):
            entry.unavailable = "Procore did not list this company's projects for you."
        overview.append(entry)
    return overview
