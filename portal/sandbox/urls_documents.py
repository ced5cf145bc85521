"""Sandbox URLs for the documents area (Procore's own paths, mounted under /sandbox/)."""

from __future__ import annotations

urlpatterns: list = []
