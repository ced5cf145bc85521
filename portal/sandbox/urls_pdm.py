"""Sandbox URLs for the pdm area (Procore's own paths, mounted under /sandbox/)."""

from __future__ import annotations

urlpatterns: list = []
