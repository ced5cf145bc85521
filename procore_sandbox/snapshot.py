"""Copy the rows of some tables aside once, and put them back in a few milliseconds (for test suites).

A test suite on a live server runs each test in a database it empties afterwards (pytest-django's
`transactional_db` flushes every table). Building the same rows again for every test (the seeded
sandbox, a synced mirror) is the slow part; instead the rows are copied once into shadow tables in
the same database (`CREATE TABLE … AS SELECT`) and copied back (`INSERT … SELECT`) when a test
wants them. Shadow tables are not Django's, so a flush leaves them alone, and they vanish with the
test database. Works on SQLite and PostgreSQL alike; no row passes through Python.

Only the tables that hold rows when the snapshot is taken are kept and put back: a table the world
leaves empty (a switch, a fault, a counter) keeps whatever a test or an earlier fixture put there.
Sequences only move forward: an id handed out in one test is never handed out again in a later one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.apps import apps
from django.db import connection, models, transaction


def tables_of(app_labels: Iterable[str], *, exclude: Iterable[type[models.Model]] = ()) -> list[str]:
    """The database tables of these apps' models, many-to-many tables included."""
    skipped = {model._meta.db_table for model in exclude}
    tables: list[str] = []
    for label in app_labels:
        for model in apps.get_app_config(label).get_models(include_auto_created=True):
            if model._meta.managed and not model._meta.proxy and model._meta.db_table not in skipped:
                tables.append(model._meta.db_table)
    return tables


@dataclass
class Snapshot:
    """The rows of `tables` as they were when `take()` ran, kept under `name`."""

    name: str
    tables: list[str]
    _shadows: dict[str, str] = field(default_factory=dict)

    @property
    def taken(self) -> bool:
        return bool(self._shadows)

    def _shadow(self, table: str) -> str:
        digest = hashlib.sha1(f"{self.name}:{table}".encode()).hexdigest()[:12]
        return f"zz_snapshot_{digest}"

    def take(self) -> None:
        quote = connection.ops.quote_name
        self._shadows = {}
        with connection.cursor() as cursor:
            for table in self.tables:
                cursor.execute(f"SELECT 1 FROM {quote(table)} LIMIT 1")
                if cursor.fetchone() is None:
                    continue
                shadow = self._shadow(table)
                cursor.execute(f"DROP TABLE IF EXISTS {quote(shadow)}")
                cursor.execute(f"CREATE TABLE {quote(shadow)} AS SELECT * FROM {quote(table)}")
                self._shadows[table] = shadow

    def restore(self) -> None:
        """Make the tables hold exactly the snapshot's rows (whatever they held before)."""
        assert self.taken, "take() the snapshot first"
        quote = connection.ops.quote_name
        with transaction.atomic(), connection.cursor() as cursor:
            # Foreign keys are checked at commit (Django makes them deferrable), so order is free.
            for table in self._shadows:
                cursor.execute(f"DELETE FROM {quote(table)}")
            for table, shadow in self._shadows.items():
                cursor.execute(f"INSERT INTO {quote(table)} SELECT * FROM {quote(shadow)}")
            if connection.vendor == "postgresql":
                _advance_sequences(cursor, list(self._shadows))
        # SQLite's AUTOINCREMENT counters follow the largest id inserted on their own.


def _advance_sequences(cursor, tables: list[str]) -> None:
    """Move each table's id sequence past the restored rows, never backwards."""
    for table in tables:
        model = next((m for m in apps.get_models(include_auto_created=True) if m._meta.db_table == table), None)
        pk = model._meta.pk if model else None
        if pk is None or not pk.column or not isinstance(pk, models.AutoField):
            continue  # AutoField covers BigAutoField and SmallAutoField too
        cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, pk.column])
        (sequence,) = cursor.fetchone()
        if not sequence:
            continue
        quote = connection.ops.quote_name
        cursor.execute(f"SELECT MAX({quote(pk.column)}) FROM {quote(table)}")
        (largest,) = cursor.fetchone()
        cursor.execute(f"SELECT last_value, is_called FROM {sequence}")
        last, called = cursor.fetchone()
        used = last if called else last - 1
        if largest is not None and largest > used:
            cursor.execute("SELECT setval(%s, %s, true)", [sequence, largest])
