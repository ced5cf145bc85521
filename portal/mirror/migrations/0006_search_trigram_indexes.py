"""Trigram indexes for searching a project's files and document revisions on PostgreSQL.

Searches filter with `icontains`, which Django writes on PostgreSQL as
``UPPER(column::text) LIKE UPPER(%s)``: a GIN trigram index on that very expression answers it
without reading the project's every row. SQLite has no such index; it scans (one machine, small
projects).
"""

from __future__ import annotations

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEXES = [
    ("mirror_file_name_trgm", "mirror_file", "name"),
    ("mirror_file_path_trgm", "mirror_file", "name_with_path"),
    ("mirror_revision_name_trgm", "mirror_revision", "name"),
    ("mirror_revision_number_trgm", "mirror_revision", "number"),
]


def create(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, table, column in INDEXES:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
        )


def drop(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _, _ in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("mirror", "0005_project_roles")]

    operations = [TrigramExtension(), migrations.RunPython(create, drop)]
