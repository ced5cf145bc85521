"""Demo data for the sandbox's documents area (idempotent)."""

from __future__ import annotations


def seed() -> None:
    """Create or update this area's demo data."""
