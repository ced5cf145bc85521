"""Root of the test suites (tests/ for the portal, procore_sandbox/tests/ for the sandbox).

Tests are put in layers by what they use, so nobody has to remember a marker:

- `live`: a live server (the `sandbox` fixture, or `live_server`), or the S3 server (`s3_server`);
- `e2e`: a real browser (`browser`, `page`);
- `deploy`: the product's own processes as production runs them (`production`, `deployment`, `gunicorn`).

The rest is the fast layer, `make test-fast` (`pytest -m "not live and not e2e and not deploy"`).
"""

from __future__ import annotations

import os

import pytest

# Playwright runs an event loop in the test thread; the ORM calls made there are synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytest_plugins = ["procore_sandbox.pytest_plugin"]

LAYERS = {
    "live": ({"live_server", "s3_server"}, "uses a live server (the portal's, or an S3 server)"),
    "e2e": ({"browser", "page"}, "drives a real browser"),
    "deploy": ({"production", "deployment", "gunicorn"}, "runs the product's own processes as production does"),
}


def pytest_configure(config: pytest.Config) -> None:
    for marker, (_, meaning) in LAYERS.items():
        config.addinivalue_line("markers", f"{marker}: {meaning} (added from the fixtures a test uses)")


# The order files start in under `make test`'s processes: the layers whose files take longest
# first, so no process is left running a long file alone at the end.
FIRST = ["deploy", "e2e", "live"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank: dict[str, int] = {}
    for item in items:
        used = set(getattr(item, "fixturenames", ()))
        for marker, (fixtures, _) in LAYERS.items():
            if used & fixtures:
                item.add_marker(marker)
        mine = min((FIRST.index(m) for m in FIRST if item.get_closest_marker(m)), default=len(FIRST))
        rank[item.nodeid.split("::")[0]] = min(rank.get(item.nodeid.split("::")[0], mine), mine)
    # Whole files move (a file's tests keep their order and run in one process); sorted is stable.
    items.sort(key=lambda item: rank[item.nodeid.split("::")[0]])
