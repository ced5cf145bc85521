"""Who may administer a project in the portal (register or rotate its webhooks).

Decided from what Procore says about the person — their permission manifest for the project
(portal.procore.core.permission_manifest): Admin on the project's Admin tool, which a full company
admin has on every project — or from a role granted in Django admin (ProjectRole). Asked of Procore
with the person's own sign-in at each decision, so a permission withdrawn in Procore counts at once.
When Procore cannot be asked, the answer is no, with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass

from portal.accounts.models import User
from portal.accounts.tokens import UserTokenSource
from portal.procore import core
from portal.procore.errors import ProcoreError, friendly_message
from portal.procore.http import ProcoreClient

from .models import Project, ProjectRole


@dataclass(frozen=True)
class Administration:
    allowed: bool
    reason: str  # in words, for the page


def project_administration(user: User, project: Project) -> Administration:
    if ProjectRole.objects.filter(user=user, project=project, role=ProjectRole.Role.ADMINISTRATOR).exists():
        return Administration(True, "You administer this project in the portal (a role granted by an administrator).")
    try:
        client = ProcoreClient(UserTokenSource.for_user(user), project.company_id)
        manifest = core.permission_manifest(client, project.company_id, project_id=project.id)
    except ProcoreError as exc:
        return Administration(
            False, f"Procore could not tell whether you administer this project: {friendly_message(exc)}"
        )
    if core.administers(manifest):
        return Administration(True, "You are an administrator of this project in Procore.")
    return Administration(
        False,
        "Only the project's administrators in Procore (Admin on the project's Admin tool) or people given the "
        "role in the portal can register webhooks or rotate their secret.",
    )
