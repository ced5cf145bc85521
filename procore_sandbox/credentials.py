"""The sandbox's generated secrets, and how the portal's settings learn them.

The seed makes the secrets random per database (procore_sandbox.seed): the client secret of the
portal's OAuth app, the client secret of its service account (DMSA) app, and the one password of
the seeded people. Nothing is fixed in the code, so a demo reachable by others hands out nothing
that is printed here or in the README; `make demo` prints them in its banner.

The portal reads its Procore credentials from settings (PROCORE_CLIENT_SECRET,
PROCORE_SERVICE_CLIENT_SECRET). With the sandbox on and those variables unset, the settings leave
them empty, and this module fills them in from the sandbox's database — the hook, documented here:

- at the first database connection of each process (`connection_created`, connected in
  SandboxConfig.ready; a process that runs before `migrate` simply finds no apps yet and looks
  again at its next connection), and
- at once after every seed (a fresh test database gets fresh secrets).

A secret set in the environment is never replaced: the seed gives the app that value instead.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import DatabaseError

log = logging.getLogger(__name__)

SECRETS = ["PROCORE_CLIENT_SECRET", "PROCORE_SERVICE_CLIENT_SECRET"]
_configured: dict[str, str] = {}  # secrets set in the environment, recorded before anything adopts
_adopted = False


def remember_configured() -> None:
    """Record which secrets the environment set (SandboxConfig.ready, before any adoption)."""
    values = {
        "PROCORE_CLIENT_SECRET": settings.PROCORE_CLIENT_SECRET,
        "PROCORE_SERVICE_CLIENT_SECRET": settings.PROCORE_SERVICE_CLIENT_SECRET,
    }
    _configured.clear()
    _configured.update({name: value for name, value in values.items() if value})


def configured_secret(name: str) -> str:
    """The secret the environment set for this setting, or ""."""
    return _configured.get(name, "")


def client_id(name: str) -> str:
    """The client id of the sandbox app whose secret `name` is (the seed's ids when none is set,
    e.g. a test that turns the service account off)."""
    if name == "PROCORE_CLIENT_SECRET":
        return settings.PROCORE_CLIENT_ID or "portal-sandbox-client"
    return settings.PROCORE_SERVICE_CLIENT_ID or "portal-sandbox-service"


def adopt() -> bool:
    """Put the sandbox apps' secrets into the settings the portal reads; False when the sandbox has
    no apps yet (not migrated or not seeded)."""
    global _adopted
    from procore_sandbox.models import App

    secrets = dict(
        App.objects.filter(client_id__in=[client_id(n) for n in SECRETS]).values_list("client_id", "client_secret")
    )
    if not secrets:
        return False
    for name in SECRETS:
        value = secrets.get(client_id(name))
        if value and not configured_secret(name):
            setattr(settings, name, value)
    portal_app = secrets.get(client_id("PROCORE_CLIENT_SECRET"))
    if portal_app and not configured_secret("PROCORE_CLIENT_SECRET"):
        for app in settings.SOCIALACCOUNT_PROVIDERS.get("procore", {}).get("APPS", []):
            app["secret"] = portal_app
    _adopted = True
    return True


def adopt_on_first_connection(sender: Any, connection: Any, **kwargs: Any) -> None:
    """`connection_created` receiver: adopt once per process, on the default database."""
    if _adopted or connection.alias != "default":
        return
    try:
        adopt()
    except DatabaseError:
        pass  # no sandbox tables yet (before migrate): look again at the next connection
