"""Root of the test suites (tests/ for the portal, procore_sandbox/tests/ for the sandbox)."""

import os

# Playwright runs an event loop in the test thread; the ORM calls made there are synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytest_plugins = ["procore_sandbox.pytest_plugin"]
