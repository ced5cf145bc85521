"""Sandbox URLs for the webhooks area (Procore's own paths, mounted under /sandbox/)."""

from __future__ import annotations

urlpatterns: list = []
