"""Root of the test suites (tests/ for the portal, procore_sandbox/tests/ for the sandbox).

Tests are put in layers by what they use, so nobody has to remember a marker:

- `live`: a live server (the `sandbox` fixture, or `live_server`), or the S3 server (`s3_server`);
- `e2e`: a real browser (`browser`, `page`);
- `deploy`: the product's own processes as production runs them (`production`, `deployment`, `gunicorn`).

The rest is the fast layer, `make test-fast` (`pytest -m "not live and not e2e and not deploy"`).
"""

from __future__ import annotations

import os
import tempfile
from collections import Counter

import pytest

# Playwright runs an event loop in the test thread; the ORM calls made there are synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytest_plugins = ["procore_sandbox.pytest_plugin"]

LAYERS = {
    "live": ({"live_server", "s3_server"}, "uses a live server (the portal's, or an S3 server)"),
    "e2e": ({"browser", "page"}, "drives a real browser"),
    "deploy": ({"production", "deployment", "gunicorn"}, "runs the product's own processes as production does"),
}


def _flush_by_deleting() -> None:
    """Empty tables between transactional tests with DELETE, not Django's TRUNCATE.

    PostgreSQL's TRUNCATE gives each of the ~90 tables and their indexes new files: about 0.5 s
    for every test on a live server, even with the tables nearly empty, where DELETE takes 30 ms.
    Django's foreign keys are DEFERRABLE INITIALLY DEFERRED and the flush runs in one transaction,
    so the order of the deletes does not matter. Content types and permissions stay, so the
    flush's post_migrate skips the two receivers that would only look for them again (a twelfth
    of a live test's CPU); the others (e.g. the webhook queue's row) run. Resetting sequences
    keeps Django's flush, and the whole post_migrate.
    """
    from django.contrib.auth.management import create_permissions
    from django.contrib.contenttypes.management import create_contenttypes
    from django.core.management.commands import flush
    from django.db.backends.postgresql.operations import DatabaseOperations
    from django.db.models.signals import post_migrate

    truncate = DatabaseOperations.sql_flush
    emit = flush.emit_post_migrate_signal  # type: ignore[attr-defined]
    kept = {"django_content_type", "auth_permission"}
    last = {"kept": False}

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        last["kept"] = not reset_sequences
        if reset_sequences:
            return truncate(self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        delete = style.SQL_KEYWORD("DELETE FROM")
        return [f"{delete} {style.SQL_FIELD(self.quote_name(table))};" for table in tables if table not in kept]

    def emit_post_migrate(verbosity, interactive, db, **kwargs):
        if not last["kept"]:
            return emit(verbosity, interactive, db, **kwargs)
        uid = "django.contrib.auth.management.create_permissions"
        post_migrate.disconnect(create_permissions, dispatch_uid=uid)
        post_migrate.disconnect(create_contenttypes)
        try:
            return emit(verbosity, interactive, db, **kwargs)
        finally:
            post_migrate.connect(create_permissions, dispatch_uid=uid)
            post_migrate.connect(create_contenttypes)

    DatabaseOperations.sql_flush = sql_flush  # type: ignore[method-assign]
    flush.emit_post_migrate_signal = emit_post_migrate  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """A test database kept from an earlier run (`make test-fast` reuses it) starts flushed, as every
    test that commits leaves it, even if that run was stopped in the middle of such a test.

    On PostgreSQL a commit to the test database does not wait for its WAL to reach the disk
    (`synchronous_commit = off`, for this database only): a crash could lose the last commits of a
    database that is thrown away anyway, and every test on a live server commits hundreds of times."""
    from django.core.management import call_command
    from django.db import connection

    with django_db_blocker.unblock():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                name = connection.ops.quote_name(connection.settings_dict["NAME"])
                cursor.execute(f"ALTER DATABASE {name} SET synchronous_commit = off")
                cursor.execute("SET synchronous_commit = off")
        call_command("flush", interactive=False, reset_sequences=False, verbosity=0)
    yield
    if connection.vendor == "postgresql":
        # A connection a live server's thread or a test's process still holds would make dropping
        # the test database fail ("being accessed by other users") and leave it on the server.
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )


def pytest_configure(config: pytest.Config) -> None:
    from django.conf import settings

    _flush_by_deleting()
    # Static files in tests come from the apps' folders (the live server's handler finds them), not
    # from what a `collectstatic` left in the checkout: WhiteNoise would read that whole folder each
    # time a test client loads the middleware (a tenth of a live test's CPU).
    settings.STATIC_ROOT = os.path.join(tempfile.gettempdir(), "portal-tests-no-collected-static")
    for marker, (_, meaning) in LAYERS.items():
        config.addinivalue_line("markers", f"{marker}: {meaning} (added from the fixtures a test uses)")
    config.addinivalue_line(
        "markers", "slow: its file takes 20 s or more by design (real processes and clock windows, long simulations)"
    )


# The order files start in under `make test`'s processes, so that no process is left running a long
# file alone at the end while the others have finished: the production processes' and the browser's
# files first, then the slow ones (all of these in the order they are found), then the rest with
# the files of most tests first and the smallest at the end. The Makefile turns xdist's own
# reordering off: it sorts every file by its number of tests alone, which left the one-test files
# that wait longest (a killed worker, the fuzzed receiver) to the end.
FIRST = ["deploy", "e2e", "slow", "live"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank: dict[str, int] = {}
    size: Counter[str] = Counter()
    for item in items:
        used = set(getattr(item, "fixturenames", ()))
        for marker, (fixtures, _) in LAYERS.items():
            if used & fixtures:
                item.add_marker(marker)
        path = item.nodeid.split("::")[0]
        mine = min((FIRST.index(m) for m in FIRST if item.get_closest_marker(m)), default=len(FIRST))
        rank[path] = min(rank.get(path, mine), mine)
        size[path] += 1

    def order(item: pytest.Item) -> tuple[int, int]:
        path = item.nodeid.split("::")[0]
        by_size = rank[path] >= FIRST.index("live")  # live and the rest: the largest files first
        return rank[path], -size[path] if by_size else 0

    # Whole files move (a file's tests keep their order and run in one process); sorted is stable.
    items.sort(key=order)
