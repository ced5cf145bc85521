"""Procore's rate-limit headers, read for the shared budget (procore-api.md §3.5).

Every response carries `X-Rate-Limit-Limit`, `-Remaining` and `-Reset` (Unix seconds) for the
window nearer to exhaustion. The budget itself — shared by every process, with lanes and fair
shares — is portal.throttle.budget; this module only turns headers into what it reads.
"""

from __future__ import annotations

from collections.abc import Mapping

from portal.throttle.budget import Seen, budget_key

__all__ = ["budget_key", "parse"]


def parse(headers: Mapping[str, str]) -> Seen | None:
    """The rate-limit headers of one response, or None when it has none (or unreadable ones)."""
    try:
        return Seen(
            int(headers["X-Rate-Limit-Limit"]),
            int(headers["X-Rate-Limit-Remaining"]),
            float(headers["X-Rate-Limit-Reset"]),
        )
    except (KeyError, TypeError, ValueError):
        return None
