"""WSGI entry for a gunicorn serving the test database (SANDBOX_TEST_DB names it): lets a test
check sandbox behaviour under gunicorn as well as under the live test server."""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

from django.conf import settings  # noqa: E402

settings.DATABASES["default"]["NAME"] = os.environ["SANDBOX_TEST_DB"]

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()
