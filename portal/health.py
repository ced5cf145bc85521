"""`/healthz`: can this process reach its database and its task broker?

For load balancers and container health checks: 200 with what was checked, or 503 naming what
failed. No authentication, no sessions, no details that help an attacker.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

log = logging.getLogger(__name__)


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:  # noqa: BLE001 - any failure means unhealthy
        log.exception("Health check: database unreachable")
        return False


def broker_ok() -> bool:
    """Redis when REDIS_URL is set; otherwise the ORM broker, which is the database."""
    if not settings.REDIS_URL:
        return database_ok()
    try:
        import redis

        return bool(redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2).ping())
    except Exception:  # noqa: BLE001
        log.exception("Health check: broker unreachable")
        return False


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {"database": database_ok(), "broker": broker_ok()}
    body = {name: "ok" if good else "failing" for name, good in checks.items()}
    return JsonResponse(body, status=200 if all(checks.values()) else 503)
