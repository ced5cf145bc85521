"""The portal's shared fixtures; the sandbox's own (`sandbox`) come from procore_sandbox.pytest_plugin."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def database_broker(monkeypatch):
    """Tasks queued inside a test go to django-q2's ORM broker, where the test can see them in the
    database whatever REDIS_URL says; the Redis broker is exercised end to end by
    tests/production/test_process_layout.py (gunicorn and qcluster processes)."""
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "ORM", "default")


@pytest.fixture
def worker():
    """Run what was queued for documents' contents, as a django-q2 worker would: each queued
    task's own function with its own arguments, until nothing of ours is left in the queue."""
    from django.utils.module_loading import import_string
    from django_q.models import OrmQ

    def run() -> list[str]:
        done = []
        for _ in range(50):  # a zip's documents queue readings of their own
            queued = [q for q in OrmQ.objects.order_by("id") if q.task["func"].startswith("portal.staging.contents.")]
            if not queued:
                return done
            for item in queued:
                task = item.task
                item.delete()
                done.append(import_string(task["func"])(*task["args"], **task["kwargs"]))
        raise AssertionError("the contents tasks kept queueing more work")

    return run


@pytest.fixture
def sheet_pdf(tmp_path):
    """Write a one-sheet vector PDF of a given layout: sheet_pdf("A-DRW-101", ["A", "B", "C"], ...)."""
    from datetime import date

    from bench.support.drawings import write_sheet_pdf
    from bench.support.drawings.content import Revision, Sheet
    from bench.support.drawings.layouts import LAYOUTS

    layouts = {layout.name: layout for layout in LAYOUTS}

    def write(number: str, marks: list[str], *, title=("GROUND FLOOR PLAN",), layout="iso_box", pages=1) -> bytes:
        sheets = []
        for page in range(pages):
            revisions = [Revision(m, date(2026, 3, 1 + 3 * i), "ISSUED", "JD") for i, m in enumerate(marks)]
            sheets.append(
                Sheet(
                    number=number if pages == 1 else f"{number[:-1]}{page + 1}",
                    title=title,
                    revisions=revisions,
                    drawn=revisions[0].day,
                    extras={"newest_first": "no"},
                )
            )
        path = tmp_path / f"sheet-{number}-{pages}.pdf"
        write_sheet_pdf(path, layouts[layout], sheets, seed=5)
        return path.read_bytes()

    return write
