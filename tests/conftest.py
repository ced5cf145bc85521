"""The portal's shared fixtures; the sandbox's own (`sandbox`) come from procore_sandbox.pytest_plugin."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def database_broker(monkeypatch):
    """Tasks queued inside a test go to django-q2's ORM broker, where the test can see them in the
    database whatever REDIS_URL says; the Redis broker is exercised end to end by
    tests/production/test_process_layout.py (gunicorn and qcluster processes)."""
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "ORM", "default")
