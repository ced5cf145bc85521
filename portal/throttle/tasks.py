"""django-q2 task: keep the budget's bookkeeping small."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings

from . import clock
from .budget import hour_start
from .models import Flow, HourlyUsage

FLOW_IDLE_DAYS = 2


def prune() -> str:
    """Scheduled daily: hourly counts past THROTTLE_USAGE_DAYS, flows idle for two days."""
    now = clock.now()
    keep_from = hour_start(now) - timedelta(days=settings.THROTTLE_USAGE_DAYS)
    hours, _ = HourlyUsage.objects.filter(hour__lt=keep_from).delete()
    idle_before = now - FLOW_IDLE_DAYS * 86400
    flows, _ = Flow.objects.filter(last_call_at__lt=idle_before, wanting_until__lt=now).delete()
    return f"{hours} hourly counts and {flows} idle flows removed"
