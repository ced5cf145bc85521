"""Demo data for the sandbox's webhooks area (idempotent).

Nothing is seeded: hooks and triggers are created by integrations (the portal registers its own
v4.0 hook per project), exactly as on a fresh Procore company.
"""

from __future__ import annotations


def seed() -> None:
    """Create or update this area's demo data (none: hooks belong to integrations)."""
