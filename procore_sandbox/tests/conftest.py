"""Fixtures the sandbox's own tests share (the `sandbox` fixture comes from procore_sandbox.pytest_plugin)."""

from __future__ import annotations

import pytest

from procore_sandbox.tests.receiving import Receiver


@pytest.fixture
def receiver():
    receiver = Receiver()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


@pytest.fixture
def manual(settings):
    """No background dispatcher: the test sends with deliveries.deliver_due()."""
    settings.SANDBOX_WEBHOOK_DISPATCHER = False
    settings.SANDBOX_WEBHOOK_TIME_SCALE = 0.01
