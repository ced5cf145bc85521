from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def portal(request: HttpRequest) -> dict:
    """Facts every page may show: whether Procore is the embedded sandbox."""
    return {"procore_sandbox": settings.PROCORE_SANDBOX}
