"""The seed's secrets are random per database — the apps' client secrets and the people's password —
kept once made, printed by the demo banner, and learnt by the portal's settings from the database
(after a seed, and at a process's first connection)."""

from __future__ import annotations

import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from procore_sandbox.models import App, Person, SeedSecret
from procore_sandbox.seed import LEGACY_SECRETS, seed
from procore_sandbox.testing import ELI

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def small_world(settings):
    settings.SANDBOX_SEED_LARGE = False  # the 10,000-file project has no secrets of its own


def app_secrets() -> dict[str, str]:
    return dict(App.objects.values_list("client_id", "client_secret"))


def test_each_database_gets_its_own_random_secrets_and_keeps_them():
    seed()
    first = app_secrets()
    password = SeedSecret.objects.get(name="people_password").value
    assert len(first) == 2 and not set(first.values()) & LEGACY_SECRETS
    assert all(len(value) >= 32 for value in first.values()) and len(password) >= 12
    assert Person.objects.get(login=ELI).check_password(password)
    seed()  # again: nothing changes
    assert app_secrets() == first and SeedSecret.objects.get().value == password
    # Another database (these rows gone) gets other secrets.
    App.objects.all().delete()
    SeedSecret.objects.all().delete()
    seed()
    assert set(app_secrets().values()).isdisjoint(first.values())
    assert SeedSecret.objects.get().value != password
    assert not Person.objects.get(login=ELI).check_password(password)


def test_a_database_seeded_with_the_old_fixed_secrets_gets_random_ones():
    seed()
    App.objects.update(client_secret="portal-sandbox-secret")
    seed()
    assert not set(app_secrets().values()) & LEGACY_SECRETS


def test_the_portals_settings_learn_the_secrets_after_a_seed():
    seed()
    secrets = app_secrets()
    assert settings.PROCORE_CLIENT_SECRET == secrets[settings.PROCORE_CLIENT_ID]
    assert settings.PROCORE_SERVICE_CLIENT_SECRET == secrets[settings.PROCORE_SERVICE_CLIENT_ID]
    assert settings.SOCIALACCOUNT_PROVIDERS["procore"]["APPS"][0]["secret"] == secrets[settings.PROCORE_CLIENT_ID]


def test_another_process_learns_them_at_its_first_connection():
    seed()
    script = (
        "import os, sys; sys.path.insert(0, sys.argv[1]); os.environ['DJANGO_SETTINGS_MODULE'] = 'portal.settings'\n"
        "from django.conf import settings\n"
        "settings.DATABASES['default']['NAME'] = sys.argv[2]\n"
        "import django; django.setup()\n"
        "before = settings.PROCORE_CLIENT_SECRET\n"
        "from portal.accounts.models import User; User.objects.count()\n"
        "print(repr(before), settings.PROCORE_CLIENT_SECRET, settings.PROCORE_SERVICE_CLIENT_SECRET)\n"
    )
    env = {k: v for k, v in __import__("os").environ.items() if k not in {"PROCORE_CLIENT_SECRET"}}
    result = subprocess.run(
        [sys.executable, "-c", script, str(ROOT), str(settings.DATABASES["default"]["NAME"])],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env=env,
    )
    before, portal, service = result.stdout.strip().splitlines()[-1].split()
    secrets = app_secrets()
    assert before == "''"  # nothing fixed in the settings
    assert (portal, service) == (secrets[settings.PROCORE_CLIENT_ID], secrets[settings.PROCORE_SERVICE_CLIENT_ID])


def test_the_demo_banner_prints_this_databases_secrets():
    seed()
    out = StringIO()
    call_command("demo_banner", "--url", "http://127.0.0.1:8000", stdout=out)
    banner = out.getvalue()
    assert SeedSecret.objects.get().value in banner
    assert all(secret in banner for secret in app_secrets().values())
    assert "procore-sandbox" not in banner
