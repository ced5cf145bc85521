"""The product as production runs it, in processes of its own: `production.manage(...)` and
`production.python(...)` start manage.py or a script with production's settings and none of the
test run's environment. Tests using `production` (or test_process_layout's `deployment`) are
marked `deploy` automatically (root conftest.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "k9#Vq2!xR7mZ4pL0wE8tY6uI3oP1aS5dF9gH2jK7lQ4zX8cV0bN6mQ3wE5rT1yU",
    "TOKEN_ENCRYPTION_KEYS": "ZmVybmV0LWtleS1mb3ItdGVzdHMtb25seS0wMDAwMDA=",
    "PROCORE_CLIENT_ID": "client",
    "PROCORE_CLIENT_SECRET": "secret",
    "PROCORE_SANDBOX": "0",
    "ALLOWED_HOSTS": "docs.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://docs.example.com",
    "PORTAL_PUBLIC_URL": "https://docs.example.com",
}
# The test run's own variables (e.g. DJANGO_ALLOW_ASYNC_UNSAFE for the browser tests) are not production's.
TEST_ONLY = {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}


class Production:
    env = PRODUCTION_ENV  # what production sets (a test may take some away)

    def environment(self, env: dict[str, str] | None) -> dict[str, str]:
        clean = {k: v for k, v in os.environ.items() if k not in PRODUCTION_ENV and k not in TEST_ONLY}
        return {**clean, **(PRODUCTION_ENV if env is None else env), "DJANGO_SETTINGS_MODULE": "portal.settings"}

    def manage(self, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        """`manage.py ARGS` with production's settings (or `env` instead of them)."""
        return self._run([sys.executable, "manage.py", *args], env, timeout=120)

    def python(self, script: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        """`python -c SCRIPT` with production's settings (or `env` instead of them)."""
        return self._run([sys.executable, "-c", script], env, timeout=60)

    def _run(self, command: list[str], env: dict[str, str] | None, timeout: int) -> subprocess.CompletedProcess:
        return subprocess.run(
            command, cwd=ROOT, env=self.environment(env), capture_output=True, text=True, timeout=timeout
        )


@pytest.fixture
def production() -> Production:
    return Production()
